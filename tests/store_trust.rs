//! A store another user could have written to is not trusted (issue 15):
//! a planted `.lock` symlink is not followed, a store or org directory that
//! is not ours or is writable by group/others stops every command (exit 3,
//! naming the path and why, no report), and a snapshot with a foreign or
//! symlinked file is damaged, named, and never the latest.
//!
//! The tests run as root, so "another user" is uid 65534 (nobody), made so
//! by `chown`; as any other user those parts are skipped.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use hfaudit::model::CollectorStatus;
use serde_json::Value;

use crate::harness::{Case, Run, assert_code};
use crate::report::{case_with_snapshot, members, report, write_roster};

/// The other user.
const NOBODY: u32 = 65534;

fn my_uid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// Only root can give files away.
fn can_chown() -> bool {
    my_uid() == 0
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// `chown -R uid path` (never following a symlink).
fn chown_all(path: &Path, uid: u32) {
    std::os::unix::fs::lchown(path, Some(uid), None).unwrap();
    if path.is_dir() && !path.is_symlink() {
        for entry in std::fs::read_dir(path).unwrap() {
            chown_all(&entry.unwrap().path(), uid);
        }
    }
}

fn org_dir(case: &Case) -> PathBuf {
    case.store_dir().join("acme")
}

/// Snapshot directories of acme, whatever their state.
fn snapshot_dirs(case: &Case) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(org_dir(case))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| !n.starts_with('.'))
        .collect();
    names.sort();
    names
}

fn findings_json(case: &Case) -> Value {
    let path = case.dir.path().join("out/findings.json");
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// Whether the last report has a departed_member finding for `user`.
fn reports_departed(case: &Case, user: &str) -> bool {
    findings_json(case)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["rule"] == "departed_member" && f["subject"] == user)
}

/// Writes, as hfaudit would, a snapshot of acme an hour newer than the
/// latest in which `leaver` is no longer a member; returns its id.
fn newer_without(case: &Case, leaver: &str) -> String {
    let store = case.store();
    let mut snap = case.latest("acme");
    snap.members.retain(|m| m.username != leaver);
    if let Some(CollectorStatus::Ok { rows, .. }) = snap.collectors.get_mut("members") {
        *rows = snap.members.len() as u64;
    }
    snap.taken_at += chrono::Duration::hours(1);
    let lock = store.lock_org("acme", Duration::ZERO).unwrap();
    store
        .write_snapshot(&lock, &snap, "planted")
        .unwrap()
        .snapshot_id
}

/// `hfaudit history` shows snapshot `id` as damaged, saying `why`.
#[track_caller]
fn assert_listed_damaged(run: &Run, id: &str, why: &str) {
    assert!(
        run.stdout
            .lines()
            .any(|l| l.trim_start().starts_with(id) && l.contains(why)),
        "{id} {why:?} in\n{}",
        run.stdout
    );
}

#[track_caller]
fn assert_refused(run: &Run, path: &Path, why: &str) {
    assert_code(run, 3);
    let expected = format!("{}: {why}", path.display());
    assert!(
        run.stderr.contains(&expected),
        "expected {expected:?} in\n{}",
        run.stderr
    );
}

/// Every command that reads or writes the store stops, with no report.
#[track_caller]
fn assert_every_command_refuses(case: &Case, path: &Path, why: &str) {
    let roster = write_roster(case, &[]);
    let out = case.dir.path().join("out");
    let _ = std::fs::remove_dir_all(&out);
    assert_refused(&report(case, &roster, &[]), path, why);
    assert!(!out.join("findings.json").exists());
    assert!(!out.join("report.html").exists());
    assert_refused(&case.run(&["history"]), path, why);
    assert_refused(&case.run(&["history", "--org", "acme"]), path, why);
    assert_refused(&case.snapshot("acme", &[]), path, why);
    assert_refused(
        &case.run(&["prune", "--org", "acme", "--keep-daily", "1", "--apply"]),
        path,
        why,
    );
    assert_refused(&case.run(&["diff", "--org", "acme"]), path, why);
}

#[test]
fn a_symlinked_or_hard_linked_lock_is_never_written_through() {
    let case = case_with_snapshot();
    let victim = case.dir.path().join("victim");
    std::fs::write(&victim, "precious\n").unwrap();
    let lock = org_dir(&case).join(".lock");
    let before = snapshot_dirs(&case);

    std::fs::remove_file(&lock).unwrap();
    std::os::unix::fs::symlink(&victim, &lock).unwrap();
    for run in [
        case.snapshot("acme", &[]),
        case.run(&["prune", "--org", "acme", "--keep-daily", "1", "--apply"]),
    ] {
        assert_refused(&run, &lock, "is a symlink; refusing to follow it");
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
    }

    std::fs::remove_file(&lock).unwrap();
    std::fs::hard_link(&victim, &lock).unwrap();
    assert_refused(
        &case.snapshot("acme", &[]),
        &lock,
        "has 2 hard links; refusing to overwrite a file linked elsewhere",
    );
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
    assert_eq!(snapshot_dirs(&case), before, "nothing was recorded");

    // A lock of our own is used again.
    std::fs::remove_file(&lock).unwrap();
    assert_code(&case.snapshot("acme", &[]), 0);
    assert_eq!(snapshot_dirs(&case).len(), before.len() + 1);
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
}

#[test]
fn a_world_writable_store_stops_every_command() {
    let case = case_with_snapshot();
    let before = snapshot_dirs(&case);
    chmod(&case.store_dir(), 0o777);
    assert_every_command_refuses(
        &case,
        &case.store_dir(),
        "is writable by group/others (mode 0777)",
    );
    chmod(&case.store_dir(), 0o700);
    assert_eq!(snapshot_dirs(&case), before, "nothing was recorded");
    assert_code(&case.run(&["history"]), 0);
}

#[test]
fn a_group_writable_org_directory_stops_every_command() {
    let case = case_with_snapshot();
    chmod(&org_dir(&case), 0o770);
    assert_every_command_refuses(
        &case,
        &org_dir(&case),
        "is writable by group/others (mode 0770)",
    );
    // Readable by others is fine.
    chmod(&org_dir(&case), 0o755);
    assert_code(&case.run(&["history"]), 0);
}

#[test]
fn a_store_or_org_directory_of_another_user_stops_every_command() {
    if !can_chown() {
        return;
    }
    let case = case_with_snapshot();
    let why = format!("is owned by uid {NOBODY}, not by you (uid {})", my_uid());
    for dir in [org_dir(&case), case.store_dir()] {
        std::os::unix::fs::chown(&dir, Some(NOBODY), None).unwrap();
        assert_every_command_refuses(&case, &dir, &why);
        std::os::unix::fs::chown(&dir, Some(my_uid()), None).unwrap();
    }
    assert_code(&case.run(&["history"]), 0);
}

#[test]
fn a_symlinked_org_directory_stops_every_command() {
    let case = case_with_snapshot();
    let elsewhere = case.dir.path().join("elsewhere");
    std::fs::rename(org_dir(&case), &elsewhere).unwrap();
    std::os::unix::fs::symlink(&elsewhere, org_dir(&case)).unwrap();
    assert_every_command_refuses(
        &case,
        &org_dir(&case),
        "is a symlink; refusing to follow it",
    );
}

#[test]
fn a_snapshot_planted_by_another_user_is_never_the_latest() {
    if !can_chown() {
        return;
    }
    let case = case_with_snapshot();
    let genuine = snapshot_dirs(&case).pop().unwrap();
    let leaver = members(&case)[1].user.clone();
    let roster = write_roster(&case, &[&leaver]);
    assert_code(&report(&case, &roster, &[]), 1);
    assert!(reports_departed(&case, &leaver));

    // What the planted snapshot would do if it were trusted: the leaver
    // is gone from the latest, so their finding is too.
    let planted = newer_without(&case, &leaver);
    report(&case, &roster, &[]);
    assert_eq!(findings_json(&case)["orgs"][0]["snapshot_id"], planted);
    assert!(!reports_departed(&case, &leaver));

    // Written by another user: damaged, named, and the genuine one is the
    // latest again.
    chown_all(&org_dir(&case).join(&planted), NOBODY);
    let run = report(&case, &roster, &[]);
    assert_code(&run, 1);
    let json = findings_json(&case);
    assert_eq!(json["orgs"][0]["snapshot_id"], genuine);
    assert!(reports_departed(&case, &leaver));
    let why = format!(
        "acme/{planted}: the snapshot directory is owned by uid {NOBODY}, not by you (uid {})",
        my_uid()
    );
    let skipped = json["orgs"][0]["skipped_snapshots"].to_string();
    assert!(skipped.contains(&why), "{skipped}");
    let warnings = json["warnings"].to_string();
    assert!(warnings.contains(&planted), "{warnings}");

    let history = case.run(&["history", "--org", "acme"]);
    assert_code(&history, 0);
    assert_listed_damaged(
        &history,
        &planted,
        &format!("damaged: the snapshot directory is owned by uid {NOBODY}"),
    );

    // Only one file of another user's is enough.
    chown_all(&org_dir(&case).join(&planted), my_uid());
    let file = org_dir(&case).join(&planted).join("members.parquet");
    std::os::unix::fs::lchown(&file, Some(NOBODY), None).unwrap();
    report(&case, &roster, &[]);
    let json = findings_json(&case);
    assert_eq!(json["orgs"][0]["snapshot_id"], genuine);
    let skipped = json["orgs"][0]["skipped_snapshots"].to_string();
    assert!(
        skipped.contains(&format!("members.parquet: is owned by uid {NOBODY}")),
        "{skipped}"
    );
}

#[test]
fn a_symlinked_file_in_a_snapshot_makes_it_damaged() {
    let case = case_with_snapshot();
    let genuine = snapshot_dirs(&case).pop().unwrap();
    let leaver = members(&case)[1].user.clone();
    let roster = write_roster(&case, &[&leaver]);
    let newer = newer_without(&case, &leaver);

    // The same bytes, through a symlink: every checksum still matches.
    let file = org_dir(&case).join(&newer).join("members.parquet");
    let copy = case.dir.path().join("members-copy.parquet");
    std::fs::copy(&file, &copy).unwrap();
    std::fs::remove_file(&file).unwrap();
    std::os::unix::fs::symlink(&copy, &file).unwrap();

    assert_code(&report(&case, &roster, &[]), 1);
    let json = findings_json(&case);
    assert_eq!(json["orgs"][0]["snapshot_id"], genuine);
    assert!(reports_departed(&case, &leaver));
    let skipped = json["orgs"][0]["skipped_snapshots"].to_string();
    assert!(
        skipped.contains(&format!(
            "acme/{newer}: members.parquet: is a symlink; refusing to follow it"
        )),
        "{skipped}"
    );
    let history = case.run(&["history", "--org", "acme"]);
    assert_listed_damaged(&history, &newer, "damaged: members.parquet: is a symlink");

    // A symlinked manifest too.
    std::fs::remove_file(&file).unwrap();
    std::fs::copy(&copy, &file).unwrap();
    let manifest = org_dir(&case).join(&newer).join("manifest.json");
    let manifest_copy = case.dir.path().join("manifest-copy.json");
    std::fs::rename(&manifest, &manifest_copy).unwrap();
    std::os::unix::fs::symlink(&manifest_copy, &manifest).unwrap();
    report(&case, &roster, &[]);
    let json = findings_json(&case);
    assert_eq!(json["orgs"][0]["snapshot_id"], genuine);
    assert!(
        json["orgs"][0]["skipped_snapshots"]
            .to_string()
            .contains("manifest.json: is a symlink"),
        "{json}"
    );
}

#[track_caller]
fn assert_not_a_directory(run: &Run, path: &Path, what: &str) {
    assert_code(run, 2);
    let expected = format!(
        "{}: is not a directory; {what} must name a directory",
        path.display()
    );
    assert!(
        run.stderr.contains(&expected),
        "expected {expected:?} in\n{}",
        run.stderr
    );
}

/// A store path that names a file (or lies below one) is a mistake in the
/// settings: every command says so with exit 2 and leaves the file as it was.
#[test]
fn a_store_that_is_a_file_is_bad_input_for_every_command() {
    let case = case_with_snapshot();
    let roster = write_roster(&case, &[]);
    let store = case.store_dir();
    std::fs::rename(&store, case.dir.path().join("store.moved")).unwrap();
    std::fs::write(&store, b"not a store").unwrap();
    let what = "the store (--store, HFAUDIT_STORE or `store` in the config)";
    for (path, flag) in [(store.clone(), None), (store.join("sub"), Some("--store"))] {
        let mut extra: Vec<&str> = Vec::new();
        let path_str = path.to_str().unwrap().to_string();
        if let Some(flag) = flag {
            extra.extend([flag, path_str.as_str()]);
        }
        let with = |args: &[&str]| -> Vec<String> {
            args.iter().chain(&extra).map(|s| s.to_string()).collect()
        };
        let run = |args: Vec<String>| {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            case.run(&args)
        };
        assert_not_a_directory(&run(with(&["snapshot", "--org", "acme"])), &path, what);
        assert_not_a_directory(&run(with(&["history"])), &path, what);
        assert_not_a_directory(&run(with(&["diff", "--org", "acme"])), &path, what);
        let out = case.dir.path().join("out");
        let mut args = vec![
            "report".to_string(),
            "--roster".into(),
            roster.display().to_string(),
            "--out".into(),
            out.display().to_string(),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        assert_not_a_directory(&run(args), &path, what);
        assert!(!out.join("findings.json").exists());
    }
    assert_eq!(std::fs::read(&store).unwrap(), b"not a store");
}

/// `--out` naming a file: exit 2, the file untouched, nothing written.
#[test]
fn an_out_that_is_a_file_is_bad_input() {
    let case = case_with_snapshot();
    let roster = write_roster(&case, &[]);
    let out = case.dir.path().join("out");
    std::fs::write(&out, b"keep me").unwrap();
    let run = report(&case, &roster, &[]);
    assert_not_a_directory(&run, &out, "--out");
    assert_eq!(std::fs::read(&out).unwrap(), b"keep me");
    let below = out.join("reports");
    let run = case.run(&[
        "report",
        "--roster",
        roster.to_str().unwrap(),
        "--out",
        below.to_str().unwrap(),
    ]);
    assert_not_a_directory(&run, &below, "--out");
}
