//! The status vocabulary, the departed rule and dates.

use super::{date, parse, parse_with};
use crate::error::Error;
use crate::model::EmploymentStatus;
use crate::roster::status::{ACTIVE, DEPARTED, IDP_ACTIVE, IDP_DEPARTED, LEAVE};
use crate::roster::{Roster, RosterOptions};

fn status_of(cell: &str) -> Result<EmploymentStatus, String> {
    first_status(&format!(
        "email,status\na@example.com,\"{}\"\n",
        cell.replace('"', "\"\"")
    ))
}

/// The status of the first person of a roster, or the error's message.
fn first_status(text: &str) -> Result<EmploymentStatus, String> {
    match parse(text) {
        Ok(r) => Ok(r.people[0].status),
        Err(Error::Input { message, .. }) => Err(message),
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn status_zero_one_many() {
    assert_eq!(status_of(""), Ok(EmploymentStatus::Unknown));
    assert_eq!(status_of("   "), Ok(EmploymentStatus::Unknown));
    assert_eq!(status_of("unknown"), Ok(EmploymentStatus::Unknown));
    for (words, want) in [
        (ACTIVE, EmploymentStatus::Active),
        (LEAVE, EmploymentStatus::Leave),
        (DEPARTED, EmploymentStatus::Departed),
    ] {
        for word in words {
            assert_eq!(status_of(word), Ok(want), "{word}");
            assert_eq!(status_of(&word.to_uppercase()), Ok(want), "{word}");
            assert_eq!(status_of(&word.replace(' ', "_")), Ok(want), "{word}");
        }
    }
    for (cell, want) in [
        ("  Active  ", EmploymentStatus::Active),
        ("Full-Time", EmploymentStatus::Active),
        ("Leave-Of-Absence", EmploymentStatus::Leave),
        ("Terminated - Voluntary", EmploymentStatus::Departed),
        ("Terminated (Involuntary)", EmploymentStatus::Departed),
        ("terminated-involuntary", EmploymentStatus::Departed),
        ("Inactive: retired", EmploymentStatus::Departed),
        ("On-Leave - parental", EmploymentStatus::Leave),
        ("Terminated – Terminated", EmploymentStatus::Departed),
    ] {
        assert_eq!(status_of(cell), Ok(want), "{cell}");
    }
}

#[test]
fn unknown_and_contradictory_statuses_are_errors() {
    for cell in [
        "pending",
        "yes",
        "1",
        "A",
        "active duty",
        "(active)",
        "n/a",
        "=1+1",
    ] {
        let message = status_of(cell).unwrap_err();
        assert!(
            message.contains("is not a known employment status"),
            "{cell}: {message}"
        );
        assert!(message.contains("departed = terminated"), "{message}");
    }
    let message = status_of("Active - On Leave").unwrap_err();
    assert!(
        message.contains("names two different statuses (active and leave)"),
        "{message}"
    );
    let long = "active ".repeat(50);
    assert!(status_of(&long).is_err());
}

#[test]
fn departed_rule() {
    let r = parse(
        "email,status,termination_date\n\
         gone@x.com,terminated,\n\
         past@x.com,active,2026-03-30\n\
         today@x.com,active,2026-03-31\n\
         future@x.com,,2026-04-01\n\
         leave@x.com,leave,\n\
         leave-past@x.com,leave,2026-01-01\n\
         active@x.com,active,\n",
    )
    .unwrap();
    let as_of = date("2026-03-31");
    let departed: Vec<_> = r
        .people
        .iter()
        .filter(|p| p.departed(as_of))
        .map(|p| p.email.as_deref().unwrap())
        .collect();
    assert_eq!(departed, ["gone@x.com", "past@x.com", "leave-past@x.com"]);
    assert_eq!(r.departed_count(as_of), 3);
    assert_eq!(r.departed_count(date("2020-01-01")), 1);
}

#[test]
fn iso_dates_and_date_format() {
    let roster = |cells: &[&str], format: Option<&str>| {
        let mut text = String::from("email,termination_date\n");
        for (i, c) in cells.iter().enumerate() {
            text.push_str(&format!("p{i}@x.com,\"{c}\"\n"));
        }
        let opts = RosterOptions {
            date_format: format.map(str::to_owned),
            map: None,
        };
        parse_with(text.as_bytes(), &opts)
    };
    let iso = [
        "2026-03-31",
        "2026-03-31T17:00:00Z",
        "2026-03-31T17:00:00.123+02:00",
        "2026-03-31t17:00-0800",
        "2026-03-31 17:00:00",
        "2026-03-31 17:00",
        "2026-03-31 00:00:00 UTC",
        " 2026-03-31 ",
    ];
    let r = roster(&iso, None).unwrap();
    assert!(
        r.people
            .iter()
            .all(|p| p.termination_date == Some(date("2026-03-31")))
    );
    let r = roster(&["31.03.2026", "2026-03-31", ""], Some("%d.%m.%Y")).unwrap();
    let dates: Vec<_> = r.people.iter().map(|p| p.termination_date).collect();
    assert_eq!(
        dates,
        [Some(date("2026-03-31")), Some(date("2026-03-31")), None]
    );

    let message = |r: Result<Roster, Error>| match r {
        Err(Error::Input {
            line: Some(2),
            column: Some(2),
            message,
            ..
        }) => message,
        other => panic!("{other:?}"),
    };
    let m = message(roster(&["31/03/2026"], Some("%m/%d/%Y")));
    assert!(
        m.contains("is not a valid calendar date (read with --date-format '%m/%d/%Y')"),
        "{m}"
    );
    let m = message(roster(&["March 31"], Some("%m/%d/%Y")));
    assert!(
        m.contains("neither ISO 8601 (YYYY-MM-DD) nor in the --date-format '%m/%d/%Y'"),
        "{m}"
    );
    for (cell, hint) in [
        ("03/31/2026", "'%m/%d/%Y'"),
        ("31/03/2026", "'%d/%m/%Y'"),
        ("4/5/26", "'%m/%d/%y' (or '%d/%m/%y')"),
        ("31-Mar-2026", "'%d-%b-%Y'"),
        ("March 31, 2026", "'%B %d, %Y'"),
        ("2026/3/31", "'%Y/%m/%d'"),
        ("2026-3-31", "'%Y-%m-%d'"),
    ] {
        let m = message(roster(&[cell], None));
        assert!(
            m.contains(&format!("pass --date-format {hint}")),
            "{cell}: {m}"
        );
    }
    for cell in ["2026-02-29", "2026-04-31", "2026-00-10"] {
        assert!(message(roster(&[cell], None)).contains("not a valid calendar date"));
    }
    for cell in [
        "2026-03-31x",
        "2026-03-31T",
        "2026-03-31 17",
        "2026-03-31T17:00+1",
        "2026-03-311",
    ] {
        assert!(roster(&[cell], None).is_err(), "{cell}");
    }
    let err = roster(&["2026-03-31"], Some("%Q")).unwrap_err();
    assert!(
        matches!(&err, Error::Usage(m) if m.contains("--date-format '%Q'")),
        "{err}"
    );
    assert_eq!(err.exit_code(), 2);
}

/// The status of the one person of an IdP export whose header line is
/// `header` (the email column first) and whose status cell is `cell`.
fn idp_status_of(header: &str, cell: &str) -> Result<EmploymentStatus, String> {
    first_status(&format!("{header}\na@example.com,a@example.com,{cell}\n"))
}

#[test]
fn idp_account_states_count_only_in_idp_exports() {
    assert_eq!(status_of("Suspended"), Ok(EmploymentStatus::Leave));
    assert_eq!(
        first_status("Work Email,userPrincipalName,Employment Status\na@x.com,a@x.com,Suspended\n"),
        Ok(EmploymentStatus::Leave),
        "a userPrincipalName column alone does not make an HR export an Entra one"
    );
    for word in IDP_DEPARTED
        .iter()
        .chain(IDP_ACTIVE)
        .chain(&["true", "false"])
    {
        if *word != "suspended" {
            let message = status_of(word).unwrap_err();
            assert!(
                message.contains("is not a known employment status"),
                "{message}"
            );
        }
    }
    for header in [
        "Username,Primary email,Status",
        "Email Address [Required],Work Secondary Email,Status [READ ONLY]",
    ] {
        for (words, want) in [
            (IDP_DEPARTED, EmploymentStatus::Departed),
            (IDP_ACTIVE, EmploymentStatus::Active),
            (&["terminated", "inactive"][..], EmploymentStatus::Departed),
            (&["Active", "on leave"][..], EmploymentStatus::Active),
        ] {
            for word in words {
                let got = idp_status_of(header, &word.to_uppercase().replace(' ', "_"));
                let want = if *word == "on leave" {
                    EmploymentStatus::Leave
                } else {
                    want
                };
                assert_eq!(got, Ok(want), "{header}: {word}");
            }
        }
        assert_eq!(idp_status_of(header, ""), Ok(EmploymentStatus::Unknown));
        let message = idp_status_of(header, "Archived").unwrap_err();
        assert!(
            message.starts_with("status 'Archived' is not a known employment status"),
            "{message}"
        );
        assert!(
            message.contains("in identity-provider exports also active = staged"),
            "{message}"
        );
    }
    let entra = "userPrincipalName,mail,accountEnabled";
    for (cell, want) in [
        ("True", Ok(EmploymentStatus::Active)),
        ("FALSE", Ok(EmploymentStatus::Departed)),
        ("", Ok(EmploymentStatus::Unknown)),
        (
            "active",
            Err(
                "accountEnabled 'active' is neither true nor false; or leave the cell empty"
                    .to_owned(),
            ),
        ),
    ] {
        assert_eq!(idp_status_of(entra, cell), want, "{cell}");
    }
}
