//! Reconciliation: the latest snapshot of each org and its history against
//! the HR roster, into one [`Report`]. A pure function of its inputs, apart
//! from reading the store.

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};

use crate::error::{Error, Result};
use crate::identity::{Identities, Matcher};
use crate::model::{MatchMethod, Person};
use crate::report::{AccessRow, OrgSummary, Report, RosterSummary, Stranger, Unchecked};
use crate::roster::Roster;
use crate::rules::exceptions::Exceptions;
use crate::rules::{self, Finding, OrgAudit, Severity, Thresholds};
use crate::seats::{SeatPrices, seat_rows};
use crate::store::Store;

/// Everything a report is computed from.
pub struct Inputs<'a> {
    pub store: &'a Store,
    /// Orgs to report on; all orgs of the store when empty.
    pub orgs: &'a [String],
    pub roster: &'a Roster,
    pub identities: &'a Identities,
    pub exceptions: &'a Exceptions,
    pub as_of: NaiveDate,
    pub now: DateTime<Utc>,
    pub thresholds: Thresholds,
    pub prices: &'a SeatPrices,
    pub fail_on: Severity,
}

pub fn build(input: &Inputs) -> Result<Report> {
    let orgs = if input.orgs.is_empty() {
        input.store.orgs()?
    } else {
        input.orgs.to_vec()
    };
    if orgs.is_empty() {
        return Err(Error::Usage(format!(
            "the store {} holds no snapshot: run `hfaudit snapshot --org ORG` first",
            input.store.root().display()
        )));
    }
    let people = &input.roster.people;
    let matcher = Matcher::new(people, input.identities);
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
        warnings: input.roster.warnings.clone(),
    };
    for org in &orgs {
        let Some(snapshot) = input.store.latest(org)? else {
            return Err(Error::Usage(format!(
                "no complete snapshot of {org} in {}: run `hfaudit snapshot --org {org}` first",
                input.store.root().display()
            )));
        };
        let first_seen = input.store.first_seen(org)?;
        let audit = OrgAudit::new(
            &snapshot,
            &matcher,
            &first_seen,
            input.as_of,
            input.now,
            input.thresholds,
        );
        let mut findings = rules::evaluate(&audit);
        rules::label_probable(&mut findings);
        report
            .warnings
            .extend(input.exceptions.apply(&mut findings, input.as_of));
        let price = input.prices.price(org, snapshot.plan.as_deref());
        report.seats.extend(seat_rows(&audit, &findings, price));
        report.access.extend(access_rows(&audit));
        report.strangers.extend(strangers(&audit));
        report.orgs.push(OrgSummary {
            org: snapshot.org.clone(),
            snapshot_id: audit.snapshot_id.clone(),
            taken_at: snapshot.taken_at,
            plan: snapshot.plan.clone(),
            seat_price: price,
            members: snapshot.members.len(),
            pending_invites: snapshot.invites.len(),
            snapshots_in_store: first_seen.snapshots,
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
        });
        report.findings.extend(findings);
    }
    rules::sort(&mut report.findings);
    Ok(report)
}

/// Whether any unmuted finding is at or above the threshold (exit code 1).
pub fn fails(report: &Report) -> bool {
    report
        .findings
        .iter()
        .any(|f| !f.is_muted() && f.severity >= report.fail_on)
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

/// The inventory: every member and every pending invite.
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
            last_active: None,
            activity_source: None,
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

/// Counts of unmuted findings by severity, most severe first.
pub fn counts(findings: &[Finding]) -> Vec<(Severity, usize)> {
    Severity::ALL
        .iter()
        .map(|s| {
            (
                *s,
                findings
                    .iter()
                    .filter(|f| f.severity == *s && !f.is_muted())
                    .count(),
            )
        })
        .collect()
}
