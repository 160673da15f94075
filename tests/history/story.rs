//! The org whose history the lifecycle and seat tests read: four weekly
//! snapshots of `acme` (Monday 2 March 2026 to Monday 23 March, 08:00
//! UTC), the report as of the day of the last one.
//!
//! | who | story |
//! |---|---|
//! | alice | active (sso_login on 20 March), in infra |
//! | bob | read → write between S2 and S3, no event; last sso_login 1 Dec 2025 (inactive); research → infra |
//! | carol | read → admin between S2 and S3 with an `org.change_role`; authored a `repo.create` (active) |
//! | dave | read → write between S0 and S1 (not the latest pair); no event ever (never active) |
//! | frank | admin → read between S2 and S3 (a demotion) |
//! | gina | joins as admin before S3; no event (never active) |
//! | newbie | invited, accepts before S2 |
//! | ghost | invited, withdrawn before S1 |
//! | old-otto | invited since S0, no event: stale from S0 (21 days) |
//! | late-lou | invite seen from S2 only, `org.invite_user` on 10 Feb: stale (41 days) |
//! | fresh-fay | invited before S3: not stale |
//! | lenny | last day 3 March, `org.remove_user` on 8 March: 5 days (audit log); gated access revoked before S3 |
//! | mona | last day 5 March, gone by S2 without an event: ≤ 11 days; keeps gated access |
//! | ned | last day 15 March, `org.leave` on 16 March 07:00: 1 day (within the SLA) |
//! | olga | "terminated" without a date, gone by S2: days unknown |
//! | pete | last day 20 March, still a member; research → infra; granted gated access |
//! | zed-bot | on nobody's roster (unmatched) |
//! | temp-x | unmatched, gone by S1 |

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use crate::support::fake_hub::{
    AccessGrant, AccessUser, AuditEvent, Group, GroupUser, Org, OrgMember, Pending, Repo, fake_id,
};
use crate::support::generate::rfc3339_ms;

pub const ORG: &str = "acme";
/// The report date: the day of the last snapshot.
pub const AS_OF: &str = "2026-03-23";
pub const WEEKS: i64 = 4;
pub const SECRET: &str = "acme/secret-model";

/// `2026-03-02T08:00:00Z` plus `week` weeks.
pub fn week(week: i64) -> DateTime<Utc> {
    at("2026-03-02T08:00:00Z") + Duration::days(7 * week)
}

pub fn at(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339)
        .unwrap_or_else(|e| panic!("{rfc3339}: {e}"))
        .with_timezone(&Utc)
}

/// An audit event authored by `author` at `when` (RFC 3339).
pub fn event(when: &str, kind: &str, author: &str, data: Value) -> AuditEvent {
    AuditEvent {
        id: fake_id(&format!("{when}{kind}{author}{data}")),
        created_at: rfc3339_ms(at(when).timestamp_millis()),
        kind: kind.into(),
        message: format!("{kind} by {author}"),
        author: author.into(),
        data,
    }
}

fn log(org: &mut Org, e: AuditEvent) {
    org.audit_log
        .as_mut()
        .expect("acme has an audit log")
        .push(e);
}

fn group_user(user: &str, role: &str) -> GroupUser {
    GroupUser {
        id: fake_id(user),
        name: user.into(),
        fullname: user.into(),
        role: role.into(),
        added_by: "auditor".into(),
    }
}

fn grant(user: &str, when: &str) -> AccessGrant {
    let t = rfc3339_ms(at(when).timestamp_millis());
    AccessGrant {
        reset_reason: None,
        user: Some(AccessUser {
            id: fake_id(user),
            user: user.into(),
            fullname: user.into(),
            email: None,
        }),
        timestamp: t.clone(),
        reviewed_at: t,
        granted_by: "auditor".into(),
    }
}

fn pending(user: &str, role: &str) -> Pending {
    Pending {
        user: user.into(),
        role: role.into(),
    }
}

/// acme as of the first snapshot (the `auditor` admin is added by `world_for`).
pub fn acme() -> Org {
    let mut org = Org::new(ORG);
    org.members = [
        ("alice", "write"),
        ("bob", "read"),
        ("carol", "read"),
        ("dave", "read"),
        ("frank", "admin"),
        ("lenny", "write"),
        ("mona", "read"),
        ("ned", "read"),
        ("olga", "read"),
        ("pete", "write"),
        ("zed-bot", "write"),
        ("temp-x", "read"),
    ]
    .iter()
    .map(|(u, r)| OrgMember::new(u, r))
    .collect();
    org.pending_members = Some(vec![
        pending("newbie", "read"),
        pending("ghost", "write"),
        pending("old-otto", "read"),
    ]);
    org.resource_groups = Some(vec![
        Group {
            id: fake_id("research"),
            name: "research".into(),
            users: vec![
                group_user("bob", "read"),
                group_user("carol", "read"),
                group_user("pete", "write"),
            ],
            ..Group::default()
        },
        Group {
            id: fake_id("infra"),
            name: "infra".into(),
            users: vec![group_user("alice", "write")],
            ..Group::default()
        },
    ]);
    let mut model = Repo::new(SECRET, true, Some("manual"));
    model.accepted = vec![
        grant("lenny", "2026-01-10T10:00:00Z"),
        grant("mona", "2026-01-12T10:00:00Z"),
    ];
    org.models = vec![model];
    for e in [
        event("2025-12-01T09:00:00Z", "org.sso_login", "bob", json!({})),
        event(
            "2026-02-10T10:00:00Z",
            "org.invite_user",
            "auditor",
            json!({"user": "late-lou", "email": "lou@example.org", "role": "read"}),
        ),
        event("2026-02-20T09:00:00Z", "org.sso_login", "frank", json!({})),
        event("2026-02-25T09:00:00Z", "org.sso_login", "pete", json!({})),
        event("2026-02-27T09:00:00Z", "org.sso_login", "alice", json!({})),
        event(
            "2026-03-01T09:00:00Z",
            "org.sso_login",
            "auditor",
            json!({}),
        ),
        event("2026-03-02T07:00:00Z", "org.sso_login", "lenny", json!({})),
    ] {
        log(&mut org, e);
    }
    org
}

fn set_role(org: &mut Org, user: &str, role: &str) {
    let m = org.members.iter_mut().find(|m| m.user == user);
    m.unwrap_or_else(|| panic!("no member {user}")).role = Some(role.into());
}

fn leave(org: &mut Org, user: &str) {
    org.members.retain(|m| m.user != user);
    for g in org.resource_groups.iter_mut().flatten() {
        g.users.retain(|u| u.name != user);
    }
}

/// Moves `user` from the first group (research) to the second (infra).
fn move_group(org: &mut Org, user: &str, role: &str) {
    let groups = org.resource_groups.as_mut().expect("groups");
    groups[0].users.retain(|u| u.name != user);
    groups[1].users.push(group_user(user, role));
}

/// What happens in acme before snapshot `week` (1..=3).
pub fn change(org: &mut Org, week: i64) {
    match week {
        1 => {
            leave(org, "lenny");
            log(
                org,
                event(
                    "2026-03-08T10:00:00Z",
                    "org.remove_user",
                    "auditor",
                    json!({"user": "lenny"}),
                ),
            );
            leave(org, "temp-x");
            org.pending_members
                .as_mut()
                .expect("pending")
                .retain(|p| p.user != "ghost");
            set_role(org, "dave", "write");
            move_group(org, "bob", "read");
            org.models[0]
                .accepted
                .push(grant("pete", "2026-03-06T10:00:00Z"));
            log(
                org,
                event("2026-03-04T09:00:00Z", "org.sso_login", "mona", json!({})),
            );
        }
        2 => {
            leave(org, "mona");
            leave(org, "olga");
            leave(org, "ned");
            log(
                org,
                event(
                    "2026-03-16T07:00:00Z",
                    "org.leave",
                    "ned",
                    json!({"user": "ned"}),
                ),
            );
            let invites = org.pending_members.as_mut().expect("pending");
            invites.retain(|p| p.user != "newbie");
            invites.push(pending("late-lou", "read"));
            org.members.push(OrgMember::new("newbie", "read"));
            log(
                org,
                event(
                    "2026-03-14T09:00:00Z",
                    "org.invite.accept",
                    "newbie",
                    json!({"user": "newbie", "role": "read"}),
                ),
            );
            move_group(org, "pete", "write");
            log(
                org,
                event(
                    "2026-03-10T11:00:00Z",
                    "repo.create",
                    "carol",
                    json!({"repo": "acme/notes"}),
                ),
            );
            org.models[0].accepted.push(AccessGrant {
                user: Some(AccessUser {
                    id: fake_id("uni-res"),
                    user: "uni-res".into(),
                    fullname: "Visiting Researcher".into(),
                    email: Some("res@uni.example".into()),
                }),
                ..grant("uni-res", "2026-03-12T10:00:00Z")
            });
        }
        3 => {
            set_role(org, "bob", "write");
            set_role(org, "carol", "admin");
            log(
                org,
                event(
                    "2026-03-21T15:00:00Z",
                    "org.change_role",
                    "auditor",
                    json!({"user": "carol", "oldRole": "read", "newRole": "admin"}),
                ),
            );
            set_role(org, "frank", "read");
            org.members.push(OrgMember::new("gina", "admin"));
            log(
                org,
                event(
                    "2026-03-22T10:00:00Z",
                    "org.add_user",
                    "auditor",
                    json!({"user": "gina", "role": "admin"}),
                ),
            );
            org.pending_members
                .as_mut()
                .expect("pending")
                .push(pending("fresh-fay", "write"));
            org.models[0]
                .accepted
                .retain(|g| g.user.as_ref().is_none_or(|u| u.user != "lenny"));
            log(
                org,
                event("2026-03-20T09:00:00Z", "org.sso_login", "alice", json!({})),
            );
        }
        _ => {}
    }
}

/// The HR roster: everyone on it by Hub handle, except zed-bot and temp-x.
pub fn roster() -> String {
    let mut out = String::from("email,full_name,status,termination_date,hf_username,cost_center\n");
    for (user, status, day, cc) in [
        ("auditor", "active", "", "CC-1"),
        ("alice", "active", "", "CC-1"),
        ("bob", "active", "", "CC-2"),
        ("carol", "active", "", "CC-2"),
        ("dave", "active", "", "CC-1"),
        ("frank", "active", "", "CC-1"),
        ("gina", "active", "", "CC-2"),
        ("newbie", "active", "", "CC-1"),
        ("lenny", "terminated", "2026-03-03", "CC-1"),
        ("mona", "terminated", "2026-03-05", "CC-2"),
        ("ned", "terminated", "2026-03-15", "CC-1"),
        ("olga", "terminated", "", "CC-2"),
        ("pete", "terminated", "2026-03-20", "CC-2"),
    ] {
        out.push_str(&format!(
            "{user}@acme.example,Person {user},{status},{day},{user},{cc}\n"
        ));
    }
    out
}
