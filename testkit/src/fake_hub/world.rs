//! The state a fake Hub serves: tokens, organizations and what is in them.
//!
//! Tests build a `World` by hand or with `support::generate`, hand it to
//! `FakeHub::start`, and change it between snapshots with `FakeHub::with_world`.
//! Field names follow the Hub's vocabulary; the JSON shapes live in `views.rs`.

use std::collections::BTreeMap;
use std::time::Duration;

/// Everything the fake Hub knows, plus how it pages and how fast it answers.
#[derive(Clone, Debug)]
pub struct World {
    /// Bearer token -> who it is.
    pub tokens: BTreeMap<String, TokenInfo>,
    pub orgs: BTreeMap<String, Org>,
    /// Most items per page whatever `limit` asks (default 1000, below the
    /// members maximum of 10,000 so a client asking for 10,000 still pages).
    pub page_cap: usize,
    /// A legacy deployment: no `Link`, `offset`+`limit` paging, pages of at most 100.
    pub offset_paging: bool,
    /// A deployment that sends whole lists: no `Link`, `offset` (and the
    /// page size) ignored, every request answered with every row.
    pub ignore_offset: bool,
    /// Send `name` in whoami's fine-grained scope entities (the Hub's
    /// schema makes it optional: by default only `_id` and `type`).
    pub scoped_entity_names: bool,
    /// Added to every response.
    pub latency: Duration,
    /// `RateLimit-Policy` quota `q` per 300 s window.
    pub quota: u32,
    /// Test-only drift: every object key `from` in a served body is sent
    /// as `to` (e.g. a member's `user` as `usr`), to show that the contract
    /// test catches a fake that no longer matches the Hub.
    pub renamed_keys: Vec<(String, String)>,
    /// Judge every served body against the Hub's description (default).
    /// Off only in benchmarks, which time the client, not the validator.
    pub judge_bodies: bool,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct TokenInfo {
    pub user: String,
    pub fullname: String,
    /// `read`, `write` or `fineGrained`.
    pub role: String,
    /// Fine-grained scopes (only meaningful when `role == "fineGrained"`).
    pub scoped: Vec<Scoped>,
    /// Orgs the user belongs to.
    pub orgs: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Scoped {
    /// `org` or `user`.
    pub entity_type: String,
    pub entity_name: String,
    /// e.g. `org.read`, `org.write`, `repo.write`.
    pub permissions: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Org {
    pub name: String,
    pub fullname: String,
    /// `team`, `enterprise`, ... or `None` for a free org.
    pub plan: Option<String>,
    pub members: Vec<OrgMember>,
    /// `None`: 402, the org has no paid plan.
    pub resource_groups: Option<Vec<Group>>,
    /// `None`: 404, the deployment has no such endpoint (the normal case).
    pub pending_members: Option<Vec<Pending>>,
    /// `None`: 404 on both SCIM paths.
    pub scim_users: Option<Vec<ScimUser>>,
    /// The org's SCIM token: the only bearer SCIM accepts (401 otherwise).
    pub scim_token: Option<String>,
    /// Managed SSO: SCIM is served on `scim/v2` (404 on
    /// `scim-provisioning/v2`); else Basic SSO, the other way round.
    pub scim_managed: bool,
    /// `None`: 402.
    pub audit_log: Option<Vec<AuditEvent>>,
    pub models: Vec<Repo>,
    pub datasets: Vec<Repo>,
    /// Members' access tokens (`settings/tokens`). `None`: 402, the plan
    /// has no token management.
    pub tokens: Option<Vec<MemberToken>>,
    /// Service accounts (`service-accounts`, Enterprise). `None`: 402.
    pub service_accounts: Option<Vec<ServiceAccount>>,
}

/// A service account as `service-accounts` lists it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ServiceAccount {
    /// 24 hex.
    pub id: String,
    /// Its username (the owner name of its tokens).
    pub user: String,
    pub name: String,
    pub email: String,
    /// `None`: not sent.
    pub description: Option<String>,
    /// RFC 3339 with `Z`.
    pub created_at: String,
}

impl ServiceAccount {
    /// `user`, created 2026-01-05, without a description.
    pub fn new(user: &str) -> ServiceAccount {
        ServiceAccount {
            id: fake_id(&format!("service-account:{user}")),
            user: user.into(),
            name: format!("Service account {user}"),
            email: format!("{user}@service-accounts.example"),
            description: None,
            created_at: "2026-01-05T09:30:00.000Z".into(),
        }
    }
}

/// One member's access token as `settings/tokens` lists it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MemberToken {
    /// 24 hex.
    pub id: String,
    /// The owner's username (a member of the org).
    pub owner: String,
    pub display_name: String,
    /// `read`, `write` or `fineGrained` (anything else is served as is).
    pub role: String,
    /// `None`: not sent (an old token).
    pub last4: Option<String>,
    /// RFC 3339 with `Z`.
    pub created_at: String,
    /// `None`: never used (not sent).
    pub last_used_at: Option<String>,
    /// `None`: not sent (the org does not require approval, never revoked).
    pub authorization: Option<TokenApproval>,
    /// Fine-grained scopes: (entity type, entity `_id`, permissions).
    pub scoped: Vec<(String, String, Vec<String>)>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct TokenApproval {
    /// `pending`, `approved`, `revoked` or `denied`.
    pub status: String,
    pub requested_at: String,
    pub authorized_at: Option<String>,
    /// Username of the approver; only sent with `authorized_at`.
    pub authorizer: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct OrgMember {
    pub id: String,
    pub user: String,
    pub fullname: String,
    pub role: Option<String>,
    pub two_fa: Option<bool>,
    pub verified_email: Option<String>,
    pub external: Option<bool>,
    pub is_pro: bool,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Group {
    pub id: String,
    pub name: String,
    pub description: String,
    pub auto_join: bool,
    pub users: Vec<GroupUser>,
    /// Its resources (`resources`; the repos among them also as `repos`).
    pub repos: Vec<GroupRepo>,
    /// An older deployment: only the `repos` field, no `resources`.
    pub legacy_repos_field: bool,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct GroupUser {
    pub id: String,
    pub name: String,
    pub fullname: String,
    pub role: String,
    pub added_by: String,
}

/// One resource of a group: a repo, or a collection, blog post, job or
/// scheduled job (which have no `name`), shaped by `kind` in `views.rs`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GroupRepo {
    /// `model`, `dataset`, `space`, `bucket`, `kernel` (repos, by `name`);
    /// `collection`, `blog` (by `id`, `slug`, `title`); `job`,
    /// `scheduled-job` (by `id`, `name` if any). Any other kind is served
    /// as `{type, id}`: a kind the description does not know yet.
    pub kind: String,
    /// `acme/x` for a repo; a job's optional name (empty: not sent).
    pub name: String,
    /// 24 hex for a collection or blog post; a job's id.
    pub id: String,
    pub slug: String,
    pub title: String,
    pub private: bool,
    /// Empty: not sent.
    pub added_by: String,
}

impl GroupRepo {
    /// A repo (`model`, `dataset`, `space`, `bucket`, `kernel`).
    pub fn repo(kind: &str, name: &str, private: bool, added_by: &str) -> GroupRepo {
        GroupRepo {
            kind: kind.into(),
            name: name.into(),
            private,
            added_by: added_by.into(),
            ..GroupRepo::default()
        }
    }

    /// A collection or a blog post (`kind`), its id derived from the slug.
    pub fn titled(kind: &str, slug: &str, title: &str, private: bool) -> GroupRepo {
        GroupRepo {
            kind: kind.into(),
            id: fake_id(&format!("{kind}:{slug}")),
            slug: slug.into(),
            title: title.into(),
            private,
            ..GroupRepo::default()
        }
    }

    /// A `job` or `scheduled-job`; `name` empty for none.
    pub fn job(kind: &str, id: &str, name: &str) -> GroupRepo {
        GroupRepo {
            kind: kind.into(),
            id: id.into(),
            name: name.into(),
            ..GroupRepo::default()
        }
    }

    /// Repos are what the older `repos` field lists.
    pub fn is_repo(&self) -> bool {
        matches!(
            self.kind.as_str(),
            "model" | "dataset" | "space" | "bucket" | "kernel"
        )
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Pending {
    pub user: String,
    pub role: String,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ScimUser {
    pub id: String,
    pub user_name: String,
    pub display_name: String,
    pub email: String,
    pub active: bool,
    /// `false`: a pending invitation (not served; it documents the test's intent).
    pub member: bool,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct AuditEvent {
    pub id: String,
    /// RFC 3339 with milliseconds and `Z`.
    pub created_at: String,
    /// `org.add_user`, `org.sso_login`, ...
    pub kind: String,
    pub message: String,
    /// Username of the author.
    pub author: String,
    /// `Null` is not sent.
    pub data: serde_json::Value,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Repo {
    /// `acme/x`.
    pub id: String,
    pub private: bool,
    /// `None`: not gated; `Some("auto")` or `Some("manual")`.
    pub gated: Option<String>,
    /// Accepted requests (and reset ones, by their `reset_reason`).
    pub accepted: Vec<AccessGrant>,
    /// Requests awaiting review (`user-access-request/pending`).
    pub pending: Vec<AccessGrant>,
    /// Rejected requests (`user-access-request/rejected`).
    pub rejected: Vec<AccessGrant>,
    /// The `rejectionReason` a handled request was given, by username:
    /// kept for tests, not served (the listing's schema has no field for it).
    pub rejection_reasons: BTreeMap<String, String>,
    /// The access-request lists of this repo answer this status instead
    /// (403: a repo the token may not see; 404: gone since the listing).
    pub access_status: Option<u16>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct AccessGrant {
    /// `None`: the repo hides requester identities.
    pub user: Option<AccessUser>,
    pub timestamp: String,
    pub reviewed_at: String,
    /// Username of who granted it; empty: auto-approved (`grantedBy: {}`).
    pub granted_by: String,
    /// `Some`: the access was reset (status `reset`, with this `resetReason`).
    pub reset_reason: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct AccessUser {
    pub id: String,
    pub user: String,
    pub fullname: String,
    pub email: Option<String>,
}

impl Default for World {
    fn default() -> World {
        World::new()
    }
}

impl World {
    /// No orgs, no tokens; pages capped at 1000, cursor paging, no latency, quota 3000.
    pub fn new() -> World {
        World {
            tokens: BTreeMap::new(),
            orgs: BTreeMap::new(),
            page_cap: 1000,
            offset_paging: false,
            ignore_offset: false,
            scoped_entity_names: false,
            latency: Duration::ZERO,
            quota: 3000,
            renamed_keys: Vec::new(),
            judge_bodies: true,
        }
    }

    /// One org and one `write` token for an admin of it: the org's first admin,
    /// or an `auditor` admin added at the front when the org has none.
    pub fn single(mut org: Org, token: &str) -> World {
        let admin = org
            .members
            .iter()
            .find(|m| m.role.as_deref() == Some("admin"));
        let admin = match admin {
            Some(member) => member.clone(),
            None => {
                let auditor = OrgMember::new("auditor", "admin");
                org.members.insert(0, auditor.clone());
                auditor
            }
        };
        let mut world = World::new();
        let info = TokenInfo {
            user: admin.user,
            fullname: admin.fullname,
            role: "write".into(),
            scoped: Vec::new(),
            orgs: vec![org.name.clone()],
        };
        world.tokens.insert(token.into(), info);
        world.add_org(org);
        world
    }

    pub fn add_org(&mut self, org: Org) {
        self.orgs.insert(org.name.clone(), org);
    }

    pub fn add_token(&mut self, token: &str, info: TokenInfo) {
        self.tokens.insert(token.into(), info);
    }

    /// The org named `name`; panics when there is none (a test bug).
    pub fn org_mut(&mut self, name: &str) -> &mut Org {
        self.orgs
            .get_mut(name)
            .unwrap_or_else(|| panic!("fake hub has no org {name:?}"))
    }
}

impl TokenInfo {
    pub fn new(user: &str, role: &str, orgs: &[&str]) -> TokenInfo {
        TokenInfo {
            user: user.into(),
            fullname: title_case(user),
            role: role.into(),
            scoped: Vec::new(),
            orgs: orgs.iter().map(|o| o.to_string()).collect(),
        }
    }
}

impl Org {
    /// A Team-plan org with no one in it: resource groups, the audit log
    /// and the token listing exist (empty), pending-members, SCIM and
    /// service accounts (Enterprise) are absent.
    pub fn new(name: &str) -> Org {
        Org {
            name: name.into(),
            fullname: title_case(name),
            plan: Some("team".into()),
            resource_groups: Some(Vec::new()),
            audit_log: Some(Vec::new()),
            tokens: Some(Vec::new()),
            ..Org::default()
        }
    }

    pub fn member(&self, user: &str) -> Option<&OrgMember> {
        self.members.iter().find(|m| m.user == user)
    }

    pub fn role_of(&self, user: &str) -> Option<&str> {
        self.member(user).and_then(|m| m.role.as_deref())
    }
}

impl OrgMember {
    /// A member with 2FA on, no verified email, not external.
    pub fn new(user: &str, role: &str) -> OrgMember {
        OrgMember {
            id: fake_id(user),
            user: user.into(),
            fullname: title_case(user),
            role: Some(role.into()),
            two_fa: Some(true),
            verified_email: None,
            external: Some(false),
            is_pro: false,
        }
    }
}

impl MemberToken {
    /// An unrevoked token of `owner` without approval data, created
    /// 2026-01-05 and never used; its id and last four derive from `name`.
    pub fn new(owner: &str, name: &str, role: &str) -> MemberToken {
        let id = fake_id(&format!("token:{owner}:{name}"));
        MemberToken {
            last4: Some(id[20..].to_string()),
            id,
            owner: owner.into(),
            display_name: name.into(),
            role: role.into(),
            created_at: "2026-01-05T09:30:00.000Z".into(),
            ..MemberToken::default()
        }
    }

    pub fn used(mut self, at: &str) -> MemberToken {
        self.last_used_at = Some(at.into());
        self
    }

    /// With an `authorization` of `status`, requested at creation.
    pub fn status(mut self, status: &str) -> MemberToken {
        self.authorization = Some(TokenApproval {
            status: status.into(),
            requested_at: self.created_at.clone(),
            authorized_at: None,
            authorizer: None,
        });
        self
    }

    /// The owner's `status:` value for `q` (`None` without authorization).
    pub fn status_value(&self) -> Option<&str> {
        self.authorization.as_ref().map(|a| a.status.as_str())
    }
}

impl Repo {
    pub fn new(id: &str, private: bool, gated: Option<&str>) -> Repo {
        Repo {
            id: id.into(),
            private,
            gated: gated.map(str::to_string),
            accepted: Vec::new(),
            pending: Vec::new(),
            rejected: Vec::new(),
            rejection_reasons: BTreeMap::new(),
            access_status: None,
        }
    }
}

/// A stable 24-hex `_id` derived from any text (two FNV-1a passes).
pub fn fake_id(seed: &str) -> String {
    let fnv = |salt: u64| {
        seed.bytes().fold(0xcbf2_9ce4_8422_2325 ^ salt, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        })
    };
    let (a, b) = (fnv(0), fnv(0x9e37_79b9_7f4a_7c15));
    format!("{:016x}{:08x}", a, b >> 32)
}

/// `maria-lopez42` -> `Maria Lopez42`: a plausible full name for hand-built members.
fn title_case(name: &str) -> String {
    name.split(['-', '_', '.'])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            let first = chars.next().map(|c| c.to_ascii_uppercase());
            first.into_iter().chain(chars).collect::<String>()
        })
        .collect::<Vec<_>>()
        .join(" ")
}
