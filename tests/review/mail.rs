//! `hfaudit review start --mail` and `--mail-dry-run` (issue 13): each
//! reviewer gets one message with their own worksheet only (CSV and HTML,
//! byte for byte) and the due date, through a real SMTP server (Debian's
//! python3-aiosmtpd) on 127.0.0.1, or as one private .eml per reviewer;
//! no SMTP server is a usage error before anything is written.

use std::os::unix::fs::PermissionsExt;

use mailparse::{MailHeaderMap, ParsedMail};

use super::{
    ALL_LINES, ANN, BEN, CAT, Case, DUE, LINES, ORG, SEC, assert_code, assert_token_nowhere,
    case_with, review_dir, start, worksheet, world,
};
use crate::mail::Smtp;

/// Checks one parsed message: to `reviewer`, the due date, and exactly
/// the reviewer's two worksheet files as attachments, byte for byte.
fn assert_is_the_worksheet(case: &Case, id: &str, reviewer: &str, mail: &ParsedMail<'_>) {
    assert_eq!(mail.headers.get_first_value("To").unwrap(), reviewer);
    let subject = mail.headers.get_first_value("Subject").unwrap();
    let lines = LINES.iter().find(|(r, _)| *r == reviewer).unwrap().1;
    assert!(
        subject.contains(&format!(
            "access review {id}: {} line(s) to decide, due {DUE}",
            lines.len()
        )),
        "{subject}"
    );
    let body = mail.subparts[0].get_body().unwrap();
    assert!(body.contains(&format!("due {DUE}")), "{body}");
    assert!(body.contains("keep, revoke, or change"), "{body}");
    let attached: Vec<(String, Vec<u8>)> = mail.subparts[1..]
        .iter()
        .map(|p| {
            let name = p.get_content_disposition().params["filename"].clone();
            (name, p.get_body_raw().unwrap())
        })
        .collect();
    let names: Vec<&str> = attached.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [format!("{reviewer}.csv"), format!("{reviewer}.html")]
    );
    for (name, bytes) in &attached {
        let ext = name.rsplit('.').next().unwrap();
        assert_eq!(
            bytes,
            &std::fs::read(worksheet(case, id, reviewer, ext)).unwrap(),
            "{name}"
        );
    }
    // No other reviewer's line.
    let csv = String::from_utf8(attached[0].1.clone()).unwrap();
    for (other, others) in LINES.iter().filter(|(r, _)| *r != reviewer) {
        for line in *others {
            assert!(
                !csv.contains(&format!("{line},")),
                "{other}'s {line} sent to {reviewer}"
            );
        }
    }
}

#[test]
fn review_start_mails_each_reviewer_their_own_worksheet() {
    let (case, roster) = case_with(world());
    let smtp = Smtp::start(&case.dir.path().join("smtp"));
    let mut cmd = case.command(&[
        "review",
        "start",
        "--org",
        ORG,
        "--roster",
        roster.to_str().unwrap(),
        "--fallback-reviewer",
        SEC,
        "--due",
        DUE,
        "--mail",
    ]);
    cmd.env(
        "HFAUDIT_SMTP_URL",
        format!("smtp://127.0.0.1:{}", smtp.port),
    );
    let run: crate::harness::Run = cmd.output().unwrap().into();
    assert_code(&run, 0);
    let id = run
        .stdout
        .strip_prefix("review ")
        .and_then(|s| s.split_whitespace().next())
        .unwrap()
        .to_string();
    for r in [ANN, BEN, CAT, SEC] {
        assert!(
            run.stdout.contains(&format!("mailed {r} their worksheet")),
            "{}",
            run.stdout
        );
    }
    let received = smtp.received(4);
    assert_eq!(received.len(), 4);
    let mut to: Vec<String> = Vec::new();
    for (eml, rcpt) in &received {
        let mail = mailparse::parse_mail(eml).unwrap();
        assert_is_the_worksheet(&case, &id, rcpt.trim(), &mail);
        to.push(rcpt.trim().to_string());
    }
    to.sort();
    assert_eq!(to, [ANN, BEN, CAT, SEC]);
    assert_eq!(LINES.iter().map(|(_, l)| l.len()).sum::<usize>(), ALL_LINES);
    assert_token_nowhere(&case);
}

#[test]
fn review_start_mail_dry_run_writes_one_private_eml_per_reviewer() {
    let (case, roster) = case_with(world());
    let (run, id) = start(
        &case,
        &roster,
        &["--fallback-reviewer", SEC, "--due", DUE, "--mail-dry-run"],
    );
    assert_code(&run, 0);
    assert!(
        run.stdout.contains("4 message(s) written to"),
        "{}",
        run.stdout
    );
    let dir = review_dir(&case, &id).join("mail");
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dir), 0o700);
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, [ANN, BEN, CAT, SEC].map(|r| format!("{r}.eml")));
    for r in [ANN, BEN, CAT, SEC] {
        let path = dir.join(format!("{r}.eml"));
        assert_eq!(mode(&path), 0o600);
        let bytes = std::fs::read(&path).unwrap();
        assert_is_the_worksheet(&case, &id, r, &mailparse::parse_mail(&bytes).unwrap());
    }
    assert_token_nowhere(&case);
}

#[test]
fn review_start_mail_without_a_server_is_refused_before_anything() {
    let (case, roster) = case_with(world());
    let (run, _) = start(&case, &roster, &["--fallback-reviewer", SEC, "--mail"]);
    assert_code(&run, 2);
    assert!(run.stderr.contains("HFAUDIT_SMTP_URL"), "{}", run.stderr);
    assert!(!case.store_dir().join("_reviews").exists());
    // A manager address that is no address stops it too, before anything
    // is written.
    let bad = case.dir.path().join("hr/bad-manager.csv");
    std::fs::write(
        &bad,
        super::ROSTER.replace(
            "alice@acme.example,Alice Archer,active,alice,ann@acme.example",
            "alice@acme.example,Alice Archer,active,alice,ann at acme",
        ),
    )
    .unwrap();
    let (run, _) = start(&case, &bad, &["--fallback-reviewer", SEC, "--mail-dry-run"]);
    assert_code(&run, 2);
    assert!(run.stderr.contains("ann at acme"), "{}", run.stderr);
    assert!(!case.store_dir().join("_reviews").exists());
}

/// `run --mail-reviewers --mail-dry-run`: the reviewers of the open
/// campaign with undecided lines get their worksheet again, with how many
/// are left; one who decided everything, and a closed campaign, get none.
#[test]
fn run_mail_reviewers_reminds_only_those_with_undecided_lines() {
    let (case, id) = super::started();
    let files = super::fill_all(&case, &id);
    // ann and cat return theirs; ben and sec do not.
    assert_code(&super::import(&case, &[&files[0], &files[2]]), 0);
    let roster = case.dir.path().join("hr/roster.csv");
    let out = case.dir.path().join("out");
    let run_args = [
        "run",
        "--org",
        ORG,
        "--roster",
        roster.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--backoff-ms",
        "10",
        "--mail-reviewers",
        "--mail-dry-run",
    ];
    let run: crate::harness::Run = case.command(&run_args).output().unwrap().into();
    assert!(matches!(run.code, 0 | 1), "{}", run.stderr);
    assert!(
        run.stdout.contains("2 message(s) written to"),
        "{}",
        run.stdout
    );
    let reminders: Vec<std::path::PathBuf> = std::fs::read_dir(review_dir(&case, &id))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("reminders-")
        })
        .collect();
    assert_eq!(reminders.len(), 1);
    let mut names: Vec<String> = std::fs::read_dir(&reminders[0])
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, [format!("{BEN}.eml"), format!("{SEC}.eml")]);
    let bytes = std::fs::read(reminders[0].join(format!("{BEN}.eml"))).unwrap();
    let mail = mailparse::parse_mail(&bytes).unwrap();
    let subject = mail.headers.get_first_value("Subject").unwrap();
    assert!(subject.contains("3 of 3 line(s) to decide"), "{subject}");
    let body = mail.subparts[0].get_body().unwrap();
    assert!(
        body.contains("Reminder: 3 of your 3 line(s) are still undecided"),
        "{body}"
    );

    // Everything decided and closed: no reminder.
    assert_code(&super::import(&case, &[&files[1], &files[3]]), 0);
    assert_code(&super::hf(&case, &["review", "close"]), 0);
    let run: crate::harness::Run = case.command(&run_args).output().unwrap().into();
    assert!(matches!(run.code, 0 | 1), "{}", run.stderr);
    assert!(run.stdout.contains("no reminder"), "{}", run.stdout);
    assert_token_nowhere(&case);
}
