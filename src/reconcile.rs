//! Reconciliation: the latest snapshot of each org and its history against
//! the HR roster, into one [`Report`]. [`load`] reads the store (the only
//! I/O here); [`build`] is a pure function of what it read and the inputs.

use crate::collections::{HashMap, HashMapExt, HashSet};
use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};

use crate::activity::IdpActivity;
use crate::error::{Error, Result};
use crate::history::OrgHistory;
use crate::identity::Matcher;
use crate::model::{Collector, InviteSource, MatchMethod, Person, Snapshot};
use crate::report::{
    AccessRow, ActivitySummary, OrgSummary, Report, RevokeStats, RosterSummary, Stranger, Unchecked,
};
use crate::roster::Roster;
use crate::rules::exceptions::Exceptions;
use crate::rules::{self, AuditHistory, OrgAudit, PreviousRoles, Revocation, Severity, Thresholds};
use crate::seats::{self, SeatPrices, seat_rows};
use crate::store::{Store, snapshot_id};

/// Everything a report is computed from, besides what [`load`] read from
/// the store.
pub struct Inputs<'a> {
    pub roster: &'a Roster,
    /// The roster's people (and the identity mapping), indexed.
    pub matcher: &'a Matcher<'a>,
    /// The IdP export of last logins (`--activity`).
    pub idp: Option<&'a IdpActivity>,
    pub exceptions: &'a Exceptions,
    pub as_of: NaiveDate,
    pub now: DateTime<Utc>,
    pub thresholds: Thresholds,
    pub prices: &'a SeatPrices,
    pub fail_on: Severity,
}

/// One org as the store holds it: the latest complete snapshot (without
/// its events) and the history before it.
pub struct Stored {
    pub org: String,
    pub snapshot: Snapshot,
    pub history: AuditHistory,
}

/// Reads from `store` what [`build`] reconciles: each of `orgs` (all orgs
/// of the store when empty). Needs nothing from the roster, so it can run
/// while the roster is read.
pub fn load(store: &Store, orgs: &[String]) -> Result<Vec<Stored>> {
    let orgs = if orgs.is_empty() {
        store.orgs()?
    } else {
        orgs.to_vec()
    };
    if orgs.is_empty() {
        return Err(Error::Usage(format!(
            "the store {} holds no snapshot: run `hfaudit snapshot --org ORG` first",
            store.root().display()
        )));
    }
    orgs.into_iter()
        .map(|org| {
            // The history does not depend on which snapshot is the latest:
            // scan it while the latest is read.
            let (snapshot, org_history) = std::thread::scope(|scope| {
                let history = scope.spawn(|| store.history(&org));
                let started = std::time::Instant::now();
                let snapshot = store.latest_without_events(&org);
                tracing::debug!(
                    "{org}: latest snapshot read in {} ms",
                    started.elapsed().as_millis()
                );
                (snapshot, crate::report::write::joined(history))
            });
            let Some(snapshot) = snapshot? else {
                return Err(Error::Usage(format!(
                    "no complete snapshot of {org} in {}: run `hfaudit snapshot --org {org}` first",
                    store.root().display()
                )));
            };
            let history =
                audit_history(store, &org, org_history?, &snapshot_id(snapshot.taken_at))?;
            Ok(Stored {
                org,
                snapshot,
                history,
            })
        })
        .collect()
}

/// The report on the orgs [`load`] read.
pub fn build(input: &Inputs, stored: &[Stored]) -> Report {
    let started = std::time::Instant::now();
    let people = &input.roster.people;
    let matcher = input.matcher;
    let mut report = Report {
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        generated_at: input.now,
        as_of: input.as_of,
        fail_on: input.fail_on,
        roster: RosterSummary {
            path: input.roster.path.display().to_string(),
            people: people.len(),
            departed: people.iter().filter(|p| p.departed(input.as_of)).count(),
        },
        orgs: Vec::new(),
        findings: Vec::new(),
        seats: Vec::new(),
        access: Vec::new(),
        strangers: Vec::new(),
        revocations: Vec::new(),
        never_active: Vec::new(),
        seat_history: Vec::new(),
        warnings: input.roster.warnings.clone(),
    };
    for Stored {
        org,
        snapshot,
        history,
    } in stored
    {
        let audit = OrgAudit::new(
            snapshot,
            matcher,
            history,
            input.idp,
            input.as_of,
            input.now,
            input.thresholds,
        );
        // The inventory lists do not depend on the findings: they are built
        // beside the rules (a 10,000-member org: 20 ms of 45).
        let (mut findings, (access, strangers, revocations, never_active)) =
            std::thread::scope(|scope| {
                let lists = scope.spawn(|| {
                    (
                        access_rows(&audit),
                        strangers(&audit),
                        rules::revocations(&audit),
                        rules::never_active(&audit),
                    )
                });
                let mut findings = rules::evaluate(&audit);
                rules::label_probable(&mut findings);
                (findings, crate::report::write::joined(lists))
            });
        report
            .warnings
            .extend(input.exceptions.apply(&mut findings, input.as_of));
        report.warnings.extend(
            history
                .org
                .skipped
                .iter()
                .map(|s| format!("damaged snapshot left out of the history: {s}")),
        );
        let price = input.prices.price(org, snapshot.plan.as_deref());
        let seat_rows = seat_rows(&audit, &findings, price);
        let points = history.org.seats(&seats::holders(&audit));
        report
            .seat_history
            .extend(seats::history_rows(org, &points, &seat_rows, price));
        report.seats.extend(seat_rows);
        report.access.extend(access);
        report.strangers.extend(strangers);
        report.orgs.push(OrgSummary {
            org: snapshot.org.clone(),
            snapshot_id: audit.snapshot_id.clone(),
            taken_at: snapshot.taken_at,
            plan: snapshot.plan.clone(),
            seat_price: price,
            members: snapshot.members.len(),
            pending_invites: snapshot.invites.len(),
            snapshots_in_store: history.org.snapshots.len(),
            unavailable: snapshot
                .collectors
                .iter()
                .filter_map(|(name, status)| match status {
                    crate::model::CollectorStatus::Unavailable { reason } => Some(Unchecked {
                        collector: name.clone(),
                        reason: reason.clone(),
                    }),
                    _ => None,
                })
                .collect(),
            caveats: invite_source(snapshot)
                .and_then(|source| invite_caveat(org, source))
                .map(|reason| Unchecked {
                    collector: "invites".into(),
                    reason,
                })
                .into_iter()
                .collect(),
            incomplete: incomplete(snapshot),
            activity: ActivitySummary {
                audit_log: history.org.has_audit_log(),
                audit_log_since: history.org.audit_log_since,
                idp: input.idp.map(|i| i.path.display().to_string()),
                tokens: snapshot.member_tokens().is_some(),
            },
            time_to_revoke: revoke_stats(&revocations),
            skipped_snapshots: history.org.skipped.clone(),
        });
        report.never_active.extend(never_active);
        report.revocations.extend(revocations);
        report.findings.extend(findings);
    }
    rules::sort(&mut report.findings);
    tracing::debug!("reconciled in {} ms", started.elapsed().as_millis());
    report
}

/// Where the snapshot's pending invitations were read from, if they were.
fn invite_source(snapshot: &crate::model::Snapshot) -> Option<InviteSource> {
    match snapshot.collector(Collector::Invites)? {
        crate::model::CollectorStatus::Ok {
            source: Some(source),
            ..
        } => InviteSource::parse(source),
        _ => None,
    }
}

/// What the source of pending invitations cannot show (HUB_API.md): the
/// audit log has no event for an invitation cancelled or expired in
/// Settings, and SCIM provisioning lists the invitations SCIM manages.
pub(crate) fn invite_caveat(org: &str, source: InviteSource) -> Option<String> {
    let settings =
        format!("Settings → Members (https://huggingface.co/organizations/{org}/settings/members)");
    match source {
        InviteSource::AuditLog => Some(format!(
            "pending invitations were read from the audit log: an invitation cancelled in \
             Settings leaves no event (nor does one that expired), so some of these may no \
             longer be pending: confirm in {settings}. On Basic SSO, pass --scim-token-file \
             to read them from SCIM provisioning instead"
        )),
        InviteSource::ScimProvisioning => Some(format!(
            "pending invitations were read from SCIM provisioning, which lists the invitations \
             SCIM manages: confirm invitations sent by hand in {settings}"
        )),
        InviteSource::PendingMembers => None,
    }
}

/// What the collectors that ran may have missed, and what that means for
/// the findings.
fn incomplete(snapshot: &crate::model::Snapshot) -> Vec<Unchecked> {
    let mut out = Vec::new();
    for (name, status) in &snapshot.collectors {
        let crate::model::CollectorStatus::Ok {
            partial,
            unreadable,
            ..
        } = status
        else {
            continue;
        };
        let findings = match name.as_str() {
            "resource_groups" => "group findings may be incomplete",
            "repo_access" => "gated-access findings may be incomplete",
            _ => "its findings may be incomplete",
        };
        if let Some(partial) = partial {
            out.push(Unchecked {
                collector: name.clone(),
                reason: format!("{partial}: {findings}"),
            });
        }
        if !unreadable.is_empty() {
            let what = if name == "repo_access" {
                format!(
                    "access to {} of {} gated repos could not be read",
                    unreadable.len(),
                    snapshot.gated_repos.len().max(unreadable.len())
                )
            } else {
                format!("{} items could not be read", unreadable.len())
            };
            let items: Vec<String> = unreadable
                .iter()
                .map(|(item, why)| format!("{item}: {why}"))
                .collect();
            out.push(Unchecked {
                collector: name.clone(),
                reason: format!("{what} ({}): {findings}", items.join("; ")),
            });
        }
    }
    out
}

/// The org's history, with the roles of the snapshot before `latest`.
fn audit_history(
    store: &Store,
    org: &str,
    org_history: OrgHistory,
    latest: &str,
) -> Result<AuditHistory> {
    // The snapshot before the latest, or the one before it if `prune`
    // deleted it meanwhile.
    let previous = store
        .previous_roles(org, &org_history, latest)?
        .map(|(prev, roles)| PreviousRoles {
            snapshot_id: prev.id.clone(),
            taken_at: prev.taken_at,
            roles,
        });
    Ok(AuditHistory {
        org: org_history,
        previous,
    })
}

/// Median, 90th percentile (nearest rank) and worst time to revoke over
/// the leavers whose access ended and whose last day is known.
pub fn revoke_stats(revocations: &[Revocation]) -> Option<RevokeStats> {
    let mut days: Vec<i64> = revocations
        .iter()
        .filter(|r| !r.still_member)
        .filter_map(|r| r.days)
        .collect();
    let still_members = revocations.iter().filter(|r| r.still_member).count();
    if days.is_empty() && still_members == 0 {
        return None;
    }
    days.sort_unstable();
    let n = days.len();
    let median_days = match n {
        0 => 0.0,
        _ if n % 2 == 1 => days[n / 2] as f64,
        _ => (days[n / 2 - 1] + days[n / 2]) as f64 / 2.0,
    };
    Some(RevokeStats {
        leavers: n,
        median_days,
        p90_days: if n == 0 {
            0
        } else {
            days[(n * 9).div_ceil(10) - 1]
        },
        worst_days: days.last().copied().unwrap_or(0),
        upper_bounds: revocations
            .iter()
            .filter(|r| !r.still_member && r.days.is_some() && r.is_upper_bound())
            .count(),
        still_members,
    })
}

fn person_status(p: Option<&Person>, as_of: NaiveDate) -> Option<String> {
    p.map(|p| {
        if p.departed(as_of) {
            "departed".to_string()
        } else {
            p.status.as_str().to_string()
        }
    })
}

/// An account's unrevoked tokens and their latest use.
type TokenUse = (u64, Option<DateTime<Utc>>);

/// The inventory: every member, every pending invite and every service
/// account.
fn access_rows(a: &OrgAudit) -> Vec<AccessRow> {
    let mut groups: HashMap<String, BTreeSet<String>> = HashMap::new();
    for g in &a.snapshot.group_members {
        groups
            .entry(g.username.to_lowercase())
            .or_default()
            .insert(g.group_name.clone());
    }
    let mut repos: HashMap<String, BTreeSet<String>> = HashMap::new();
    for x in &a.snapshot.repo_access {
        if let Some(u) = &x.username {
            repos
                .entry(u.to_lowercase())
                .or_default()
                .insert(format!("{}/{}", x.repo_type, x.repo));
        }
    }
    // Lower-cased owner → (unrevoked tokens, their latest use); `None`
    // when the tokens collector did not run.
    let tokens: Option<HashMap<String, TokenUse>> = a.snapshot.member_tokens().map(|_| {
        let mut by_owner: HashMap<String, TokenUse> = HashMap::new();
        for t in a.tokens.iter().map(|t| t.item).filter(|t| !t.is_revoked()) {
            let entry = by_owner.entry(t.owner.to_lowercase()).or_default();
            entry.0 += 1;
            entry.1 = entry.1.max(t.last_used_at);
        }
        by_owner
    });
    let mut rows = Vec::with_capacity(a.members.len() + a.invites.len());
    for m in &a.members {
        let member = m.item;
        let key = member.username.to_lowercase();
        let mut member_groups: BTreeSet<String> = member.resource_groups.iter().cloned().collect();
        member_groups.extend(groups.get(&key).into_iter().flatten().cloned());
        rows.push(AccessRow {
            org: a.org().to_string(),
            username: member.username.clone(),
            fullname: member.fullname.clone(),
            kind: "member".into(),
            role: member.role.clone(),
            two_fa: member.two_fa,
            external: member.external,
            groups: member_groups.into_iter().collect(),
            gated_repos: repos.get(&key).into_iter().flatten().cloned().collect(),
            match_method: m.method(),
            employee_id: m.person.and_then(|p| p.employee_id.clone()),
            email: m
                .person
                .and_then(|p| p.email.clone())
                .or_else(|| member.verified_email.clone()),
            person_status: person_status(m.person, a.as_of),
            termination_date: m.person.and_then(|p| p.termination_date),
            last_active: a.activity_of(&member.username).last(),
            activity_source: a
                .activity_of(&member.username)
                .source()
                .map(|s| s.as_str().to_string()),
            tokens: tokens.as_ref().map(|t| t.get(&key).map_or(0, |(n, _)| *n)),
            token_last_used: tokens
                .as_ref()
                .and_then(|t| t.get(&key).and_then(|(_, at)| *at)),
        });
    }
    for i in &a.invites {
        let inv = i.item;
        rows.push(AccessRow {
            org: a.org().to_string(),
            username: inv.invitee.clone(),
            fullname: inv
                .fullname
                .clone()
                .or_else(|| i.person.and_then(|p| p.full_name.clone())),
            kind: "invite".into(),
            role: inv.role.clone(),
            two_fa: None,
            external: None,
            groups: Vec::new(),
            gated_repos: Vec::new(),
            match_method: i.method(),
            employee_id: i.person.and_then(|p| p.employee_id.clone()),
            email: i
                .person
                .and_then(|p| p.email.clone())
                .or_else(|| inv.email.clone()),
            person_status: person_status(i.person, a.as_of),
            termination_date: i.person.and_then(|p| p.termination_date),
            last_active: None,
            activity_source: None,
            tokens: None,
            token_last_used: None,
        });
    }
    // Service accounts: not people, not billed, never matched to the roster;
    // listed with their groups and tokens.
    for s in a.snapshot.listed_service_accounts().unwrap_or_default() {
        let key = s.username.to_lowercase();
        let token_count = tokens.as_ref().map(|t| t.get(&key).map_or(0, |(n, _)| *n));
        let token_last_used = tokens
            .as_ref()
            .and_then(|t| t.get(&key).and_then(|(_, at)| *at));
        rows.push(AccessRow {
            org: a.org().to_string(),
            username: s.username.clone(),
            fullname: Some(s.name.clone()).filter(|n| !n.is_empty()),
            kind: "service_account".into(),
            role: None,
            two_fa: None,
            external: None,
            groups: groups.get(&key).into_iter().flatten().cloned().collect(),
            gated_repos: repos.get(&key).into_iter().flatten().cloned().collect(),
            match_method: MatchMethod::Unmatched,
            employee_id: None,
            email: Some(s.email.clone()).filter(|e| !e.is_empty()),
            person_status: None,
            termination_date: None,
            last_active: token_last_used,
            activity_source: token_count
                .is_some_and(|n| n > 0)
                .then(|| "token".to_string()),
            tokens: token_count,
            token_last_used,
        });
    }
    rows
}

/// Gated-repo users who are not members and match nobody: outsiders who
/// asked for access. Listed for context, never findings.
fn strangers(a: &OrgAudit) -> Vec<Stranger> {
    let members: HashSet<String> = a
        .snapshot
        .members
        .iter()
        .map(|m| m.username.to_lowercase())
        .collect();
    a.access
        .iter()
        .filter(|x| x.method() == MatchMethod::Unmatched)
        .filter(|x| {
            !x.item
                .username
                .as_deref()
                .is_some_and(|u| members.contains(&u.to_lowercase()))
        })
        .map(|x| Stranger {
            org: a.org().to_string(),
            username: x.item.username.clone(),
            fullname: x.item.fullname.clone(),
            email: x.item.email.clone(),
            repo: format!("{}/{}", x.item.repo_type, x.item.repo),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testkit::*;

    fn row<'r>(rows: &'r [AccessRow], user: &str) -> &'r AccessRow {
        rows.iter().find(|r| r.username == user).unwrap()
    }

    #[test]
    fn access_rows_count_unrevoked_tokens_and_their_latest_use() {
        let members = vec![
            member("alice", "write"),
            member("bob", "read"),
            member("carol", "read"),
        ];
        let people = [active("alice"), active("bob"), active("carol")];
        // Without the tokens collector: empty cells, not zero.
        let snap = snapshot(members.clone());
        let rows = with_audit(&snap, &people, access_rows);
        assert!(
            rows.iter()
                .all(|r| r.tokens.is_none() && r.token_last_used.is_none())
        );

        let mut revoked = token("bob", "b002", Some(1));
        revoked.status = Some("revoked".into());
        let snap = with_tokens(
            snapshot(members),
            vec![
                token("alice", "a001", Some(30)),
                token("alice", "a002", Some(5)),
                token("alice", "a003", None),
                token("bob", "b001", None),
                revoked,
            ],
        );
        let rows = with_audit(&snap, &people, access_rows);
        let alice = row(&rows, "alice");
        assert_eq!(alice.tokens, Some(3));
        assert_eq!(alice.token_last_used, Some(days_ago(5)));
        // bob: one unrevoked token, never used (the revoked one's use is
        // not a use of an unrevoked token).
        let bob = row(&rows, "bob");
        assert_eq!((bob.tokens, bob.token_last_used), (Some(1), None));
        let carol = row(&rows, "carol");
        assert_eq!((carol.tokens, carol.token_last_used), (Some(0), None));
        // Owning no token, carol is not seen by the token source.
        assert_eq!(carol.activity_source, None);
        assert_eq!(bob.activity_source.as_deref(), Some("token"));
    }

    fn kinds(rows: &[AccessRow]) -> Vec<(&str, &str)> {
        rows.iter()
            .map(|r| (r.username.as_str(), r.kind.as_str()))
            .collect()
    }

    #[test]
    fn service_accounts_are_inventory_rows_zero_one_many() {
        let people = [active("alice")];
        let members = vec![member("alice", "write")];
        // Zero: the collector ran and found none; or it did not run.
        let none = with_service_accounts(snapshot(members.clone()), vec![]);
        let rows = with_audit(&none, &people, access_rows);
        assert_eq!(kinds(&rows), vec![("alice", "member")]);
        let mut unlisted = with_service_accounts(snapshot(members.clone()), vec![]);
        unlisted.collectors.insert(
            "service_accounts".into(),
            crate::model::CollectorStatus::Unavailable {
                reason: "402".into(),
            },
        );
        unlisted.service_accounts = vec![service_account("ghost")];
        let rows = with_audit(&unlisted, &people, access_rows);
        assert_eq!(kinds(&rows), vec![("alice", "member")]);

        // One, with a group and tokens (a revoked one not counted).
        let mut revoked = token("ci-bot", "s003", Some(1));
        revoked.status = Some("revoked".into());
        let mut one = with_service_accounts(
            with_tokens(
                snapshot(members.clone()),
                vec![
                    token("ci-bot", "s001", Some(40)),
                    token("ci-bot", "s002", Some(10)),
                    revoked,
                ],
            ),
            vec![service_account("ci-bot")],
        );
        one.group_members.push(crate::model::GroupMember {
            group_id: "g1".into(),
            group_name: "research".into(),
            username: "CI-bot".into(),
            fullname: None,
            role: Some("write".into()),
            added_by: None,
        });
        let rows = with_audit(&one, &people, access_rows);
        assert_eq!(
            kinds(&rows),
            vec![("alice", "member"), ("ci-bot", "service_account")]
        );
        let bot = row(&rows, "ci-bot");
        assert_eq!(bot.fullname.as_deref(), Some("Bot ci-bot"));
        assert_eq!(bot.email.as_deref(), Some("ci-bot@service.example"));
        assert_eq!(bot.groups, vec!["research"]);
        assert_eq!(bot.match_method, MatchMethod::Unmatched);
        assert_eq!(
            (bot.role.as_deref(), bot.person_status.as_deref()),
            (None, None)
        );
        assert_eq!(bot.tokens, Some(2));
        assert_eq!(bot.token_last_used, Some(days_ago(10)));
        assert_eq!(bot.last_active, Some(days_ago(10)));
        assert_eq!(bot.activity_source.as_deref(), Some("token"));

        // Many: each listed once, without tokens when none is listed.
        let many = with_service_accounts(
            snapshot(members),
            vec![service_account("a-bot"), service_account("b-bot")],
        );
        let rows = with_audit(&many, &people, access_rows);
        assert_eq!(
            kinds(&rows),
            vec![
                ("alice", "member"),
                ("a-bot", "service_account"),
                ("b-bot", "service_account")
            ]
        );
        assert!(
            rows[1..]
                .iter()
                .all(|r| r.tokens.is_none() && r.activity_source.is_none())
        );
    }

    /// Service accounts are not billed: they change no seat count.
    #[test]
    fn service_accounts_take_no_seat() {
        let people = [active("alice")];
        let plain = snapshot(vec![member("alice", "write")]);
        let with_bots = with_service_accounts(
            plain.clone(),
            vec![service_account("a-bot"), service_account("b-bot")],
        );
        let seats = |snap: &crate::model::Snapshot| {
            with_audit(snap, &people, |a| {
                let findings = crate::rules::evaluate(a);
                seat_rows(a, &findings, 20.0)
            })
        };
        assert_eq!(seats(&plain), seats(&with_bots));
        assert!(seats(&with_bots).iter().all(|r| r.billable_seats == 1));
    }
}
