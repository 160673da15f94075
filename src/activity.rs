//! Member activity: the last sign of use per member, from the audit log
//! (any event the user authored, `org.sso_login` the strongest), from the
//! members' access tokens (the latest `lastUsedAt` of any token they own,
//! when the `tokens` collector ran) and from an optional IdP export
//! (`--activity FILE`). Without any source, activity is unknown — never
//! "inactive".

use crate::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::table::{Kind, Table, error, is_one_of};

/// Where a member's last activity comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivitySource {
    /// An `org.sso_login` event in the audit log.
    SsoLogin,
    /// Another event the user authored in the audit log.
    AuditLog,
    /// The IdP export's last login.
    Idp,
    /// The last use of an access token the member owns (`lastUsedAt`).
    Token,
}

impl ActivitySource {
    pub fn as_str(self) -> &'static str {
        match self {
            ActivitySource::SsoLogin => "sso_login",
            ActivitySource::AuditLog => "audit_log",
            ActivitySource::Idp => "idp",
            ActivitySource::Token => "token",
        }
    }
}

/// What is known of a member's activity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activity {
    /// No source exists (no audit log, no token listing, no IdP export).
    Unknown,
    /// A source exists (named) and shows no activity at all.
    Never { source: ActivitySource },
    /// The latest activity any source shows.
    Last {
        at: DateTime<Utc>,
        source: ActivitySource,
    },
}

impl Activity {
    pub fn last(self) -> Option<DateTime<Utc>> {
        match self {
            Activity::Last { at, .. } => Some(at),
            _ => None,
        }
    }

    /// Where the figure comes from: the source of the last activity, or
    /// the source that shows none (`Never`); `None` when unknown.
    pub fn source(self) -> Option<ActivitySource> {
        match self {
            Activity::Last { source, .. } | Activity::Never { source } => Some(source),
            Activity::Unknown => None,
        }
    }

    pub fn is_never(self) -> bool {
        matches!(self, Activity::Never { .. })
    }

    /// The later of two observations (`Unknown` < `Never` < any `Last`).
    pub fn max(self, other: Activity) -> Activity {
        match (self, other) {
            (Activity::Last { at: a, .. }, Activity::Last { at: b, .. }) => {
                if b > a {
                    other
                } else {
                    self
                }
            }
            (Activity::Last { .. }, _) => self,
            (_, Activity::Last { .. }) => other,
            (Activity::Never { .. }, _) => self,
            (_, Activity::Never { .. }) => other,
            _ => Activity::Unknown,
        }
    }
}

/// `--activity FILE`: an IdP export of last logins, one row per user, with
/// a username and/or an email column and a last-login column. An empty last
/// login means the user never signed in.
#[derive(Debug, Clone, Default)]
pub struct IdpActivity {
    pub path: PathBuf,
    /// Lower-cased username → last login (`None`: never).
    by_username: HashMap<String, Option<DateTime<Utc>>>,
    /// Lower-cased email → last login (`None`: never).
    by_email: HashMap<String, Option<DateTime<Utc>>>,
}

/// The activity export, for the table reader's messages.
const KIND: Kind = Kind {
    what: "IdP export",
    example: "username,last_login",
    row: "user",
    export: "export the users from the identity provider",
};

/// Headers of the username column (compared folded, as roster headers are).
const USER_HEADERS: &[&str] = &[
    "hf_username",
    "username",
    "user",
    "login",
    "Hugging Face Username",
    "HF Handle",
    "nickname",
];
/// Headers of the email column.
const EMAIL_HEADERS: &[&str] = &[
    "email",
    "mail",
    "Work Email",
    "Email Address",
    "Primary Email",
    "userPrincipalName",
    "UPN",
    "User Email",
];
/// Headers of the last-login column.
const LOGIN_HEADERS: &[&str] = &[
    "last_login",
    "Last Login At",
    "Last Login Time",
    "Last Login Date",
    "Last Sign In",
    "Last Sign In At",
    "lastSignInDateTime",
    "Last Sign In Time",
    "Last Active",
    "Last Activity",
    "Last Seen",
    "Last Authentication",
];

impl IdpActivity {
    pub fn load(path: &Path) -> Result<IdpActivity> {
        let bytes = crate::input_file::read(path, crate::input_file::CSV_MAX_BYTES, "IdP export")
            .map_err(Error::unreadable_input)?;
        IdpActivity::parse(&bytes, path)
    }

    /// Parses the export's bytes with the roster's table reader
    /// (delimiter, BOM, encodings, `file:line:column` errors); `path` is
    /// only used in messages.
    pub fn parse(bytes: &[u8], path: &Path) -> Result<IdpActivity> {
        let is_known = |f: &str| {
            [USER_HEADERS, EMAIL_HEADERS, LOGIN_HEADERS]
                .iter()
                .any(|names| is_one_of(f, names))
        };
        let mut table = Table::open(bytes, path, &KIND, &is_known)?;
        let header_line = Some(table.header_line);
        let (user_col, email_col) = (table.column(USER_HEADERS), table.column(EMAIL_HEADERS));
        let Some(login_col) = table.column(LOGIN_HEADERS) else {
            return Err(error(
                path,
                header_line,
                None,
                "no last-login column: expected a header such as last_login, \
                 Last Sign In or lastSignInDateTime",
            ));
        };
        if user_col.is_none() && email_col.is_none() {
            return Err(error(
                path,
                header_line,
                None,
                "no user column: expected a header such as username or email",
            ));
        }
        let mut out = IdpActivity {
            path: path.to_path_buf(),
            ..IdpActivity::default()
        };
        while let Some((line, record)) = table.next_row()? {
            let cell = |c: Option<usize>| c.and_then(|c| record.get(c)).unwrap_or("").trim();
            let (user, email) = (cell(user_col).trim_start_matches('@'), cell(email_col));
            if user.is_empty() && email.is_empty() {
                continue;
            }
            let login = cell(Some(login_col));
            let at = if login.is_empty() || login.eq_ignore_ascii_case("never") {
                None
            } else {
                Some(parse_time(login).ok_or_else(|| {
                    error(
                        path,
                        Some(line),
                        Some(login_col as u64 + 1),
                        format!(
                            "'{login}' is not a time: expected RFC 3339 \
                             (2026-11-20T08:15:00Z), 'YYYY-MM-DD HH:MM:SS' (UTC) or YYYY-MM-DD"
                        ),
                    )
                })?)
            };
            if !user.is_empty() {
                merge(&mut out.by_username, user, at);
            }
            if !email.is_empty() {
                merge(&mut out.by_email, email, at);
            }
        }
        Ok(out)
    }

    /// What the export says of an account known by `username` and/or any
    /// of `emails`: `Never` when listed without a login, `Unknown` when not
    /// listed at all.
    pub fn lookup(&self, username: &str, emails: &[&str]) -> Activity {
        let mut found = self.by_username.get(&username.to_lowercase());
        for e in emails {
            if let Some(at) = self.by_email.get(&e.to_lowercase()) {
                found = match (found, at) {
                    (Some(Some(a)), Some(b)) if b > a => Some(at),
                    (Some(Some(_)), _) => found,
                    _ => Some(at),
                };
            }
        }
        match found {
            None => Activity::Unknown,
            Some(None) => Activity::Never {
                source: ActivitySource::Idp,
            },
            Some(Some(at)) => Activity::Last {
                at: *at,
                source: ActivitySource::Idp,
            },
        }
    }

    pub fn len(&self) -> usize {
        self.by_username.len().max(self.by_email.len())
    }

    pub fn is_empty(&self) -> bool {
        self.by_username.is_empty() && self.by_email.is_empty()
    }
}

fn merge(map: &mut HashMap<String, Option<DateTime<Utc>>>, key: &str, at: Option<DateTime<Utc>>) {
    let entry = map.entry(key.to_lowercase()).or_insert(at);
    *entry = (*entry).max(at);
}

/// RFC 3339, `YYYY-MM-DD HH:MM[:SS]` (UTC) or a bare date (its midnight UTC).
fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    for f in [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, f) {
            return Some(t.and_utc());
        }
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<IdpActivity> {
        IdpActivity::parse(text.as_bytes(), Path::new("idp.csv"))
    }

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn zero_one_many_rows() {
        let zero = parse("username,last_login\n").unwrap();
        assert!(zero.is_empty());
        assert_eq!(zero.lookup("alice", &[]), Activity::Unknown);

        let one = parse("username,last_login\nAlice,2026-11-20T08:15:00Z\n").unwrap();
        assert_eq!(
            one.lookup("alice", &[]),
            Activity::Last {
                at: t("2026-11-20T08:15:00Z"),
                source: ActivitySource::Idp
            }
        );

        let many = parse(
            "\u{feff}User Principal Name;Last Sign In\n\
             bob@acme.com;2026-10-01 09:00:00\n\
             BOB@acme.com;2026-11-02\n\
             carol@acme.com;\n",
        )
        .unwrap();
        assert_eq!(
            many.lookup("b0b", &["bob@ACME.com"]).last(),
            Some(t("2026-11-02T00:00:00Z")),
            "the latest login of duplicate rows wins"
        );
        assert_eq!(
            many.lookup("carol", &["carol@acme.com"]),
            Activity::Never {
                source: ActivitySource::Idp
            }
        );
        assert_eq!(many.lookup("dave", &["dave@acme.com"]), Activity::Unknown);
    }

    #[test]
    fn username_and_email_both_count() {
        let idp = parse(
            "email,username,lastSignInDateTime\n\
             a@acme.com,alice,2026-01-01T00:00:00+01:00\n\
             alice2@acme.com,,2026-05-01T00:00:00Z\n",
        )
        .unwrap();
        assert_eq!(
            idp.lookup("alice", &["alice2@acme.com"]).last(),
            Some(t("2026-05-01T00:00:00Z"))
        );
        assert_eq!(
            idp.lookup("alice", &[]).last(),
            Some(t("2025-12-31T23:00:00Z"))
        );
    }

    #[test]
    fn errors_name_line_and_column() {
        let e = parse("username,last_login\nalice,2026-01-01\nbob,yesterday\n").unwrap_err();
        match e {
            Error::Input {
                line,
                column,
                message,
                ..
            } => {
                assert_eq!((line, column), (Some(3), Some(2)));
                assert!(message.contains("'yesterday' is not a time"), "{message}");
            }
            other => panic!("{other:?}"),
        }
        let e = parse("username,department\nalice,R&D\n").unwrap_err();
        assert!(e.to_string().contains("no last-login column"), "{e}");
        let e = parse("team,last_login\nx,2026-01-01\n").unwrap_err();
        assert!(e.to_string().contains("no user column"), "{e}");
    }

    #[test]
    fn max_prefers_known_and_later() {
        let a = Activity::Last {
            at: t("2026-01-01T00:00:00Z"),
            source: ActivitySource::AuditLog,
        };
        let b = Activity::Last {
            at: t("2026-02-01T00:00:00Z"),
            source: ActivitySource::Idp,
        };
        assert_eq!(a.max(b), b);
        assert_eq!(b.max(a), b);
        let never = Activity::Never {
            source: ActivitySource::AuditLog,
        };
        assert_eq!(never.max(a), a);
        assert_eq!(Activity::Unknown.max(never), never);
        assert_eq!(never.source(), Some(ActivitySource::AuditLog));
        assert_eq!(Activity::Unknown.source(), None);
        assert_eq!(Activity::Unknown.max(Activity::Unknown), Activity::Unknown);
    }

    #[test]
    fn exports_are_read_like_rosters() {
        let at = Some(t("2026-11-20T08:15:00Z"));
        for text in [
            "username;last_login\nalice;2026-11-20T08:15:00Z\nbob;\n",
            "username\tlast_login\r\nalice\t2026-11-20T08:15:00Z\r\nbob\t\r\n",
            "\u{feff}sep=,\nusername,last_login\nalice,2026-11-20T08:15:00Z\n\nbob,never\n",
            "Email Address [Required],Last Sign In [READ ONLY]\n\
             alice@acme.com,2026-11-20T08:15:00Z\nbob@acme.com,\n",
        ] {
            let idp = parse(text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
            assert_eq!(idp.len(), 2, "{text:?}");
            assert_eq!(
                idp.lookup("alice", &["alice@acme.com"]).last(),
                at,
                "{text:?}"
            );
            assert!(idp.lookup("bob", &["bob@acme.com"]).is_never(), "{text:?}");
        }
    }

    #[test]
    fn export_errors_have_the_roster_form() {
        let message = |text: &str| parse(text).unwrap_err().to_string();
        assert_eq!(
            message("username;last_login\nalice;2026-01-01;x\n"),
            "idp.csv:2:3: this row has 3 cells but the header has 2; a cell containing ';' \
             is not in double quotes, or the row has a stray ';'"
        );
        assert_eq!(
            message("username\tlast_login\n\n\nbob\tyesterday\n"),
            "idp.csv:4:2: 'yesterday' is not a time: expected RFC 3339 \
             (2026-11-20T08:15:00Z), 'YYYY-MM-DD HH:MM:SS' (UTC) or YYYY-MM-DD"
        );
        let utf16 = IdpActivity::parse(b"\xFE\xFF\0u", Path::new("idp.csv")).unwrap_err();
        assert!(
            utf16
                .to_string()
                .starts_with("idp.csv: the IdP export is UTF-16 encoded"),
            "{utf16}"
        );
        let pdf = IdpActivity::parse(b"%PDF-1.7\n", Path::new("idp.csv")).unwrap_err();
        assert_eq!(
            pdf.to_string(),
            "idp.csv: this is a PDF document, not a CSV file; \
             export the users from the identity provider as CSV (UTF-8)"
        );
    }
}
