//! `hfaudit evidence --since DATE [--until DATE]` (issue 13): the period
//! queries from the store's history against the fake Hub — zero, one and
//! many leavers and escalations, each row naming the snapshots that prove
//! it; the manifest checked by `evidence verify` (a changed count in the
//! manifest, a changed byte in a file); bad dates refused with nothing
//! written; private files; the token never written.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use super::{Case, ORG, assert_code, assert_token_nowhere, csv_rows, hf, verify_pack, world};

/// The roster of [`world`] with `bob` gone yesterday and `frank` leaving
/// today (still a member).
fn roster(case: &Case, yesterday: &str, today: &str) -> std::path::PathBuf {
    let text = super::ROSTER
        .replace(
            "bob@acme.example,Bob Baker,active,bob,ANN@acme.example",
            "bob@acme.example,Bob Baker,terminated,bob,ANN@acme.example",
        )
        .replace(
            "frank@acme.example,Frank Fox,active,frank,cat@acme.example",
            "frank@acme.example,Frank Fox,terminated,frank,cat@acme.example",
        );
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        let last_day = match line.split(',').next() {
            _ if i == 0 => "termination_date",
            Some("bob@acme.example") => yesterday,
            Some("frank@acme.example") => today,
            _ => "",
        };
        out.push_str(&format!("{line},{last_day}\n"));
    }
    let path = case.dir.path().join("hr/period-roster.csv");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, out).unwrap();
    path
}

fn period(case: &Case, roster: &Path, out: &Path, dates: &[&str]) -> crate::harness::Run {
    let mut args = vec![
        "evidence",
        "--roster",
        roster.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(dates);
    hf(case, &args)
}

fn rows(path: &Path) -> Vec<Vec<String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    r.records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

fn header(path: &Path) -> Vec<String> {
    let mut r = csv::Reader::from_path(path).unwrap();
    r.headers().unwrap().iter().map(str::to_string).collect()
}

fn column(path: &Path, name: &str) -> Vec<String> {
    let at = header(path).iter().position(|h| h == name).unwrap();
    rows(path).into_iter().map(|r| r[at].clone()).collect()
}

#[test]
fn evidence_since_lists_leavers_and_escalations_with_their_snapshots() {
    let case = Case::new(world());
    let today = chrono::Utc::now().date_naive();
    let yesterday = (today - chrono::Duration::days(1)).to_string();
    let today = today.to_string();
    let roster = roster(&case, &yesterday, &today);
    assert_code(&case.snapshot(ORG, &[]), 0);
    let first = case.complete(ORG).last().unwrap().snapshot_id.clone();

    // One snapshot: nothing to compare, no one gone; frank still a member.
    let out = case.dir.path().join("period-1");
    // The period starts today: bob, whose last day was yesterday, is not
    // in it.
    let run = period(&case, &roster, &out, &["--since", &today]);
    assert_code(&run, 0);
    assert!(
        run.stdout.contains("1 leaver(s), 0 role escalation(s)"),
        "{}",
        run.stdout
    );
    assert_eq!(column(&out.join("leavers.csv"), "username"), ["frank"]);
    let out = case.dir.path().join("period-1b");
    let run = period(&case, &roster, &out, &["--since", &yesterday]);
    assert_code(&run, 0);
    assert!(
        run.stdout.contains("2 leaver(s), 0 role escalation(s)"),
        "{}",
        run.stdout
    );
    assert_eq!(csv_rows(&out.join("escalations.csv")).len(), 0);
    assert_eq!(
        column(&out.join("leavers.csv"), "username"),
        ["bob", "frank"]
    );
    assert_eq!(
        column(&out.join("leavers.csv"), "still_member"),
        ["yes", "yes"]
    );
    assert_code(&verify_pack(&case, &out), 0);

    // bob removed, carol read → write, dave write → admin.
    case.hub.with_world(|w| {
        let org = w.org_mut(ORG);
        org.members.retain(|m| m.user != "bob");
        for m in &mut org.members {
            match m.user.as_str() {
                "carol" => m.role = Some("write".into()),
                "dave" => m.role = Some("admin".into()),
                _ => {}
            }
        }
    });
    assert_code(&case.snapshot(ORG, &[]), 0);
    let second = case.complete(ORG).last().unwrap().snapshot_id.clone();
    let out = case.dir.path().join("period-2");
    let run = period(
        &case,
        &roster,
        &out,
        &["--since", &yesterday, "--until", &today],
    );
    assert_code(&run, 0);
    assert!(
        run.stdout.contains("2 leaver(s), 2 role escalation(s)"),
        "{}",
        run.stdout
    );
    let esc = out.join("escalations.csv");
    assert_eq!(column(&esc, "username"), ["carol", "dave"]);
    assert_eq!(column(&esc, "from_role"), ["read", "write"]);
    assert_eq!(column(&esc, "to_role"), ["write", "admin"]);
    assert_eq!(column(&esc, "to_admin"), ["no", "yes"]);
    assert_eq!(
        column(&esc, "from_snapshot"),
        [first.as_str(), first.as_str()]
    );
    assert_eq!(
        column(&esc, "to_snapshot"),
        [second.as_str(), second.as_str()]
    );
    let leavers = out.join("leavers.csv");
    assert_eq!(column(&leavers, "username"), ["bob", "frank"]);
    assert_eq!(column(&leavers, "still_member"), ["no", "yes"]);
    assert_eq!(
        column(&leavers, "last_seen_snapshot"),
        [first.as_str(), second.as_str()]
    );
    assert_eq!(
        column(&leavers, "first_snapshot_without"),
        [second.as_str(), ""]
    );
    assert_eq!(
        column(&leavers, "last_day"),
        [yesterday.as_str(), today.as_str()]
    );
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["kind"], "period");
    assert_eq!(manifest["period"]["since"], yesterday.as_str());
    let ids: Vec<&str> = manifest["snapshots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["snapshot_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [first.as_str(), second.as_str()]);
    assert_code(&verify_pack(&case, &out), 0);

    // A period after both: no escalation, no leaver.
    let tomorrow = (chrono::Utc::now().date_naive() + chrono::Duration::days(1)).to_string();
    let out3 = case.dir.path().join("period-3");
    let later = (chrono::Utc::now().date_naive() + chrono::Duration::days(2)).to_string();
    let run = period(
        &case,
        &roster,
        &out3,
        &["--since", &tomorrow, "--until", &later],
    );
    assert_code(&run, 0);
    assert!(
        run.stdout.contains("0 leaver(s), 0 role escalation(s)"),
        "{}",
        run.stdout
    );

    // Private files.
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&out), 0o700);
    for f in [
        "leavers.csv",
        "escalations.csv",
        "inactive.csv",
        "manifest.json",
    ] {
        assert_eq!(mode(&out.join(f)), 0o600, "{f}");
    }

    // A changed count in the manifest, then a changed byte in a file.
    let path = out.join("manifest.json");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        text.replace("\"escalations\": 2", "\"escalations\": 1"),
    )
    .unwrap();
    let run = verify_pack(&case, &out);
    assert_code(&run, 1);
    assert!(
        run.stdout.contains(
            "manifest.json: was changed: it counts 1 row(s) in escalations.csv, which has 2"
        ),
        "{}",
        run.stdout
    );
    std::fs::write(&path, text).unwrap();
    assert_code(&verify_pack(&case, &out), 0);
    let bytes = std::fs::read(&esc).unwrap();
    std::fs::write(
        &esc,
        String::from_utf8(bytes).unwrap().replace("admin", "write"),
    )
    .unwrap();
    let run = verify_pack(&case, &out);
    assert_code(&run, 1);
    assert!(
        run.stdout.contains("escalations.csv: was changed"),
        "{}",
        run.stdout
    );
    assert_token_nowhere(&case);
}

#[test]
fn evidence_since_refuses_bad_dates_and_writes_nothing() {
    let case = Case::new(world());
    let today = chrono::Utc::now().date_naive().to_string();
    let roster = roster(&case, &today, &today);
    assert_code(&case.snapshot(ORG, &[]), 0);
    let out = case.dir.path().join("never");
    for (dates, says) in [
        (
            vec!["--since", "2026-13-01"],
            "--since \"2026-13-01\" is not a date",
        ),
        (
            vec!["--since", "2026-01-01", "--until", "soon"],
            "--until \"soon\" is not a date",
        ),
        (
            vec!["--since", "2026-02-01", "--until", "2026-01-01"],
            "--since 2026-02-01 is after the end of the period, 2026-01-01",
        ),
        (
            vec!["--since", "2026-01-01", "--as-of", "2026-02-01"],
            "ends on --until (not --as-of)",
        ),
    ] {
        let run = period(&case, &roster, &out, &dates);
        assert_code(&run, 2);
        assert!(run.stderr.contains(says), "{dates:?}: {}", run.stderr);
        assert!(!out.exists(), "{dates:?} wrote {}", out.display());
    }
    // A roster error names the file, and writes nothing either.
    std::fs::write(&roster, "nothing,useful\n1,2\n").unwrap();
    let run = period(&case, &roster, &out, &["--since", &today]);
    assert_code(&run, 2);
    assert!(run.stderr.contains("period-roster.csv"), "{}", run.stderr);
    assert!(!out.exists());
}
