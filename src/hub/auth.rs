//! Finding the token the way the official Hugging Face clients do, and the
//! once-per-run pre-flight that says what to fix before any data is fetched.
//!
//! The token lives only inside [`Token`]: it has no `Display`, its `Debug` is
//! redacted, and it is only ever read by the client when it builds the
//! `Authorization` header (marked sensitive there).

use std::fmt;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::hub::scope::{self, Standing, Verdict};
use crate::hub::wire::{Entity, WhoAmI, WhoAmIOrg};
use crate::input_file::warn_if_readable;
use crate::model::Collector;

/// A Hub access token. Never printed, logged or stored.
#[derive(Clone)]
pub struct Token(String);

impl Token {
    pub fn new(value: impl Into<String>) -> Option<Token> {
        let value = value.into().trim().to_string();
        (!value.is_empty()).then_some(Token(value))
    }

    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

/// Where the token came from, for messages ("the token from HF_TOKEN …").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenOrigin {
    Flag(PathBuf),
    EnvVar,
    TokenPath(PathBuf),
    HfHome(PathBuf),
}

impl fmt::Display for TokenOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenOrigin::Flag(p) => write!(f, "--token-file {}", p.display()),
            TokenOrigin::EnvVar => f.write_str("HF_TOKEN"),
            TokenOrigin::TokenPath(p) => write!(f, "HF_TOKEN_PATH ({})", p.display()),
            TokenOrigin::HfHome(p) => write!(f, "{}", p.display()),
        }
    }
}

/// The environment variables the token search reads, so tests need not touch
/// the process environment (filled by `config::Env::from_process`). `Debug`
/// hides the tokens.
#[derive(Clone, Default)]
pub struct TokenEnv {
    pub hf_token: Option<String>,
    /// `HF_SCIM_TOKEN`: the org's SCIM token, a different secret.
    pub hf_scim_token: Option<String>,
    pub hf_token_path: Option<PathBuf>,
    pub hf_home: Option<PathBuf>,
    pub home: Option<PathBuf>,
}

impl fmt::Debug for TokenEnv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hidden = |v: &Option<String>| v.as_ref().map(|_| "<redacted>");
        f.debug_struct("TokenEnv")
            .field("hf_token", &hidden(&self.hf_token))
            .field("hf_scim_token", &hidden(&self.hf_scim_token))
            .field("hf_token_path", &self.hf_token_path)
            .field("hf_home", &self.hf_home)
            .field("home", &self.home)
            .finish()
    }
}

/// `--token-file`, else `HF_TOKEN`, else `$HF_TOKEN_PATH`, else
/// `$HF_HOME/token` (default `~/.cache/huggingface/token`).
pub fn find_token(flag: Option<&Path>, env: &TokenEnv) -> Result<(Token, TokenOrigin)> {
    if let Some(path) = flag {
        return read_token_file(path).map(|t| (t, TokenOrigin::Flag(path.to_path_buf())));
    }
    if let Some(token) = env.hf_token.as_deref().and_then(Token::new) {
        return Ok((token, TokenOrigin::EnvVar));
    }
    if let Some(path) = &env.hf_token_path {
        return read_token_file(path).map(|t| (t, TokenOrigin::TokenPath(path.clone())));
    }
    let home = env.hf_home.clone().or_else(|| {
        env.home
            .as_ref()
            .map(|h| h.join(".cache").join("huggingface"))
    });
    if let Some(path) = home.map(|h| h.join("token"))
        && path.exists()
    {
        return read_token_file(&path).map(|t| (t, TokenOrigin::HfHome(path)));
    }
    Err(Error::Auth {
        message: "no Hugging Face token found".into(),
        hint: "pass --token-file FILE, set HF_TOKEN or HF_TOKEN_PATH, or run `hf auth login`; \
               the token needs read access to the org (org.read for fine-grained tokens)"
            .into(),
    })
}

/// The org's SCIM token (it is not a user token, and only SCIM accepts
/// it): `--scim-token-file`, else `HF_SCIM_TOKEN`, else none. A file that
/// group or others can read is used, with a warning.
pub fn find_scim_token(flag: Option<&Path>, env: &TokenEnv) -> Result<Option<Token>> {
    if let Some(path) = flag {
        warn_if_readable(path, "the SCIM token", "HF_SCIM_TOKEN");
        return read_token_file(path).map(Some);
    }
    Ok(env.hf_scim_token.as_deref().and_then(Token::new))
}

fn read_token_file(path: &Path) -> Result<Token> {
    let text =
        crate::input_file::read_to_string(path, crate::input_file::TOKEN_MAX_BYTES, "token file")?;
    warn_if_readable(path, "a Hugging Face token", "HF_TOKEN");
    Token::new(text).ok_or_else(|| Error::Auth {
        message: format!("{}: the token file is empty", path.display()),
        hint: "write the token (hf_…) into the file, or use HF_TOKEN".into(),
    })
}

/// What the pre-flight learned about the caller's standing in one org.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgAccess {
    pub org: String,
    /// The org's `_id`, when whoami gave it.
    pub org_id: Option<String>,
    pub plan: Option<String>,
    pub role_in_org: Option<String>,
    pub token_role: Option<String>,
    /// A fine-grained token's permissions on the org (every scope that
    /// names it); `None` for a token that is not fine-grained.
    pub permissions: Option<Vec<String>>,
    /// A fine-grained token's scopes on other entities: (type, permissions).
    pub entity_scopes: Vec<(String, Vec<String>)>,
}

impl OrgAccess {
    /// Accepted access requests need write or admin on the org.
    pub fn can_read_access_requests(&self) -> bool {
        let token_ok = !matches!(self.token_role.as_deref(), Some("read"));
        let role_ok = matches!(self.role_in_org.as_deref(), Some("admin" | "write") | None);
        token_ok && role_ok
    }

    fn standing(&self) -> Standing<'_> {
        Standing {
            org: &self.org,
            plan: self.plan.as_deref(),
            role_in_org: self.role_in_org.as_deref(),
            token_role: self.token_role.as_deref(),
            permissions: self.permissions.as_deref(),
            entity_scopes: &self.entity_scopes,
        }
    }

    /// What the token lacks for `hfaudit apply`'s calls of `kind` (see
    /// [`scope::WRITES`]), if anything.
    pub fn write_missing(&self, kind: &str) -> Option<String> {
        scope::WriteNeed::of(kind).and_then(|n| n.missing(&self.standing()))
    }

    /// Whether the token has what `collector` needs (see [`scope::NEEDS`]);
    /// `Yes` for a name that is not a collector.
    pub fn check(&self, collector: Collector) -> Verdict {
        scope::need(collector).map_or(Verdict::Yes, |n| n.check(&self.standing()))
    }

    /// Why what `collector` read may be less than the org holds, given that
    /// the Hub answered (so the plan has the feature): the role or the
    /// scopes of the token. `None` when the token reads all of it.
    pub fn read_limit(&self, collector: Collector) -> Option<String> {
        let need = scope::need(collector)?;
        let standing = Standing {
            plan: Some(self.plan.as_deref().unwrap_or("answered")),
            ..self.standing()
        };
        need.check(&standing).reason().map(str::to_string)
    }
}

/// Whether a fine-grained scope's entity is `org`: by `_id` when both sides
/// have one (the entity's `name` is optional), else by name.
fn names_org(entity: &Entity, org: &WhoAmIOrg) -> bool {
    if entity.kind != "org" {
        return false;
    }
    match (&entity.id, &org.id) {
        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
        _ => entity
            .name
            .as_deref()
            .is_some_and(|n| n.eq_ignore_ascii_case(&org.name)),
    }
}

/// Checks, from `whoami-v2`, that the token can read `org`'s members (what
/// every snapshot needs); the error says what to fix. What the token lacks
/// for the optional collectors is in [`OrgAccess::check`].
pub fn check_org_access(whoami: &WhoAmI, org: &str) -> Result<OrgAccess> {
    let token = whoami.auth.as_ref().and_then(|a| a.access_token.as_ref());
    let token_role = token.and_then(|t| t.role.clone());
    let Some(entry) = whoami
        .orgs
        .iter()
        .find(|o| o.name.eq_ignore_ascii_case(org))
    else {
        return Err(Error::Auth {
            message: format!(
                "{org}: the token belongs to user '{}', who is not a member of the org",
                whoami.name
            ),
            hint: format!(
                "use a token of an admin of '{org}', or check the org name (the user belongs to: {})",
                list_or_none(whoami.orgs.iter().map(|o| o.name.as_str()))
            ),
        });
    };
    let mut permissions = None;
    let mut entity_scopes = Vec::new();
    if token_role.as_deref() == Some("fineGrained") {
        let scoped = token
            .and_then(|t| t.fine_grained.as_ref())
            .map(|fg| fg.scoped.as_slice())
            .unwrap_or_default();
        let mut on_org: Vec<String> = Vec::new();
        for s in scoped {
            if names_org(&s.entity, entry) {
                for p in &s.permissions {
                    if !on_org.contains(p) {
                        on_org.push(p.clone());
                    }
                }
            } else {
                entity_scopes.push((s.entity.kind.clone(), s.permissions.clone()));
            }
        }
        let members = scope::need(Collector::Members).expect("members is a collector");
        if !scope::holds_any(&on_org, members.permissions) {
            let has = if on_org.is_empty() {
                "no permission on the org".to_string()
            } else {
                format!("only {} on the org", on_org.join(", "))
            };
            return Err(Error::Auth {
                message: format!(
                    "{org}: the fine-grained token cannot read the org's members: it needs \
                     org.members.read or org.read (or their write forms) and has {has}"
                ),
                hint: format!(
                    "edit the token at https://huggingface.co/settings/tokens: add '{org}' under \
                     \"Org permissions\" with \"Read access to organizations settings/members\" \
                     (org.read), or at least org.members.read; `hfaudit doctor` lists what each \
                     collector needs"
                ),
            });
        }
        permissions = Some(on_org);
    }
    Ok(OrgAccess {
        org: entry.name.clone(),
        org_id: entry.id.clone(),
        plan: entry.plan.clone(),
        role_in_org: entry.role_in_org.clone(),
        token_role,
        permissions,
        entity_scopes,
    })
}

fn list_or_none<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let v: Vec<&str> = names.collect();
    if v.is_empty() {
        "no org".into()
    } else {
        v.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn whoami(json: &str) -> WhoAmI {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn token_debug_is_redacted() {
        let t = Token::new("hf_secret").unwrap();
        assert_eq!(format!("{t:?}"), "Token(<redacted>)");
        assert!(Token::new("  \n").is_none());
    }

    #[test]
    fn scim_token_from_the_flag_then_the_env_else_none() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("scim");
        std::fs::write(&file, "scim_file\n").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        let mut env = TokenEnv {
            hf_token: Some("hf_user".into()),
            hf_scim_token: Some("scim_env".into()),
            ..TokenEnv::default()
        };
        let got = |flag: Option<&Path>, env: &TokenEnv| {
            find_scim_token(flag, env)
                .unwrap()
                .map(|t| t.expose().to_string())
        };
        assert_eq!(got(Some(&file), &env).as_deref(), Some("scim_file"));
        assert_eq!(got(None, &env).as_deref(), Some("scim_env"));
        assert_eq!(crate::input_file::readable_by_others(&file), None);
        // Never the user token: without a SCIM token there is none.
        env.hf_scim_token = Some("  ".into());
        assert_eq!(got(None, &env), None);
        env.hf_scim_token = None;
        assert_eq!(got(None, &env), None);
        // A readable file still works (with a warning); an empty one does not.
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(crate::input_file::readable_by_others(&file), Some(0o644));
        assert_eq!(got(Some(&file), &env).as_deref(), Some("scim_file"));
        std::fs::write(&file, "\n").unwrap();
        assert!(matches!(
            find_scim_token(Some(&file), &env),
            Err(Error::Auth { .. })
        ));
        let missing = dir.path().join("missing");
        let err = find_scim_token(Some(&missing), &env).unwrap_err();
        assert!(err.to_string().contains("missing"), "{err}");
    }

    #[test]
    fn token_search_order() {
        let dir = std::env::temp_dir().join(format!("hfaudit-token-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("hfhome")).unwrap();
        std::fs::write(dir.join("flag"), "hf_flag\n").unwrap();
        std::fs::write(dir.join("path"), "hf_path").unwrap();
        std::fs::write(dir.join("hfhome/token"), "hf_home").unwrap();
        let mut env = TokenEnv {
            hf_token: Some("hf_env".into()),
            hf_scim_token: Some("scim_env".into()),
            hf_token_path: Some(dir.join("path")),
            hf_home: Some(dir.join("hfhome")),
            home: None,
        };
        let flag = dir.join("flag");
        assert_eq!(find_token(Some(&flag), &env).unwrap().0.expose(), "hf_flag");
        assert_eq!(find_token(None, &env).unwrap().0.expose(), "hf_env");
        env.hf_token = None;
        assert_eq!(find_token(None, &env).unwrap().0.expose(), "hf_path");
        env.hf_token_path = None;
        let (t, origin) = find_token(None, &env).unwrap();
        assert_eq!(t.expose(), "hf_home");
        assert_eq!(origin, TokenOrigin::HfHome(dir.join("hfhome/token")));
        env.hf_home = Some(dir.join("nowhere"));
        assert!(matches!(find_token(None, &env), Err(Error::Auth { .. })));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn org_not_among_orgs_is_refused() {
        let w = whoami(r#"{"name":"bob","orgs":[{"name":"other"}]}"#);
        let err = check_org_access(&w, "acme").unwrap_err();
        assert!(err.to_string().contains("not a member"), "{err}");
        assert_eq!(err.exit_code(), 3);
    }

    const ACME_ID: &str = "6500aaaaaaaaaaaaaaaaaaaa";

    /// A fine-grained token of an admin of acme (id ACME_ID) with `scoped`.
    fn fine_grained(scoped: &str) -> WhoAmI {
        let base = r#"{"name":"bob","orgs":[{"type":"org","id":"6500aaaaaaaaaaaaaaaaaaaa","name":"acme","roleInOrg":"admin","plan":"team"},
            {"type":"org","id":"6500bbbbbbbbbbbbbbbbbbbb","name":"other"}],
            "auth":{"type":"access_token","accessToken":{"role":"fineGrained","fineGrained":{"scoped":[SCOPED]}}}}"#;
        whoami(&base.replace("SCOPED", scoped))
    }

    fn entity(id: &str, perms: &str) -> String {
        format!(r#"{{"entity":{{"_id":"{id}","type":"org"}},"permissions":[{perms}]}}"#)
    }

    #[test]
    fn fine_grained_needs_a_members_permission() {
        // Zero permissions that read members: refused, saying what it has.
        let without = fine_grained(&entity(ACME_ID, r#""repo.content.read""#));
        let err = check_org_access(&without, "acme").unwrap_err();
        assert_eq!(err.exit_code(), 3);
        let text = err.to_string();
        assert!(text.contains("org.members.read or org.read"), "{text}");
        assert!(
            text.contains("has only repo.content.read on the org"),
            "{text}"
        );
        // No scope on this org at all (only on another one).
        let other = fine_grained(&entity("6500bbbbbbbbbbbbbbbbbbbb", r#""org.read""#));
        let err = check_org_access(&other, "acme").unwrap_err();
        assert!(
            err.to_string().contains("has no permission on the org"),
            "{err}"
        );
        // One: the coarse org.read.
        let with = fine_grained(&entity(ACME_ID, r#""org.read""#));
        let access = check_org_access(&with, "ACME").unwrap();
        assert_eq!(access.org, "acme");
        assert_eq!(access.org_id.as_deref(), Some(ACME_ID));
        assert_eq!(access.role_in_org.as_deref(), Some("admin"));
        assert_eq!(access.permissions, Some(vec!["org.read".to_string()]));
    }

    #[test]
    fn fine_grained_scope_is_matched_by_id_without_a_name() {
        // The Hub's schema: `entity` has `_id` and `type`, `name` is optional.
        let by_id = fine_grained(&entity(ACME_ID, r#""org.read""#));
        assert!(check_org_access(&by_id, "acme").is_ok());
        // A name that disagrees with the id does not make it another org's.
        let renamed = fine_grained(&format!(
            r#"{{"entity":{{"_id":"{ACME_ID}","type":"org","name":"acme-old"}},"permissions":["org.read"]}}"#
        ));
        assert!(check_org_access(&renamed, "acme").is_ok());
        // The id of another org with this org's name: not this org.
        let wrong_id = fine_grained(
            r#"{"entity":{"_id":"6500bbbbbbbbbbbbbbbbbbbb","type":"org","name":"acme"},"permissions":["org.read"]}"#,
        );
        assert!(check_org_access(&wrong_id, "acme").is_err());
        // Without ids on either side (an older deployment), the name decides.
        let by_name = whoami(
            r#"{"name":"bob","orgs":[{"name":"acme"}],"auth":{"accessToken":{"role":"fineGrained",
               "fineGrained":{"scoped":[{"entity":{"type":"org","name":"acme"},"permissions":["org.read"]}]}}}}"#,
        );
        assert!(check_org_access(&by_name, "acme").is_ok());
    }

    #[test]
    fn finer_permissions_pass_and_are_kept() {
        // Many finer permissions, spread over two scopes of the same org and
        // one scope on a single resource group.
        let scoped = format!(
            r#"{},{},{{"entity":{{"_id":"6771d4700000000000000000","type":"resource-group"}},"permissions":["resourceGroup.read"]}}"#,
            entity(ACME_ID, r#""org.members.read","resourceGroup.read""#),
            entity(ACME_ID, r#""repo.access.read""#),
        );
        let access = check_org_access(&fine_grained(&scoped), "acme").unwrap();
        assert_eq!(
            access.permissions,
            Some(vec![
                "org.members.read".to_string(),
                "resourceGroup.read".into(),
                "repo.access.read".into()
            ])
        );
        assert_eq!(
            access.entity_scopes,
            vec![(
                "resource-group".to_string(),
                vec!["resourceGroup.read".to_string()]
            )]
        );
        assert_eq!(access.check(Collector::Members), Verdict::Yes);
        assert_eq!(access.check(Collector::ResourceGroups), Verdict::Yes);
        assert_eq!(access.check(Collector::RepoAccess), Verdict::Yes);
        assert!(matches!(access.check(Collector::Events), Verdict::No(_)));
        // A write form alone reads too.
        let write = fine_grained(&entity(ACME_ID, r#""org.members.write""#));
        assert!(check_org_access(&write, "acme").is_ok());
    }

    #[test]
    fn read_role_cannot_read_access_requests() {
        let w = whoami(
            r#"{"name":"bob","orgs":[{"name":"acme","roleInOrg":"read","plan":"team"}],
               "auth":{"accessToken":{"role":"write"}}}"#,
        );
        let a = check_org_access(&w, "acme").unwrap();
        assert_eq!(a.plan.as_deref(), Some("team"));
        assert!(!a.can_read_access_requests());
    }
}
