//! What the rules read: one org's latest snapshot with every account
//! matched to the roster once, plus the history facts they need. Built once,
//! shared by every rule, so that rules stay small pure functions.

use crate::collections::{HashMap, HashMapExt};

use chrono::{DateTime, NaiveDate, Utc};

use crate::activity::{Activity, ActivitySource, IdpActivity};
use crate::history::{MembershipEvent, OrgHistory, Presence};
use crate::identity::{HubEmail, Match, Matcher};
use crate::model::snapshot_id;
use crate::model::{
    GroupMember, Invite, InviteSource, MatchMethod, Member, MemberToken, Person, RepoAccess,
    Snapshot, event_kind, event_targets,
};

/// What the rules know beyond the latest snapshot.
#[derive(Debug, Clone, Default)]
pub struct AuditHistory {
    /// The org's history in the store.
    pub org: OrgHistory,
    /// Roles in the complete snapshot before the latest, if any.
    pub previous: Option<PreviousRoles>,
}

/// The roles of the snapshot before the latest.
#[derive(Debug, Clone, PartialEq)]
pub struct PreviousRoles {
    pub snapshot_id: String,
    pub taken_at: DateTime<Utc>,
    /// Lower-cased username → role.
    pub roles: HashMap<String, Option<String>>,
}

/// An account that was a member in the history and is not any more.
#[derive(Debug, Clone, Copy)]
pub struct Former<'a> {
    pub presence: &'a Presence,
    pub matched: Match,
    pub person: Option<&'a Person>,
}

/// Rule thresholds (SPEC.md defaults, from `config::defaults`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    pub stale_invite_days: i64,
    pub inactive_days: i64,
    pub revoke_sla_days: i64,
    pub stale_token_days: i64,
}

impl Default for Thresholds {
    fn default() -> Self {
        use crate::config::defaults::*;
        Thresholds {
            stale_invite_days: DEFAULT_STALE_INVITE_DAYS.into(),
            inactive_days: DEFAULT_INACTIVE_DAYS.into(),
            revoke_sla_days: DEFAULT_REVOKE_SLA_DAYS.into(),
            stale_token_days: DEFAULT_STALE_TOKEN_DAYS.into(),
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
    /// Members' access tokens (none when the `tokens` collector did not
    /// run), each with its owner's match.
    pub tokens: Vec<Matched<'a, MemberToken>>,
    pub history: &'a AuditHistory,
    /// Lower-cased member username → what is known of their activity.
    pub activity: HashMap<String, Activity>,
    /// Accounts that were members in an earlier snapshot and are not now.
    pub former: Vec<Former<'a>>,
    /// Lower-cased invitee → times of every `org.invite_user`/`org.invite.email`.
    invited_at: HashMap<String, Vec<DateTime<Utc>>>,
    /// Lower-cased username → its `org.remove_user` and `org.leave` events,
    /// oldest first.
    exits: HashMap<String, Vec<&'a MembershipEvent>>,
}

/// Matches a Hub account (a member now or earlier) by its username, full
/// name and verified email.
fn match_hub_account(
    matcher: &Matcher<'_>,
    username: &str,
    fullname: Option<&str>,
    verified_email: Option<&str>,
) -> Match {
    let emails: Vec<HubEmail> = verified_email
        .into_iter()
        .map(|email| HubEmail {
            email,
            method: MatchMethod::HubEmail,
        })
        .collect();
    matcher.match_account(username, fullname, &emails)
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
        history: &'a AuditHistory,
        idp: Option<&IdpActivity>,
        as_of: NaiveDate,
        now: DateTime<Utc>,
        thresholds: Thresholds,
    ) -> OrgAudit<'a> {
        // Matching 10,000 members is the longest step here: two halves side
        // by side.
        let match_member = |m: &'a Member| {
            let matched = match_hub_account(
                matcher,
                &m.username,
                m.fullname.as_deref(),
                m.verified_email.as_deref(),
            );
            wrap(matcher, m, matched)
        };
        let members: Vec<Matched<'a, Member>> = std::thread::scope(|scope| {
            let (first, second) = snapshot.members.split_at(snapshot.members.len() / 2);
            let second = scope.spawn(|| second.iter().map(match_member).collect::<Vec<_>>());
            let mut members: Vec<_> = first.iter().map(match_member).collect();
            members.extend(crate::report::write::joined(second));
            members
        });
        // Group members, invitees and gated-repo users who are members share
        // the member's match.
        let by_member: HashMap<String, Match> = members
            .iter()
            .map(|m| (m.item.username.to_lowercase(), m.matched))
            .collect();
        let shared = |username: Option<&str>| {
            username.and_then(|u| by_member.get(&u.to_lowercase()).copied())
        };
        // An account the Hub reports by an optional username and email.
        let reported = |username: Option<&str>, fullname, email, method| {
            shared(username)
                .unwrap_or_else(|| matcher.match_reported(username, fullname, email, method))
        };
        // A service account is not a person: it matches nobody, so that no
        // rule about people (departed, unmatched, inactive) can fire on it.
        let not_a_person = |username: &str| snapshot.is_service_account(username);
        // The other accounts take the members' matches; activity, former
        // members and exits come from the history: the two side by side.
        let ((group_members, invites, access, tokens), (activity, former, invited_at, exits)) =
            std::thread::scope(|scope| {
                let accounts = scope.spawn(|| {
                    let group_members = snapshot
                        .group_members
                        .iter()
                        .map(|g| {
                            let m = if not_a_person(&g.username) {
                                Match::UNMATCHED
                            } else {
                                shared(Some(&g.username)).unwrap_or_else(|| {
                                    matcher.match_account(&g.username, g.fullname.as_deref(), &[])
                                })
                            };
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
                            let m = reported(
                                i.username.as_deref(),
                                i.fullname.as_deref(),
                                i.email.as_deref(),
                                method,
                            );
                            wrap(matcher, i, m)
                        })
                        .collect();
                    let access = snapshot
                        .repo_access
                        .iter()
                        .map(|a| {
                            let m = reported(
                                a.username.as_deref(),
                                a.fullname.as_deref(),
                                a.email.as_deref(),
                                MatchMethod::HubEmail,
                            );
                            wrap(matcher, a, m)
                        })
                        .collect();
                    let tokens = snapshot
                        .member_tokens()
                        .unwrap_or_default()
                        .iter()
                        .map(|t| {
                            let m = if not_a_person(&t.owner) {
                                Match::UNMATCHED
                            } else {
                                shared(Some(&t.owner)).unwrap_or_else(|| {
                                    matcher.match_account(
                                        &t.owner,
                                        t.owner_fullname.as_deref(),
                                        &[],
                                    )
                                })
                            };
                            wrap(matcher, t, m)
                        })
                        .collect();
                    (group_members, invites, access, tokens)
                });
                let token_use = token_use(snapshot);
                let activity = members
                    .iter()
                    .map(|m| {
                        let key = m.item.username.to_lowercase();
                        let activity = member_activity(&history.org, idp, m).max(
                            token_use.as_ref().map_or(Activity::Unknown, |uses| {
                                // A member who owns no token is not seen by this
                                // source (unknown); one whose tokens were never
                                // used is never active by it.
                                match uses.get(&key).copied() {
                                    Some(Some(at)) => Activity::Last {
                                        at,
                                        source: ActivitySource::Token,
                                    },
                                    Some(None) => Activity::Never {
                                        source: ActivitySource::Token,
                                    },
                                    None => Activity::Unknown,
                                }
                            }),
                        );
                        (key, activity)
                    })
                    .collect();
                let current: crate::collections::HashSet<&str> =
                    by_member.keys().map(String::as_str).collect();
                let mut former: Vec<Former<'a>> = history
                    .org
                    .accounts
                    .iter()
                    .filter(|(key, _)| !current.contains(key.as_str()))
                    .map(|(_, p)| {
                        let matched = match_hub_account(
                            matcher,
                            &p.username,
                            p.fullname.as_deref(),
                            p.verified_email.as_deref(),
                        );
                        let Matched {
                            matched, person, ..
                        } = wrap(matcher, p, matched);
                        Former {
                            presence: p,
                            matched,
                            person,
                        }
                    })
                    .collect();
                former.sort_by(|a, b| a.presence.username.cmp(&b.presence.username));
                let mut invited_at: HashMap<String, Vec<DateTime<Utc>>> = HashMap::new();
                let mut exits: HashMap<String, Vec<&MembershipEvent>> = HashMap::new();
                for e in &history.org.membership_events {
                    match e.kind.as_str() {
                        event_kind::INVITE_USER | event_kind::INVITE_EMAIL => {
                            for who in event_targets(e.data.as_deref()) {
                                invited_at.entry(who).or_default().push(e.at);
                            }
                        }
                        event_kind::REMOVE_USER => {
                            for who in event_targets(e.data.as_deref()) {
                                exits.entry(who).or_default().push(e);
                            }
                        }
                        event_kind::LEAVE => {
                            if let Some(who) = &e.author {
                                exits.entry(who.to_lowercase()).or_default().push(e);
                            }
                        }
                        _ => {}
                    }
                }
                (
                    crate::report::write::joined(accounts),
                    (activity, former, invited_at, exits),
                )
            });
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
            tokens,
            history,
            activity,
            former,
            invited_at,
            exits,
        }
    }

    /// The first `org.remove_user` about `username`, or `org.leave` by
    /// them, at or after `after` (the last snapshot that showed them).
    pub fn exit_event(&self, username: &str, after: DateTime<Utc>) -> Option<&'a MembershipEvent> {
        self.exits
            .get(&username.to_lowercase())?
            .iter()
            .copied()
            .find(|e| e.at >= after)
    }

    /// The current member `username` (case-insensitive), if any.
    pub fn member(&self, username: &str) -> Option<&Matched<'a, Member>> {
        self.members
            .iter()
            .find(|m| m.item.username.eq_ignore_ascii_case(username))
    }

    /// What is known of a member's activity (`Unknown` for non-members).
    pub fn activity_of(&self, username: &str) -> Activity {
        self.activity
            .get(&username.to_lowercase())
            .copied()
            .unwrap_or(Activity::Unknown)
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
        self.history
            .org
            .first_seen
            .members
            .get(&username.to_lowercase())
            .copied()
            .unwrap_or(self.snapshot.taken_at)
            .min(self.snapshot.taken_at)
    }

    /// When an invite was first seen: its first snapshot, or the time it was
    /// sent (as the invite source or an `org.invite_user` event says) if
    /// that is older. Sightings and events from before the invitee was last
    /// a member belong to an earlier invitation, not this one.
    pub fn invite_first_seen(&self, invite: &Invite) -> DateTime<Utc> {
        let org = &self.history.org;
        let member_until = [Some(&invite.invitee), invite.username.as_ref()]
            .into_iter()
            .flatten()
            .filter_map(|k| org.accounts.get(&k.to_lowercase()))
            .map(|p| p.last)
            .max();
        let this_invitation = |t: &DateTime<Utc>| member_until.is_none_or(|m| *t > m);
        let stored = org
            .first_seen
            .invites
            .get(&invite.invitee.to_lowercase())
            .copied()
            .unwrap_or(self.snapshot.taken_at);
        let stored = match member_until {
            // Re-invited after leaving: seen from a snapshot after that.
            Some(m) if stored <= m => org.first_after(m).map_or(m, |s| s.taken_at),
            _ => stored,
        }
        .min(self.snapshot.taken_at);
        let keys = [
            Some(&invite.invitee),
            invite.username.as_ref(),
            invite.email.as_ref(),
        ];
        let logged = keys
            .into_iter()
            .flatten()
            .filter_map(|k| self.invited_at.get(&k.to_lowercase()))
            .flatten()
            .copied()
            .filter(this_invitation)
            .min();
        [Some(stored), invite.invited_at, logged]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(stored)
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

/// Lower-cased owner → the latest use of any token they own (revoked ones
/// included; `None`: none ever used; owners of no token are absent), or
/// `None` when the `tokens`
/// collector did not run, so that tokens are no activity source.
fn token_use(snapshot: &Snapshot) -> Option<HashMap<String, Option<DateTime<Utc>>>> {
    let tokens = snapshot.member_tokens()?;
    let mut uses: HashMap<String, Option<DateTime<Utc>>> = HashMap::new();
    for t in tokens {
        let last = uses.entry(t.owner.to_lowercase()).or_default();
        *last = (*last).max(t.last_used_at);
    }
    Some(uses)
}

/// A member's activity: the later of the audit log (any event they
/// authored, an `org.sso_login` named as such) and the IdP export.
fn member_activity(
    history: &OrgHistory,
    idp: Option<&IdpActivity>,
    m: &Matched<'_, Member>,
) -> Activity {
    let log = if history.has_audit_log() {
        match history.activity.get(&m.item.username.to_lowercase()) {
            Some(a) => Activity::Last {
                at: a.last,
                source: if a.last_sso_login == Some(a.last) {
                    ActivitySource::SsoLogin
                } else {
                    ActivitySource::AuditLog
                },
            },
            None => Activity::Never {
                source: ActivitySource::AuditLog,
            },
        }
    } else {
        Activity::Unknown
    };
    let from_idp = idp.map_or(Activity::Unknown, |idp| {
        let emails: Vec<&str> = [
            m.item.verified_email.as_deref(),
            m.person.and_then(|p| p.email.as_deref()),
        ]
        .into_iter()
        .flatten()
        .collect();
        // A member the export does not list stays unknown: the IdP may
        // simply not know them (an outside collaborator).
        idp.lookup(&m.item.username, &emails)
    });
    log.max(from_idp)
}
