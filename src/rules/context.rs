//! What the rules read: one org's latest snapshot with every account
//! matched to the roster once, plus the history facts they need. Built once,
//! shared by every rule, so that rules stay small pure functions.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};

use crate::identity::{HubEmail, Match, Matcher};
use crate::model::{
    GroupMember, Invite, InviteSource, MatchMethod, Member, Person, RepoAccess, Snapshot,
};
use crate::store::{FirstSeen, snapshot_id};

/// Rule thresholds (SPEC.md defaults).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    pub stale_invite_days: i64,
    pub inactive_days: i64,
    pub revoke_sla_days: i64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            stale_invite_days: 14,
            inactive_days: 90,
            revoke_sla_days: 1,
        }
    }
}

/// An account with its roster match.
#[derive(Debug, Clone, Copy)]
pub struct Matched<'a, T> {
    pub item: &'a T,
    pub matched: Match,
    pub person: Option<&'a Person>,
}

impl<T> Matched<'_, T> {
    pub fn method(&self) -> MatchMethod {
        self.matched.method
    }
}

/// One org, ready for the rules.
#[derive(Debug)]
pub struct OrgAudit<'a> {
    pub snapshot: &'a Snapshot,
    pub snapshot_id: String,
    pub as_of: NaiveDate,
    pub now: DateTime<Utc>,
    pub thresholds: Thresholds,
    pub members: Vec<Matched<'a, Member>>,
    pub invites: Vec<Matched<'a, Invite>>,
    pub group_members: Vec<Matched<'a, GroupMember>>,
    pub access: Vec<Matched<'a, RepoAccess>>,
    pub first_seen: &'a FirstSeen,
}

fn wrap<'a, T>(matcher: &Matcher<'a>, item: &'a T, matched: Match) -> Matched<'a, T> {
    Matched {
        item,
        matched,
        person: matcher.person(matched),
    }
}

impl<'a> OrgAudit<'a> {
    pub fn new(
        snapshot: &'a Snapshot,
        matcher: &Matcher<'a>,
        first_seen: &'a FirstSeen,
        as_of: NaiveDate,
        now: DateTime<Utc>,
        thresholds: Thresholds,
    ) -> OrgAudit<'a> {
        let members: Vec<Matched<'a, Member>> = snapshot
            .members
            .iter()
            .map(|m| {
                let emails: Vec<HubEmail> = m
                    .verified_email
                    .iter()
                    .map(|e| HubEmail {
                        email: e,
                        method: MatchMethod::HubEmail,
                    })
                    .collect();
                let matched = matcher.match_account(&m.username, m.fullname.as_deref(), &emails);
                Matched {
                    item: m,
                    matched,
                    person: matcher.person(matched),
                }
            })
            .collect();
        // Group members, invitees and gated-repo users who are members share
        // the member's match.
        let by_member: HashMap<String, Match> = members
            .iter()
            .map(|m| (m.item.username.to_lowercase(), m.matched))
            .collect();
        let shared = |username: Option<&str>| {
            username.and_then(|u| by_member.get(&u.to_lowercase()).copied())
        };
        let group_members = snapshot
            .group_members
            .iter()
            .map(|g| {
                let m = shared(Some(&g.username)).unwrap_or_else(|| {
                    matcher.match_account(&g.username, g.fullname.as_deref(), &[])
                });
                wrap(matcher, g, m)
            })
            .collect();
        let invites = snapshot
            .invites
            .iter()
            .map(|i| {
                let method = match i.source {
                    InviteSource::ScimProvisioning => MatchMethod::Scim,
                    _ => MatchMethod::HubEmail,
                };
                let m = shared(i.username.as_deref()).unwrap_or_else(|| {
                    matcher.match_reported(
                        i.username.as_deref(),
                        i.fullname.as_deref(),
                        i.email.as_deref(),
                        method,
                    )
                });
                wrap(matcher, i, m)
            })
            .collect();
        let access = snapshot
            .repo_access
            .iter()
            .map(|a| {
                let m = shared(a.username.as_deref()).unwrap_or_else(|| {
                    matcher.match_reported(
                        a.username.as_deref(),
                        a.fullname.as_deref(),
                        a.email.as_deref(),
                        MatchMethod::HubEmail,
                    )
                });
                wrap(matcher, a, m)
            })
            .collect();
        OrgAudit {
            snapshot,
            snapshot_id: snapshot_id(snapshot.taken_at),
            as_of,
            now,
            thresholds,
            members,
            invites,
            group_members,
            access,
            first_seen,
        }
    }

    pub fn org(&self) -> &str {
        &self.snapshot.org
    }

    /// Whether a matched person has left as of the report date.
    pub fn departed(&self, person: Option<&Person>) -> bool {
        person.is_some_and(|p| p.departed(self.as_of))
    }

    /// When a member first appeared in the store (this snapshot at the latest).
    pub fn member_first_seen(&self, username: &str) -> DateTime<Utc> {
        self.first_seen
            .members
            .get(&username.to_lowercase())
            .copied()
            .unwrap_or(self.snapshot.taken_at)
            .min(self.snapshot.taken_at)
    }

    /// When an invite was first seen: its first snapshot, or the time it was
    /// sent if the source says and that is older.
    pub fn invite_first_seen(&self, invite: &Invite) -> DateTime<Utc> {
        let stored = self
            .first_seen
            .invites
            .get(&invite.invitee.to_lowercase())
            .copied()
            .unwrap_or(self.snapshot.taken_at)
            .min(self.snapshot.taken_at);
        invite.invited_at.map_or(stored, |t| t.min(stored))
    }

    /// Whole days from `since` to the report date.
    pub fn days_since(&self, since: DateTime<Utc>) -> i64 {
        (self.now - since).num_days().max(0)
    }

    /// Whole days from a person's last day to the report date.
    pub fn days_since_date(&self, day: NaiveDate) -> i64 {
        (self.as_of - day).num_days().max(0)
    }
}
