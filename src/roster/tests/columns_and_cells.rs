//! Header recognition, cell rules, row shapes and how messages quote cells.

use super::{fail, parse};

#[test]
fn header_names_fold() {
    for header in [
        "employee_id",
        "Employee ID",
        "EMPLOYEE-ID",
        "Employee #",
        "employee.id",
        " Employee  Id ",
        "Worker ID",
        "Person Number",
    ] {
        let text = format!("email,status,\"{header}\"\na@x.com,active,42\n");
        let r = parse(&text).unwrap_or_else(|e| panic!("{header}: {e}"));
        assert_eq!(r.people[0].employee_id.as_deref(), Some("42"), "{header}");
    }
    for (header, what) in [
        ("E-mail", "email"),
        ("Primary Work Email", "email"),
        ("Business Email Address", "email"),
        ("Manager's Email", "manager"),
        ("Supervisor’s Email", "manager"),
    ] {
        let text = format!("\"{header}\",status\na@x.com,active\n");
        let r = parse(&text);
        match what {
            "email" => assert_eq!(r.unwrap().people[0].email.as_deref(), Some("a@x.com")),
            _ => assert!(r.is_err(), "{header} is not an identity column"),
        }
    }
    let r = parse("email,status,Employee\na@x.com,active,Ada\n").unwrap();
    assert_eq!(
        r.people[0].employee_id, None,
        "'Employee' is a name, not an id"
    );
    assert_eq!(r.people[0].full_name.as_deref(), Some("Ada"));
}

#[test]
fn missing_columns_name_what_was_found() {
    let (line, column, m) = fail("Name,Dept\nAda,R&D\n");
    assert_eq!((line, column), (Some(1), None));
    assert!(
        m.contains("no email or hf_username column; its headers are 'Name', 'Dept'"),
        "{m}"
    );
    assert!(m.contains("Accepted for email: Work Email,"), "{m}");
    assert!(m.contains("--roster-map"), "{m}");
    let (_, _, m) = fail("email,name\na@x.com,Ada\n");
    assert!(m.contains("no status or termination_date column"), "{m}");
    assert!(
        m.contains("Accepted for termination_date: termination_date, Term Date"),
        "{m}"
    );
}

#[test]
fn emails_and_usernames_are_normalised() {
    let r = parse(
        "email,hf_username,status\n\
          Ada@EXAMPLE.com ,@Ada-L,active\n\
         b@x.com, https://huggingface.co/Bob_1/ ,active\n\
         c@x.com,HF.co/c.c,active\n\
         d@x.com,  ,active\n",
    )
    .unwrap();
    let got: Vec<_> = r
        .people
        .iter()
        .map(|p| (p.email.as_deref().unwrap(), p.hf_username.as_deref()))
        .collect();
    assert_eq!(
        got,
        [
            ("ada@example.com", Some("Ada-L")),
            ("b@x.com", Some("Bob_1")),
            ("c@x.com", Some("c.c")),
            ("d@x.com", None),
        ]
    );
    for bad in ["a@", "@x.com", "a b@x.com", "a@x..com.", "a@x.com;b@x.com"] {
        let (line, column, m) = fail(&format!("email,status\n\"{bad}\",active\n"));
        assert_eq!((line, column), (Some(2), Some(1)), "{bad}");
        assert!(m.contains("is not an email address"), "{bad}: {m}");
    }
    let (_, column, m) = fail("email,hf_username,status\na@x.com,https://huggingface.co/,active\n");
    assert_eq!(column, Some(2));
    assert!(m.contains("has no username in it"), "{m}");
}

#[test]
fn row_without_identity_is_an_error() {
    let (line, column, m) = fail("email,hf_username,status\na@x.com,,active\n ,\"\",leave\n");
    assert_eq!((line, column), (Some(3), None));
    assert!(
        m.contains("'email' (column 1) and 'hf_username' (column 2) are empty"),
        "{m}"
    );
}

#[test]
fn bom_crlf_and_delimiter_combinations() {
    let rows = [
        ["email", "Full Name", "status", "termination_date"],
        ["a@x.com", "Doe, Jane; Jr", "active", ""],
        ["b@x.com", "Roe", "terminated", "2025-01-02"],
    ];
    let mut seen = Vec::new();
    for bom in [false, true] {
        for newline in ["\n", "\r\n", "\r"] {
            for delimiter in [",", ";", "\t"] {
                let mut text = String::from(if bom { "\u{feff}" } else { "" });
                for row in rows {
                    let cells: Vec<String> = row
                        .iter()
                        .map(|c| {
                            if c.contains([',', ';']) {
                                format!("\"{c}\"")
                            } else {
                                (*c).to_owned()
                            }
                        })
                        .collect();
                    text.push_str(&cells.join(delimiter));
                    text.push_str(newline);
                }
                let r = parse(&text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
                seen.push(r.people);
            }
        }
    }
    assert_eq!(seen.len(), 18);
    assert!(seen.windows(2).all(|w| w[0] == w[1]));
    assert_eq!(seen[0][0].full_name.as_deref(), Some("Doe, Jane; Jr"));
    assert_eq!(seen[0][1].line, 3);
}

#[test]
fn row_widths() {
    let r = parse(
        "email,status,,\n\na@x.com,active,,\n,\n\"\",\"\"\nb@x.com,leave\nc@x.com,active,,x\n",
    )
    .unwrap();
    let lines: Vec<_> = r.people.iter().map(|p| p.line).collect();
    assert_eq!(
        lines,
        [3, 6, 7],
        "blank rows skipped; unnamed trailing columns optional"
    );
    let (line, column, m) = fail("email,status\na@x.com,active,\n");
    assert_eq!((line, column), (Some(2), Some(3)));
    assert!(
        m.contains("3 cells but the header has 2; a cell containing ',' is not in double quotes"),
        "{m}"
    );
    let (line, column, m) = fail("email;status;termination_date\na@x.com;active\n");
    assert_eq!((line, column), (Some(2), Some(3)));
    assert!(
        m.contains("2 cells but the header has 3; a ';' is missing"),
        "{m}"
    );
}

#[test]
fn messages_escape_control_characters_and_cut_long_cells() {
    let (_, _, m) = fail("email,status\na@x.com,\"\u{1b}[31mred\"\n");
    assert!(m.contains("'\\u{1b}[31mred'"), "{m}");
    let (_, _, m) = fail(&format!("email,status\na@x.com,{}\n", "y".repeat(10_000)));
    assert!(m.len() < 2_000, "{}", m.len());
    assert!(m.contains("yyyy…'"), "{m}");
}
