//! The population of a campaign: one [`Line`] per (org, account) — every
//! member and every listed service account of the latest snapshots (pending
//! invites are not accounts and are not reviewed) — with everything the
//! account can reach, the roster person it is tied to and the open
//! findings on it, all taken from the reconciled report (the matching is
//! the report's, never redone here), and the reviewer it is assigned to.
//!
//! A line id is `org:username`, lower-cased: the same account gets the same
//! id in every campaign (a renamed account is a new line).

use crate::collections::{HashMap, HashMapExt};
use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Assigned, Reviewers};
use crate::model::{MatchMethod, Person};
use crate::reconcile::Stored;
use crate::report::{AccessRow, Report};

/// One account under review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Line {
    pub line_id: String,
    pub org: String,
    pub username: String,
    /// `member` or `service_account`.
    pub kind: String,
    /// The name the Hub shows.
    pub fullname: Option<String>,
    /// The org role (none for a service account).
    pub role: Option<String>,
    pub two_fa: Option<bool>,
    /// Resource groups, `name (role)` where the group listing gives the role.
    pub groups: Vec<String>,
    /// Accepted gated repos, `type/namespace/name`.
    pub gated_repos: Vec<String>,
    /// Unrevoked tokens; `None` when tokens were not listed.
    pub tokens: Option<u64>,
    pub token_last_used: Option<DateTime<Utc>>,
    /// The roster person's name, when matched.
    pub person: Option<String>,
    /// The person's email (or the email the Hub reports for the account).
    pub email: Option<String>,
    pub employee_id: Option<String>,
    pub person_status: Option<String>,
    #[serde(rename = "match")]
    pub match_method: MatchMethod,
    pub last_active: Option<DateTime<Utc>>,
    /// Rule codes of the open (unmuted) findings on the account.
    pub findings: Vec<String>,
    pub reviewer: String,
    pub assigned: Assigned,
}

/// Builds the population from a report and the snapshots it was reconciled
/// from. `people` is the roster (for `manager_email`). `Err` lists the
/// line ids nobody can review: no manager, and no fallback reviewer.
pub fn build(
    report: &Report,
    stored: &[Stored],
    people: &[Person],
    reviewers: &Reviewers,
) -> Result<Vec<Line>, Vec<String>> {
    let people = PeopleIndex::new(people);
    // (org, lower-cased username) → its group rows, and its open findings.
    let mut group_rows: HashMap<(&str, String), Vec<GroupRole<'_>>> = HashMap::new();
    for s in stored {
        for g in &s.snapshot.group_members {
            group_rows
                .entry((s.org.as_str(), g.username.to_lowercase()))
                .or_default()
                .push((g.group_name.as_str(), g.role.as_deref()));
        }
    }
    let mut finding_codes: HashMap<(&str, String), BTreeSet<&str>> = HashMap::new();
    for f in report.findings.iter().filter(|f| !f.is_muted()) {
        let user = f.username.as_deref().unwrap_or_else(|| {
            f.subject
                .split(['@', '#'])
                .next()
                .unwrap_or(f.subject.as_str())
        });
        finding_codes
            .entry((f.org.as_str(), user.to_lowercase()))
            .or_default()
            .insert(f.rule.code());
    }
    let mut lines = Vec::new();
    let mut unassigned = Vec::new();
    let mut ids = BTreeSet::new();
    for row in report
        .access
        .iter()
        .filter(|a| a.kind == "member" || a.kind == "service_account")
    {
        let person = (row.match_method != MatchMethod::Unmatched)
            .then(|| people.find(row))
            .flatten();
        let (reviewer, assigned) = match reviewers {
            Reviewers::Single { email } => (Some(email.clone()), Assigned::Single),
            Reviewers::Manager { fallback } => match person.and_then(|p| p.manager_email.clone()) {
                Some(m) => (Some(m.to_lowercase()), Assigned::Manager),
                None => (fallback.clone(), Assigned::Fallback),
            },
        };
        let mut line_id = format!("{}:{}", row.org, row.username).to_lowercase();
        if !ids.insert(line_id.clone()) {
            line_id = format!("{line_id}:{}", row.kind);
            ids.insert(line_id.clone());
        }
        let Some(reviewer) = reviewer else {
            unassigned.push(line_id);
            continue;
        };
        let key = (row.org.as_str(), row.username.to_lowercase());
        lines.push(Line {
            line_id,
            org: row.org.clone(),
            username: row.username.clone(),
            kind: row.kind.clone(),
            fullname: row.fullname.clone(),
            role: row.role.clone(),
            two_fa: row.two_fa,
            groups: groups(
                row,
                group_rows.get(&key).map(Vec::as_slice).unwrap_or_default(),
            ),
            gated_repos: row.gated_repos.clone(),
            tokens: row.tokens,
            token_last_used: row.token_last_used,
            person: person.and_then(|p| p.full_name.clone()),
            email: row.email.clone(),
            employee_id: row.employee_id.clone(),
            person_status: row.person_status.clone(),
            match_method: row.match_method,
            last_active: row.last_active,
            findings: finding_codes
                .get(&key)
                .map(|codes| codes.iter().map(|c| c.to_string()).collect())
                .unwrap_or_default(),
            reviewer,
            assigned,
        });
    }
    if !unassigned.is_empty() {
        return Err(unassigned);
    }
    lines.sort_by(|a, b| (&a.org, &a.line_id).cmp(&(&b.org, &b.line_id)));
    Ok(lines)
}

/// A group's name and the account's role in it.
type GroupRole<'a> = (&'a str, Option<&'a str>);

/// The account's groups with their roles (from the group listing), then
/// the groups only the members listing names.
fn groups(row: &AccessRow, rows: &[GroupRole<'_>]) -> Vec<String> {
    let mut with_roles = rows.to_vec();
    with_roles.sort();
    let mut out: Vec<String> = Vec::new();
    let mut named = BTreeSet::new();
    for (name, role) in with_roles {
        named.insert(name.to_string());
        out.push(match role {
            Some(r) => format!("{name} ({r})"),
            None => name.to_string(),
        });
    }
    out.extend(row.groups.iter().filter(|g| !named.contains(*g)).cloned());
    out
}

/// The roster people by employee id, email and Hub username, to find the
/// person the report matched a row to.
struct PeopleIndex<'a> {
    by_id: HashMap<&'a str, &'a Person>,
    by_email: HashMap<String, &'a Person>,
    by_username: HashMap<String, &'a Person>,
}

impl<'a> PeopleIndex<'a> {
    fn new(people: &'a [Person]) -> Self {
        let mut index = PeopleIndex {
            by_id: HashMap::new(),
            by_email: HashMap::new(),
            by_username: HashMap::new(),
        };
        for p in people {
            if let Some(id) = &p.employee_id {
                index.by_id.insert(id, p);
            }
            if let Some(e) = &p.email {
                index.by_email.insert(e.to_lowercase(), p);
            }
            if let Some(u) = &p.hf_username {
                index.by_username.insert(u.to_lowercase(), p);
            }
        }
        index
    }

    fn find(&self, row: &AccessRow) -> Option<&'a Person> {
        row.employee_id
            .as_deref()
            .and_then(|id| self.by_id.get(id))
            .or_else(|| {
                row.email
                    .as_deref()
                    .and_then(|e| self.by_email.get(&e.to_lowercase()))
            })
            .or_else(|| self.by_username.get(&row.username.to_lowercase()))
            .copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::EmploymentStatus;

    fn person(email: &str, manager: Option<&str>) -> Person {
        Person {
            line: 2,
            employee_id: None,
            email: Some(email.into()),
            full_name: Some(format!("Person {email}")),
            status: EmploymentStatus::Active,
            status_text: None,
            termination_date: None,
            hf_username: None,
            department: None,
            cost_center: None,
            manager_email: manager.map(str::to_owned),
        }
    }

    fn row(org: &str, user: &str, matched: bool) -> AccessRow {
        AccessRow {
            org: org.into(),
            username: user.into(),
            fullname: None,
            kind: "member".into(),
            role: Some("read".into()),
            two_fa: Some(true),
            external: None,
            groups: vec!["research".into()],
            gated_repos: vec![],
            match_method: if matched {
                MatchMethod::Roster
            } else {
                MatchMethod::Unmatched
            },
            employee_id: None,
            email: Some(format!("{user}@acme.example")),
            person_status: None,
            termination_date: None,
            last_active: None,
            activity_source: None,
            tokens: None,
            token_last_used: None,
        }
    }

    fn report(access: Vec<AccessRow>) -> Report {
        let mut r = crate::report::testdata::report();
        r.access = access;
        r.findings.clear();
        r
    }

    #[test]
    fn managers_review_their_people_and_the_rest_goes_to_the_fallback() {
        let people = vec![
            person("alice@acme.example", Some("Boss@acme.example")),
            person("bob@acme.example", None),
        ];
        let mut invite = row("acme", "carol@acme.example", true);
        invite.kind = "invite".into();
        let r = report(vec![
            row("Acme", "Alice", true),
            row("Acme", "bob", true),
            row("Acme", "stranger", false),
            invite,
        ]);
        let fallback = Reviewers::Manager {
            fallback: Some("sec@acme.example".into()),
        };
        let lines = build(&r, &[], &people, &fallback).unwrap();
        let got: Vec<(&str, &str, Assigned)> = lines
            .iter()
            .map(|l| (l.line_id.as_str(), l.reviewer.as_str(), l.assigned))
            .collect();
        assert_eq!(
            got,
            vec![
                ("acme:alice", "boss@acme.example", Assigned::Manager),
                ("acme:bob", "sec@acme.example", Assigned::Fallback),
                ("acme:stranger", "sec@acme.example", Assigned::Fallback),
            ],
            "invites are not reviewed; ids are lower-cased"
        );
        assert_eq!(
            lines[0].person.as_deref(),
            Some("Person alice@acme.example")
        );
        assert_eq!(lines[0].groups, vec!["research"]);

        // Without a fallback, the lines nobody can review are named.
        let err = build(&r, &[], &people, &Reviewers::Manager { fallback: None }).unwrap_err();
        assert_eq!(err, vec!["acme:bob", "acme:stranger"]);
        // One reviewer for everything.
        let single = Reviewers::Single {
            email: "one@acme.example".into(),
        };
        let lines = build(&r, &[], &people, &single).unwrap();
        assert!(lines.iter().all(|l| l.reviewer == "one@acme.example"));
        // Zero lines.
        assert!(
            build(&report(vec![]), &[], &people, &single)
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn open_findings_are_listed_by_rule_code() {
        let base = crate::report::testdata::report();
        let f = base
            .findings
            .iter()
            .find(|f| !f.is_muted() && f.username.is_some())
            .expect("testdata has an open finding on an account")
            .clone();
        let mut r = report(vec![row(&f.org, f.username.as_deref().unwrap(), false)]);
        let mut muted = f.clone();
        muted.muted = Some("accepted".into());
        muted.rule = crate::rules::Rule::StaleToken;
        r.findings = vec![f.clone(), f.clone(), muted];
        let single = Reviewers::Single {
            email: "one@acme.example".into(),
        };
        let lines = build(&r, &[], &[], &single).unwrap();
        assert_eq!(lines[0].findings, vec![f.rule.code().to_string()]);
    }
}
