//! Duplicate people, `--roster-map` and `Roster::load`.

use super::{parse, parse_with};
use crate::error::Error;
use crate::model::EmploymentStatus;
use crate::roster::{Roster, RosterOptions};

#[test]
fn duplicates_rules() {
    let r = parse(
        "employee_id,email,hf_username,status,termination_date\n\
         1,a@x.com,ann,terminated,2024-01-01\n\
         2,b@x.com,bob,active,\n\
         1,a2@x.com,,active,\n\
         3,b@x.com,bob,terminated,2023-05-05\n\
         4,c@x.com,BOB,active,\n",
    )
    .unwrap();
    let lines: Vec<_> = r.people.iter().map(|p| p.line).collect();
    assert_eq!(lines, [4, 5, 6]);
    assert_eq!(r.people[0].email.as_deref(), Some("a2@x.com"));
    assert_eq!(
        r.warnings,
        [
            "roster.csv:4: duplicate employee_id '1' (also on line 2); the later row (line 4) wins",
            "roster.csv:5: duplicate email b@x.com (also on line 3); the later row (line 5) wins",
            "roster.csv:6: hf_username BOB is also on line 5 for a different person; both rows are kept, check the roster",
        ]
    );
    // A row that matches two earlier people by email and by id replaces both.
    let r = parse(
        "employee_id,email,status\n\
         1,a@x.com,active\n\
         2,b@x.com,active\n\
         2,a@x.com,terminated\n\
         1,z@x.com,active\n",
    )
    .unwrap();
    assert_eq!(r.people.len(), 1, "{:#?}", r.people);
    assert_eq!(r.people[0].line, 5);
    assert_eq!(r.warnings.len(), 3, "{:#?}", r.warnings);
    assert!(
        r.warnings[0].contains("duplicate email a@x.com and employee_id '2'")
            || r.warnings[0].contains("duplicate email a@x.com (also on line 2)"),
        "{:#?}",
        r.warnings
    );
}

#[test]
fn map_precedence_and_errors() {
    let dir = tempfile::tempdir().unwrap();
    let map = dir.path().join("map.toml");
    let opts = RosterOptions {
        date_format: None,
        map: Some(map.clone()),
    };
    std::fs::write(
        &map,
        "\u{feff}[columns]\nemail = \"Mail\"\nstatus = \"State\"\n",
    )
    .unwrap();
    let r = parse_with(
        b"Email,Mail,State,Status\nx@x.com,a@x.com,active,bogus\n",
        &opts,
    )
    .unwrap();
    assert_eq!(r.people[0].email.as_deref(), Some("a@x.com"));
    assert_eq!(r.people[0].status, EmploymentStatus::Active);

    std::fs::write(&map, "[columns]\nemail = \"\"\n").unwrap();
    let err = parse_with(b"email,status\na@x.com,active\n", &opts).unwrap_err();
    assert!(
        err.to_string()
            .ends_with("map.toml:2:9: columns.email is empty; give the roster's header text"),
        "{err}"
    );

    std::fs::write(&map, "[columns]\n").unwrap();
    assert!(parse_with(b"email,status\na@x.com,active\n", &opts).is_ok());

    std::fs::write(&map, b"[columns]\nemail = \"Caf\xe9\"\n").unwrap();
    let err = parse_with(b"email,status\na@x.com,active\n", &opts).unwrap_err();
    assert!(
        err.to_string()
            .contains("map.toml:2:13: the map file is not valid UTF-8"),
        "{err}"
    );

    let missing = RosterOptions {
        date_format: None,
        map: Some(dir.path().join("nope.toml")),
    };
    let err = parse_with(b"email,status\na@x.com,active\n", &missing).unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err}");
}

#[test]
fn load_reads_the_file_and_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hr.csv");
    std::fs::write(&path, "email,status\na@x.com,active\nb@x.com,nope\n").unwrap();
    let err = Roster::load(&path, &RosterOptions::default()).unwrap_err();
    assert_eq!(err.exit_code(), 2);
    assert!(
        err.to_string()
            .starts_with(&format!("{}:3:2: status 'nope'", path.display())),
        "{err}"
    );
    let err = Roster::load(&dir.path().join("missing.csv"), &RosterOptions::default()).unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err}");
}
