//! `hfaudit run --mail-to` against a real SMTP server (Debian's
//! python3-aiosmtpd) on 127.0.0.1: the received message has the summary and
//! the three reports byte for byte; STARTTLS refused, connection refused and
//! a clear-text server that is not local are clear errors; `--mail-dry-run`
//! writes the message to a 0600 file.

use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use mailparse::{MailHeaderMap, ParsedMail};

use crate::harness::{Case, Run, assert_code};
use crate::run::{out_dir, run_command, some_member, two_org_case, write_roster};

/// The Debian interpreter: the `python3` on PATH may lack aiosmtpd.
const PYTHON: &str = "/usr/bin/python3";

/// Saves every message as N.eml (and its envelope recipients as N.rcpt).
const SERVER: &str = r#"
import os, sys
from aiosmtpd.controller import Controller

class Save:
    def __init__(self, d):
        self.d, self.n = d, 0
    async def handle_DATA(self, server, session, envelope):
        self.n += 1
        base = os.path.join(self.d, str(self.n))
        with open(base + ".rcpt", "w") as f:
            f.write("\n".join(envelope.rcpt_tos))
        with open(base + ".tmp", "wb") as f:
            f.write(envelope.original_content)
        os.rename(base + ".tmp", base + ".eml")
        return "250 OK"

c = Controller(Save(sys.argv[2]), hostname="127.0.0.1", port=int(sys.argv[1]))
c.start()
print("ready", flush=True)
sys.stdin.read()
c.stop()
"#;

/// An aiosmtpd server on a free port, stopped on drop.
pub(crate) struct Smtp {
    child: Child,
    pub(crate) port: u16,
    dir: PathBuf,
}

impl Smtp {
    pub(crate) fn start(dir: &Path) -> Smtp {
        std::fs::create_dir_all(dir).unwrap();
        let port = free_port();
        let mut child = Command::new(PYTHON)
            .args(["-c", SERVER, &port.to_string(), dir.to_str().unwrap()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("{PYTHON} (install python3-aiosmtpd): {e}"));
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(
            line.trim(),
            "ready",
            "the SMTP server did not start (is python3-aiosmtpd installed?)"
        );
        Smtp {
            child,
            port,
            dir: dir.to_path_buf(),
        }
    }

    /// The messages received so far, waiting up to 10 s for `n` of them.
    pub(crate) fn received(&self, n: usize) -> Vec<(Vec<u8>, String)> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let found: Vec<(Vec<u8>, String)> = (1..)
                .map_while(|i| {
                    let eml = std::fs::read(self.dir.join(format!("{i}.eml"))).ok()?;
                    let rcpt = std::fs::read_to_string(self.dir.join(format!("{i}.rcpt"))).ok()?;
                    Some((eml, rcpt))
                })
                .collect();
            if found.len() >= n || Instant::now() > deadline {
                return found;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port nothing listens on (just released by the OS).
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// A case whose roster makes one beta member departed: exit 1 without mail.
fn case_with_findings() -> Case {
    let case = two_org_case();
    let gone = some_member(&case, "beta");
    write_roster(&case, &[&gone]);
    case
}

fn config(case: &Case, mail_table: &str, mode: u32) {
    let path = case.dir.path().join("hfaudit.toml");
    std::fs::write(&path, format!("[mail]\n{mail_table}")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn run_with_smtp(case: &Case, url: &str, extra: &[&str]) -> Run {
    let mut cmd = run_command(case, extra);
    cmd.env("HFAUDIT_SMTP_URL", url);
    cmd.output().expect("run hfaudit").into()
}

/// Checks a parsed message against the reports on disk.
fn assert_is_the_report(mail: &ParsedMail<'_>, out: &Path) {
    let subject = mail.headers.get_first_value("Subject").unwrap();
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("findings.json")).unwrap()).unwrap();
    let count = |sev: &str| {
        json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["severity"] == sev && f["muted"].is_null())
            .count()
    };
    assert_eq!(count("critical") + count("high"), 1, "one departed member");
    let expected = format!(
        "[audit] {} critical, {} high — acme, beta as of {}",
        count("critical"),
        count("high"),
        json["as_of"].as_str().unwrap()
    );
    assert_eq!(subject, expected);
    let parts = &mail.subparts;
    assert_eq!(parts.len(), 4, "a body and three attachments");
    // Text parts travel with CRLF line ends.
    let body = parts[0].get_body().unwrap().replace("\r\n", "\n");
    assert_eq!(parts[0].ctype.mimetype, "text/plain");
    for needle in [
        "hfaudit report as of ",
        "Findings: ",
        "Seats: 7 billable ($",
        "reclaimable ($",
        "Top findings:\n- [high] departed_member beta ",
        "Attached: findings.csv",
    ] {
        assert!(body.contains(needle), "{needle:?} not in\n{body}");
    }
    for (part, name) in parts[1..]
        .iter()
        .zip(["findings.csv", "seats.csv", "report.html"])
    {
        let disposition = part.get_content_disposition();
        assert_eq!(
            disposition.params.get("filename").map(String::as_str),
            Some(name)
        );
        let on_disk = std::fs::read(out.join(name)).unwrap();
        assert_eq!(
            part.get_body_raw().unwrap(),
            on_disk,
            "{name} differs from the file on disk"
        );
    }
}

#[test]
fn the_mail_has_the_summary_and_the_reports_byte_for_byte() {
    let case = case_with_findings();
    let smtp = Smtp::start(&case.dir.path().join("smtp"));
    config(
        &case,
        "from = \"hfaudit <hfaudit@acme.example>\"\nsubject_prefix = \"[audit]\"\ntls = \"none\"\n",
        0o600,
    );
    let url = format!("smtp://127.0.0.1:{}", smtp.port);
    let run = run_with_smtp(
        &case,
        &url,
        &[
            "--mail-to",
            "sec@acme.example",
            "--mail-to",
            "fin@acme.example",
        ],
    );
    assert_code(&run, 1);
    assert!(
        run.stdout
            .contains("mailed the reports to sec@acme.example, fin@acme.example")
    );
    let received = smtp.received(1);
    assert_eq!(received.len(), 1);
    let (raw, rcpt) = &received[0];
    assert_eq!(rcpt, "sec@acme.example\nfin@acme.example");
    let mail = mailparse::parse_mail(raw).unwrap();
    assert_eq!(
        mail.headers.get_first_value("From").unwrap(),
        "hfaudit <hfaudit@acme.example>"
    );
    assert!(
        mail.headers
            .get_first_value("To")
            .unwrap()
            .contains("fin@acme.example")
    );
    assert_is_the_report(&mail, &out_dir(&case));
    assert!(!out_dir(&case).join("hfaudit-report.eml").exists());
}

#[test]
fn starttls_refused_is_exit_4_the_reports_stay_and_no_password_leaks() {
    let case = case_with_findings();
    // aiosmtpd without a certificate does not offer STARTTLS.
    let smtp = Smtp::start(&case.dir.path().join("smtp"));
    let url = format!("smtp://bot:s3cret-pw@127.0.0.1:{}", smtp.port);
    config(
        &case,
        &format!("smtp_url = \"{url}\"\nto = [\"sec@acme.example\"]\ntls = \"starttls\"\n"),
        0o644,
    );
    let run = case.run(&[
        "run",
        "--org",
        "acme",
        "--org",
        "beta",
        "--roster",
        "roster.csv",
        "--out",
        "out",
        "--backoff-ms",
        "10",
    ]);
    assert_code(&run, 4);
    assert!(
        run.stderr
            .contains(&format!("via 127.0.0.1:{} (STARTTLS) failed", smtp.port)),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("readable by group or others"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("the reports are written in"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("offers no STARTTLS: use an smtps:// URL (or tls = \"tls\" in [mail])"),
        "the hint names the setting: {}",
        run.stderr
    );
    assert!(!run.stderr.contains("s3cret-pw") && !run.stdout.contains("s3cret-pw"));
    assert!(smtp.received(0).is_empty());
    for file in ["report.html", "findings.csv", "seats.csv"] {
        assert!(out_dir(&case).join(file).is_file(), "{file}");
    }
}

/// A relay on this machine without STARTTLS (the usual cron setup) is
/// used as it is when no `tls` is set: STARTTLS when offered, else clear
/// text, to loopback only.
#[test]
fn a_local_relay_without_starttls_gets_the_mail() {
    let case = case_with_findings();
    let smtp = Smtp::start(&case.dir.path().join("smtp"));
    // No `tls` setting.
    config(&case, "subject_prefix = \"[audit]\"\n", 0o600);
    let url = format!("smtp://127.0.0.1:{}", smtp.port);
    let run = run_with_smtp(&case, &url, &["--mail-to", "sec@acme.example"]);
    assert_code(&run, 1);
    assert!(
        run.stdout
            .contains("mailed the reports to sec@acme.example"),
        "{}\n{}",
        run.stdout,
        run.stderr
    );
    let received = smtp.received(1);
    assert_eq!(received.len(), 1);
    assert_is_the_report(
        &mailparse::parse_mail(&received[0].0).unwrap(),
        &out_dir(&case),
    );
}

#[test]
fn connection_refused_is_exit_4_with_the_reports_written() {
    let case = two_org_case();
    write_roster(&case, &[]);
    config(&case, "tls = \"none\"\n", 0o600);
    let url = format!("smtp://127.0.0.1:{}", free_port());
    let run = run_with_smtp(&case, &url, &["--mail-to", "sec@acme.example"]);
    assert_code(&run, 4);
    assert!(
        run.stderr
            .contains("mail to sec@acme.example via 127.0.0.1:"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.to_lowercase().contains("refused"),
        "{}",
        run.stderr
    );
    assert!(out_dir(&case).join("findings.csv").is_file());
}

#[test]
fn clear_text_to_a_remote_server_is_refused_before_anything() {
    let case = two_org_case();
    write_roster(&case, &[]);
    config(&case, "tls = \"none\"\n", 0o600);
    let run = run_with_smtp(
        &case,
        "smtp://bot:s3cret-pw@mail.acme.example:25",
        &["--mail-to", "sec@acme.example"],
    );
    assert_code(&run, 2);
    assert!(run.stderr.contains("127.0.0.1/localhost"), "{}", run.stderr);
    assert!(!run.stderr.contains("s3cret-pw"));
    assert_eq!(case.hub.request_count(), 0);
    assert!(!out_dir(&case).exists());

    // No server at all and no dry run: also exit 2 before anything.
    let run = case.run(&[
        "run",
        "--org",
        "acme",
        "--roster",
        "roster.csv",
        "--mail-to",
        "a@b.example",
    ]);
    assert_code(&run, 2);
    assert!(run.stderr.contains("HFAUDIT_SMTP_URL"), "{}", run.stderr);
    assert_eq!(case.hub.request_count(), 0);
}

#[test]
fn dry_run_writes_the_message_as_a_private_eml() {
    let case = case_with_findings();
    config(&case, "subject_prefix = \"[audit]\"\n", 0o600);
    let run = run_with_smtp(
        &case,
        "smtp://127.0.0.1:1",
        &["--mail-to", "sec@acme.example", "--mail-dry-run"],
    );
    assert_code(&run, 1);
    let eml = out_dir(&case).join("hfaudit-report.eml");
    assert!(
        run.stdout.contains("dry run: the mail is in"),
        "{}",
        run.stdout
    );
    let mode = std::fs::metadata(&eml).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let raw = std::fs::read(&eml).unwrap();
    let mail = mailparse::parse_mail(&raw).unwrap();
    assert_eq!(
        mail.headers.get_first_value("To").unwrap(),
        "sec@acme.example"
    );
    assert_eq!(
        mail.headers.get_first_value("From").unwrap(),
        "hfaudit@localhost"
    );
    assert_is_the_report(&mail, &out_dir(&case));
}
