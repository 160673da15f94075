//! Tests of publishing: modes, refusal to overwrite, and what a failure
//! at each step leaves behind.

use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use super::*;
use crate::model::Collector;
use crate::model::CollectorStatus;
use crate::store::{Listed, testdata};

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::new(dir.path().join("store"));
    (dir, store)
}

/// Everything under `dir`, as sorted relative paths.
fn tree(dir: &Path) -> Vec<String> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            out.push(path.strip_prefix(base).unwrap().display().to_string());
            if path.is_dir() {
                walk(base, &path, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

#[test]
fn files_are_private_and_manifest_matches_disk() {
    let (_dir, store) = store();
    let lock = store.lock_org("acme", Duration::ZERO).unwrap();
    let snap = testdata::full();
    let manifest = store.write_snapshot(&lock, &snap, "0.1.0").unwrap();
    let snap_dir = store.snapshot_dir("acme", "20261123T025751.123Z");
    assert_eq!(manifest.snapshot_id, "20261123T025751.123Z");
    assert_eq!(mode(store.root()), 0o700);
    assert_eq!(mode(&store.org_dir("acme")), 0o700);
    assert_eq!(mode(&snap_dir), 0o700);
    assert_eq!(
        tree(&snap_dir),
        [
            "events.parquet",
            "group_members.parquet",
            "invites.parquet",
            "manifest.json",
            "members.parquet",
            "repo_access.parquet",
            "resource_groups.parquet",
            "service_accounts.parquet",
            "tokens.parquet",
        ]
    );
    for name in tree(&snap_dir) {
        assert_eq!(mode(&snap_dir.join(&name)), 0o600, "{name}");
    }
    for (name, entry) in &manifest.files {
        let bytes = std::fs::read(snap_dir.join(name)).unwrap();
        assert_eq!(&FileEntry::of(&bytes), entry, "{name}");
        assert!(bytes.starts_with(b"PAR1"), "{name}");
    }
    let on_disk: Manifest =
        serde_json::from_slice(&std::fs::read(snap_dir.join(MANIFEST_FILE)).unwrap()).unwrap();
    assert_eq!(on_disk, manifest);
    assert_eq!(on_disk.tool_version, "0.1.0");
    assert_eq!(on_disk.files.len(), 8);
}

#[test]
fn unavailable_collectors_write_no_file() {
    let (_dir, store) = store();
    let lock = store.lock_org("acme", Duration::ZERO).unwrap();
    let manifest = store
        .write_snapshot(&lock, &testdata::partial(), "0.1.0")
        .unwrap();
    let snap_dir = store.snapshot_dir("acme", &manifest.snapshot_id);
    assert_eq!(
        tree(&snap_dir),
        ["invites.parquet", "manifest.json", "members.parquet"]
    );
    assert_eq!(
        manifest.files.keys().collect::<Vec<_>>(),
        ["invites.parquet", "members.parquet"]
    );
    assert!(matches!(
        manifest.collector(Collector::Events),
        Some(CollectorStatus::Unavailable { .. })
    ));
}

#[test]
fn existing_id_is_not_overwritten() {
    let (_dir, store) = store();
    let lock = store.lock_org("acme", Duration::ZERO).unwrap();
    store
        .write_snapshot(&lock, &testdata::full(), "0.1.0")
        .unwrap();
    let snap_dir = store.snapshot_dir("acme", "20261123T025751.123Z");
    let before: Vec<_> = tree(&snap_dir)
        .iter()
        .map(|n| std::fs::read(snap_dir.join(n)).unwrap())
        .collect();

    let mut other = testdata::all_none();
    other.taken_at = testdata::full().taken_at;
    let err = store.write_snapshot(&lock, &other, "9.9.9").unwrap_err();
    assert!(matches!(err, Error::Store { .. }), "{err:?}");
    assert!(err.to_string().contains("already exists"), "{err}");

    let after: Vec<_> = tree(&snap_dir)
        .iter()
        .map(|n| std::fs::read(snap_dir.join(n)).unwrap())
        .collect();
    assert_eq!(before, after);
    let top: Vec<_> = std::fs::read_dir(store.org_dir("acme"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(top, [".lock", "20261123T025751.123Z"]);
}

#[test]
fn a_failed_write_leaves_nothing_that_looks_complete() {
    for step in ["data_file", "before_rename", "after_rename"] {
        let (_dir, store) = store();
        let lock = store.lock_org("acme", Duration::ZERO).unwrap();
        crate::fault::FAIL_AT.with(|f| f.set(Some((step, 1))));
        let result = store.write_snapshot(&lock, &testdata::full(), "0.1.0");
        crate::fault::FAIL_AT.with(|f| f.set(None));
        let err = result.unwrap_err();
        assert!(
            err.to_string().contains("injected failure"),
            "{step}: {err}"
        );
        assert_eq!(tree(&store.org_dir("acme")), [".lock"], "{step}");
        assert_eq!(store.list("acme").unwrap(), Vec::<Listed>::new(), "{step}");
        assert_eq!(store.latest("acme").unwrap(), None, "{step}");
        // The same snapshot can be written once the cause is gone.
        store
            .write_snapshot(&lock, &testdata::full(), "0.1.0")
            .unwrap();
    }
}

#[test]
fn rows_of_an_unavailable_collector_are_refused() {
    let (_dir, store) = store();
    let lock = store.lock_org("acme", Duration::ZERO).unwrap();
    let mut snap = testdata::full();
    snap.collectors.insert(
        "events".into(),
        CollectorStatus::Unavailable {
            reason: "402".into(),
        },
    );
    let err = store.write_snapshot(&lock, &snap, "0.1.0").unwrap_err();
    assert!(err.to_string().contains("events.parquet"), "{err}");
    assert_eq!(tree(&store.org_dir("acme")), [".lock"]);
}

#[test]
fn the_lock_must_be_for_the_same_org() {
    let (_dir, store) = store();
    let lock = store.lock_org("other", Duration::ZERO).unwrap();
    let err = store
        .write_snapshot(&lock, &testdata::full(), "0.1.0")
        .unwrap_err();
    assert!(err.to_string().contains("lock"), "{err}");
    assert!(!store.org_dir("acme").exists());

    // A lock of the same org in another store proves nothing here.
    let elsewhere = Store::new(store.root().with_file_name("elsewhere"));
    let foreign = elsewhere.lock_org("acme", Duration::ZERO).unwrap();
    let _own = store.lock_org("acme", Duration::ZERO).unwrap();
    let err = store
        .write_snapshot(&foreign, &testdata::full(), "0.1.0")
        .unwrap_err();
    assert!(err.to_string().contains("lock"), "{err}");
    assert!(store.sweep_temp(&foreign).is_err());
    assert_eq!(store.list("acme").unwrap(), vec![]);
}

#[test]
fn sweep_removes_only_temp_dirs_and_temp_indexes() {
    let (_dir, store) = store();
    let lock = store.lock_org("acme", Duration::ZERO).unwrap();
    store
        .write_snapshot(&lock, &testdata::full(), "0.1.0")
        .unwrap();
    let org_dir = store.org_dir("acme");
    for stale in [".tmp-20261123T030000.000Z-1", ".tmp-20261123T030000.000Z-2"] {
        std::fs::create_dir(org_dir.join(stale)).unwrap();
        std::fs::write(org_dir.join(stale).join("members.parquet"), b"half").unwrap();
    }
    // A presence index a killed report left half-written goes too (not
    // counted: it is no snapshot); the index itself stays.
    std::fs::write(org_dir.join(".tmp-presence-7-123"), b"sha256:").unwrap();
    std::fs::write(org_dir.join(".presence-index"), b"sha256:").unwrap();
    assert_eq!(store.sweep_temp(&lock).unwrap(), 2);
    assert_eq!(store.sweep_temp(&lock).unwrap(), 0);
    assert_eq!(store.list("acme").unwrap().len(), 1);
    assert!(org_dir.join(".lock").exists());
    assert!(!org_dir.join(".tmp-presence-7-123").exists());
    assert!(org_dir.join(".presence-index").exists());
}

/// Only `collector`'s rows of `snap`, as that collector hands them over.
fn part_of(snap: &Snapshot, collector: Collector) -> Snapshot {
    let mut part = Snapshot {
        org: snap.org.clone(),
        taken_at: snap.taken_at,
        ..Snapshot::default()
    };
    part.take_rows(collector, snap.clone());
    part
}

#[test]
fn staged_tables_publish_the_same_snapshot_as_one_write() {
    let snap = testdata::full();
    let (_one_dir, one_go) = store();
    let one_lock = one_go.lock_org("acme", Duration::ZERO).unwrap();
    let expected = one_go.write_snapshot(&one_lock, &snap, "0.1.0").unwrap();
    let id = expected.snapshot_id.clone();
    let many = [
        Collector::Members,
        Collector::ResourceGroups,
        Collector::RepoAccess,
        Collector::Events,
    ];
    for staged_first in [&[][..], &[Collector::Events], &many] {
        let (_dir, store) = store();
        let lock = store.lock_org("acme", Duration::ZERO).unwrap();
        let staged = store.stage_snapshot(&lock, "acme", snap.taken_at).unwrap();
        for &collector in staged_first {
            staged
                .write_tables(collector, &part_of(&snap, collector))
                .unwrap();
        }
        // Staged tables are not a snapshot yet.
        assert_eq!(store.list("acme").unwrap(), vec![], "{staged_first:?}");
        let manifest = store
            .publish_snapshot(&lock, staged, &snap, "0.1.0")
            .unwrap();
        assert_eq!(manifest, expected, "{staged_first:?}");
        assert_eq!(
            tree(&store.org_dir("acme")).first().map(String::as_str),
            Some(".lock")
        );
        assert_eq!(
            store.load("acme", &id).unwrap(),
            one_go.load("acme", &id).unwrap()
        );
        let snap_dir = store.snapshot_dir("acme", &id);
        for name in tree(&snap_dir) {
            assert_eq!(mode(&snap_dir.join(&name)), 0o600, "{name}");
        }
    }
}

#[test]
fn an_abandoned_staged_snapshot_leaves_nothing() {
    let (_dir, store) = store();
    let lock = store.lock_org("acme", Duration::ZERO).unwrap();
    let snap = testdata::full();
    let staged = store.stage_snapshot(&lock, "acme", snap.taken_at).unwrap();
    staged
        .write_tables(Collector::Members, &part_of(&snap, Collector::Members))
        .unwrap();
    assert!(staged.dir().join("members.parquet").exists());
    // A clone (a writer still running) keeps the directory...
    let clone = staged.clone();
    drop(staged);
    assert!(clone.dir().join("members.parquet").exists());
    // ...until the last one goes.
    drop(clone);
    assert_eq!(tree(&store.org_dir("acme")), [".lock"]);
    assert_eq!(store.list("acme").unwrap(), vec![]);
}

#[test]
fn publishing_refuses_staged_tables_that_do_not_match() {
    type Spoil = fn(&mut Snapshot);
    let cases: [(Collector, Spoil, &str); 3] = [
        // The rows changed after they were staged.
        (
            Collector::Members,
            |s| drop(s.members.pop()),
            "but the snapshot has",
        ),
        // The collector turned out unavailable after all.
        (
            Collector::Events,
            |s| {
                s.events.clear();
                s.collectors.insert(
                    "events".into(),
                    CollectorStatus::Unavailable {
                        reason: "402".into(),
                    },
                );
            },
            "not ok",
        ),
        // Staged for another moment.
        (
            Collector::Members,
            |s| s.taken_at = testdata::at(1),
            "staged as",
        ),
    ];
    for (collector, spoil, message) in cases {
        let (_dir, store) = store();
        let lock = store.lock_org("acme", Duration::ZERO).unwrap();
        let mut snap = testdata::full();
        let staged = store.stage_snapshot(&lock, "acme", snap.taken_at).unwrap();
        staged
            .write_tables(collector, &part_of(&snap, collector))
            .unwrap();
        spoil(&mut snap);
        let err = store
            .publish_snapshot(&lock, staged, &snap, "0.1.0")
            .unwrap_err();
        assert!(err.to_string().contains(message), "{message}: {err}");
        assert_eq!(tree(&store.org_dir("acme")), [".lock"], "{message}");
    }
}

#[test]
fn publishing_waits_for_no_writer() {
    let (_dir, store) = store();
    let lock = store.lock_org("acme", Duration::ZERO).unwrap();
    let snap = testdata::full();
    let staged = store.stage_snapshot(&lock, "acme", snap.taken_at).unwrap();
    let busy = staged.clone();
    let err = store
        .publish_snapshot(&lock, staged, &snap, "0.1.0")
        .unwrap_err();
    assert!(err.to_string().contains("still being written"), "{err}");
    assert_eq!(store.list("acme").unwrap(), vec![]);
    drop(busy);
    assert_eq!(tree(&store.org_dir("acme")), [".lock"]);
}

/// `n` access rows, the first one `testdata::full`'s, each with its user.
fn access_rows(n: usize) -> Vec<crate::model::RepoAccess> {
    let first = testdata::full().repo_access.remove(0);
    (0..n)
        .map(|i| crate::model::RepoAccess {
            username: Some(format!("user-{i}")),
            requested_at: if i % 7 == 0 { None } else { first.requested_at },
            ..first.clone()
        })
        .collect()
}

/// Publishes `testdata::full` with `rows` as its access rows, streamed in
/// `chunks` (sizes, cycled); returns the snapshot and its access file.
fn streamed(rows: Vec<crate::model::RepoAccess>, chunks: &[usize]) -> (Snapshot, Vec<u8>) {
    let (_dir, store) = store();
    let lock = store.lock_org("acme", Duration::ZERO).unwrap();
    let mut snap = testdata::full();
    snap.repo_access = rows;
    snap.collectors.insert(
        "repo_access".into(),
        CollectorStatus::ok(snap.repo_access.len()),
    );
    let staged = store.stage_snapshot(&lock, "acme", snap.taken_at).unwrap();
    let writer = staged.repo_access_writer().unwrap();
    let mut rest: &[crate::model::RepoAccess] = &snap.repo_access;
    for &size in chunks.iter().cycle() {
        if rest.is_empty() {
            break;
        }
        let (now, later) = rest.split_at(size.min(rest.len()));
        writer.push(now);
        rest = later;
    }
    writer.finish().unwrap();
    let manifest = store
        .publish_snapshot(&lock, staged, &snap, "0.1.0")
        .unwrap();
    assert_eq!(store.load("acme", &manifest.snapshot_id).unwrap(), snap);
    let bytes = std::fs::read(
        store
            .snapshot_dir("acme", &manifest.snapshot_id)
            .join("repo_access.parquet"),
    )
    .unwrap();
    (snap, bytes)
}

fn row_groups(bytes: &[u8]) -> usize {
    use polars::prelude::{ParquetReader, SerReader};
    let mut reader = ParquetReader::new(std::io::Cursor::new(bytes.to_vec()));
    reader.get_metadata().unwrap().row_groups.len()
}

#[test]
fn access_rows_streamed_zero_one_many_load_back_exactly() {
    let (_, none) = streamed(Vec::new(), &[1]);
    assert_eq!(row_groups(&none), 0);
    let (_, one) = streamed(access_rows(1), &[1]);
    assert_eq!(row_groups(&one), 1);
    // 5,000 rows: two full row groups of 2,048 and the rest.
    let (_, many) = streamed(access_rows(5000), &[50, 1, 300, 0, 2048]);
    assert_eq!(row_groups(&many), 3);
    // Row groups are cut by row count: how rows arrived does not matter.
    let (_, again) = streamed(access_rows(5000), &[5000]);
    assert_eq!(many, again);
}

#[test]
fn an_unfinished_access_writer_removes_its_file() {
    let (_dir, store) = store();
    let lock = store.lock_org("acme", Duration::ZERO).unwrap();
    let snap = testdata::full();
    let staged = store.stage_snapshot(&lock, "acme", snap.taken_at).unwrap();
    let writer = staged.repo_access_writer().unwrap();
    writer.push(&access_rows(3000));
    let path = writer.path().to_path_buf();
    drop(writer);
    assert!(!path.exists());
    // Publishing then writes the table from the snapshot itself.
    let manifest = store
        .publish_snapshot(&lock, staged, &snap, "0.1.0")
        .unwrap();
    assert_eq!(store.load("acme", &manifest.snapshot_id).unwrap(), snap);
}
