//! A generated org's audit log over the last 200 days, newest first: how
//! members joined, when they last signed in (some never, some long ago),
//! role changes, people who left, resource-group additions and the pending
//! invitations.

use serde_json::{Value, json};

use super::super::fake_hub::{AuditEvent, Group, OrgMember};
use super::people::People;
use super::random::{DAY_MS, Rng, rfc3339_ms};
use super::{Invite, invite_data};

const HORIZON_DAYS: i64 = 200;
const HOUR_MS: i64 = DAY_MS / 24;

/// What the log is about.
pub(super) struct Facts<'a> {
    pub org: &'a str,
    pub domain: &'a str,
    pub members: &'a [OrgMember],
    pub admins: &'a [String],
    pub groups: &'a [Group],
    pub invites: &'a [Invite],
    pub now_ms: i64,
}

/// Events collected in any order, sorted at the end.
struct Log<'r> {
    rng: &'r mut Rng,
    events: Vec<(i64, AuditEvent)>,
    horizon: i64,
}

impl Log<'_> {
    fn push(&mut self, at: i64, kind: &str, author: &str, message: String, data: Value) {
        if at < self.horizon {
            return;
        }
        let event = AuditEvent {
            id: self.rng.hex_id(),
            created_at: rfc3339_ms(at),
            kind: kind.into(),
            message,
            author: author.into(),
            data,
        };
        self.events.push((at, event));
    }
}

pub(super) fn audit_log(facts: &Facts, rng: &mut Rng, people: &mut People) -> Vec<AuditEvent> {
    let now = facts.now_ms;
    let horizon = now - HORIZON_DAYS * DAY_MS;
    let mut log = Log {
        rng,
        events: Vec::new(),
        horizon,
    };
    for (i, member) in facts.members.iter().enumerate() {
        member_history(&mut log, facts, member, i == 0);
    }
    for _ in 0..facts.members.len() / 30 {
        departed(&mut log, facts, people);
    }
    for group in facts.groups {
        let at = now - log.rng.between(DAY_MS, HORIZON_DAYS * DAY_MS);
        let author = log.rng.pick(facts.admins).clone();
        let users: Vec<Value> = group
            .users
            .iter()
            .map(|u| json!({"user": u.name, "role": u.role}))
            .collect();
        let message = format!(
            "{author} added {} users to the resource group {}",
            users.len(),
            group.name
        );
        let data = json!({"resourceGroup": {"id": group.id, "name": group.name}, "users": users});
        log.push(at, "resource_group.add_users", &author, message, data);
    }
    for invite in facts.invites {
        let message = format!(
            "{} invited {} ({}) to join {} as {}",
            invite.by, invite.person.user, invite.email, facts.org, invite.role
        );
        log.push(
            invite.at_ms,
            "org.invite_user",
            &invite.by,
            message,
            invite_data(invite),
        );
    }
    let mut events = log.events;
    events.sort_by_key(|(at, _)| std::cmp::Reverse(*at));
    events.into_iter().map(|(_, e)| e).collect()
}

/// How a member joined, their sign-ins and maybe a role change.
fn member_history(log: &mut Log, facts: &Facts, member: &OrgMember, is_auditor: bool) {
    let now = facts.now_ms;
    let user = member.user.as_str();
    let role = member.role.as_deref().unwrap_or("read");
    let joined = now - log.rng.between(DAY_MS, 700 * DAY_MS);
    let admin = log.rng.pick(facts.admins).clone();
    match log.rng.below(10) {
        0..4 => {
            let invited = joined - log.rng.between(HOUR_MS, 5 * DAY_MS);
            let email = member
                .verified_email
                .clone()
                .unwrap_or_else(|| format!("{user}@{}", facts.domain));
            let message = format!(
                "{admin} invited {user} ({email}) to join {} as {role}",
                facts.org
            );
            let data = json!({"user": user, "email": email, "role": role});
            log.push(invited, "org.invite_user", &admin, message, data);
            let message = format!("{user} accepted the invitation to join {}", facts.org);
            log.push(
                joined,
                "org.invite.accept",
                user,
                message,
                json!({"user": user, "role": role}),
            );
        }
        4..7 => {
            let message = format!(
                "{admin} added {user} to the organization {} as {role}",
                facts.org
            );
            log.push(
                joined,
                "org.add_user",
                &admin,
                message,
                json!({"user": user, "role": role}),
            );
        }
        7..9 => {
            let message = format!("{user} joined {} with SSO", facts.org);
            log.push(joined, "org.sso_join", user, message, json!({"user": user}));
        }
        _ => {
            let message = format!(
                "{user} joined {} from the verified domain {}",
                facts.org, facts.domain
            );
            log.push(
                joined,
                "org.join.from_domain",
                user,
                message,
                json!({"user": user}),
            );
        }
    }

    // Last sign-in: recent for most, months ago for some, never for a fifth.
    let since = joined.max(log.horizon) + 1;
    let last = match log.rng.below(100) {
        _ if is_auditor => Some(now - log.rng.between(HOUR_MS, 2 * DAY_MS)),
        0..55 => Some(now - log.rng.between(HOUR_MS, 30 * DAY_MS)),
        55..70 => Some(now - log.rng.between(30 * DAY_MS, 90 * DAY_MS)),
        70..80 => Some(now - log.rng.between(90 * DAY_MS, HORIZON_DAYS * DAY_MS)),
        _ => None,
    };
    if let Some(last) = last.filter(|&last| last > since) {
        let earlier = log.rng.below(4);
        let times: Vec<i64> = (0..earlier).map(|_| log.rng.between(since, last)).collect();
        for at in times.into_iter().chain([last]) {
            let message = format!("{user} logged in with SSO");
            log.push(at, "org.sso_login", user, message, json!({"user": user}));
        }
    }

    if !is_auditor && log.rng.chance(5) && joined.max(log.horizon) < now - DAY_MS {
        let at = log.rng.between(joined.max(log.horizon), now - HOUR_MS);
        let old = if role == "read" {
            "contributor"
        } else {
            "read"
        };
        let message = format!("{admin} changed the role of {user} from {old} to {role}");
        let data = json!({"user": user, "oldRole": old, "newRole": role});
        log.push(at, "org.change_role", &admin, message, data);
    }
}

/// Someone who was a member and is not any more: removed by an admin or left.
fn departed(log: &mut Log, facts: &Facts, people: &mut People) {
    let person = people.person(log.rng);
    let user = person.user.as_str();
    let now = facts.now_ms;
    let gone = now - log.rng.between(DAY_MS, 180 * DAY_MS);
    let joined = gone - log.rng.between(30 * DAY_MS, 600 * DAY_MS);
    let admin = log.rng.pick(facts.admins).clone();
    let message = format!(
        "{admin} added {user} to the organization {} as write",
        facts.org
    );
    log.push(
        joined,
        "org.add_user",
        &admin,
        message,
        json!({"user": user, "role": "write"}),
    );
    let seen = gone - log.rng.between(HOUR_MS, 20 * DAY_MS);
    log.push(
        seen,
        "org.sso_login",
        user,
        format!("{user} logged in with SSO"),
        json!({"user": user}),
    );
    if log.rng.chance(50) {
        let message = format!("{admin} removed {user} from the organization {}", facts.org);
        log.push(
            gone,
            "org.remove_user",
            &admin,
            message,
            json!({"user": user}),
        );
    } else {
        let message = format!("{user} left the organization {}", facts.org);
        log.push(gone, "org.leave", user, message, json!({"user": user}));
    }
}
