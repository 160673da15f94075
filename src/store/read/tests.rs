//! Tests of reading: exact round trips through Parquet, listing rules,
//! damage detection and the lazy history scan.

use std::time::Duration;

use crate::collections::HashMap;

use super::*;
use crate::model::Collector;
use crate::model::CollectorStatus;
use crate::store::{OrgLock, testdata};

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::new(dir.path().join("store"));
    (dir, store)
}

fn lock(store: &Store) -> OrgLock {
    store.lock_org("acme", Duration::ZERO).unwrap()
}

/// Member count per complete snapshot of `org` (oldest first), computed
/// by one lazy polars scan over every `members.parquet`: proof that the
/// layout can be queried as one table. Snapshots whose members collector
/// did not run are left out.
fn scan_members_history(store: &Store, org: &str) -> Result<Vec<(String, u64)>> {
    let org_dir = store.org_dir(org);
    let ids: Vec<String> = store
        .list(org)?
        .into_iter()
        .filter_map(|listed| match listed {
            Listed::Complete(m) if m.files.contains_key(tables::MEMBERS.file) => {
                Some(m.snapshot_id)
            }
            _ => None,
        })
        .collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let paths: Vec<PathBuf> = ids
        .iter()
        .map(|id| org_dir.join(id).join(tables::MEMBERS.file))
        .collect();
    let counts =
        count_by_snapshot(&paths).map_err(|e| Error::store(&org_dir, format!("scan: {e}")))?;
    Ok(ids
        .into_iter()
        .map(|id| {
            let n = counts.get(&id).copied().unwrap_or(0);
            (id, n)
        })
        .collect())
}

/// `SELECT snapshot_id, count(*) FROM <paths> GROUP BY snapshot_id`.
fn count_by_snapshot(paths: &[PathBuf]) -> PolarsResult<HashMap<String, u64>> {
    let df = scan_files(paths)?
        .group_by([col("snapshot_id")])
        .agg([len().alias("rows")])
        .collect()?;
    let ids = df.column("snapshot_id")?.str()?;
    let rows = df.column("rows")?.cast(&DataType::UInt64)?;
    let rows = rows.u64()?;
    Ok(ids
        .iter()
        .zip(rows.iter())
        .filter_map(|(id, n)| Some((id?.to_string(), n?)))
        .collect())
}

fn ids(listed: &[Listed]) -> Vec<&str> {
    listed.iter().map(Listed::id).collect()
}

#[test]
fn round_trips_are_exact() {
    for snap in [
        testdata::full(),
        testdata::all_none(),
        testdata::empty(),
        testdata::partial(),
    ] {
        let (_dir, store) = store();
        let manifest = store.write_snapshot(&lock(&store), &snap, "0.1.0").unwrap();
        let loaded = store.load("acme", &manifest.snapshot_id).unwrap();
        assert_eq!(loaded, snap);
        assert_eq!(store.latest("acme").unwrap(), Some(snap));
    }
}

#[test]
fn zero_row_tables_are_written_and_typed() {
    let (_dir, store) = store();
    let manifest = store
        .write_snapshot(&lock(&store), &testdata::empty(), "0.1.0")
        .unwrap();
    assert_eq!(manifest.files.len(), 8);
    let dir = store.snapshot_dir("acme", &manifest.snapshot_id);
    for table in tables::ALL {
        let df = read_verified(&dir.join(table.file), &manifest.files[table.file]).unwrap();
        assert_eq!(df.height(), 0, "{}", table.file);
        for (name, kind) in table.columns {
            assert_eq!(df.column(name).unwrap().dtype(), &kind.dtype(), "{name}");
        }
    }
}

#[test]
fn unavailable_collectors_load_empty_and_unavailable() {
    let (_dir, store) = store();
    let snap = testdata::partial();
    let manifest = store.write_snapshot(&lock(&store), &snap, "0.1.0").unwrap();
    let loaded = store.load("acme", &manifest.snapshot_id).unwrap();
    assert!(loaded.events.is_empty() && loaded.groups.is_empty());
    assert!(matches!(
        loaded.collector(Collector::Events),
        Some(CollectorStatus::Unavailable { reason }) if reason.contains("402")
    ));
    assert_eq!(loaded.members, snap.members);
}

/// A snapshot written before the tokens collector existed: its manifest
/// names no `tokens` collector and it has no tokens.parquet. It reads as
/// "tokens not collected", never as "no tokens".
#[test]
fn snapshots_from_before_the_tokens_collector_stay_readable() {
    let (_dir, store) = store();
    let mut snap = testdata::full();
    snap.tokens.clear();
    snap.collectors.remove("tokens");
    let manifest = store.write_snapshot(&lock(&store), &snap, "0.1.0").unwrap();
    assert!(!manifest.files.contains_key("tokens.parquet"));
    let loaded = store.load("acme", &manifest.snapshot_id).unwrap();
    assert_eq!(loaded.members, snap.members);
    assert_eq!(loaded.member_tokens(), None);
    // The same org with the collector run and no token: zero, not absent.
    let mut none = testdata::empty();
    none.taken_at = testdata::at(900);
    let manifest = store.write_snapshot(&lock(&store), &none, "0.1.0").unwrap();
    assert!(manifest.files.contains_key("tokens.parquet"));
    let loaded = store.load("acme", &manifest.snapshot_id).unwrap();
    assert_eq!(loaded.member_tokens(), Some(&[][..]));
    // And with tokens, every field comes back.
    let full = testdata::full();
    let mut later = full.clone();
    later.taken_at = testdata::at(1200);
    let manifest = store
        .write_snapshot(&lock(&store), &later, "0.1.0")
        .unwrap();
    let loaded = store.load("acme", &manifest.snapshot_id).unwrap();
    assert_eq!(loaded.member_tokens(), Some(full.tokens.as_slice()));
}

#[test]
fn list_is_oldest_first_and_skips_unpublished_dirs() {
    let (_dir, store) = store();
    assert_eq!(store.list("acme").unwrap(), vec![]);
    assert_eq!(store.orgs().unwrap(), Vec::<String>::new());
    let lock = lock(&store);
    for secs in [600, 0, 300] {
        let mut snap = testdata::full();
        snap.taken_at = testdata::at(secs);
        store.write_snapshot(&lock, &snap, "0.1.0").unwrap();
    }
    let org_dir = store.org_dir("acme");
    // A run killed before publishing, a dir without manifest, a stray file.
    std::fs::create_dir(org_dir.join(".tmp-20261123T030000.000Z-42")).unwrap();
    std::fs::write(
        org_dir
            .join(".tmp-20261123T030000.000Z-42")
            .join(MANIFEST_FILE),
        "{}",
    )
    .unwrap();
    std::fs::create_dir(org_dir.join("20261123T040000.000Z")).unwrap();
    std::fs::write(org_dir.join("notes.txt"), "hello").unwrap();

    let listed = store.list("acme").unwrap();
    assert_eq!(
        ids(&listed),
        [
            "20261123T025751.123Z",
            "20261123T030251.123Z",
            "20261123T030751.123Z"
        ]
    );
    assert!(listed.iter().all(|l| matches!(l, Listed::Complete(_))));
    assert_eq!(
        store.latest("acme").unwrap().unwrap().taken_at,
        testdata::at(600)
    );
    assert_eq!(store.orgs().unwrap(), ["acme"]);
    let err = store.load("acme", "20261123T040000.000Z").unwrap_err();
    assert!(matches!(err, Error::Store { .. }), "{err:?}");
    assert!(err.to_string().contains("never completed"), "{err}");
}

#[test]
fn a_flipped_byte_is_damage_naming_the_file() {
    let (_dir, store) = store();
    let lock = lock(&store);
    let older = testdata::full();
    let mut newer = testdata::all_none();
    newer.taken_at = testdata::at(3600);
    store.write_snapshot(&lock, &older, "0.1.0").unwrap();
    let manifest = store.write_snapshot(&lock, &newer, "0.1.0").unwrap();

    let path = store
        .snapshot_dir("acme", &manifest.snapshot_id)
        .join("members.parquet");
    let mut bytes = std::fs::read(&path).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    std::fs::write(&path, bytes).unwrap();

    let listed = store.list("acme").unwrap();
    assert!(matches!(listed[0], Listed::Complete(_)));
    match &listed[1] {
        Listed::Damaged { id, reason } => {
            assert_eq!(id, &manifest.snapshot_id);
            assert!(reason.starts_with("members.parquet: sha256"), "{reason}");
        }
        other => panic!("expected damage, got {other:?}"),
    }

    let err = store.load("acme", &manifest.snapshot_id).unwrap_err();
    assert!(matches!(err, Error::Store { .. }), "{err:?}");
    assert!(err.to_string().contains("members.parquet"), "{err}");

    assert_eq!(store.latest("acme").unwrap(), Some(older));
}

#[test]
fn a_missing_or_truncated_file_is_damage() {
    let (_dir, store) = store();
    let manifest = store
        .write_snapshot(&lock(&store), &testdata::full(), "0.1.0")
        .unwrap();
    let dir = store.snapshot_dir("acme", &manifest.snapshot_id);

    std::fs::remove_file(dir.join("events.parquet")).unwrap();
    let listed = store.list("acme").unwrap();
    assert!(
        matches!(&listed[0], Listed::Damaged { reason, .. } if reason.starts_with("events.parquet")),
        "{listed:?}"
    );
    let err = store.load("acme", &manifest.snapshot_id).unwrap_err();
    assert!(err.to_string().contains("events.parquet"), "{err}");
    assert_eq!(store.latest("acme").unwrap(), None);

    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(dir.join("invites.parquet"))
        .unwrap();
    file.set_len(10).unwrap();
    std::fs::copy(dir.join("members.parquet"), dir.join("events.parquet")).unwrap();
    let listed = store.list("acme").unwrap();
    let Listed::Damaged { reason, .. } = &listed[0] else {
        panic!("{listed:?}")
    };
    assert!(reason.starts_with("events.parquet") || reason.starts_with("invites.parquet"));
}

#[test]
fn a_manifest_that_omits_a_promised_file_is_damage() {
    let (_dir, store) = store();
    let manifest = store
        .write_snapshot(&lock(&store), &testdata::full(), "0.1.0")
        .unwrap();
    let dir = store.snapshot_dir("acme", &manifest.snapshot_id);
    let mut edited = manifest.clone();
    edited.files.remove("group_members.parquet");
    std::fs::write(
        dir.join(MANIFEST_FILE),
        serde_json::to_vec_pretty(&edited).unwrap(),
    )
    .unwrap();
    let listed = store.list("acme").unwrap();
    assert!(
        matches!(&listed[0], Listed::Damaged { reason, .. } if reason.starts_with("group_members.parquet")),
        "{listed:?}"
    );
    let err = store.load("acme", &manifest.snapshot_id).unwrap_err();
    assert!(err.to_string().contains("group_members.parquet"), "{err}");
}

#[test]
fn unknown_schema_versions_and_bad_json_are_damage() {
    let (_dir, store) = store();
    let manifest = store
        .write_snapshot(&lock(&store), &testdata::full(), "0.1.0")
        .unwrap();
    let path = store
        .snapshot_dir("acme", &manifest.snapshot_id)
        .join(MANIFEST_FILE);
    let mut json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    json["schema_version"] = 99.into();
    std::fs::write(&path, json.to_string()).unwrap();
    let listed = store.list("acme").unwrap();
    assert!(
        matches!(&listed[0], Listed::Damaged { reason, .. } if reason.contains("schema_version 99")),
        "{listed:?}"
    );
    std::fs::write(&path, "{\"schema_version\": 1,").unwrap();
    let listed = store.list("acme").unwrap();
    assert!(
        matches!(&listed[0], Listed::Damaged { reason, .. } if reason.starts_with(MANIFEST_FILE)),
        "{listed:?}"
    );
    assert!(store.load("acme", &manifest.snapshot_id).is_err());
}

#[test]
fn load_refuses_bad_names_and_unknown_ids() {
    let (_dir, store) = store();
    store
        .write_snapshot(&lock(&store), &testdata::full(), "0.1.0")
        .unwrap();
    for (org, id) in [
        ("../../etc", "20261123T025751.123Z"),
        ("a/b", "20261123T025751.123Z"),
        ("", "20261123T025751.123Z"),
        ("acme", "../acme/20261123T025751.123Z"),
        ("acme", ".lock"),
    ] {
        let err = store.load(org, id).unwrap_err();
        assert!(matches!(err, Error::Usage(_)), "{org} {id}: {err:?}");
    }
    assert!(matches!(store.list("../x"), Err(Error::Usage(_))));
    let err = store.load("acme", "20200101T000000.000Z").unwrap_err();
    assert!(matches!(err, Error::Usage(_)), "{err:?}");
    assert!(err.to_string().contains("no snapshot"), "{err}");
}

#[test]
fn members_history_is_one_lazy_scan() {
    let (_dir, store) = store();
    assert_eq!(scan_members_history(&store, "acme").unwrap(), vec![]);
    let lock = lock(&store);
    let mut one = testdata::all_none();
    one.taken_at = testdata::at(0);
    let mut two = testdata::full();
    two.taken_at = testdata::at(60);
    let mut none = testdata::empty();
    none.taken_at = testdata::at(120);
    let mut no_members = testdata::empty();
    no_members.taken_at = testdata::at(180);
    no_members.collectors.insert(
        "members".into(),
        CollectorStatus::Unavailable {
            reason: "403".into(),
        },
    );
    for snap in [&two, &one, &none, &no_members] {
        store.write_snapshot(&lock, snap, "0.1.0").unwrap();
    }
    assert_eq!(
        scan_members_history(&store, "acme").unwrap(),
        vec![
            ("20261123T025751.123Z".to_string(), 1),
            ("20261123T025851.123Z".to_string(), 2),
            ("20261123T025951.123Z".to_string(), 0),
        ]
    );
}

#[test]
fn a_file_swapped_for_a_device_or_a_bigger_file_is_damage_without_reading_it() {
    let (_dir, store) = store();
    let lock = lock(&store);
    let older = testdata::full();
    let mut newer = testdata::full();
    newer.taken_at = testdata::at(60);
    store.write_snapshot(&lock, &older, "0.1.0").unwrap();
    let manifest = store.write_snapshot(&lock, &newer, "0.1.0").unwrap();
    let dir = store.snapshot_dir("acme", &manifest.snapshot_id);

    // /dev/zero never ends: reading it whole would never return. Through
    // a symlink, it is not even opened.
    std::fs::remove_file(dir.join("members.parquet")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", dir.join("members.parquet")).unwrap();
    let listed = store.list("acme").unwrap();
    assert!(
        matches!(&listed[1], Listed::Damaged { reason, .. } if reason.starts_with("members.parquet: is a symlink")),
        "{listed:?}"
    );
    let err = store.load("acme", &manifest.snapshot_id).unwrap_err();
    assert!(err.to_string().contains("members.parquet"), "{err}");
    assert_eq!(store.latest("acme").unwrap(), Some(older.clone()));

    // A FIFO would block a reader forever.
    std::fs::remove_file(dir.join("members.parquet")).unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(dir.join("members.parquet"))
        .status()
        .unwrap();
    assert!(made.success());
    let listed = store.list("acme").unwrap();
    assert!(
        matches!(&listed[1], Listed::Damaged { reason, .. } if reason.starts_with("members.parquet: is not a regular file")),
        "{listed:?}"
    );
    assert_eq!(store.latest("acme").unwrap(), Some(older.clone()));

    // A bigger file with the same name: refused by size.
    std::fs::remove_file(dir.join("members.parquet")).unwrap();
    std::fs::write(dir.join("members.parquet"), vec![0u8; 1 << 20]).unwrap();
    let listed = store.list("acme").unwrap();
    assert!(
        matches!(&listed[1], Listed::Damaged { reason, .. } if reason.contains("1048576 bytes")),
        "{listed:?}"
    );
    assert_eq!(store.latest("acme").unwrap(), Some(older));
}

#[test]
fn every_kind_of_damage_to_the_newest_falls_back_to_the_newest_intact() {
    type Damage = fn(&Path);
    let damages: [(&str, Damage); 6] = [
        ("members.parquet", |d| flip(&d.join("members.parquet"))),
        ("events.parquet", |d| {
            std::fs::remove_file(d.join("events.parquet")).unwrap()
        }),
        ("group_members.parquet", |d| {
            std::fs::write(d.join("group_members.parquet"), b"PAR1").unwrap()
        }),
        (MANIFEST_FILE, |d| {
            std::fs::write(d.join(MANIFEST_FILE), b"{").unwrap()
        }),
        (MANIFEST_FILE, |d| {
            std::fs::write(d.join(MANIFEST_FILE), b"").unwrap()
        }),
        (MANIFEST_FILE, |d| flip(&d.join(MANIFEST_FILE))),
    ];
    for (file, damage) in damages {
        let (_dir, store) = store();
        let lock = lock(&store);
        let older = testdata::full();
        let mut newer = testdata::all_none();
        newer.taken_at = testdata::at(60);
        store.write_snapshot(&lock, &older, "0.1.0").unwrap();
        let manifest = store.write_snapshot(&lock, &newer, "0.1.0").unwrap();
        damage(&store.snapshot_dir("acme", &manifest.snapshot_id));

        let listed = store.list("acme").unwrap();
        assert!(matches!(listed[0], Listed::Complete(_)), "{file}");
        match &listed[1] {
            Listed::Damaged { reason, .. } => assert!(reason.contains(file), "{file}: {reason}"),
            other => panic!("{file}: expected damage, got {other:?}"),
        }
        let err = store.load("acme", &manifest.snapshot_id).unwrap_err();
        assert!(err.to_string().contains(file), "{file}: {err}");
        assert_eq!(store.latest("acme").unwrap(), Some(older.clone()), "{file}");
        assert_eq!(
            scan_members_history(&store, "acme").unwrap().len(),
            1,
            "{file}"
        );
    }
}

/// Flips one bit in the middle of a file.
/// Flips the top bit of the middle byte: a Parquet file no longer matches
/// its checksum, and JSON is no longer UTF-8 (a case flip, 0x20, could land
/// on a hex digit of a sha256, which compares case-insensitively).
fn flip(path: &Path) {
    let mut bytes = std::fs::read(path).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x80;
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn latest_without_events_verifies_the_audit_log_but_leaves_it_out() {
    let (_dir, store) = store();
    let lock = lock(&store);
    let older = testdata::full();
    assert!(!older.events.is_empty());
    store.write_snapshot(&lock, &older, "0.1.0").unwrap();
    let without = Snapshot {
        events: Vec::new(),
        ..older.clone()
    };
    assert_eq!(
        store.latest_without_events("acme").unwrap(),
        Some(without.clone())
    );

    let mut newer = testdata::full();
    newer.taken_at = testdata::at(60);
    let manifest = store.write_snapshot(&lock, &newer, "0.1.0").unwrap();
    flip(
        &store
            .snapshot_dir("acme", &manifest.snapshot_id)
            .join("events.parquet"),
    );
    assert_eq!(
        store.latest_without_events("acme").unwrap(),
        Some(without),
        "a damaged audit log still makes the snapshot damaged"
    );
}

/// Snapshots deleted (by `prune`) between being listed and being read are
/// skipped, not reported as damaged, and the latest is looked up again.
mod deleted_while_read {
    use super::*;
    use crate::store::snapshot_id;

    /// Three snapshots of acme, a minute apart; their ids, oldest first.
    fn three(store: &Store, lock: &OrgLock) -> Vec<String> {
        (0..3)
            .map(|k| {
                let mut snap = testdata::full();
                snap.taken_at = testdata::at(60 * k);
                store
                    .write_snapshot(lock, &snap, "0.1.0")
                    .unwrap()
                    .snapshot_id
            })
            .collect()
    }

    #[test]
    fn a_listed_snapshot_deleted_before_its_manifest_is_read_is_not_listed() {
        let (_dir, store) = store();
        let lock = lock(&store);
        let made = three(&store, &lock);
        let (deleter, middle) = (store.clone(), made[1].clone());
        let mut lock = Some(lock);
        set_hook(move |point| {
            if point == "listed"
                && let Some(lock) = lock.take()
            {
                deleter.delete_snapshot(&lock, &middle).unwrap();
            }
        });
        let listed = store.list("acme");
        clear_hook();
        let listed = listed.unwrap();
        assert_eq!(ids(&listed), [made[0].as_str(), made[2].as_str()]);
        assert!(
            listed.iter().all(|l| matches!(l, Listed::Complete(_))),
            "{listed:?}"
        );
    }

    #[test]
    fn the_latest_deleted_before_it_is_read_means_looking_it_up_again() {
        let (_dir, store) = store();
        let lock = lock(&store);
        let ids = three(&store, &lock);
        // Listed: 0, 1, 2. Before 2 is read, a snapshot run publishes a
        // newer one and a prune deletes 2.
        let mut newest = testdata::full();
        newest.taken_at = testdata::at(600);
        let (writer, listed_newest) = (store.clone(), ids[2].clone());
        let mut once = Some((lock, newest.clone()));
        set_hook(move |point| {
            if point == "listed"
                && let Some((lock, snap)) = once.take()
            {
                writer.write_snapshot(&lock, &snap, "0.1.0").unwrap();
                writer.delete_snapshot(&lock, &listed_newest).unwrap();
            }
        });
        let latest = store.latest("acme");
        clear_hook();
        // Not snapshot 1, the next one of the stale listing.
        assert_eq!(latest.unwrap(), Some(newest));
    }

    #[test]
    fn the_latest_deleted_with_nothing_newer_falls_back_to_the_one_before() {
        let (_dir, store) = store();
        let lock = lock(&store);
        let ids = three(&store, &lock);
        let (deleter, newest) = (store.clone(), ids[2].clone());
        let mut lock = Some(lock);
        set_hook(move |point| {
            if point == "listed"
                && let Some(lock) = lock.take()
            {
                deleter.delete_snapshot(&lock, &newest).unwrap();
            }
        });
        let latest = store.latest_without_events("acme");
        clear_hook();
        let latest = latest.unwrap().unwrap();
        assert_eq!(snapshot_id(latest.taken_at), ids[1]);
    }
}
