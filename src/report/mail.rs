//! Mailing the reports (`hfaudit run --mail-to`): a plain-text summary of
//! the report in the body, `findings.csv`, `seats.csv` and `report.html` attached exactly
//! as they are on disk (base64, so not one byte changes), sent over SMTP
//! with STARTTLS or implicit TLS (rustls), or written to
//! `OUT/hfaudit-report.eml` by `--mail-dry-run`.
//!
//! A failure is an [`Error::Mail`] (exit 4): the reports stay written. The
//! SMTP password is never part of an error.

mod summary;

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Attachment, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{Message, SmtpTransport, Transport};

use crate::config::{Delivery, MailSettings, SmtpSettings, TlsMode};
use crate::error::{Error, Result};
use crate::report::Report;

pub use summary::{Summary, TOP_FINDINGS, summarise};

/// The attachments, in order, with their content types.
pub const ATTACHMENTS: [(&str, &str); 3] = [
    ("findings.csv", "text/csv; charset=utf-8"),
    ("seats.csv", "text/csv; charset=utf-8"),
    ("report.html", "text/html; charset=utf-8"),
];

/// What `--mail-dry-run` writes into the output directory.
pub const EML_FILE: &str = "hfaudit-report.eml";

/// How long one SMTP exchange may take.
const SMTP_TIMEOUT: Duration = Duration::from_secs(60);

/// What [`deliver`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivered {
    /// Accepted by the server for these recipients.
    Sent { to: Vec<String>, server: String },
    /// `--mail-dry-run`: the message is in this file.
    Written(PathBuf),
}

/// Builds the message from `report` (the summary) and the reports written
/// from it in `out` (the attachments, byte for byte). `notes` open the body.
pub fn compose(
    mail: &MailSettings,
    out: &Path,
    report: &Report,
    notes: &[String],
) -> Result<Message> {
    let Summary { subject, body } = summarise(report, notes);

    let mut parts = MultiPart::mixed().singlepart(SinglePart::plain(body));
    for (name, content_type) in ATTACHMENTS {
        let path = out.join(name);
        let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
        let content_type = ContentType::parse(content_type).expect("a static content type");
        // A Vec<u8> body is always base64: line endings are kept as they are.
        parts = parts.singlepart(Attachment::new(name.to_string()).body(bytes, content_type));
    }
    let mut builder = Message::builder().from(mail.from.clone()).subject(
        format!("{} {subject}", mail.subject_prefix)
            .trim()
            .to_string(),
    );
    for to in &mail.to {
        builder = builder.to(to.clone());
    }
    builder.multipart(parts).map_err(|e| Error::Mail {
        message: format!("cannot build the report mail: {e}"),
        hint: format!("the reports are in {}", out.display()),
    })
}

/// One reviewer's worksheet, for [`compose_worksheet`].
pub struct WorksheetMail<'a> {
    pub review_id: &'a str,
    pub lines: usize,
    /// For a reminder: how many of the lines are still undecided.
    pub undecided: Option<usize>,
    pub orgs: &'a [String],
    pub due: Option<chrono::NaiveDate>,
    /// File name and bytes of the CSV to fill in, then of the HTML page.
    pub csv: (&'a str, &'a [u8]),
    pub html: (&'a str, &'a [u8]),
}

/// The message to one reviewer of a campaign: what to do by when, and
/// their worksheet only (CSV and HTML, byte for byte).
pub fn compose_worksheet(
    mail: &MailSettings,
    to: &lettre::message::Mailbox,
    w: &WorksheetMail<'_>,
) -> Result<Message> {
    let due = w.due.map_or(String::new(), |d| format!(", due {d}"));
    let reminder = w.undecided.map_or(String::new(), |n| {
        format!(
            "Reminder: {n} of your {} line(s) are still undecided.\n\n",
            w.lines
        )
    });
    let body = format!(
        "{reminder}You are asked to review {lines} line(s) of access to the Hugging Face org(s) {orgs} \
         (access review {id}{due}).\n\n\
         For each line of the attached {csv}, fill in `decision`: keep, revoke, or change \
         (with the role in `new_role`), and a `note` when it helps (one is required when the \
         line is your own account). Keep the line_id column and the file's other columns as \
         they are, save it as CSV, and send it back to {from}.\n\n\
         {html} is the same lines to read or print.\n",
        lines = w.lines,
        orgs = w.orgs.join(", "),
        id = w.review_id,
        csv = w.csv.0,
        html = w.html.0,
        from = mail.from.email,
    );
    let mut parts = MultiPart::mixed().singlepart(SinglePart::plain(body));
    for ((name, bytes), content_type) in [w.csv, w.html]
        .into_iter()
        .zip(["text/csv; charset=utf-8", "text/html; charset=utf-8"])
    {
        let content_type = ContentType::parse(content_type).expect("a static content type");
        parts =
            parts.singlepart(Attachment::new(name.to_string()).body(bytes.to_vec(), content_type));
    }
    Message::builder()
        .from(mail.from.clone())
        .to(to.clone())
        .subject(
            format!(
                "{} access review {}: {} line(s) to decide{due}",
                mail.subject_prefix,
                w.review_id,
                w.undecided
                    .map_or(w.lines.to_string(), |n| format!("{n} of {}", w.lines))
            )
            .trim()
            .to_string(),
        )
        .multipart(parts)
        .map_err(|e| Error::Mail {
            message: format!("cannot build the worksheet mail to {}: {e}", to.email),
            hint: "the campaign is started; its worksheets are in STORE/_reviews/ID/worksheets"
                .into(),
        })
}

/// Sends `message` to `to` (an SMTP delivery only); `hint` says what is
/// already done when it fails.
pub fn send_to(mail: &MailSettings, message: &Message, to: &str, hint: &str) -> Result<String> {
    let Delivery::Smtp(smtp) = &mail.delivery else {
        unreachable!("a dry run writes the message instead");
    };
    let server = describe(smtp);
    send(smtp, message).map_err(|e| Error::Mail {
        message: scrub(&format!("mail to {to} via {server} failed: {e}"), smtp),
        hint: hint_for(&e, smtp, hint),
    })?;
    Ok(server)
}

/// Sends `message`, or writes it to `out/hfaudit-report.eml` (mode 0600)
/// for a dry run.
pub fn deliver(mail: &MailSettings, message: &Message, out: &Path) -> Result<Delivered> {
    let to: Vec<String> = mail.to.iter().map(|m| m.email.to_string()).collect();
    match &mail.delivery {
        Delivery::DryRun => {
            let path = out.join(EML_FILE);
            write_private(&path, &message.formatted()).map_err(|e| Error::Mail {
                message: format!("cannot write {}: {e}", path.display()),
                hint: format!("the reports are in {}", out.display()),
            })?;
            Ok(Delivered::Written(path))
        }
        Delivery::Smtp(smtp) => {
            let server = describe(smtp);
            send(smtp, message).map_err(|e| Error::Mail {
                message: scrub(
                    &format!("mail to {} via {server} failed: {e}", to.join(", ")),
                    smtp,
                ),
                hint: hint_for(
                    &e,
                    smtp,
                    &format!("the reports are written in {}", out.display()),
                ),
            })?;
            Ok(Delivered::Sent { to, server })
        }
    }
}

/// What to change after a failed send: the setting that fixes the
/// failure where it is known, after `reports` (what is already done).
fn hint_for(error: &str, smtp: &SmtpSettings, reports: &str) -> String {
    if error.contains("STARTTLS") {
        format!(
            "{reports}; the server at {} offers no STARTTLS: use an smtps:// URL (or \
             tls = \"tls\" in [mail]) if it speaks TLS from the start, or send through a relay \
             on this machine (smtp://127.0.0.1, STARTTLS only if offered)",
            smtp.host
        )
    } else if error.contains("authentication") || error.contains("535") || error.contains("530") {
        format!(
            "{reports}; check the user and password in HFAUDIT_SMTP_URL or [mail] url \
             (percent-encode special characters)"
        )
    } else {
        format!(
            "{reports}; check the host and port in HFAUDIT_SMTP_URL or [mail] url \
             in hfaudit.toml (or the tls setting), or try --mail-dry-run"
        )
    }
}

/// `host:port (STARTTLS)`: for messages, without the user or password.
pub fn describe(smtp: &SmtpSettings) -> String {
    let mode = match smtp.tls {
        TlsMode::StartTls => "STARTTLS",
        TlsMode::Tls => "TLS",
        TlsMode::None => "no TLS",
        TlsMode::StartTlsIfOffered => "STARTTLS if offered",
    };
    if smtp.host.contains(':') {
        format!("[{}]:{} ({mode})", smtp.host, smtp.port)
    } else {
        format!("{}:{} ({mode})", smtp.host, smtp.port)
    }
}

fn send(smtp: &SmtpSettings, message: &Message) -> std::result::Result<(), String> {
    let builder = match smtp.tls {
        TlsMode::StartTls => {
            SmtpTransport::starttls_relay(&smtp.host).map_err(|e| e.to_string())?
        }
        TlsMode::Tls => SmtpTransport::relay(&smtp.host).map_err(|e| e.to_string())?,
        TlsMode::None => SmtpTransport::builder_dangerous(smtp.host.as_str()),
        TlsMode::StartTlsIfOffered => {
            let params = TlsParameters::new(smtp.host.clone()).map_err(|e| e.to_string())?;
            SmtpTransport::builder_dangerous(smtp.host.as_str()).tls(Tls::Opportunistic(params))
        }
    };
    let mut builder = builder.port(smtp.port).timeout(Some(SMTP_TIMEOUT));
    if let Some(user) = &smtp.user {
        let password = smtp
            .password
            .as_ref()
            .map(|p| p.0.clone())
            .unwrap_or_default();
        builder = builder.credentials(Credentials::new(user.clone(), password));
    }
    let response = builder
        .build()
        .send(message)
        .map_err(|e| describe_error(&e))?;
    tracing::debug!("SMTP server answered {}", response.code());
    Ok(())
}

/// lettre's error with its causes ("Connection refused", "STARTTLS is not
/// supported"…), which is what a user needs to fix the setup.
fn describe_error(e: &lettre::transport::smtp::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let s_text = s.to_string();
        if !text.contains(&s_text) {
            text.push_str(&format!(": {s_text}"));
        }
        source = s.source();
    }
    text
}

/// Belt and braces: the password never leaves in a message, even if a
/// server echoes it.
fn scrub(text: &str, smtp: &SmtpSettings) -> String {
    match &smtp.password {
        Some(p) if !p.0.is_empty() => text.replace(&p.0, "***"),
        _ => text.to_string(),
    }
}

/// Writes `bytes` to `path` (mode 0600) through a temporary file, so a
/// reader never sees half a message.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let temp = path.with_file_name(format!(".{EML_FILE}.{}.tmp", std::process::id()));
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options.open(&temp).and_then(|mut f| {
        f.write_all(bytes)?;
        f.sync_all()
    });
    let renamed = written.and_then(|()| std::fs::rename(&temp, path));
    if renamed.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    renamed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Password;

    fn smtp(host: &str, tls: TlsMode, password: Option<&str>) -> SmtpSettings {
        SmtpSettings {
            host: host.into(),
            port: 2525,
            tls,
            user: password.map(|_| "bot".into()),
            password: password.map(|p| Password(p.into())),
        }
    }

    #[test]
    fn the_server_is_described_without_credentials() {
        let s = smtp("mail.acme.com", TlsMode::StartTls, Some("hunter2"));
        assert_eq!(describe(&s), "mail.acme.com:2525 (STARTTLS)");
        assert_eq!(
            describe(&smtp("::1", TlsMode::None, None)),
            "[::1]:2525 (no TLS)"
        );
        assert_eq!(scrub("x hunter2 y", &s), "x *** y");
        assert_eq!(
            scrub("x hunter2", &smtp("h", TlsMode::Tls, None)),
            "x hunter2"
        );
    }
}
