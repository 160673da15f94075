//! The Hub's JSON shapes, exactly as HUB_API.md spells them.
//!
//! Every field the Hub may leave out is `Option` or `#[serde(default)]`, and
//! unknown fields are ignored, so a newer Hub that adds fields keeps working.
//! Conversion into domain types lives in `collect`.

use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Clone, Deserialize)]
pub struct WhoAmI {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub fullname: Option<String>,
    #[serde(default)]
    pub orgs: Vec<WhoAmIOrg>,
    #[serde(default)]
    pub auth: Option<Auth>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct WhoAmIOrg {
    /// The org's `_id`: what a fine-grained scope names it by.
    #[serde(default)]
    pub id: Option<String>,
    pub name: String,
    #[serde(default)]
    pub fullname: Option<String>,
    #[serde(default)]
    pub plan: Option<String>,
    #[serde(default, rename = "roleInOrg")]
    pub role_in_org: Option<String>,
    #[serde(default, rename = "securityRestrictions")]
    pub security_restrictions: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Auth {
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default, rename = "accessToken")]
    pub access_token: Option<AccessToken>,
}

/// What whoami says about the token itself. Deliberately has no field for
/// the token's value.
#[derive(Debug, Clone, Deserialize)]
pub struct AccessToken {
    #[serde(default, rename = "displayName")]
    pub display_name: Option<String>,
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default, rename = "fineGrained")]
    pub fine_grained: Option<FineGrained>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct FineGrained {
    #[serde(default)]
    pub scoped: Vec<Scoped>,
    #[serde(default)]
    pub global: Vec<String>,
    #[serde(default, rename = "canReadGatedRepos")]
    pub can_read_gated_repos: Option<bool>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Scoped {
    pub entity: Entity,
    #[serde(default)]
    pub permissions: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Entity {
    /// Always sent; the scope is matched to an org by it.
    #[serde(default, rename = "_id")]
    pub id: Option<String>,
    #[serde(default, rename = "type")]
    pub kind: String,
    /// Optional in the Hub's schema: often absent.
    #[serde(default)]
    pub name: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Overview {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub fullname: Option<String>,
    #[serde(default, rename = "numUsers")]
    pub num_users: Option<u64>,
    #[serde(default)]
    pub plan: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct OrgMember {
    #[serde(default, rename = "_id")]
    pub id: Option<String>,
    pub user: String,
    #[serde(default)]
    pub fullname: Option<String>,
    #[serde(default, rename = "isPro")]
    pub is_pro: Option<bool>,
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default, rename = "resourceGroups")]
    pub resource_groups: Option<Vec<MemberGroup>>,
    #[serde(default, rename = "twoFaEnabled")]
    pub two_fa_enabled: Option<bool>,
    #[serde(default, rename = "verifiedEmail")]
    pub verified_email: Option<String>,
    #[serde(default, rename = "isExternalCollaborator")]
    pub is_external_collaborator: Option<bool>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct MemberGroup {
    pub name: String,
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub role: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Group {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default, rename = "autoJoin")]
    pub auto_join: Option<AutoJoin>,
    #[serde(default)]
    pub users: Vec<GroupUser>,
    /// Every resource (newer servers).
    #[serde(default)]
    pub resources: Option<Vec<GroupResource>>,
    /// The repos only (older servers send nothing else).
    #[serde(default)]
    pub repos: Option<Vec<GroupResource>>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AutoJoin {
    #[serde(default)]
    pub enabled: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct GroupUser {
    /// The username: groups call it `name`, not `user`.
    pub name: String,
    #[serde(default)]
    pub fullname: Option<String>,
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default, rename = "addedBy")]
    pub added_by: Option<String>,
}

/// One resource of a group. The Hub's union: repos (`model`, `dataset`,
/// `space`, `bucket`, `kernel`) by `name`; `collection` and `blog` by `id`,
/// `slug`, `title`; `job` and `scheduled-job` by `id` and an optional
/// `name`. Every field is optional here, so that a kind this version does
/// not know is kept (as `other`), never a decode failure.
#[derive(Debug, Clone, Deserialize)]
pub struct GroupResource {
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub slug: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RepoListing {
    pub id: String,
    #[serde(default)]
    pub private: Option<bool>,
    /// `false`, `"auto"` or `"manual"`.
    #[serde(default)]
    pub gated: Value,
}

impl RepoListing {
    /// The gating mode, or `None` when the repo is not gated.
    pub fn gated_mode(&self) -> Option<String> {
        match &self.gated {
            Value::String(s) if !s.is_empty() => Some(s.clone()),
            Value::Bool(true) => Some("auto".into()),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct AccessRequest {
    #[serde(default, rename = "requestId")]
    pub request_id: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub timestamp: Option<String>,
    #[serde(default, rename = "reviewedAt")]
    pub reviewed_at: Option<String>,
    #[serde(default)]
    pub user: Option<AccessUser>,
    #[serde(default, rename = "grantedBy")]
    pub granted_by: Option<GrantedBy>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AccessUser {
    pub user: String,
    #[serde(default)]
    pub fullname: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct GrantedBy {
    #[serde(default)]
    pub user: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AuditEvent {
    #[serde(rename = "_id")]
    pub id: String,
    #[serde(rename = "createdAt")]
    pub created_at: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub author: Option<EventAuthor>,
    /// Free-form: kept as the Hub sent it, never parsed here.
    #[serde(default)]
    pub data: Option<Box<serde_json::value::RawValue>>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct EventAuthor {
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PendingMember {
    pub user: String,
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ScimList {
    #[serde(default, rename = "totalResults")]
    pub total_results: u64,
    #[serde(default, rename = "Resources")]
    pub resources: Vec<ScimUser>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ScimUser {
    pub id: String,
    #[serde(rename = "userName")]
    pub user_name: String,
    #[serde(default, rename = "displayName")]
    pub display_name: Option<String>,
    #[serde(default)]
    pub emails: Vec<ScimEmail>,
    #[serde(default)]
    pub active: Option<bool>,
    #[serde(default)]
    pub meta: Option<ScimMeta>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ScimEmail {
    pub value: String,
    #[serde(default)]
    pub primary: Option<bool>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ScimMeta {
    #[serde(default)]
    pub created: Option<String>,
}

/// The error body the Hub sends next to (or instead of) `X-Error-Message`.
#[derive(Debug, Clone, Deserialize)]
pub struct ErrorBody {
    pub error: String,
}

/// One item of `GET /api/organizations/{org}/settings/tokens`, modelled on
/// the Hub's OpenAPI description: its required fields are required here,
/// its optional ones `Option`. There is no field for a token value: the Hub
/// returns none.
#[derive(Debug, Clone, Deserialize)]
pub struct OrgToken {
    #[serde(rename = "_id")]
    pub id: String,
    #[serde(rename = "displayName")]
    pub display_name: String,
    /// `read`, `write` or `fineGrained` (kept verbatim if the Hub adds one).
    pub role: String,
    #[serde(default)]
    pub last4: Option<String>,
    #[serde(rename = "createdAt")]
    pub created_at: String,
    #[serde(default, rename = "lastUsedAt")]
    pub last_used_at: Option<String>,
    pub owner: TokenOwner,
    #[serde(default)]
    pub authorization: Option<TokenAuthorization>,
    #[serde(default, rename = "fineGrained")]
    pub fine_grained: Option<TokenFineGrained>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TokenOwner {
    #[serde(rename = "_id")]
    pub id: String,
    pub name: String,
    pub fullname: String,
    #[serde(rename = "avatarUrl")]
    pub avatar_url: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TokenAuthorization {
    /// `pending`, `approved`, `revoked` or `denied`.
    pub status: String,
    #[serde(rename = "requestedAt")]
    pub requested_at: String,
    #[serde(default, rename = "authorizedAt")]
    pub authorized_at: Option<String>,
    #[serde(default)]
    pub authorizer: Option<TokenAuthorizer>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TokenAuthorizer {
    pub name: String,
    pub fullname: String,
    #[serde(rename = "avatarUrl")]
    pub avatar_url: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TokenFineGrained {
    pub scoped: Vec<TokenScope>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TokenScope {
    pub entity: TokenEntity,
    pub permissions: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TokenEntity {
    #[serde(rename = "_id")]
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
}

/// One item of `GET /api/organizations/{org}/service-accounts` (Enterprise),
/// modelled on the Hub's OpenAPI description: every field but
/// `description` is required there, so it is here.
#[derive(Debug, Clone, Deserialize)]
pub struct ServiceAccount {
    #[serde(rename = "_id")]
    pub id: String,
    /// The account's username: the name its tokens and group entries carry.
    pub user: String,
    /// Its display name.
    pub name: String,
    pub email: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(rename = "createdAt")]
    pub created_at: String,
}
