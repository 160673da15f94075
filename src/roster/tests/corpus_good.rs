//! The well-formed corpus: every roster in `fixtures/rosters/good` parses to
//! exactly what is written here.

use super::{date, fixtures as dir};
use crate::model::{EmploymentStatus, Person};
use crate::roster::{Roster, RosterOptions};

fn good(name: &str) -> Roster {
    good_with(name, RosterOptions::default())
}

fn good_with(name: &str, opts: RosterOptions) -> Roster {
    Roster::load(&dir("good").join(name), &opts).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn by_email<'a>(roster: &'a Roster, email: &str) -> &'a Person {
    roster
        .people
        .iter()
        .find(|p| p.email.as_deref() == Some(email))
        .unwrap_or_else(|| panic!("no {email} in {:#?}", roster.people))
}

#[test]
fn basic() {
    let r = good("basic.csv");
    assert_eq!(r.people.len(), 5);
    assert!(r.warnings.is_empty());
    assert_eq!(
        r.people[0],
        Person {
            line: 2,
            employee_id: Some("1001".into()),
            email: Some("ada.lovelace@example.com".into()),
            full_name: Some("Ada Lovelace".into()),
            status: EmploymentStatus::Active,
            status_text: Some("Active".into()),
            termination_date: None,
            hf_username: Some("ada-l".into()),
            department: Some("Research".into()),
            cost_center: Some("CC-100".into()),
            manager_email: Some("charles@example.com".into()),
        }
    );
    let alan = by_email(&r, "alan@example.com");
    assert_eq!(alan.status, EmploymentStatus::Departed);
    assert_eq!(alan.termination_date, Some(date("2025-06-07")));
    assert_eq!(
        by_email(&r, "grace@example.com").status,
        EmploymentStatus::Leave
    );
    let linus = by_email(&r, "linus@example.com");
    assert_eq!(
        (linus.status, linus.status_text.as_deref()),
        (EmploymentStatus::Unknown, None)
    );
    assert_eq!(linus.manager_email, None);
    assert_eq!(
        by_email(&r, "margaret@example.com").hf_username.as_deref(),
        Some("mham")
    );
    assert_eq!(r.departed_count(date("2026-01-01")), 2);
    assert_eq!(r.departed_count(date("2099-02-01")), 3);
}

#[test]
fn bom_crlf() {
    let r = good("bom_crlf.csv");
    assert_eq!(r.people.len(), 3);
    let jane = &r.people[0];
    assert_eq!(jane.employee_id.as_deref(), Some("E-001"));
    assert_eq!(jane.full_name.as_deref(), Some("Doe, Jane"));
    assert_eq!(jane.cost_center.as_deref(), Some("CC 10"));
    let john = by_email(&r, "john.roe@example.com");
    assert_eq!(john.status, EmploymentStatus::Departed);
    assert_eq!(john.status_text.as_deref(), Some("Terminated - Voluntary"));
    assert_eq!(john.termination_date, Some(date("2026-01-15")));
    assert_eq!(john.hf_username.as_deref(), Some("jroe"));
    assert_eq!(john.line, 3);
    assert_eq!(r.people[2].status, EmploymentStatus::Leave);
}

#[test]
fn semicolon_bom() {
    let r = good("semicolon_bom.csv");
    assert_eq!(r.people.len(), 3);
    assert_eq!(r.people[0].employee_id.as_deref(), Some("0042"));
    assert_eq!(
        r.people[0].department.as_deref(),
        Some("Forschung, Entwicklung")
    );
    let zoe = by_email(&r, "zoe@example.de");
    assert_eq!(zoe.full_name.as_deref(), Some("Zoë Ångström"));
    assert_eq!(zoe.status, EmploymentStatus::Departed);
    assert_eq!(zoe.termination_date, Some(date("2025-12-31")));
    assert_eq!(
        by_email(&r, "semi@example.de").full_name.as_deref(),
        Some("Semi; Colon")
    );
}

#[test]
fn workday() {
    let r = good("workday.csv");
    assert_eq!(r.people.len(), 4);
    let kathy = &r.people[0];
    assert_eq!(
        kathy.full_name.as_deref(),
        Some("Katherine Johnson"),
        "Legal Name beats Preferred Name"
    );
    assert_eq!(
        kathy.department.as_deref(),
        Some("Flight Research (Katherine Johnson)")
    );
    assert_eq!(kathy.manager_email.as_deref(), Some("dorothy@example.com"));
    let dorothy = by_email(&r, "dvaughan@example.com");
    assert_eq!(
        dorothy.termination_date,
        Some(date("2025-09-30")),
        "the date as written"
    );
    assert_eq!(
        by_email(&r, "mjackson@example.com").status,
        EmploymentStatus::Leave
    );
    let christine = by_email(&r, "cdarden@example.com");
    assert_eq!(christine.status, EmploymentStatus::Active);
    assert!(!christine.departed(date("2026-12-31")));
    assert!(christine.departed(date("2027-01-01")));
}

#[test]
fn bamboohr() {
    let r = good("bamboohr.csv");
    assert_eq!(r.people.len(), 4);
    let hedy = &r.people[0];
    assert_eq!(hedy.employee_id.as_deref(), Some("7"));
    assert_eq!(hedy.full_name.as_deref(), Some("Hedy Lamarr"));
    assert_eq!(
        hedy.email.as_deref(),
        Some("hedy@example.com"),
        "Home Email is ignored"
    );
    assert_eq!(
        hedy.status_text.as_deref(),
        Some("Full-Time"),
        "Employment Status beats Status"
    );
    assert_eq!(hedy.status, EmploymentStatus::Active);
    assert_eq!(
        hedy.department.as_deref(),
        Some("Engineering"),
        "Department beats Division"
    );
    assert_eq!(hedy.manager_email.as_deref(), Some("boss@example.com"));
    let rosalind = by_email(&r, "rosalind@example.com");
    assert_eq!(rosalind.status, EmploymentStatus::Departed);
    assert_eq!(rosalind.termination_date, Some(date("2025-03-15")));
    assert_eq!(
        by_email(&r, "sinclair@example.com").full_name.as_deref(),
        Some("Sinclair")
    );
}

#[test]
fn rippling() {
    let r = good("rippling.csv");
    assert_eq!(r.people.len(), 3);
    assert_eq!(r.people[0].status, EmploymentStatus::Active);
    assert_eq!(r.people[0].hf_username.as_deref(), Some("timbl"));
    assert_eq!(
        r.people[0].manager_email.as_deref(),
        Some("vint@example.com")
    );
    let vint = by_email(&r, "vint@example.com");
    assert_eq!(vint.status, EmploymentStatus::Departed);
    assert_eq!(vint.hf_username.as_deref(), Some("vcerf"));
    assert_eq!(vint.termination_date, Some(date("2024-11-30")));
    let radia = by_email(&r, "radia@example.com");
    assert_eq!(
        (radia.status, radia.hf_username.as_deref()),
        (EmploymentStatus::Leave, None)
    );
}

#[test]
fn hibob() {
    let r = good("hibob.csv");
    assert_eq!(r.people.len(), 4);
    assert_eq!(r.people[0].full_name.as_deref(), Some("Annie E."));
    assert_eq!(r.people[0].status, EmploymentStatus::Active);
    let evelyn = by_email(&r, "evelyn@example.com");
    assert_eq!(evelyn.status, EmploymentStatus::Leave);
    assert!(!evelyn.departed(date("2026-02-28")));
    assert!(evelyn.departed(date("2026-03-01")));
    let frances = by_email(&r, "frances@example.com");
    assert_eq!(
        frances.full_name.as_deref(),
        Some("Frances Allen"),
        "empty display name"
    );
    assert_eq!(frances.status, EmploymentStatus::Active);
    assert_eq!(r.departed_count(date("2026-01-01")), 1);
}

#[test]
fn tab_separated() {
    let r = good("tab_separated.csv");
    assert_eq!(r.people.len(), 3);
    assert_eq!(r.people[0].department.as_deref(), Some("Unix"));
    let dmr = &r.people[1];
    assert_eq!(
        (dmr.email.as_deref(), dmr.hf_username.as_deref()),
        (None, Some("dmr"))
    );
    assert_eq!(dmr.status, EmploymentStatus::Departed);
    assert_eq!(r.people[2].hf_username, None);
}

#[test]
fn hf_only() {
    let r = good("hf_only.csv");
    let names: Vec<_> = r
        .people
        .iter()
        .map(|p| p.hf_username.as_deref().unwrap())
        .collect();
    assert_eq!(names, ["jdoe", "asmith", "bwayne"]);
    assert!(
        r.people
            .iter()
            .all(|p| p.status == EmploymentStatus::Unknown && p.email.is_none())
    );
    assert_eq!(r.departed_count(date("2026-01-01")), 1);
}

#[test]
fn us_dates_need_the_format() {
    let opts = RosterOptions {
        date_format: Some("%m/%d/%Y".into()),
        map: None,
    };
    let r = good_with("us_dates.csv", opts);
    let dates: Vec<_> = r.people.iter().map(|p| p.termination_date).collect();
    assert_eq!(
        dates,
        [
            Some(date("2025-03-31")),
            None,
            Some(date("2025-04-30")),
            Some(date("2099-12-31"))
        ]
    );
    let err =
        Roster::load(&dir("good").join("us_dates.csv"), &RosterOptions::default()).unwrap_err();
    assert!(
        err.to_string()
            .contains("us_dates.csv:2:3: termination date '03/31/2025'"),
        "{err}"
    );
}

#[test]
fn mapped() {
    let opts = RosterOptions {
        date_format: None,
        map: Some(dir("good").join("mapped.toml")),
    };
    let r = good_with("mapped.csv", opts);
    assert_eq!(r.people.len(), 2);
    let ana = &r.people[0];
    assert_eq!(
        ana.email.as_deref(),
        Some("ana@example.es"),
        "the map beats the Email alias"
    );
    assert_eq!(ana.full_name.as_deref(), Some("Ana García"));
    assert_eq!(ana.status, EmploymentStatus::Active);
    assert_eq!(ana.cost_center.as_deref(), Some("CC-1"));
    let luis = &r.people[1];
    assert_eq!(luis.status, EmploymentStatus::Departed);
    assert_eq!(luis.termination_date, Some(date("2025-10-10")));
}

#[test]
fn messy() {
    let r = good("messy.csv");
    let lines: Vec<u64> = r.people.iter().map(|p| p.line).collect();
    assert_eq!(
        lines,
        [3, 5, 7],
        "a quoted newline and blank lines are counted"
    );
    assert_eq!(r.people[0].email.as_deref(), Some("ada@example.com"));
    assert_eq!(r.people[0].status, EmploymentStatus::Active);
    assert_eq!(r.people[1].status_text.as_deref(), Some("TERMINATED"));
    assert_eq!(r.people[1].termination_date, Some(date("2025-06-07")));
    assert_eq!(r.people[2].status, EmploymentStatus::Unknown);
}

#[test]
fn duplicates() {
    let r = good("duplicates.csv");
    let lines: Vec<u64> = r.people.iter().map(|p| p.line).collect();
    assert_eq!(lines, [3, 4, 6]);
    let path = dir("good").join("duplicates.csv");
    let p = path.display();
    assert_eq!(
        r.warnings,
        [
            format!(
                "{p}:4: duplicate email ada@example.com (also on line 2); the later row (line 4) wins"
            ),
            format!(
                "{p}:5: duplicate employee_id '2' (also on line 3); line 3 wins: it has the later termination date (2025-06-07, against 2021-01-01)"
            ),
        ]
    );
    assert_eq!(
        by_email(&r, "ada@example.com").status,
        EmploymentStatus::Active
    );
    assert_eq!(
        by_email(&r, "alan@example.com").termination_date,
        Some(date("2025-06-07"))
    );
}

#[test]
fn excel_sep_line() {
    let r = good("excel_sep_line.csv");
    let lines: Vec<u64> = r.people.iter().map(|p| p.line).collect();
    assert_eq!(lines, [3, 4]);
    assert_eq!(r.people[1].status, EmploymentStatus::Departed);
    assert_eq!(r.people[1].termination_date, Some(date("2025-02-28")));
}

/// The departed state of each person, in file order, as of `as_of`.
fn departed<'a>(r: &'a Roster, as_of: &str) -> Vec<(&'a str, bool)> {
    r.people
        .iter()
        .map(|p| (p.email.as_deref().unwrap(), p.departed(date(as_of))))
        .collect()
}

#[test]
fn google_workspace() {
    let r = good("google_workspace.csv");
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    assert_eq!(
        r.people[0],
        Person {
            line: 2,
            employee_id: Some("E100".into()),
            email: Some("ada@acme.example".into()),
            full_name: Some("Ada Lovelace".into()),
            status: EmploymentStatus::Active,
            status_text: Some("Active".into()),
            termination_date: None,
            hf_username: None,
            department: Some("Research".into()),
            cost_center: Some("CC-100".into()),
            manager_email: Some("grace@acme.example".into()),
        },
        "'Email Address [Required]' is the email, 'Recovery Email' is not"
    );
    let alan = by_email(&r, "alan@acme.example");
    assert_eq!(
        (alan.status, alan.status_text.as_deref()),
        (EmploymentStatus::Departed, Some("Suspended")),
        "a suspended Google account is a leaver's, whatever 'New Status [UPLOAD ONLY]' says"
    );
    assert_eq!(
        departed(&r, "2026-12-01"),
        [
            ("ada@acme.example", false),
            ("alan@acme.example", true),
            ("grace@acme.example", false),
            ("katherine@acme.example", false),
        ]
    );
    let katherine = by_email(&r, "katherine@acme.example");
    assert_eq!(
        (
            katherine.employee_id.as_deref(),
            katherine.department.as_deref()
        ),
        (None, None)
    );
    assert!(r.people.iter().all(|p| p.termination_date.is_none()));
}

#[test]
fn okta() {
    let r = good("okta.csv");
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    let ada = &r.people[0];
    assert_eq!(
        (
            ada.employee_id.as_deref(),
            ada.full_name.as_deref(),
            ada.hf_username.as_deref(),
            ada.manager_email.as_deref(),
        ),
        (Some("E100"), Some("Ada Lovelace"), None, None),
        "the Okta username is a login, not a Hugging Face username; 'Manager' is a name"
    );
    let statuses: Vec<_> = r.people.iter().map(|p| p.status).collect();
    assert_eq!(
        statuses,
        [
            EmploymentStatus::Active,
            EmploymentStatus::Departed,
            EmploymentStatus::Active,
            EmploymentStatus::Departed,
            EmploymentStatus::Active,
        ],
        "ACTIVE, DEPROVISIONED, LOCKED_OUT, SUSPENDED, STAGED"
    );
    assert_eq!(r.departed_count(date("2026-12-01")), 2);
    assert_eq!(
        by_email(&r, "alan@acme.example").email.as_deref(),
        Some("alan@acme.example"),
        "the primary email, not the secondary one"
    );
}

#[test]
fn entra() {
    let r = good("entra.csv");
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    assert_eq!(
        r.people[0],
        Person {
            line: 2,
            employee_id: None,
            email: Some("ada.lovelace@acme.example".into()),
            full_name: Some("Ada Lovelace".into()),
            status: EmploymentStatus::Active,
            status_text: Some("True".into()),
            termination_date: None,
            hf_username: None,
            department: Some("Research".into()),
            cost_center: None,
            manager_email: None,
        },
        "mail beats userPrincipalName; objectId is not an employee id"
    );
    assert_eq!(
        departed(&r, "2026-12-01"),
        [
            ("ada.lovelace@acme.example", false),
            ("alan@acme.example", true),
            ("svc-build@acme.onmicrosoft.com", false),
            ("kim@partner.example", false),
        ],
        "accountEnabled False departs; an empty mail falls back to the userPrincipalName"
    );
}

#[test]
fn every_good_file_has_a_test() {
    let tested = [
        "basic.csv",
        "bom_crlf.csv",
        "semicolon_bom.csv",
        "workday.csv",
        "bamboohr.csv",
        "rippling.csv",
        "hibob.csv",
        "tab_separated.csv",
        "hf_only.csv",
        "us_dates.csv",
        "mapped.csv",
        "mapped.toml",
        "messy.csv",
        "duplicates.csv",
        "excel_sep_line.csv",
        "google_workspace.csv",
        "okta.csv",
        "entra.csv",
    ];
    for entry in std::fs::read_dir(dir("good")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        assert!(tested.contains(&name.as_str()), "{name} has no test");
    }
}
