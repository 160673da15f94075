//! Finding the token the way the official Hugging Face clients do, and the
//! once-per-run pre-flight that says what to fix before any data is fetched.
//!
//! The token lives only inside [`Token`]: it has no `Display`, its `Debug` is
//! redacted, and it is only ever read by the client when it builds the
//! `Authorization` header (marked sensitive there).

use std::fmt;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::hub::wire::WhoAmI;
use crate::input_file::warn_if_readable;

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
/// the process environment.
#[derive(Debug, Clone, Default)]
pub struct TokenEnv {
    pub hf_token: Option<String>,
    /// `HF_SCIM_TOKEN`: the org's SCIM token, a different secret.
    pub hf_scim_token: Option<String>,
    pub hf_token_path: Option<PathBuf>,
    pub hf_home: Option<PathBuf>,
    pub home: Option<PathBuf>,
}

impl TokenEnv {
    pub fn from_process() -> TokenEnv {
        let var = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
        TokenEnv {
            hf_token: var("HF_TOKEN").and_then(|v| v.into_string().ok()),
            hf_scim_token: var("HF_SCIM_TOKEN").and_then(|v| v.into_string().ok()),
            hf_token_path: var("HF_TOKEN_PATH").map(PathBuf::from),
            hf_home: var("HF_HOME").map(PathBuf::from),
            home: var("HOME").map(PathBuf::from),
        }
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
    pub plan: Option<String>,
    pub role_in_org: Option<String>,
    pub token_role: Option<String>,
}

impl OrgAccess {
    /// Accepted access requests need write or admin on the org.
    pub fn can_read_access_requests(&self) -> bool {
        let token_ok = !matches!(self.token_role.as_deref(), Some("read"));
        let role_ok = matches!(self.role_in_org.as_deref(), Some("admin" | "write") | None);
        token_ok && role_ok
    }
}

/// Checks, from `whoami-v2`, that the token can read `org`; the error says
/// what to fix.
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
    if token_role.as_deref() == Some("fineGrained") {
        let scoped = token
            .and_then(|t| t.fine_grained.as_ref())
            .map(|fg| fg.scoped.as_slice())
            .unwrap_or_default();
        let allowed = scoped.iter().any(|s| {
            s.entity.kind == "org"
                && s.entity.name.eq_ignore_ascii_case(org)
                && s.permissions
                    .iter()
                    .any(|p| p == "org.read" || p == "org.write")
        });
        if !allowed {
            return Err(Error::Auth {
                message: format!(
                    "{org}: the fine-grained token has no org.read or org.write permission on the org"
                ),
                hint: format!(
                    "edit the token at https://huggingface.co/settings/tokens: add '{org}' under \
                     \"Org permissions\" with \"Read access to organizations settings/members\""
                ),
            });
        }
    }
    Ok(OrgAccess {
        org: entry.name.clone(),
        plan: entry.plan.clone(),
        role_in_org: entry.role_in_org.clone(),
        token_role,
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

    #[test]
    fn fine_grained_needs_org_read() {
        let base = r#"{"name":"bob","orgs":[{"name":"acme","roleInOrg":"admin"}],
            "auth":{"type":"access_token","accessToken":{"role":"fineGrained","fineGrained":{"scoped":[SCOPED]}}}}"#;
        let without = base.replace(
            "SCOPED",
            r#"{"entity":{"_id":"1","type":"org","name":"acme"},"permissions":["repo.content.read"]}"#,
        );
        assert!(check_org_access(&whoami(&without), "acme").is_err());
        let other_org = base.replace(
            "SCOPED",
            r#"{"entity":{"_id":"1","type":"org","name":"other"},"permissions":["org.read"]}"#,
        );
        assert!(check_org_access(&whoami(&other_org), "acme").is_err());
        let with = base.replace(
            "SCOPED",
            r#"{"entity":{"_id":"1","type":"org","name":"acme"},"permissions":["org.read"]}"#,
        );
        let access = check_org_access(&whoami(&with), "ACME").unwrap();
        assert_eq!(access.org, "acme");
        assert_eq!(access.role_in_org.as_deref(), Some("admin"));
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
