//! Hub text is hostile: group names, group descriptions, repo names,
//! grantees' usernames and full names, the org's full name — script tags,
//! event handlers, `javascript:` URLs, formula cells, right-to-left
//! overrides and control characters — must be inert in report.html and the
//! CSVs. Names used in URLs are percent-encoded; org names are validated
//! (`--org ../../etc` is exit 2 and touches nothing).

use serde_json::Value;

use crate::harness::{Case, Run, assert_code, files_below};
use crate::support::fake_hub::{
    AccessGrant, AccessUser, Group, GroupRepo, GroupUser, Repo, fake_id,
};
use crate::support::generate::{OrgSpec, generate_org, world_for};
use hfaudit::model::Collector;

/// Attacks on a report: each must survive only as inert text.
const ATTACKS: [&str; 8] = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<a href=\"javascript:alert(1)\">x</a>",
    "\" onmouseover=\"alert(1)",
    "=HYPERLINK(\"http://evil.example\")",
    "+cmd|' /C calc'!A0",
    "@SUM(A1:A9)",
    "Admin\u{202E}gnp.exe\u{0}\u{7}\r\nx",
];

/// A repo name carrying `attack`: URL parsers drop CR and LF from paths
/// (WHATWG), so a name with them could not be requested as itself.
fn repo_name(attack: &str) -> String {
    format!("acme/{}", attack.replace(['\r', '\n'], ""))
}

/// The member every hostile group and repo is about; departed.
const LEAVER: &str = "leaver";

/// An org whose groups, descriptions, gated repos and grantees carry the
/// attacks; `leaver` is in every group and holds access to every repo.
fn hostile_case() -> Case {
    let mut org = generate_org(&OrgSpec::new("acme", 3));
    org.fullname = ATTACKS[0].into();
    let mut leaver = crate::support::fake_hub::OrgMember::new(LEAVER, "write");
    leaver.fullname = ATTACKS[1].into();
    org.members.push(leaver.clone());
    let groups = org.resource_groups.get_or_insert_with(Vec::new);
    for (i, attack) in ATTACKS.iter().enumerate() {
        groups.push(Group {
            id: format!("{i:024x}"),
            name: attack.to_string(),
            description: attack.to_string(),
            users: vec![GroupUser {
                id: leaver.id.clone(),
                name: LEAVER.into(),
                fullname: attack.to_string(),
                role: "write".into(),
                added_by: "auditor".into(),
            }],
            repos: vec![GroupRepo::repo(
                "model",
                &repo_name(attack),
                true,
                "auditor",
            )],
            ..Group::default()
        });
        let mut repo = Repo::new(&repo_name(attack), true, Some("manual"));
        for (n, user) in [(0, LEAVER.to_string()), (1, attack.to_string())] {
            repo.accepted.push(AccessGrant {
                reset_reason: None,
                user: Some(AccessUser {
                    id: fake_id(&format!("u{i}-{n}")),
                    user: user.clone(),
                    fullname: attack.to_string(),
                    email: None,
                }),
                timestamp: "2026-01-05T09:30:00.000Z".into(),
                reviewed_at: "2026-01-05T09:30:00.000Z".into(),
                granted_by: "auditor".into(),
            });
        }
        org.models.push(repo);
    }
    Case::new(world_for(vec![org]))
}

fn report(case: &Case) -> Run {
    let roster = case.dir.path().join("roster.csv");
    std::fs::write(
        &roster,
        "email,hf_username,status,termination_date\n\
         l@acme.example,leaver,terminated,2026-01-31\n\
         a@acme.example,auditor,active,\n",
    )
    .unwrap();
    let out = case.dir.path().join("out");
    case.run(&[
        "report",
        "--roster",
        roster.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--as-of",
        "2026-06-30",
    ])
}

#[test]
fn hostile_group_repo_and_grantee_text_is_inert_in_html_and_csv() {
    let case = hostile_case();
    let run = case.snapshot("acme", &[]);
    assert_code(&run, 0);
    let snap = case.latest("acme");
    assert_eq!(
        snap.groups.len(),
        ATTACKS.len(),
        "every hostile group stored"
    );
    assert_eq!(
        snap.repo_access.len(),
        2 * ATTACKS.len(),
        "every grant stored: {:?}",
        snap.collector(Collector::RepoAccess)
    );
    assert_code(&report(&case), 1);
    let out = case.dir.path().join("out");

    // The attacks reached the reports (as findings), so inertness is tested.
    let json: Value =
        serde_json::from_slice(&std::fs::read(out.join("findings.json")).unwrap()).unwrap();
    let subjects: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["subject"].as_str().unwrap())
        .collect();
    for attack in ATTACKS {
        assert!(
            subjects.contains(&format!("{LEAVER}@{attack}").as_str()),
            "departed_group_access for group {attack:?}: {subjects:?}"
        );
        assert!(
            subjects.contains(&format!("{LEAVER}@{}", repo_name(attack)).as_str()),
            "departed_gated_access for repo {attack:?}: {subjects:?}"
        );
    }

    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    for raw in [
        "<script>alert",
        "<img",
        "<a href=\"javascript",
        "onmouseover=\"alert",
        "\u{202E}",
        "\u{0}",
        "\u{7}",
    ] {
        assert!(!html.contains(raw), "report.html contains {raw:?}");
    }
    assert!(
        !html.contains("href=\"javascript:") && !html.contains("href='javascript:"),
        "a javascript: link"
    );
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;"),
        "escaped group names are shown"
    );
    assert!(
        !html.chars().any(|c| c.is_control() && c != '\n'),
        "control characters in report.html"
    );

    for csv in ["findings.csv", "access.csv", "seats.csv"] {
        let text = std::fs::read_to_string(out.join(csv)).unwrap();
        assert!(!text.contains('\u{202E}'), "{csv}: bidi override");
        assert!(
            !text.contains('\u{0}') && !text.contains('\u{7}'),
            "{csv}: control"
        );
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(text.as_bytes());
        for record in reader.records() {
            for cell in record.unwrap().iter() {
                assert!(
                    !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                    "{csv}: formula cell {cell:?}"
                );
            }
        }
    }
    let access = std::fs::read_to_string(out.join("access.csv")).unwrap();
    assert!(
        access.contains("'=HYPERLINK") || access.contains("=HYPERLINK"),
        "hostile group names are listed in access.csv"
    );
}

/// Repo names go into request paths: every character that means something
/// in a URL is percent-encoded, so each request reaches its own repo.
#[test]
fn repo_names_in_request_paths_are_percent_encoded() {
    let mut org = generate_org(&OrgSpec::new("acme", 3));
    let names = ["a?b", "c#d", "e f", "g%2Fh", "i/j", "k\\l", "m<n>"];
    for (i, name) in names.iter().enumerate() {
        let mut repo = Repo::new(&format!("acme/{name}"), false, Some("auto"));
        repo.accepted.push(AccessGrant {
            reset_reason: None,
            user: Some(AccessUser {
                id: fake_id(&format!("u{i}")),
                user: format!("user{i}"),
                fullname: "U".into(),
                email: None,
            }),
            timestamp: "2026-01-05T09:30:00.000Z".into(),
            reviewed_at: "2026-01-05T09:30:00.000Z".into(),
            granted_by: String::new(),
        });
        org.models.push(repo);
    }
    let case = Case::new(world_for(vec![org]));
    assert_code(&case.snapshot("acme", &[]), 0);
    let snap = case.latest("acme");
    let mut got: Vec<(String, String)> = snap
        .repo_access
        .iter()
        .map(|r| (r.repo.clone(), r.username.clone().unwrap()))
        .collect();
    got.sort();
    let mut want: Vec<(String, String)> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (format!("acme/{n}"), format!("user{i}")))
        .collect();
    want.sort();
    assert_eq!(got, want, "each repo's grants, read from its own URL");
    let paths: Vec<String> = case
        .hub
        .requests()
        .into_iter()
        .map(|r| r.path)
        .filter(|p| p.contains("user-access-request"))
        .collect();
    for encoded in ["a%3Fb", "c%23d", "e%20f", "g%252Fh", "i%2Fj", "m%3Cn%3E"] {
        assert!(
            paths
                .iter()
                .any(|p| p == &format!("/api/models/acme/{encoded}/user-access-request/accepted")),
            "{encoded}: {paths:?}"
        );
    }
}

/// A repo named `.` or `..` must not turn into a request for another path
/// (URL libraries drop such segments): it is refused, never followed.
#[test]
fn dot_segments_in_repo_names_never_reach_another_path() {
    for name in ["..", "."] {
        let mut org = generate_org(&OrgSpec::new("acme", 3));
        org.models
            .push(Repo::new(&format!("acme/{name}"), false, Some("auto")));
        let case = Case::new(world_for(vec![org]));
        let run = case.snapshot("acme", &[]);
        let paths: Vec<String> = case
            .hub
            .requests()
            .into_iter()
            .map(|r| r.path)
            .filter(|p| p.contains("user-access-request"))
            .collect();
        assert!(
            paths
                .iter()
                .all(|p| p.starts_with("/api/models/acme/") && p.split('/').count() == 7),
            "{name}: a request left the repo's path: {paths:?}\n{}",
            run.stderr
        );
    }
}

/// Org names become directory names and URL segments: anything but the
/// Hub's `[A-Za-z0-9][A-Za-z0-9._-]*` is exit 2 before any request or file.
#[test]
fn invalid_org_names_are_refused_before_anything_happens() {
    let case = Case::new(world_for(vec![generate_org(&OrgSpec::new("acme", 3))]));
    for org in [
        "../../etc",
        "..",
        ".",
        "a/b",
        "acme%2F..",
        "<script>",
        "-rf",
        "a b",
        "acme\u{202E}",
        "",
    ] {
        for command in ["snapshot", "report", "history", "diff"] {
            let run = case.run(&[command, &format!("--org={org}")]);
            assert_code(&run, 2);
            assert!(
                run.stderr.contains("invalid organization name"),
                "{command} --org {org:?}: {}",
                run.stderr
            );
        }
    }
    assert_eq!(case.hub.request_count(), 0, "no request was sent");
    assert!(
        files_below(case.dir.path()).is_empty(),
        "nothing was written: {:?}",
        files_below(case.dir.path())
    );
}
