//! Builders for rule and seat tests: people, members, invites and
//! snapshots around a fixed report date.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};

use super::*;
use crate::activity::IdpActivity;
use crate::identity::{Identities, Matcher};
use crate::model::Collector;
use crate::model::*;

pub const AS_OF: (i32, u32, u32) = (2026, 6, 30);

pub fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(AS_OF.0, AS_OF.1, AS_OF.2).unwrap()
}

pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(AS_OF.0, AS_OF.1, AS_OF.2, 12, 0, 0)
        .unwrap()
}

pub fn person(user: &str, status: EmploymentStatus, end: Option<&str>) -> Person {
    Person {
        line: 2,
        employee_id: Some(format!("E-{user}")),
        email: Some(format!("{user}@acme.com")),
        full_name: Some(format!("Person {user}")),
        status,
        status_text: None,
        termination_date: end.map(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap()),
        hf_username: Some(user.into()),
        department: None,
        cost_center: Some("R&D".into()),
        manager_email: None,
    }
}

pub fn active(user: &str) -> Person {
    person(user, EmploymentStatus::Active, None)
}

pub fn gone(user: &str) -> Person {
    person(user, EmploymentStatus::Departed, Some("2026-03-31"))
}

pub fn member(user: &str, role: &str) -> Member {
    Member {
        hub_id: format!("id-{user}"),
        username: user.into(),
        fullname: Some(format!("Person {user}")),
        role: Some(role.into()),
        two_fa: Some(true),
        verified_email: None,
        external: Some(false),
        is_pro: Some(false),
        resource_groups: vec![],
    }
}

pub fn invite(who: &str, days_ago: i64) -> Invite {
    Invite {
        invitee: who.into(),
        username: Some(who.into()),
        email: None,
        fullname: None,
        role: Some("read".into()),
        source: InviteSource::AuditLog,
        invited_at: Some(now() - chrono::Duration::days(days_ago)),
    }
}

pub fn snapshot(members: Vec<Member>) -> Snapshot {
    let mut s = Snapshot {
        org: "acme".into(),
        taken_at: now() - chrono::Duration::hours(1),
        endpoint: "https://huggingface.co".into(),
        plan: Some("team".into()),
        members,
        ..Snapshot::default()
    };
    // Not `tokens`: it is an activity source, which tests add with
    // [`with_tokens`].
    for c in Collector::ALL
        .into_iter()
        .filter(|c| *c != Collector::Tokens)
    {
        s.collectors.insert(c.name().into(), CollectorStatus::ok(0));
    }
    s
}

/// `snap` with the `tokens` collector run and these tokens.
pub fn with_tokens(mut snap: Snapshot, tokens: Vec<MemberToken>) -> Snapshot {
    snap.collectors
        .insert("tokens".into(), CollectorStatus::ok(tokens.len()));
    snap.tokens = tokens;
    snap
}

/// `snap` with the `service_accounts` collector run and these accounts.
pub fn with_service_accounts(mut snap: Snapshot, accounts: Vec<ServiceAccount>) -> Snapshot {
    snap.collectors.insert(
        "service_accounts".into(),
        CollectorStatus::ok(accounts.len()),
    );
    snap.service_accounts = accounts;
    snap
}

/// A service account `username`, created 300 days before [`now`].
pub fn service_account(username: &str) -> ServiceAccount {
    ServiceAccount {
        id: format!("sa-{username}"),
        username: username.into(),
        name: format!("Bot {username}"),
        email: format!("{username}@service.example"),
        description: None,
        created_at: days_ago(300),
    }
}

/// An unrevoked `write` token of `owner` without approval data, created
/// 200 days before [`now`], last used `used_days_ago` days ago (`None`: never).
pub fn token(owner: &str, id: &str, used_days_ago: Option<i64>) -> MemberToken {
    MemberToken {
        id: id.into(),
        owner_id: format!("id-{owner}"),
        owner: owner.into(),
        owner_fullname: Some(format!("Person {owner}")),
        display_name: format!("{owner}-{id}"),
        role: "write".into(),
        last4: Some(format!("{:0>4}", &id[id.len().saturating_sub(4)..])),
        created_at: days_ago(200),
        last_used_at: used_days_ago.map(days_ago),
        status: None,
        requested_at: None,
        authorized_at: None,
        authorizer: None,
        permissions: vec![],
    }
}

/// Calls `f` with the audit of `snap` against `people` at the fixed date.
pub fn with_audit<R>(snap: &Snapshot, people: &[Person], f: impl FnOnce(&OrgAudit) -> R) -> R {
    with_history(snap, people, &AuditHistory::default(), None, f)
}

/// [`with_audit`] with a history and an IdP export.
pub fn with_history<R>(
    snap: &Snapshot,
    people: &[Person],
    history: &AuditHistory,
    idp: Option<&IdpActivity>,
    f: impl FnOnce(&OrgAudit) -> R,
) -> R {
    with_thresholds(snap, people, history, idp, Thresholds::default(), f)
}

/// [`with_history`] with other thresholds.
pub fn with_thresholds<R>(
    snap: &Snapshot,
    people: &[Person],
    history: &AuditHistory,
    idp: Option<&IdpActivity>,
    thresholds: Thresholds,
    f: impl FnOnce(&OrgAudit) -> R,
) -> R {
    let ids = Identities::default();
    let matcher = Matcher::new(people, &ids);
    let audit = OrgAudit::new(snap, &matcher, history, idp, as_of(), now(), thresholds);
    f(&audit)
}

/// A time `days` before [`now`].
pub fn days_ago(days: i64) -> DateTime<Utc> {
    now() - chrono::Duration::days(days)
}

pub fn run(snap: &Snapshot, people: &[Person]) -> Vec<Finding> {
    with_audit(snap, people, |audit| {
        let mut f = evaluate(audit);
        label_probable(&mut f);
        f
    })
}
