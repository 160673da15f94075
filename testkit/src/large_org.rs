//! The large org of issue 12, item 8, for the report and review benches
//! and the browser test: a 10,000-member snapshot (20 resource groups, 200
//! gated repos × 50 grants, 21,800 audit-log events, 50 pending invites)
//! and a 50,000-person roster. Reported as of 2026-11-16 it gives 4,345
//! findings and a 12 MB report.html.
//!
//! [`write`] writes what the report bench reads; the review bench takes
//! the same org read from its fake Hub ([`snapshot_from`]) and a roster
//! with a manager column ([`roster_with_managers`]) through [`write_with`].

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use hfaudit::model::*;
use hfaudit::store::Store;

/// The org's name in the store.
pub const ORG: &str = "bench-org";
/// The day the report is as of.
pub const AS_OF: &str = "2026-11-16";

pub const MEMBERS: usize = 10_000;
pub const PEOPLE: usize = 50_000;
/// Members active in the last fortnight; the others are idle for 200 days.
pub const ACTIVE: usize = 8_200;
pub const RECENT_EVENTS: usize = 20_000;
/// Pending invitations.
pub const INVITES: usize = 50;
/// The Hub [`snapshot`] says it was read from.
pub const ENDPOINT: &str = "https://huggingface.co";

fn user(i: usize) -> String {
    format!("user{i:05}")
}

/// The snapshot, read from [`ENDPOINT`].
pub fn snapshot() -> Snapshot {
    snapshot_from(ENDPOINT)
}

/// The snapshot, read from `endpoint` (a fake Hub's URL: `review start`
/// refuses a snapshot of another Hub than the one it is configured with).
pub fn snapshot_from(endpoint: &str) -> Snapshot {
    let taken_at = Utc.with_ymd_and_hms(2026, 11, 16, 7, 30, 0).unwrap();
    let roles = [
        "read",
        "read",
        "read",
        "write",
        "write",
        "contributor",
        "admin",
    ];
    let members: Vec<Member> = (0..MEMBERS)
        .map(|i| Member {
            hub_id: format!("{i:024x}"),
            username: user(i),
            fullname: Some(format!("Person Number{i}")),
            role: Some(roles[i % roles.len()].into()),
            two_fa: Some(i % 10 != 0),
            verified_email: (i % 5 == 1).then(|| format!("person.{i}@acme.example")),
            external: Some(false),
            is_pro: Some(false),
            resource_groups: vec![format!("group-{}", i % 20)],
        })
        .collect();
    let groups: Vec<ResourceGroup> = (0..20)
        .map(|g| ResourceGroup {
            id: format!("g{g}"),
            name: format!("group-{g}"),
            description: Some("a group".into()),
            auto_join: false,
            repos: vec![format!("model/acme/repo-{g}")],
            resources: Vec::new(),
        })
        .collect();
    let group_members = (0..MEMBERS)
        .map(|i| GroupMember {
            group_id: format!("g{}", i % 20),
            group_name: format!("group-{}", i % 20),
            username: user(i),
            fullname: None,
            role: Some("read".into()),
            added_by: Some("admin".into()),
        })
        .collect();
    let repo_access = (0..200 * 50)
        .map(|k| {
            let (repo, n) = (k / 50, k % 50);
            RepoAccess {
                repo_type: "model".into(),
                repo: format!("acme/gated-{repo}"),
                gated: "manual".into(),
                request_id: Some(format!("{k:024x}")),
                username: Some(if n < 40 {
                    user((repo * 37 + n * 101) % MEMBERS)
                } else {
                    format!("outsider{k}")
                }),
                fullname: None,
                email: (n >= 45).then(|| format!("someone{k}@university.example")),
                requested_at: Some(taken_at),
                reviewed_at: Some(taken_at),
                granted_by: Some("admin".into()),
            }
        })
        .collect();
    let invites = (0..INVITES as i64)
        .map(|i| Invite {
            invitee: format!("invitee{i}"),
            username: Some(format!("invitee{i}")),
            email: None,
            fullname: None,
            role: Some("read".into()),
            source: InviteSource::AuditLog,
            invited_at: Some(taken_at - chrono::Duration::days(i)),
        })
        .collect();
    // The last fortnight's logins by the first ACTIVE members; the others
    // last logged in 200 days ago (inactive_member findings).
    let recent =
        (0..RECENT_EVENTS).map(|i| (i, user(i % ACTIVE), chrono::Duration::minutes(i as i64)));
    let old = (ACTIVE..MEMBERS).map(|i| (RECENT_EVENTS + i, user(i), chrono::Duration::days(200)));
    let events = recent
        .chain(old)
        .map(|(i, author, ago)| Event {
            id: format!("{i:024x}"),
            created_at: taken_at - ago,
            kind: "org.sso_login".into(),
            message: Some("login".into()),
            author: Some(author),
            author_type: Some("user".into()),
            data: None,
        })
        .collect();
    let mut s = Snapshot {
        org: ORG.into(),
        taken_at,
        endpoint: endpoint.into(),
        plan: Some("enterprise".into()),
        members,
        invites,
        groups,
        group_members,
        repo_access,
        gated_repos: (0..200)
            .map(|r| (format!("model/acme/gated-{r}"), "manual".into()))
            .collect(),
        events,
        ..Snapshot::default()
    };
    super::all_collectors_ok(&mut s);
    s
}

/// 50,000 people: every member (most by hf_username, some only by the
/// verified email, some by nothing), 5% departed, plus 40,000 others.
pub fn roster() -> String {
    roster_rows(None)
}

/// The email of manager `k` of [`roster_with_managers`]: the active
/// non-member person `MEMBERS + 20·k`.
pub fn manager_email(k: usize) -> String {
    format!("person.{}@acme.example", MEMBERS + 20 * k)
}

/// [`roster`] with a last column, `Manager Work Email`: person `i` reports
/// to manager `i % managers` ([`manager_email`]), except the managers and
/// one person in 97 (`i % 97 == 96`, 103 of the members), who report to
/// nobody. So the members are spread evenly over the `managers` (at most
/// 2,000); with 500, each has 20 members, of whom at most one reports to
/// nobody (and is the fallback reviewer's line).
pub fn roster_with_managers(managers: usize) -> String {
    assert!(
        (1..=(PEOPLE - MEMBERS) / 20).contains(&managers),
        "1 to 2,000 managers"
    );
    roster_rows(Some(managers))
}

fn roster_rows(managers: Option<usize>) -> String {
    let mut out = String::from(
        "Employee ID,Full Name,Work Email,Employment Status,Termination Date,HF Username,Cost Center",
    );
    out.push_str(if managers.is_some() {
        ",Manager Work Email\n"
    } else {
        "\n"
    });
    for i in 0..PEOPLE {
        let departed = i % 20 == 3;
        let (status, end) = if departed {
            ("Terminated", "2026-09-30")
        } else {
            ("Active", "")
        };
        let handle = if i < MEMBERS && i % 5 != 1 && i % 50 != 7 {
            user(i)
        } else {
            String::new()
        };
        let _ = write!(
            out,
            "E{i},Person Number{i},person.{i}@acme.example,{status},{end},{handle},CC-{}",
            i % 12
        );
        if let Some(n) = managers {
            let is_manager =
                i >= MEMBERS && (i - MEMBERS).is_multiple_of(20) && (i - MEMBERS) / 20 < n;
            out.push(',');
            if !is_manager && i % 97 != 96 {
                out.push_str(&manager_email(i % n));
            }
        }
        out.push('\n');
    }
    out
}

/// Writes the snapshot into a store at `dir/store` and the roster to
/// `dir/roster.csv`.
pub fn write(dir: &Path) {
    write_with(dir, &snapshot(), &roster());
}

/// Writes `snapshot` into a store at `dir/store` and `roster` to
/// `dir/roster.csv`.
pub fn write_with(dir: &Path, snapshot: &Snapshot, roster: &str) {
    let store = Store::new(dir.join("store"));
    let lock = store.lock_org(ORG, Duration::ZERO).expect("lock");
    store
        .write_snapshot(&lock, snapshot, "large org")
        .expect("write snapshot");
    drop(lock);
    std::fs::write(dir.join("roster.csv"), roster).expect("write roster");
}
