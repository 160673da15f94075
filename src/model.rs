//! Domain types shared by every part of hfaudit.
//!
//! These are what a snapshot *means*, independent of how the Hub sends it
//! (`hub::wire`) or how the store lays it out (`store`). Optional Hub fields
//! stay `Option` so that "the Hub did not say" never turns into "false".

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A member's role in the organization, ordered from least to most power.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    NoAccess,
    Read,
    Contributor,
    Write,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::NoAccess => "no_access",
            Role::Read => "read",
            Role::Contributor => "contributor",
            Role::Write => "write",
            Role::Admin => "admin",
        }
    }

    /// Whether an org role change from `from` to `to` (as the Hub spells
    /// them) is an escalation, and whether it is one to admin: the one role
    /// order `hfaudit diff` and the `role_escalation` rule share. Unknown or
    /// missing roles are only an escalation when the new role is admin.
    pub fn escalation(from: Option<&str>, to: Option<&str>) -> (bool, bool) {
        let parse = |r: Option<&str>| r.and_then(|r| Role::parse(&r.to_ascii_lowercase()));
        let (from, to) = (parse(from), parse(to));
        let to_admin = to == Some(Role::Admin) && from != Some(Role::Admin);
        let up = matches!((from, to), (Some(a), Some(b)) if b > a);
        (up || to_admin, to_admin)
    }

    /// Parses the Hub's spelling; unknown roles are kept out rather than guessed.
    pub fn parse(s: &str) -> Option<Role> {
        Some(match s {
            "no_access" => Role::NoAccess,
            "read" => Role::Read,
            "contributor" => Role::Contributor,
            "write" => Role::Write,
            "admin" => Role::Admin,
            _ => return None,
        })
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One organization member as listed by `/api/organizations/{org}/members`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// The Hub's user id (`_id`).
    pub hub_id: String,
    pub username: String,
    pub fullname: Option<String>,
    /// The role as the Hub spelled it (kept verbatim even when unknown to us).
    pub role: Option<String>,
    pub two_fa: Option<bool>,
    pub verified_email: Option<String>,
    pub external: Option<bool>,
    pub is_pro: Option<bool>,
    /// Names of the resource groups the members listing reports.
    pub resource_groups: Vec<String>,
}

impl Member {
    pub fn role(&self) -> Option<Role> {
        self.role.as_deref().and_then(Role::parse)
    }
}

/// Where the list of pending invitations came from (see HUB_API.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InviteSource {
    PendingMembers,
    ScimProvisioning,
    AuditLog,
}

impl InviteSource {
    pub fn as_str(self) -> &'static str {
        match self {
            InviteSource::PendingMembers => "pending-members",
            InviteSource::ScimProvisioning => "scim-provisioning",
            InviteSource::AuditLog => "audit-log",
        }
    }

    pub fn parse(s: &str) -> Option<InviteSource> {
        Some(match s {
            "pending-members" => InviteSource::PendingMembers,
            "scim-provisioning" => InviteSource::ScimProvisioning,
            "audit-log" => InviteSource::AuditLog,
            _ => return None,
        })
    }
}

/// A pending invitation: a billable seat held by someone not yet a member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invite {
    /// The invitee as the source names them: a username or an email address.
    pub invitee: String,
    pub username: Option<String>,
    pub email: Option<String>,
    pub fullname: Option<String>,
    pub role: Option<String>,
    pub source: InviteSource,
    /// When the invite was sent, if the source says (audit log, SCIM meta).
    pub invited_at: Option<DateTime<Utc>>,
}

/// A resource group and the resources it governs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceGroup {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub auto_join: bool,
    /// `type/namespace/name` of each repository in the group.
    pub repos: Vec<String>,
    /// Every resource, repos included, in the Hub's order.
    #[serde(default)]
    pub resources: Vec<GroupResource>,
}

/// One resource of a group: a repo, a collection, a blog post, a job...
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupResource {
    /// `model`, `dataset`, `space`, `bucket`, `kernel`, `collection`,
    /// `blog`, `job`, `scheduled-job`; `other` for a kind this version does
    /// not know (its type as sent is `raw_type`).
    pub kind: String,
    /// The type as the Hub sent it (empty when it sent none).
    pub raw_type: String,
    /// The repo id (`acme/llm`), the collection's or blog post's slug, the
    /// job's id; for `other`, its id, slug or name, whichever it has.
    pub id: String,
    /// A collection's or blog post's title, a job's name.
    pub title: Option<String>,
}

impl GroupResource {
    /// The kinds this version knows; repos are the first five.
    pub const KINDS: [&'static str; 9] = [
        "model",
        "dataset",
        "space",
        "bucket",
        "kernel",
        "collection",
        "blog",
        "job",
        "scheduled-job",
    ];

    /// A repository (what the older `repos` field lists).
    pub fn is_repo(&self) -> bool {
        Self::KINDS[..5].contains(&self.kind.as_str())
    }
}

/// One user in one resource group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupMember {
    pub group_id: String,
    pub group_name: String,
    pub username: String,
    pub fullname: Option<String>,
    pub role: Option<String>,
    pub added_by: Option<String>,
}

/// One accepted access request to one of the org's gated repositories.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepoAccess {
    /// `model` or `dataset`.
    pub repo_type: String,
    /// `namespace/name`.
    pub repo: String,
    /// `auto` or `manual`.
    pub gated: String,
    pub request_id: Option<String>,
    /// Absent when the repo hides requester identities.
    pub username: Option<String>,
    pub fullname: Option<String>,
    pub email: Option<String>,
    pub requested_at: Option<DateTime<Utc>>,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub granted_by: Option<String>,
}

/// The snapshot id for a snapshot taken at `taken_at`: UTC to the
/// millisecond, e.g. `20261123T025751.123Z`. Ids sort chronologically.
pub fn snapshot_id(taken_at: DateTime<Utc>) -> String {
    taken_at.format("%Y%m%dT%H%M%S%.3fZ").to_string()
}

/// The audit-log event kinds hfaudit reads (`Event::kind`), as the Hub
/// names them (HUB_API.md, "Audit log").
pub mod event_kind {
    pub const ADD_USER: &str = "org.add_user";
    pub const REMOVE_USER: &str = "org.remove_user";
    pub const CHANGE_ROLE: &str = "org.change_role";
    pub const LEAVE: &str = "org.leave";
    pub const INVITE_USER: &str = "org.invite_user";
    pub const INVITE_EMAIL: &str = "org.invite.email";
    pub const INVITE_ACCEPT: &str = "org.invite.accept";
    pub const JOIN_FROM_DOMAIN: &str = "org.join.from_domain";
    pub const JOIN_AUTOMATIC: &str = "org.join.automatic";
    pub const SSO_JOIN: &str = "org.sso_join";
    pub const SSO_LOGIN: &str = "org.sso_login";

    /// The kinds that send an invitation.
    pub const INVITES: [&str; 2] = [INVITE_USER, INVITE_EMAIL];
}

/// One audit-log event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub id: String,
    pub created_at: DateTime<Utc>,
    pub kind: String,
    pub message: Option<String>,
    pub author: Option<String>,
    pub author_type: Option<String>,
    /// The free-form `data` object, kept as compact JSON.
    pub data: Option<String>,
}

/// Who an audit-log event is about, as far as its free-form `data` says:
/// read defensively, since the Hub documents no shape for it. `data` may be
/// missing, a bare string (a username, or an email when it holds `@`), or
/// an object whose `user`/`username`/`userName`/`login` and
/// `email`/`inviteeEmail`/`invitedEmail`/`emailAddress` are strings, or
/// whose `user`, `invitee`, `target`, `member` or `invitedUser` is a string
/// or an object holding those keys (or `name`) one level down. Anything
/// else says nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventSubject {
    pub username: Option<String>,
    pub email: Option<String>,
    /// `data.role` (or the nested object's), when a string.
    pub role: Option<String>,
}

const SUBJECT_USER_KEYS: [&str; 4] = ["user", "username", "userName", "login"];
const SUBJECT_EMAIL_KEYS: [&str; 4] = ["email", "inviteeEmail", "invitedEmail", "emailAddress"];
const SUBJECT_NESTED_KEYS: [&str; 5] = ["user", "invitee", "target", "member", "invitedUser"];

impl EventSubject {
    /// Reads `data` (compact JSON, as stored in [`Event::data`]).
    pub fn of(data: Option<&str>) -> EventSubject {
        let mut out = EventSubject::default();
        if let Some(value) = data.and_then(|d| serde_json::from_str::<serde_json::Value>(d).ok()) {
            out.read(&value, false);
        }
        out
    }

    /// Whether the event names anyone.
    pub fn is_empty(&self) -> bool {
        self.username.is_none() && self.email.is_none()
    }

    /// The username and the email, lower-cased, as present.
    pub fn keys(&self) -> Vec<String> {
        [&self.username, &self.email]
            .into_iter()
            .flatten()
            .map(|v| v.to_lowercase())
            .collect()
    }

    fn put(&mut self, text: &str) {
        let text = text.trim();
        if text.is_empty() {
            return;
        }
        let slot = if text.contains('@') {
            &mut self.email
        } else {
            &mut self.username
        };
        slot.get_or_insert_with(|| text.to_string());
    }

    fn read(&mut self, value: &serde_json::Value, nested: bool) {
        use serde_json::Value;
        let map = match value {
            Value::String(text) => return self.put(text),
            Value::Object(map) => map,
            _ => return,
        };
        let user_keys = SUBJECT_USER_KEYS.iter().chain(nested.then_some(&"name"));
        for key in user_keys.chain(&SUBJECT_EMAIL_KEYS) {
            if let Some(Value::String(text)) = map.get(*key) {
                self.put(text);
            }
        }
        if let Some(Value::String(role)) = map.get("role") {
            self.role.get_or_insert_with(|| role.clone());
        }
        if !nested {
            for key in SUBJECT_NESTED_KEYS {
                match map.get(key) {
                    Some(inner @ Value::Object(_)) => self.read(inner, true),
                    Some(Value::String(text)) => self.put(text),
                    _ => {}
                }
            }
        }
    }
}

/// Who an audit-log event is about, lower-cased: the username and email
/// [`EventSubject`] reads from its `data` (the author is who acted, not who
/// it is about).
pub fn event_targets(data: Option<&str>) -> Vec<String> {
    EventSubject::of(data).keys()
}

/// One access token of a member, as `/settings/tokens` lists it. Never holds
/// the token's value: the Hub returns only its last four characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberToken {
    /// The Hub's token `_id` (the finding subject is `username#id`).
    pub id: String,
    pub owner_id: String,
    /// The owner's username.
    pub owner: String,
    pub owner_fullname: Option<String>,
    pub display_name: String,
    /// `read`, `write` or `fineGrained`, kept verbatim.
    pub role: String,
    /// Absent on tokens created before the Hub recorded it.
    pub last4: Option<String>,
    /// Creation, or the last rotation.
    pub created_at: DateTime<Utc>,
    /// `None`: never used.
    pub last_used_at: Option<DateTime<Utc>>,
    /// `pending`, `approved`, `denied` or `revoked`; `None` when the org does
    /// not require approval and the token was never revoked.
    pub status: Option<String>,
    pub requested_at: Option<DateTime<Utc>>,
    pub authorized_at: Option<DateTime<Utc>>,
    /// Username of who approved it.
    pub authorizer: Option<String>,
    /// `entity_type/entity_id:permission`, one per permission of a
    /// fine-grained token on the org or one of its repos.
    pub permissions: Vec<String>,
}

impl MemberToken {
    /// Whether an administrator withdrew its access to the org.
    pub fn is_revoked(&self) -> bool {
        self.status.as_deref() == Some("revoked")
    }

    /// "'ci-upload' (…x9Qa)": how findings name a token.
    pub fn label(&self) -> String {
        match &self.last4 {
            Some(l4) => format!("'{}' (…{l4})", self.display_name),
            None => format!("'{}'", self.display_name),
        }
    }
}

/// A service account of an Enterprise org: a non-human account that can be
/// in resource groups and hold tokens, but is not a member and not billed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceAccount {
    /// The Hub's `_id`.
    pub id: String,
    /// Its username (`user` on the wire): how its tokens name their owner.
    pub username: String,
    /// Its display name (`name` on the wire).
    pub name: String,
    pub email: String,
    pub description: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// Whether a collector could read what it was asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum CollectorStatus {
    Ok {
        rows: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        source: Option<String>,
        /// Set when the rows may be fewer than the org holds, saying why
        /// (resource groups read without admin rights: the groups visible
        /// to the token).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        partial: Option<String>,
        /// Items that could not be read, each with the Hub's reason (gated
        /// repos whose access requests answered 403 or 404).
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        unreadable: BTreeMap<String, String>,
    },
    Unavailable {
        reason: String,
    },
}

impl CollectorStatus {
    pub fn ok(rows: usize) -> Self {
        CollectorStatus::sourced(rows as u64, None)
    }

    /// `ok` with the source the rows came from (invites).
    pub fn sourced(rows: u64, source: Option<String>) -> Self {
        CollectorStatus::Ok {
            rows,
            source,
            partial: None,
            unreadable: BTreeMap::new(),
        }
    }

    pub fn is_ok(&self) -> bool {
        matches!(self, CollectorStatus::Ok { .. })
    }

    /// What an `ok` collector may have missed, in words: the `partial`
    /// reason, and the unreadable items out of `of` (the items it tried).
    pub fn shortfall(&self) -> Option<String> {
        let CollectorStatus::Ok {
            partial,
            unreadable,
            ..
        } = self
        else {
            return None;
        };
        let mut parts: Vec<String> = partial.iter().cloned().collect();
        if !unreadable.is_empty() {
            let items: Vec<String> = unreadable
                .iter()
                .map(|(item, why)| format!("{item} ({why})"))
                .collect();
            parts.push(format!("could not be read: {}", items.join("; ")));
        }
        (!parts.is_empty()).then(|| parts.join("; "))
    }

    pub fn label(&self) -> &'static str {
        match self {
            CollectorStatus::Ok { .. } => "ok",
            CollectorStatus::Unavailable { .. } => "unavailable",
        }
    }
}

/// What a snapshot collects, each recorded in the manifest under its
/// [`Collector::name`] with its status (ok with a row count, or unavailable
/// with the reason). A new collector is one variant here, one entry in
/// `hub::scope::NEEDS` and its tables in `store::tables`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Collector {
    Members,
    Invites,
    ResourceGroups,
    RepoAccess,
    Events,
    Tokens,
    ServiceAccounts,
}

impl Collector {
    /// Every collector, in the order they are reported.
    pub const ALL: [Collector; 7] = [
        Collector::Members,
        Collector::Invites,
        Collector::ResourceGroups,
        Collector::RepoAccess,
        Collector::Events,
        Collector::Tokens,
        Collector::ServiceAccounts,
    ];

    /// The name in manifests, findings.json and messages.
    pub const fn name(self) -> &'static str {
        match self {
            Collector::Members => "members",
            Collector::Invites => "invites",
            Collector::ResourceGroups => "resource_groups",
            Collector::RepoAccess => "repo_access",
            Collector::Events => "events",
            Collector::Tokens => "tokens",
            Collector::ServiceAccounts => "service_accounts",
        }
    }

    /// The collector of that name.
    pub fn from_name(name: &str) -> Option<Collector> {
        Collector::ALL.into_iter().find(|c| c.name() == name)
    }
}

impl std::fmt::Display for Collector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.name())
    }
}

/// Everything one run learned about one organization.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Snapshot {
    pub org: String,
    pub taken_at: DateTime<Utc>,
    pub endpoint: String,
    pub plan: Option<String>,
    pub members: Vec<Member>,
    pub invites: Vec<Invite>,
    pub groups: Vec<ResourceGroup>,
    pub group_members: Vec<GroupMember>,
    pub repo_access: Vec<RepoAccess>,
    /// Gated repositories seen, `type/namespace/name` → gating mode, including
    /// those with no accepted request.
    pub gated_repos: BTreeMap<String, String>,
    pub events: Vec<Event>,
    /// Members' access tokens (revoked ones included); meaningful only when
    /// the `tokens` collector is ok (an older snapshot has none recorded).
    pub tokens: Vec<MemberToken>,
    /// Service accounts (Enterprise); meaningful only when the
    /// `service_accounts` collector is ok.
    pub service_accounts: Vec<ServiceAccount>,
    /// Collector name → status; every [`Collector`] is present.
    pub collectors: BTreeMap<String, CollectorStatus>,
}

impl Snapshot {
    pub fn collector(&self, c: Collector) -> Option<&CollectorStatus> {
        self.collectors.get(c.name())
    }

    /// How many rows collector `c` holds here (the count its manifest
    /// entry records): groups for resource groups, grants for repo access.
    pub fn rows(&self, c: Collector) -> usize {
        match c {
            Collector::Members => self.members.len(),
            Collector::Invites => self.invites.len(),
            Collector::ResourceGroups => self.groups.len(),
            Collector::RepoAccess => self.repo_access.len(),
            Collector::Events => self.events.len(),
            Collector::Tokens => self.tokens.len(),
            Collector::ServiceAccounts => self.service_accounts.len(),
        }
    }

    /// Moves collector `c`'s rows from `part` into this snapshot.
    pub fn take_rows(&mut self, c: Collector, part: Snapshot) {
        match c {
            Collector::Members => self.members = part.members,
            Collector::Invites => self.invites = part.invites,
            Collector::ResourceGroups => {
                self.groups = part.groups;
                self.group_members = part.group_members;
            }
            Collector::RepoAccess => self.repo_access = part.repo_access,
            Collector::Events => self.events = part.events,
            Collector::Tokens => self.tokens = part.tokens,
            Collector::ServiceAccounts => self.service_accounts = part.service_accounts,
        }
    }

    /// The members' tokens, if the `tokens` collector ran: `None` for a
    /// snapshot taken without it (absent is not zero tokens).
    pub fn member_tokens(&self) -> Option<&[MemberToken]> {
        self.collector(Collector::Tokens)
            .is_some_and(CollectorStatus::is_ok)
            .then_some(self.tokens.as_slice())
    }

    /// The service accounts, if the `service_accounts` collector ran: `None`
    /// for a snapshot taken without it or on a plan without them.
    pub fn listed_service_accounts(&self) -> Option<&[ServiceAccount]> {
        self.collector(Collector::ServiceAccounts)
            .is_some_and(CollectorStatus::is_ok)
            .then_some(self.service_accounts.as_slice())
    }

    /// Whether `username` is one of the listed service accounts
    /// (case-insensitive).
    pub fn is_service_account(&self, username: &str) -> bool {
        self.service_accounts
            .iter()
            .any(|s| s.username.eq_ignore_ascii_case(username))
    }
}

/// What the roster says about a person's employment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmploymentStatus {
    Active,
    /// Leave of absence, parental leave, sabbatical…: still employed.
    Leave,
    /// Terminated, departed, inactive, offboarded, resigned, retired…
    Departed,
    /// No status column, or an empty cell.
    Unknown,
}

impl EmploymentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            EmploymentStatus::Active => "active",
            EmploymentStatus::Leave => "leave",
            EmploymentStatus::Departed => "departed",
            EmploymentStatus::Unknown => "unknown",
        }
    }
}

/// One person of the HR roster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    /// 1-based line of the roster row (for messages).
    pub line: u64,
    pub employee_id: Option<String>,
    /// Lower-cased work email.
    pub email: Option<String>,
    pub full_name: Option<String>,
    pub status: EmploymentStatus,
    /// The status cell as written, for the reports.
    pub status_text: Option<String>,
    pub termination_date: Option<chrono::NaiveDate>,
    pub hf_username: Option<String>,
    pub department: Option<String>,
    pub cost_center: Option<String>,
    pub manager_email: Option<String>,
}

impl Person {
    /// SPEC.md: departed when the status says so, or the termination date is
    /// before the report date. A future termination date is not departed.
    pub fn departed(&self, as_of: chrono::NaiveDate) -> bool {
        self.status == EmploymentStatus::Departed
            || self.termination_date.is_some_and(|d| d < as_of)
    }

    /// The person's last day, when known.
    pub fn last_day(&self) -> Option<chrono::NaiveDate> {
        self.termination_date
    }
}

/// How a Hub account was tied to a roster person (SPEC.md, in order of
/// precedence). Only `heuristic` is a guess.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchMethod {
    Roster,
    Mapping,
    Scim,
    HubEmail,
    Heuristic,
    Unmatched,
}

impl MatchMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            MatchMethod::Roster => "roster",
            MatchMethod::Mapping => "mapping",
            MatchMethod::Scim => "scim",
            MatchMethod::HubEmail => "hub_email",
            MatchMethod::Heuristic => "heuristic",
            MatchMethod::Unmatched => "unmatched",
        }
    }

    /// A heuristic match is never enough to clear a person.
    pub fn is_probable(self) -> bool {
        self == MatchMethod::Heuristic
    }
}

impl fmt::Display for MatchMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod collector_tests {
    use super::Collector;

    #[test]
    fn names_round_trip_and_pad() {
        for c in Collector::ALL {
            assert_eq!(Collector::from_name(c.name()), Some(c));
        }
        assert_eq!(Collector::from_name("overview"), None);
        assert_eq!(format!("{:<8}|", Collector::Tokens), "tokens  |");
        assert_eq!(Collector::ResourceGroups.to_string(), "resource_groups");
    }
}
