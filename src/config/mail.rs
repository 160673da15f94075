//! The `[mail]` table, `--mail-to`/`--mail-dry-run` and `HFAUDIT_SMTP_URL`
//! merged into [`MailSettings`], checked before anything is fetched or
//! written so a typo is exit 2 with nothing changed.
//!
//! The SMTP password may come from the URL; it is kept in [`Password`],
//! whose `Debug` is redacted, and never appears in an error.

use std::fmt;
use std::path::{Path, PathBuf};

use lettre::message::Mailbox;
use serde::Deserialize;

use super::defaults::{DEFAULT_MAIL_FROM, DEFAULT_SUBJECT_PREFIX};
use crate::error::{Error, Result};

/// `[mail]` in `hfaudit.toml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailConfig {
    /// Recipients (used when no `--mail-to` is given).
    #[serde(default)]
    pub to: Vec<String>,
    /// Sender [default: the SMTP user if it is an address, else
    /// [`DEFAULT_MAIL_FROM`]].
    pub from: Option<String>,
    /// Put before the subject [default: [`DEFAULT_SUBJECT_PREFIX`]].
    pub subject_prefix: Option<String>,
    /// `smtp://user:pass@host:587` (STARTTLS) or `smtps://…:465` (implicit TLS);
    /// `HFAUDIT_SMTP_URL` wins.
    pub smtp_url: Option<Password>,
    /// `starttls`, `tls` or `none` [default: from the URL's scheme].
    pub tls: Option<String>,
}

/// The environment the mail settings read (`HFAUDIT_SMTP_URL`), filled by
/// [`super::Env::from_process`].
#[derive(Debug, Clone, Default)]
pub struct MailEnv {
    pub smtp_url: Option<Password>,
}

/// A secret (a password, or a URL that may hold one): `Debug` shows `***`.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Password(pub String);

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// Plain connection upgraded with STARTTLS; refused if the server does
    /// not offer it.
    StartTls,
    /// TLS from the first byte (`smtps`, port 465).
    Tls,
    /// No encryption: only to 127.0.0.1/localhost.
    None,
    /// STARTTLS when the server offers it, else clear text: the default for
    /// an `smtp://` relay on this machine (127.0.0.1/localhost), which
    /// often has no STARTTLS; never used for another host.
    StartTlsIfOffered,
}

/// Where and how to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub tls: TlsMode,
    pub user: Option<String>,
    pub password: Option<Password>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// `--mail-dry-run`: write OUT/hfaudit-report.eml.
    DryRun,
    Smtp(SmtpSettings),
}

/// Everything needed to mail a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailSettings {
    pub to: Vec<Mailbox>,
    pub from: Mailbox,
    pub subject_prefix: String,
    pub delivery: Delivery,
}

/// The mail settings before a command's flags: `[mail]` and
/// `HFAUDIT_SMTP_URL`, parsed once at start so that a bad address or URL
/// stops every command, not only the one that mails.
#[derive(Debug, Clone)]
pub struct MailSection {
    /// `[mail] to` (used when no `--mail-to` is given).
    pub to: Vec<Mailbox>,
    /// `[mail] from`, else the SMTP user if it is an address, else
    /// [`DEFAULT_MAIL_FROM`].
    pub from: Mailbox,
    pub subject_prefix: String,
    /// `HFAUDIT_SMTP_URL`, else `[mail] smtp_url`.
    pub smtp: Option<SmtpSettings>,
    /// The config file, when the password in use came from it (its
    /// permissions are checked when mail is sent).
    password_file: Option<PathBuf>,
}

impl MailSection {
    /// `path` is the config file, for errors and the permission check.
    pub fn resolve(config: &MailConfig, env: &MailEnv, path: &Path) -> Result<MailSection> {
        let config_error = |message: String| Error::Config {
            path: path.to_path_buf(),
            message,
        };
        let to = config
            .to
            .iter()
            .map(|a| parse_mailbox(a).map_err(|e| config_error(format!("mail.to: {e}"))))
            .collect::<Result<Vec<Mailbox>>>()?;
        let tls = config.tls.as_deref();
        if let Some(t) = tls {
            check_tls_name(t).map_err(|e| config_error(format!("mail.tls: {e}")))?;
        }
        let env_smtp = match &env.smtp_url {
            Some(url) => Some(
                parse_smtp_url(&url.0, tls)
                    .map_err(|e| Error::Usage(format!("HFAUDIT_SMTP_URL: {e}")))?,
            ),
            None => None,
        };
        let file_smtp = match &config.smtp_url {
            Some(url) => Some(
                parse_smtp_url(&url.0, tls)
                    .map_err(|e| config_error(format!("mail.smtp_url: {e}")))?,
            ),
            None => None,
        };
        let password_file = match (&env_smtp, &file_smtp) {
            (None, Some(smtp)) if smtp.password.is_some() => Some(path.to_path_buf()),
            _ => None,
        };
        let smtp = env_smtp.or(file_smtp);
        let from = match &config.from {
            Some(a) => parse_mailbox(a).map_err(|e| config_error(format!("mail.from: {e}")))?,
            None => smtp
                .as_ref()
                .and_then(|s| s.user.as_deref())
                .filter(|u| u.contains('@'))
                .and_then(|u| u.parse().ok())
                .unwrap_or_else(|| DEFAULT_MAIL_FROM.parse().expect("a valid address")),
        };
        Ok(MailSection {
            to,
            from,
            subject_prefix: config
                .subject_prefix
                .clone()
                .unwrap_or_else(|| DEFAULT_SUBJECT_PREFIX.into()),
            smtp,
            password_file,
        })
    }

    /// `--mail-to` over `[mail] to`, and `--mail-dry-run`. `Ok(None)`: no
    /// recipient, no mail.
    pub fn with_flags(&self, to_flags: &[String], dry_run: bool) -> Result<Option<MailSettings>> {
        let to = if to_flags.is_empty() {
            self.to.clone()
        } else {
            to_flags
                .iter()
                .map(|a| parse_mailbox(a).map_err(|e| Error::Usage(format!("--mail-to: {e}"))))
                .collect::<Result<Vec<Mailbox>>>()?
        };
        if to.is_empty() {
            if dry_run {
                return Err(Error::Usage(
                    "--mail-dry-run needs a recipient: pass --mail-to ADDR or set [mail] to".into(),
                ));
            }
            return Ok(None);
        }
        let delivery = self.delivery(dry_run, "mail")?;
        Ok(Some(MailSettings {
            to,
            from: self.from.clone(),
            subject_prefix: self.subject_prefix.clone(),
            delivery,
        }))
    }
}

impl MailSection {
    /// A dry run, or the SMTP server (`what` names the mail in the error
    /// when there is none); warns when the password's file is readable.
    fn delivery(&self, dry_run: bool, what: &str) -> Result<Delivery> {
        if let Some(path) = &self.password_file {
            warn_if_readable(path);
        }
        match (dry_run, &self.smtp) {
            (true, _) => Ok(Delivery::DryRun),
            (false, Some(smtp)) => Ok(Delivery::Smtp(smtp.clone())),
            (false, None) => Err(Error::Usage(format!(
                "{what} needs an SMTP server: set HFAUDIT_SMTP_URL (smtp://user:pass@host:587) \
                 or [mail] smtp_url in hfaudit.toml, or pass --mail-dry-run"
            ))),
        }
    }

    /// The settings for mail to the reviewers of a campaign (`review start
    /// --mail` or `--mail-dry-run`): each message has its own recipient, so
    /// `to` is empty.
    pub fn for_reviewers(&self, dry_run: bool) -> Result<MailSettings> {
        let delivery = self.delivery(dry_run, "--mail")?;
        Ok(MailSettings {
            to: Vec::new(),
            from: self.from.clone(),
            subject_prefix: self.subject_prefix.clone(),
            delivery,
        })
    }
}

/// A reviewer's address as a mailbox (`--reviewers EMAIL`, the roster's
/// `manager_email`, `--fallback-reviewer`).
pub fn reviewer_mailbox(text: &str) -> Result<Mailbox> {
    parse_mailbox(text).map_err(|e| Error::Usage(format!("reviewer {e}: fix it in the roster's manager_email or the --reviewers/--fallback-reviewer flag")))
}

fn parse_mailbox(text: &str) -> std::result::Result<Mailbox, String> {
    text.trim()
        .parse()
        .map_err(|e| format!("'{}' is not a mail address ({e})", text.trim()))
}

/// Parses `smtp[s]://[user[:password]@]host[:port]`. Errors never repeat
/// the URL (it may hold the password).
pub fn parse_smtp_url(text: &str, tls: Option<&str>) -> std::result::Result<SmtpSettings, String> {
    let url = url::Url::parse(text.trim())
        .map_err(|e| format!("not a URL like smtp://user:pass@host:587 ({e})"))?;
    let implicit = match url.scheme() {
        "smtp" => false,
        "smtps" => true,
        other => return Err(format!("scheme '{other}' is not smtp or smtps")),
    };
    let host = url
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or("the URL has no host")?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let tls = match tls.map(|t| t.trim().to_ascii_lowercase()).as_deref() {
        None if implicit => TlsMode::Tls,
        None if is_loopback(&host) => TlsMode::StartTlsIfOffered,
        None => TlsMode::StartTls,
        Some("starttls") if !implicit => TlsMode::StartTls,
        Some("tls") => TlsMode::Tls,
        Some("none") if !implicit => TlsMode::None,
        Some("starttls" | "none") => {
            return Err("smtps:// is implicit TLS: use tls = \"tls\" or an smtp:// URL".into());
        }
        Some(other) => return Err(check_tls_name(other).err().unwrap_or_default()),
    };
    if tls == TlsMode::None && !is_loopback(&host) {
        return Err(format!(
            "tls = \"none\" sends the password and the reports in clear text: \
             only allowed to 127.0.0.1/localhost, not {host}"
        ));
    }
    let port = url.port().unwrap_or(match tls {
        TlsMode::Tls => 465,
        TlsMode::StartTls => 587,
        TlsMode::None | TlsMode::StartTlsIfOffered => 25,
    });
    let decode = |s: &str| {
        percent_decode(s)
            .ok_or_else(|| "the user or password is not valid percent-encoding".to_string())
    };
    let user = match url.username() {
        "" => None,
        u => Some(decode(u)?),
    };
    let password = match url.password() {
        Some(p) => Some(Password(decode(p)?)),
        None => None,
    };
    if password.is_some() && user.is_none() {
        return Err("a password without a user".into());
    }
    Ok(SmtpSettings {
        host,
        port,
        tls,
        user,
        password,
    })
}

/// `[mail] tls`: one of the three words.
fn check_tls_name(tls: &str) -> std::result::Result<(), String> {
    match tls.trim().to_ascii_lowercase().as_str() {
        "starttls" | "tls" | "none" => Ok(()),
        other => Err(format!("tls '{other}' is not starttls, tls or none")),
    }
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn warn_if_readable(path: &Path) {
    crate::input_file::warn_if_readable(path, "the SMTP password", "HFAUDIT_SMTP_URL");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_choose_the_tls_mode_and_port() {
        let s = parse_smtp_url("smtp://me%40acme.com:p%3Ass@mail.acme.com", None).unwrap();
        assert_eq!((s.tls, s.port), (TlsMode::StartTls, 587));
        assert_eq!(s.user.as_deref(), Some("me@acme.com"));
        assert_eq!(s.password, Some(Password("p:ss".into())));
        let s = parse_smtp_url("smtps://mail.acme.com", None).unwrap();
        assert_eq!((s.tls, s.port, s.user), (TlsMode::Tls, 465, None));
        let s = parse_smtp_url("smtp://127.0.0.1:2525", Some("none")).unwrap();
        assert_eq!((s.tls, s.port), (TlsMode::None, 2525));
        let s = parse_smtp_url("smtp://localhost", Some("NONE")).unwrap();
        assert_eq!((s.tls, s.port), (TlsMode::None, 25));
        let s = parse_smtp_url("smtp://[::1]:25", Some("none")).unwrap();
        assert_eq!(s.host, "::1");
        // A relay on this machine: STARTTLS only if offered, unless told.
        for url in ["smtp://127.0.0.1", "smtp://localhost", "smtp://[::1]"] {
            let s = parse_smtp_url(url, None).unwrap();
            assert_eq!((s.tls, s.port), (TlsMode::StartTlsIfOffered, 25), "{url}");
        }
        let s = parse_smtp_url("smtp://127.0.0.1:2525", Some("starttls")).unwrap();
        assert_eq!((s.tls, s.port), (TlsMode::StartTls, 2525));
        let s = parse_smtp_url("smtp://relay.acme.com:25", None).unwrap();
        assert_eq!(
            s.tls,
            TlsMode::StartTls,
            "elsewhere STARTTLS stays required"
        );
    }

    #[test]
    fn clear_text_only_to_localhost_and_errors_hide_the_password() {
        for (url, tls) in [
            ("smtp://u:hunter2@mail.acme.com", Some("none")),
            ("smtps://u:hunter2@mail.acme.com", Some("starttls")),
            ("http://u:hunter2@mail.acme.com", None),
            ("smtp://u:hunter2@mail.acme.com", Some("ssl")),
            ("smtp://:hunter2@mail.acme.com", None),
            ("smtp//u:hunter2@x", None),
        ] {
            let err = parse_smtp_url(url, tls).unwrap_err();
            assert!(!err.contains("hunter2"), "{err}");
        }
        let debug = format!("{:?}", parse_smtp_url("smtp://u:hunter2@h", None).unwrap());
        assert!(!debug.contains("hunter2"), "{debug}");
    }

    /// The section resolved from `config` and `env`, then the flags.
    fn resolve(
        to: &[String],
        dry_run: bool,
        env: &MailEnv,
        config: &MailConfig,
    ) -> Result<Option<MailSettings>> {
        MailSection::resolve(config, env, Path::new("hfaudit.toml"))?.with_flags(to, dry_run)
    }

    #[test]
    fn recipients_flags_win_and_none_means_no_mail() {
        let config = MailConfig {
            to: vec!["file@acme.com".into()],
            smtp_url: Some(Password("smtp://127.0.0.1:2525".into())),
            tls: Some("none".into()),
            ..MailConfig::default()
        };
        let env = MailEnv::default();
        let m = resolve(&[], false, &env, &config).unwrap().unwrap();
        assert_eq!(m.to.len(), 1);
        assert_eq!(m.to[0].email.to_string(), "file@acme.com");
        assert_eq!(m.from.email.to_string(), "hfaudit@localhost");
        let flags = vec!["a@acme.com".to_string(), "b@acme.com".to_string()];
        let m = resolve(&flags, false, &env, &config).unwrap().unwrap();
        assert_eq!(m.to.len(), 2);
        assert_eq!(m.subject_prefix, "[hfaudit]");
        let empty = MailConfig::default();
        assert_eq!(resolve(&[], false, &env, &empty).unwrap(), None);
        let err = resolve(&[], true, &env, &empty).unwrap_err();
        assert_eq!(err.exit_code(), 2);
    }

    #[test]
    fn env_url_wins_and_a_missing_server_is_a_usage_error() {
        let config = MailConfig {
            to: vec!["x@acme.com".into()],
            smtp_url: Some(Password("smtps://mail.acme.com".into())),
            ..MailConfig::default()
        };
        let env = MailEnv {
            smtp_url: Some(Password(
                "smtp://bot@acme.com:pw@relay.acme.com:2587".into(),
            )),
        };
        let m = resolve(&[], false, &env, &config).unwrap().unwrap();
        let Delivery::Smtp(s) = &m.delivery else {
            panic!("smtp expected")
        };
        assert_eq!((s.host.as_str(), s.port), ("relay.acme.com", 2587));
        assert_eq!(m.from.email.to_string(), "bot@acme.com");
        let bare = MailConfig {
            to: vec!["x@acme.com".into()],
            ..MailConfig::default()
        };
        let err = resolve(&[], false, &MailEnv::default(), &bare).unwrap_err();
        assert!(err.to_string().contains("HFAUDIT_SMTP_URL"), "{err}");
        let m = resolve(&[], true, &MailEnv::default(), &bare).unwrap();
        assert_eq!(m.unwrap().delivery, Delivery::DryRun);
        let bad = vec!["not an address".to_string()];
        let err = resolve(&bad, true, &MailEnv::default(), &bare).unwrap_err();
        assert!(err.to_string().contains("--mail-to"), "{err}");
    }
}
