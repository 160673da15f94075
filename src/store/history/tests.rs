use super::*;
use crate::history::Holder;
use crate::model::{CollectorStatus, Event, Invite, InviteSource, Member, Snapshot};
use chrono::{DateTime, TimeZone, Utc};
use std::time::Duration;

fn member(name: &str) -> Member {
    Member {
        hub_id: format!("id-{name}"),
        username: name.into(),
        fullname: None,
        role: Some("read".into()),
        two_fa: None,
        verified_email: None,
        external: None,
        is_pro: None,
        resource_groups: vec![],
    }
}

fn snap(day: u32, members: &[&str], invites: &[&str]) -> Snapshot {
    let mut s = Snapshot {
        org: "acme".into(),
        taken_at: Utc.with_ymd_and_hms(2026, 3, day, 12, 0, 0).unwrap(),
        endpoint: "http://x".into(),
        members: members.iter().map(|m| member(m)).collect(),
        invites: invites
            .iter()
            .map(|i| Invite {
                invitee: i.to_string(),
                username: Some(i.to_string()),
                email: None,
                fullname: None,
                role: None,
                source: InviteSource::PendingMembers,
                invited_at: None,
            })
            .collect(),
        ..Snapshot::default()
    };
    s.collectors
        .insert("members".into(), CollectorStatus::ok(members.len()));
    s.collectors
        .insert("invites".into(), CollectorStatus::ok(invites.len()));
    for c in ["resource_groups", "repo_access", "events"] {
        s.collectors.insert(
            c.into(),
            CollectorStatus::Unavailable {
                reason: "test".into(),
            },
        );
    }
    s
}

#[test]
fn first_seen_zero_one_many() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::new(dir.path().join("store"));
    assert_eq!(store.first_seen("acme").unwrap(), FirstSeen::default());

    let lock = store.lock_org("acme", Duration::ZERO).unwrap();
    store
        .write_snapshot(&lock, &snap(1, &["alice"], &["newbie"]), "t")
        .unwrap();
    let one = store.first_seen("acme").unwrap();
    assert_eq!(one.snapshots, 1);
    let day1 = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    assert_eq!(one.members["alice"], day1);
    assert_eq!(one.invites["newbie"], day1);

    store
        .write_snapshot(&lock, &snap(2, &["Alice", "bob"], &["newbie"]), "t")
        .unwrap();
    store
        .write_snapshot(&lock, &snap(3, &["bob", "carol"], &[]), "t")
        .unwrap();
    let many = store.first_seen("acme").unwrap();
    assert_eq!(many.snapshots, 3);
    assert_eq!(many.members.len(), 3);
    assert_eq!(
        many.members["alice"], day1,
        "case-insensitive, earliest wins"
    );
    assert_eq!(
        many.members["bob"],
        Utc.with_ymd_and_hms(2026, 3, 2, 12, 0, 0).unwrap()
    );
    assert_eq!(
        many.members["carol"],
        Utc.with_ymd_and_hms(2026, 3, 3, 12, 0, 0).unwrap()
    );
    assert_eq!(many.invites["newbie"], day1);
}

#[test]
fn snapshot_ids_are_times() {
    assert_eq!(
        snapshot_time("20261123T025751.123Z"),
        Some(
            Utc.with_ymd_and_hms(2026, 11, 23, 2, 57, 51).unwrap()
                + chrono::Duration::milliseconds(123)
        )
    );
    assert_eq!(snapshot_time("garbage"), None);
}

fn event(
    id: &str,
    day: u32,
    kind: &str,
    author: &str,
    author_type: Option<&str>,
    data: &str,
) -> Event {
    Event {
        id: id.into(),
        created_at: Utc.with_ymd_and_hms(2026, 2, day, 9, 0, 0).unwrap(),
        kind: kind.into(),
        message: None,
        author: Some(author.into()),
        author_type: author_type.map(str::to_string),
        data: Some(data.into()),
    }
}

fn with_events(mut s: Snapshot, events: Vec<Event>) -> Snapshot {
    s.collectors
        .insert("events".into(), CollectorStatus::ok(events.len()));
    s.events = events;
    s
}

fn store_with(snaps: &[Snapshot]) -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::new(dir.path().join("store"));
    let lock = store.lock_org("acme", Duration::ZERO).unwrap();
    for s in snaps {
        store.write_snapshot(&lock, s, "t").unwrap();
    }
    drop(lock);
    (dir, store)
}

fn day(d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, d, 12, 0, 0).unwrap()
}

#[test]
fn presence_zero_one_many() {
    let (_d, store) = store_with(&[]);
    let h = store.history("acme").unwrap();
    assert!(h.accounts.is_empty() && h.snapshots.is_empty());
    assert!(!h.has_audit_log());

    let (_d, store) = store_with(&[snap(1, &["alice"], &[])]);
    let h = store.history("acme").unwrap();
    assert_eq!(h.accounts.len(), 1);
    assert_eq!(
        (h.accounts["alice"].first, h.accounts["alice"].last),
        (day(1), day(1))
    );

    let mut renamed = snap(3, &["Bob", "carol"], &[]);
    renamed.members[0].fullname = Some("Bob Newname".into());
    renamed.members[0].verified_email = Some("bob@acme.com".into());
    let (_d, store) = store_with(&[
        snap(1, &["alice", "bob"], &[]),
        snap(2, &["bob"], &[]),
        renamed,
        snap(4, &["carol"], &[]),
    ]);
    let h = store.history("acme").unwrap();
    assert_eq!(h.snapshots.len(), 4);
    assert_eq!(h.accounts.len(), 3);
    let bob = &h.accounts["bob"];
    assert_eq!((bob.first, bob.last), (day(1), day(3)), "case-insensitive");
    assert_eq!(bob.username, "Bob", "the latest spelling");
    assert_eq!(bob.fullname.as_deref(), Some("Bob Newname"));
    assert_eq!(bob.verified_email.as_deref(), Some("bob@acme.com"));
    assert_eq!(
        (h.accounts["alice"].first, h.accounts["alice"].last),
        (day(1), day(1))
    );
    assert_eq!(h.first_after(day(1)).map(|s| s.taken_at), Some(day(2)));
    assert_eq!(
        h.previous(&crate::store::snapshot_id(day(4)))
            .map(|s| s.taken_at),
        Some(day(3))
    );
    assert_eq!(
        store
            .member_roles("acme", &crate::store::snapshot_id(day(3)))
            .unwrap()
            .get("bob"),
        Some(&Some("read".to_string()))
    );
}

#[test]
fn events_give_activity_oldest_and_deduplicated_membership_events() {
    let first = vec![
        event("e1", 1, "org.sso_login", "Alice", Some("user"), "{}"),
        event(
            "e2",
            2,
            "org.remove_user",
            "root",
            Some("user"),
            r#"{"user":"bob"}"#,
        ),
        event("e3", 3, "repo.create", "system-bot", Some("system"), "{}"),
    ];
    // The next export repeats e1 and e2 and adds newer events.
    let mut second = first.clone();
    second.push(event("e4", 5, "repo.update", "alice", None, "{}"));
    second.push(event(
        "e5",
        6,
        "org.invite_user",
        "root",
        Some("user"),
        r#"{"email":"x@y.z"}"#,
    ));
    let (_d, store) = store_with(&[
        with_events(snap(1, &["alice"], &[]), first),
        snap(2, &["alice"], &[]),
        with_events(snap(3, &["alice"], &[]), second),
    ]);
    let h = store.history("acme").unwrap();
    assert!(h.has_audit_log());
    assert_eq!(
        h.audit_log_since,
        Some(Utc.with_ymd_and_hms(2026, 2, 1, 9, 0, 0).unwrap())
    );
    let alice = h.activity["alice"];
    assert_eq!(
        alice.last,
        Utc.with_ymd_and_hms(2026, 2, 5, 9, 0, 0).unwrap()
    );
    assert_eq!(
        alice.last_sso_login,
        Some(Utc.with_ymd_and_hms(2026, 2, 1, 9, 0, 0).unwrap())
    );
    assert!(h.activity.contains_key("root"));
    assert!(
        !h.activity.contains_key("system-bot"),
        "system events are no one's activity"
    );
    let kinds: Vec<(&str, &str)> = h
        .membership_events
        .iter()
        .map(|e| (e.id.as_str(), e.kind.as_str()))
        .collect();
    assert_eq!(
        kinds,
        vec![("e2", "org.remove_user"), ("e5", "org.invite_user")]
    );
}

#[test]
fn seat_history_counts_departed_after_their_day_and_unmatched() {
    let (_d, store) = store_with(&[
        snap(1, &["alice", "bob", "ghost"], &["newbie"]),
        snap(2, &["alice", "bob", "ghost"], &[]),
        snap(3, &["alice", "ghost"], &[]),
    ]);
    let h = store.history("acme").unwrap();
    let mut holders = HashMap::new();
    assert!(
        h.seats(&holders)
            .iter()
            .all(|p| p.departed == 0 && p.unmatched == 0),
        "zero holders"
    );
    holders.insert("ghost".to_string(), Holder::Unmatched);
    // bob left on day 1 (after its noon snapshot), alice at an unknown date.
    holders.insert(
        "bob".to_string(),
        Holder::DepartedAfter(Some(day(1) + chrono::Duration::hours(1))),
    );
    holders.insert("alice".to_string(), Holder::DepartedAfter(None));
    let points = h.seats(&holders);
    let got: Vec<(u64, u64, u64, u64)> = points
        .iter()
        .map(|p| (p.members, p.pending_invites, p.departed, p.unmatched))
        .collect();
    assert_eq!(got, vec![(3, 1, 1, 1), (3, 0, 2, 1), (2, 0, 1, 1)]);
}

#[test]
fn a_damaged_file_of_the_right_size_is_named_and_skipped() {
    let (_d, store) = store_with(&[snap(1, &["alice"], &[]), snap(2, &["bob"], &[])]);
    let id = crate::store::snapshot_id(day(1));
    let path = store.snapshot_dir("acme", &id).join("members.parquet");
    let mut bytes = std::fs::read(&path).unwrap();
    let mid = bytes.len() / 2;
    for b in &mut bytes[mid..mid + 16] {
        *b ^= 0xFF;
    }
    std::fs::write(&path, &bytes).unwrap();
    let h = store.history("acme").unwrap();
    assert_eq!(h.snapshots.len(), 1, "only the intact snapshot");
    assert!(h.accounts.contains_key("bob") && !h.accounts.contains_key("alice"));
    assert_eq!(h.skipped.len(), 1);
    assert!(h.skipped[0].contains("members.parquet"), "{:?}", h.skipped);
}

#[test]
fn an_account_that_left_and_came_back_has_two_runs() {
    let mut last = snap(5, &["alice", "dave"], &[]);
    last.members[0].fullname = Some("Alice Back".into());
    let (_d, store) = store_with(&[
        snap(1, &["carol"], &[]),
        snap(2, &["alice", "bob", "carol"], &[]),
        snap(3, &["alice", "bob", "carol"], &[]),
        snap(4, &["bob", "carol", "dave"], &[]),
        last,
    ]);
    let h = store.history("acme").unwrap();
    // alice's rows are numbered from the second file on: the gap scan
    // starts there.
    assert_eq!(h.member_runs["alice"], vec![(1, 2), (4, 4)]);
    assert_eq!(h.member_runs["bob"], vec![(1, 3)]);
    assert_eq!(h.member_runs["carol"], vec![(0, 3)]);
    assert_eq!(h.member_runs["dave"], vec![(3, 4)]);
    let alice = &h.accounts["alice"];
    assert_eq!((alice.first, alice.last), (day(2), day(5)));
    assert_eq!(
        alice.fullname.as_deref(),
        Some("Alice Back"),
        "from the last run"
    );
    assert_eq!(h.accounts["bob"].last, day(4));
    assert_eq!(
        store.member_presence("acme").unwrap(),
        h.accounts,
        "the presence scan alone"
    );

    let holders: HashMap<String, Holder> = [
        ("alice".to_string(), Holder::Unmatched),
        ("carol".to_string(), Holder::Unmatched),
        (
            "bob".to_string(),
            Holder::DepartedAfter(Some(day(2) + chrono::Duration::hours(1))),
        ),
        ("dave".to_string(), Holder::DepartedAfter(None)),
        ("nobody".to_string(), Holder::Unmatched),
    ]
    .into_iter()
    .collect();
    let got: Vec<(u64, u64)> = h
        .seats(&holders)
        .iter()
        .map(|p| (p.departed, p.unmatched))
        .collect();
    assert_eq!(got, vec![(0, 1), (0, 2), (1, 2), (2, 1), (1, 1)]);
}

#[test]
fn a_manifest_row_count_that_disagrees_with_the_file_is_an_error() {
    let (_d, store) = store_with(&[snap(1, &["alice", "bob"], &[])]);
    let dir = store.snapshot_dir("acme", &crate::store::snapshot_id(day(1)));
    let path = dir.join("manifest.json");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut m: serde_json::Value = serde_json::from_str(&text).unwrap();
    m["collectors"]["members"]["rows"] = 3.into();
    std::fs::write(&path, serde_json::to_string_pretty(&m).unwrap()).unwrap();
    let e = store.history("acme").unwrap_err().to_string();
    assert!(e.contains("hold 2 rows, their manifests say 3"), "{e}");
}

/// `prune --apply` running alongside: snapshots deleted while the history
/// is read are left out (not named as damaged), the scan starts again.
mod deleted_while_read {
    use super::*;
    use crate::store::read::{clear_hook, set_hook};

    /// Six snapshots (March 1 to 6): `ann` in all, `uN` on day N only.
    fn six(store: &Store, lock: &crate::store::OrgLock) -> Vec<String> {
        (1..=6)
            .map(|day| {
                let user = format!("u{day}");
                store
                    .write_snapshot(lock, &snap(day, &["ann", &user], &[]), "t")
                    .unwrap()
                    .snapshot_id
            })
            .collect()
    }

    #[test]
    fn deletions_between_reading_manifests_and_scanning_are_left_out() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path().join("store"));
        let lock = store.lock_org("acme", Duration::ZERO).unwrap();
        let ids = six(&store, &lock);
        // Before each of the first three scans, one more old snapshot goes.
        let mut doomed = ids[..3].to_vec();
        let deleter = store.clone();
        set_hook(move |point| {
            if point == "history: scan"
                && let Some(id) = doomed.pop()
            {
                deleter.delete_snapshot(&lock, &id).unwrap();
            }
        });
        let history = store.history("acme");
        clear_hook();
        let history = history.unwrap();
        let scanned: Vec<&str> = history.snapshots.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(
            scanned,
            ids[3..].iter().map(String::as_str).collect::<Vec<_>>()
        );
        assert!(history.skipped.is_empty(), "{:?}", history.skipped);
        for user in ["u1", "u2", "u3"] {
            assert!(!history.accounts.contains_key(user), "{user}");
        }
        for user in ["ann", "u4", "u5", "u6"] {
            assert!(history.accounts.contains_key(user), "{user}");
        }
        assert_eq!(history.first_seen.snapshots, 3);
    }

    #[test]
    fn a_snapshot_deleted_after_listing_is_not_named_damaged() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path().join("store"));
        let lock = store.lock_org("acme", Duration::ZERO).unwrap();
        let ids = six(&store, &lock);
        let (deleter, doomed) = (store.clone(), ids[2].clone());
        let mut lock = Some(lock);
        set_hook(move |point| {
            if point == "listed"
                && let Some(lock) = lock.take()
            {
                deleter.delete_snapshot(&lock, &doomed).unwrap();
            }
        });
        let history = store.history("acme");
        clear_hook();
        let history = history.unwrap();
        assert!(history.skipped.is_empty(), "{:?}", history.skipped);
        assert_eq!(history.snapshots.len(), 5);
        assert!(!history.accounts.contains_key("u3"));
    }

    #[test]
    fn previous_roles_skip_a_deleted_previous_snapshot() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path().join("store"));
        let lock = store.lock_org("acme", Duration::ZERO).unwrap();
        let ids = six(&store, &lock);
        let history = store.history("acme").unwrap();
        let latest = &ids[5];

        // Zero: nothing before the first snapshot.
        assert!(
            store
                .previous_roles("acme", &history, &ids[0])
                .unwrap()
                .is_none()
        );
        // One: the snapshot just before.
        let (prev, roles) = store
            .previous_roles("acme", &history, latest)
            .unwrap()
            .unwrap();
        assert_eq!(prev.id, ids[4]);
        assert!(roles.contains_key("u5"));

        // Many: two deleted since the history was read; the one before them.
        store.delete_snapshot(&lock, &ids[4]).unwrap();
        store.delete_snapshot(&lock, &ids[3]).unwrap();
        let (prev, roles) = store
            .previous_roles("acme", &history, latest)
            .unwrap()
            .unwrap();
        assert_eq!(prev.id, ids[2]);
        assert_eq!(roles.get("u3"), Some(&Some("read".to_string())));

        // Damaged, not deleted: an error, as before.
        std::fs::write(
            store.snapshot_dir("acme", &ids[2]).join("members.parquet"),
            b"x",
        )
        .unwrap();
        assert!(store.previous_roles("acme", &history, latest).is_err());
    }
}

/// The `users` whose flag is set.
fn present_of<'a>(users: &[&'a str], flags: &[bool]) -> Vec<&'a str> {
    users
        .iter()
        .zip(flags)
        .filter(|(_, p)| **p)
        .map(|(u, _)| *u)
        .collect()
}

/// `s` with every member named `USERNAME on day DAY`.
fn named(mut s: Snapshot, day: u32) -> Snapshot {
    for m in &mut s.members {
        m.fullname = Some(format!("{} on day {day}", m.username));
    }
    s
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]

    /// Any pattern of presence over the files (read in parts on several
    /// threads) gives each account its runs of consecutive snapshots and
    /// the name of its last one, as a scan of every file one by one does.
    #[test]
    fn presence_matches_a_file_by_file_reading(
        days in proptest::collection::vec(proptest::collection::vec(proptest::bool::ANY, 5), 1..9)
    ) {
        let users = ["u0", "u1", "U2", "u3", "u4"];
        let snaps: Vec<Snapshot> = days
            .iter()
            .enumerate()
            .map(|(d, present)| {
                named(snap(d as u32 + 1, &present_of(&users, present), &[]), d as u32 + 1)
            })
            .collect();
        let (_d, store) = store_with(&snaps);
        let h = store.history("acme").unwrap();
        for (i, user) in users.iter().enumerate() {
            let files: Vec<usize> = (0..days.len()).filter(|&d| days[d][i]).collect();
            let key = user.to_lowercase();
            if files.is_empty() {
                proptest::prop_assert!(!h.accounts.contains_key(&key));
                continue;
            }
            let mut runs: Vec<(usize, usize)> = Vec::new();
            for &f in &files {
                match runs.last_mut() {
                    Some((_, end)) if *end + 1 == f => *end = f,
                    _ => runs.push((f, f)),
                }
            }
            proptest::prop_assert_eq!(&h.member_runs[*user], &runs);
            let last = *files.last().unwrap();
            let account = &h.accounts[&key];
            proptest::prop_assert_eq!(account.first, day(files[0] as u32 + 1));
            proptest::prop_assert_eq!(account.last, day(last as u32 + 1));
            let name = format!("{user} on day {}", last + 1);
            proptest::prop_assert_eq!(account.fullname.as_deref(), Some(name.as_str()));
        }
    }
}

mod presence_index {
    use super::*;
    use crate::store::history::INDEX_FILE;
    use std::os::unix::fs::PermissionsExt;

    fn add(store: &Store, s: &Snapshot) {
        let lock = store.lock_org("acme", Duration::ZERO).unwrap();
        store.write_snapshot(&lock, s, "t").unwrap();
    }

    fn index_path(store: &Store) -> std::path::PathBuf {
        store.org_dir("acme").join(INDEX_FILE)
    }

    /// What the history says of presence, read without the index.
    fn scanned(store: &Store) -> (HashMap<String, Presence>, MemberRuns) {
        let _ = std::fs::remove_file(index_path(store));
        let h = store.history("acme").unwrap();
        (h.accounts, h.member_runs)
    }

    #[test]
    fn a_report_writes_it_private_and_the_next_one_reads_only_new_snapshots() {
        let (_d, store) = store_with(&[
            named(snap(1, &["alice", "bob"], &[]), 1),
            named(snap(2, &["alice"], &[]), 2),
        ]);
        assert!(!index_path(&store).exists(), "snapshots do not write it");
        let first = store.history("acme").unwrap();
        let meta = std::fs::symlink_metadata(index_path(&store)).unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        // The files the index covers are not read again: a members file
        // it covers can go (size unchanged) and nothing changes.
        let id = crate::store::snapshot_id(day(1));
        let path = store.snapshot_dir("acme", &id).join("members.parquet");
        let len = std::fs::metadata(&path).unwrap().len() as usize;
        std::fs::write(&path, vec![0u8; len]).unwrap();
        let again = store.history("acme").unwrap();
        assert_eq!(again.accounts, first.accounts);
        assert!(again.skipped.is_empty());
        // A new snapshot is scanned and added.
        add(&store, &named(snap(3, &["alice", "bob", "carol"], &[]), 3));
        let third = store.history("acme").unwrap();
        assert_eq!(third.member_runs["alice"], vec![(0, 2)]);
        assert_eq!(third.member_runs["bob"], vec![(0, 0), (2, 2)]);
        assert_eq!(third.member_runs["carol"], vec![(2, 2)]);
        assert_eq!(
            third.accounts["alice"].fullname.as_deref(),
            Some("alice on day 3")
        );
        assert_eq!(third.accounts["bob"].first, day(1));
    }

    #[test]
    fn a_damaged_foreign_or_stale_index_is_rebuilt_from_the_snapshots() {
        let (_d, store) = store_with(&[snap(1, &["alice"], &[]), snap(2, &["alice", "bob"], &[])]);
        let truth = scanned(&store);
        let path = index_path(&store);
        // One byte changed: refused by its checksum.
        let mut bytes = std::fs::read(&path).unwrap();
        let at = bytes.len() - 5;
        bytes[at] ^= 1;
        std::fs::write(&path, &bytes).unwrap();
        let h = store.history("acme").unwrap();
        assert_eq!((h.accounts, h.member_runs), truth);
        assert_ne!(std::fs::read(&path).unwrap(), bytes, "rewritten");
        // Another store's index (other files): not used, replaced.
        let (_e, other) = store_with(&[snap(1, &["mallory"], &[])]);
        other.history("acme").unwrap();
        std::fs::copy(index_path(&other), &path).unwrap();
        let h = store.history("acme").unwrap();
        assert_eq!((h.accounts, h.member_runs), truth);
        // A symlink: not followed, neither read nor written through.
        let target = store.org_dir("acme").with_file_name("elsewhere");
        std::fs::copy(index_path(&other), &target).unwrap();
        let before = std::fs::read(&target).unwrap();
        std::fs::remove_file(&path).unwrap();
        std::os::unix::fs::symlink(&target, &path).unwrap();
        let h = store.history("acme").unwrap();
        assert_eq!((h.accounts, h.member_runs), truth);
        assert_eq!(std::fs::read(&target).unwrap(), before);
        assert!(!std::fs::symlink_metadata(&path).unwrap().is_symlink());
    }

    #[test]
    fn pruning_deletes_it_and_the_history_without_the_snapshot_is_rescanned() {
        let (_d, store) = store_with(&[
            snap(1, &["gone"], &[]),
            snap(2, &["alice"], &[]),
            snap(3, &["alice"], &[]),
        ]);
        store.history("acme").unwrap();
        let lock = store.lock_org("acme", Duration::ZERO).unwrap();
        store
            .delete_snapshot(&lock, &crate::store::snapshot_id(day(1)))
            .unwrap();
        drop(lock);
        assert!(!index_path(&store).exists());
        let h = store.history("acme").unwrap();
        assert!(!h.accounts.contains_key("gone"));
        assert_eq!(h.member_runs["alice"], vec![(0, 1)]);
    }

    #[test]
    fn an_index_that_cannot_be_written_leaves_the_history_whole() {
        let (_d, store) = store_with(&[snap(1, &["alice"], &[])]);
        // A directory where the index goes: the rename fails, even as root.
        let path = index_path(&store);
        std::fs::create_dir(&path).unwrap();
        std::fs::write(path.join("x"), "x").unwrap();
        let h = store.history("acme").unwrap();
        assert!(h.accounts.contains_key("alice"));
        let left: Vec<String> = std::fs::read_dir(store.org_dir("acme"))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.starts_with(".tmp"))
            .collect();
        assert!(left.is_empty(), "no temporary file left: {left:?}");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(16))]

        /// However often the history is read between snapshots (so the
        /// index covers any prefix), and after pruning any snapshot, it
        /// says what a scan of every file says.
        #[test]
        fn reading_through_the_index_is_reading_every_file(
            days in proptest::collection::vec(
                (proptest::collection::vec(proptest::bool::ANY, 4), proptest::bool::ANY),
                1..8,
            ),
            pruned in proptest::option::of(0usize..8),
        ) {
            let users = ["u0", "u1", "U2", "u3"];
            let dir = tempfile::tempdir().unwrap();
            let store = Store::new(dir.path().join("store"));
            for (d, (present, read)) in days.iter().enumerate() {
                let here = present_of(&users, present);
                add(&store, &named(snap(d as u32 + 1, &here, &[]), d as u32 + 1));
                if *read {
                    store.history("acme").unwrap();
                }
            }
            let h = store.history("acme").unwrap();
            let indexed = (h.accounts, h.member_runs);
            proptest::prop_assert_eq!(&indexed, &scanned(&store));
            if let Some(p) = pruned.filter(|p| *p < days.len() && days.len() > 1) {
                store.history("acme").unwrap();
                let lock = store.lock_org("acme", Duration::ZERO).unwrap();
                store
                    .delete_snapshot(&lock, &crate::store::snapshot_id(day(p as u32 + 1)))
                    .unwrap();
                drop(lock);
                let h = store.history("acme").unwrap();
                let indexed = (h.accounts, h.member_runs);
                proptest::prop_assert_eq!(&indexed, &scanned(&store));
            }
        }
    }
}
