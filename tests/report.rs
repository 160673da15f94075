//! `hfaudit report` and `hfaudit demo` as a user runs them: exit codes,
//! golden outputs of the demo, malformed rosters, hostile Hub text.

use std::path::{Path, PathBuf};

use crate::harness::{Case, Run, assert_code, files_below};
use crate::support::fake_hub::{OrgMember, fake_id};
use crate::support::generate::{OrgSpec, generate_org, world_for};

const OUTPUTS: [&str; 5] = [
    "report.html",
    "findings.csv",
    "seats.csv",
    "access.csv",
    "findings.json",
];

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// A case with one snapshot of a small org and a roster naming its members.
pub(crate) fn case_with_snapshot() -> Case {
    let mut org = generate_org(&OrgSpec {
        groups: 1,
        gated_repos: 1,
        accepted_per_repo: 2,
        ..OrgSpec::new("acme", 4)
    });
    for m in org.members.iter_mut() {
        m.two_fa = Some(true);
    }
    let case = Case::new(world_for(vec![org]));
    assert_code(&case.snapshot("acme", &[]), 0);
    case
}

pub(crate) fn members(case: &Case) -> Vec<OrgMember> {
    case.hub.with_world(|w| w.orgs["acme"].members.clone())
}

/// A roster with every member active, except `departed`.
pub(crate) fn write_roster(case: &Case, departed: &[&str]) -> PathBuf {
    let mut text =
        String::from("email,full_name,status,termination_date,hf_username,cost_center\n");
    for m in members(case) {
        let gone = departed.contains(&m.user.as_str());
        text.push_str(&format!(
            "{}@acme.example,Person {},{},{},{},CC-1\n",
            m.user,
            m.user,
            if gone { "terminated" } else { "active" },
            if gone { "2026-01-31" } else { "" },
            m.user
        ));
    }
    let path = case.dir.path().join("roster.csv");
    std::fs::write(&path, text).unwrap();
    path
}

pub(crate) fn report(case: &Case, roster: &Path, extra: &[&str]) -> Run {
    let out = case.dir.path().join("out");
    let mut args = vec![
        "report",
        "--roster",
        roster.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--as-of",
        "2026-06-30",
    ];
    args.extend_from_slice(extra);
    case.run(&args)
}

#[test]
fn clean_roster_is_exit_0_with_every_output() {
    let case = case_with_snapshot();
    let roster = write_roster(&case, &[]);
    let run = report(&case, &roster, &[]);
    assert_code(&run, 0);
    assert!(run.stdout.contains("acme: no findings"), "{}", run.stdout);
    for name in OUTPUTS {
        assert!(case.dir.path().join("out").join(name).is_file(), "{name}");
    }
    let findings = std::fs::read_to_string(case.dir.path().join("out/findings.csv")).unwrap();
    assert_eq!(findings.lines().count(), 1, "header only: {findings}");
}

#[test]
fn departed_member_is_exit_1_and_reports_are_still_written() {
    let case = case_with_snapshot();
    let leaver = members(&case)[1].user.clone();
    let roster = write_roster(&case, &[&leaver]);
    let run = report(&case, &roster, &[]);
    assert_code(&run, 1);
    let findings = std::fs::read_to_string(case.dir.path().join("out/findings.csv")).unwrap();
    assert!(
        findings.contains(&format!(",departed_member,acme,{leaver},")),
        "{findings}"
    );
    // --fail-on critical: a read-role leaver is high, below the threshold.
    let role = members(&case)[1].role.clone().unwrap();
    let run = report(&case, &roster, &["--fail-on", "critical"]);
    let expected = if role == "admin" || role == "write" {
        1
    } else {
        0
    };
    assert_code(&run, expected);
}

#[test]
fn bad_rosters_are_exit_2_naming_file_line_and_column_and_touch_nothing() {
    let case = case_with_snapshot();
    // Earlier reports must survive a failed run byte for byte.
    let good = write_roster(&case, &[]);
    assert_code(&report(&case, &good, &[]), 0);
    let out = case.dir.path().join("out");
    let before: Vec<(PathBuf, Vec<u8>)> = files_below(&out)
        .into_iter()
        .map(|p| {
            let b = std::fs::read(&p).unwrap();
            (p, b)
        })
        .collect();
    let store_before = files_below(&case.store_dir());

    let dir = fixtures().join("rosters/bad");
    let expected = std::fs::read_to_string(dir.join("EXPECTED.tsv")).unwrap();
    let mut tried = 0;
    for line in expected
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
    {
        let cols: Vec<&str> = line.split('\t').collect();
        let (file, row, col, needle) = (cols[0], cols[1], cols[2], cols[3]);
        // A row for X.toml is a bad --roster-map for X.csv; an X.csv with
        // an X.toml beside it is read with that map.
        let path = dir.join(file).with_extension("csv");
        let mut extra = Vec::new();
        let map = path.with_extension("toml");
        if map.is_file() {
            extra = vec!["--roster-map", map.to_str().unwrap()];
        }
        let run = report(&case, &path, &extra);
        assert_eq!(run.code, 2, "{file}: {}", run.stderr);
        let place = match (row, col) {
            ("-", _) => String::new(),
            (r, "-") => format!(":{r}"),
            (r, c) => format!(":{r}:{c}"),
        };
        assert!(
            run.stderr.contains(&format!("{file}{place}")),
            "{file}: expected '{file}{place}' in: {}",
            run.stderr
        );
        assert!(
            run.stderr.contains(needle),
            "{file}: expected '{needle}' in: {}",
            run.stderr
        );
        tried += 1;
    }
    assert!(tried >= 30, "only {tried} malformed rosters");
    for (path, bytes) in before {
        assert_eq!(
            std::fs::read(&path).unwrap(),
            bytes,
            "{} changed",
            path.display()
        );
    }
    assert_eq!(
        files_below(&case.store_dir()),
        store_before,
        "the store changed"
    );
}

#[test]
fn missing_inputs_and_bad_flags_are_exit_2() {
    let case = case_with_snapshot();
    let roster = write_roster(&case, &[]);
    assert_code(&case.run(&["report"]), 2);
    let run = report(&case, &case.dir.path().join("nope.csv"), &[]);
    assert_code(&run, 2);
    assert!(run.stderr.contains("nope.csv"), "{}", run.stderr);
    assert_code(&report(&case, &roster, &["--fail-on", "severe"]), 2);
    assert_code(&report(&case, &roster, &["--as-of", "yesterday"]), 2);
    let run = case.run(&[
        "report",
        "--roster",
        roster.to_str().unwrap(),
        "--org",
        "unknown-org",
    ]);
    assert_code(&run, 2);
    assert!(run.stderr.contains("hfaudit snapshot"), "{}", run.stderr);
    let exceptions = case.dir.path().join("ex.toml");
    std::fs::write(
        &exceptions,
        "[[exception]]\nrule = \"nope\"\nsubject = \"x\"\nreason = \"y\"\n",
    )
    .unwrap();
    let run = report(
        &case,
        &roster,
        &["--exceptions", exceptions.to_str().unwrap()],
    );
    assert_code(&run, 2);
    assert!(run.stderr.contains("ex.toml:2:"), "{}", run.stderr);
    assert!(!case.dir.path().join("out").exists(), "nothing was written");
}

/// Input files are read up to a cap and cells are bounded: an endless
/// device, an oversized file or a megabyte cell is exit 2 at once, naming
/// the file (and the line and column of the cell), writing nothing.
#[test]
fn endless_or_oversized_inputs_are_exit_2_and_write_nothing() {
    let case = case_with_snapshot();
    let roster = write_roster(&case, &[]);
    let out = case.dir.path().join("out");
    let started = std::time::Instant::now();
    let run = report(&case, Path::new("/dev/zero"), &[]);
    assert_code(&run, 2);
    assert!(
        run.stderr
            .contains("/dev/zero: is larger than 128 MiB, the most hfaudit reads as a roster"),
        "{}",
        run.stderr
    );
    // A sparse file: its size is refused before a byte is read.
    let huge = case.dir.path().join("huge.csv");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(1 << 40)
        .unwrap();
    let run = report(&case, &huge, &[]);
    assert_code(&run, 2);
    assert!(
        run.stderr.contains("huge.csv: is larger than"),
        "{}",
        run.stderr
    );
    for flag in ["--activity", "--identities"] {
        let run = report(&case, &roster, &[flag, huge.to_str().unwrap()]);
        assert_code(&run, 2);
        assert!(
            run.stderr.contains("huge.csv: is larger than"),
            "{flag}: {}",
            run.stderr
        );
    }
    let exceptions = case.dir.path().join("huge.toml");
    std::fs::File::create(&exceptions)
        .unwrap()
        .set_len(1 << 30)
        .unwrap();
    let run = report(
        &case,
        &roster,
        &["--exceptions", exceptions.to_str().unwrap()],
    );
    assert_code(&run, 2);
    assert!(
        run.stderr.contains("huge.toml: is larger than 16 MiB"),
        "{}",
        run.stderr
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(30));

    // One cell of a megabyte, quoted and closed: line 3, column 2.
    let long = case.dir.path().join("long.csv");
    let cell = "x".repeat(1 << 20);
    std::fs::write(
        &long,
        format!(
            "email,full_name,status\na@acme.example,A,active\nb@acme.example,\"{cell}\",active\n"
        ),
    )
    .unwrap();
    let run = report(&case, &long, &[]);
    assert_code(&run, 2);
    assert!(
        run.stderr.contains(
            "long.csv:3:2: this cell is 1048576 bytes long; a cell may hold at most 65536 bytes"
        ),
        "{}",
        run.stderr
    );
    // The other two CSV inputs, read by the same reader, say the same.
    for (name, text, flag, at) in [
        (
            "idp.csv",
            format!("username,last_login\namy,{cell}\n"),
            "--activity",
            "idp.csv:2:2",
        ),
        (
            "ids.csv",
            format!("hf_username,email\n{cell},a@b.c\n"),
            "--identities",
            "ids.csv:2:1",
        ),
    ] {
        let path = case.dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let run = report(&case, &roster, &[flag, path.to_str().unwrap()]);
        assert_code(&run, 2);
        assert!(
            run.stderr.contains(&format!("{at}: this cell is")),
            "{}",
            run.stderr
        );
    }
    assert!(!out.exists(), "nothing was written");
}

/// Hub full names that try to escape their HTML cell, spreadsheet cell or
/// line, by the username of the member who carries them.
pub(crate) const HOSTILE_NAMES: [(&str, &str); 9] = [
    ("xss", "<script>alert(1)</script>"),
    ("img", "<img src=x onerror=alert(1)>"),
    ("link", "<a href=\"javascript:alert(1)\">click</a>"),
    ("attr", "\" onmouseover=\"alert(1)"),
    ("formula", "=HYPERLINK(\"http://evil.example\")"),
    ("plus", "+1+1"),
    ("at", "@SUM(A1:A9)"),
    ("rtl", "Admin\u{202E}gnp.exe"),
    ("tab", "\tindented"),
];

/// A case whose `out/` holds the report of an org where every
/// [`HOSTILE_NAMES`] member lacks 2FA (so each is a finding too).
pub(crate) fn hostile_report() -> Case {
    let mut org = generate_org(&OrgSpec::new("acme", 2));
    for (user, name) in HOSTILE_NAMES {
        org.members.push(OrgMember {
            id: fake_id(&format!("id-{user}")),
            user: user.into(),
            fullname: name.into(),
            role: Some("read".into()),
            two_fa: Some(false),
            ..OrgMember::default()
        });
    }
    let case = Case::new(world_for(vec![org]));
    assert_code(&case.snapshot("acme", &[]), 0);
    let roster = case.dir.path().join("roster.csv");
    std::fs::write(&roster, "email,status\nsomeone@acme.example,active\n").unwrap();
    // Members without 2FA are medium findings.
    let run = report(&case, &roster, &["--fail-on", "medium"]);
    assert_code(&run, 1);
    case
}

#[test]
fn hostile_hub_text_is_inert_in_every_output() {
    let case = hostile_report();
    let out = case.dir.path().join("out");
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(!html.contains("<script>alert"), "raw script tag in HTML");
    let around: Vec<&str> = html
        .match_indices("alert(1)")
        .map(|(i, _)| &html[i.saturating_sub(30)..i + 12])
        .collect();
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;"),
        "escaped name missing: {around:?}"
    );
    assert!(!html.contains("onmouseover=\"alert"), "attribute injection");
    assert!(!html.contains('\u{202E}'), "bidi override in HTML");
    for csv in ["findings.csv", "access.csv"] {
        let text = std::fs::read_to_string(out.join(csv)).unwrap();
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        for record in reader.records() {
            for cell in record.unwrap().iter() {
                assert!(
                    !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                    "{csv}: formula cell {cell:?}"
                );
            }
        }
        assert!(
            text.contains("'=HYPERLINK"),
            "{csv}: neutralised formula missing"
        );
        assert!(!text.contains('\u{202E}'), "{csv}: bidi override");
    }
}

#[test]
fn report_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let case = case_with_snapshot();
    let roster = write_roster(&case, &[]);
    assert_code(&report(&case, &roster, &[]), 0);
    let out = case.dir.path().join("out");
    assert_eq!(
        std::fs::metadata(&out).unwrap().permissions().mode() & 0o777,
        0o700
    );
    for f in files_below(&out) {
        assert_eq!(
            std::fs::metadata(&f).unwrap().permissions().mode() & 0o777,
            0o600,
            "{}",
            f.display()
        );
    }
}

#[test]
fn demo_outputs_match_the_golden_files() {
    let case = case_with_snapshot();
    let out = case.dir.path().join("demo-out");
    let run = case.run(&["demo", "--out", out.to_str().unwrap()]);
    assert_code(&run, 0);
    assert!(run.stdout.contains("acme-ai:"), "{}", run.stdout);
    assert!(run.stdout.contains("report.html"), "{}", run.stdout);
    for name in OUTPUTS {
        let text = std::fs::read_to_string(out.join(name)).unwrap();
        insta::assert_snapshot!(format!("demo_{name}"), text);
    }
}
