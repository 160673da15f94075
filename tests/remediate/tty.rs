//! `apply` on a terminal: the real binary under a pseudo-terminal (made
//! with the C library's `posix_openpt`, through the `libc` crate hfaudit
//! already links), answering the one question it asks. No answers nothing
//! (exit 2, no write reaches the Hub); yes applies the plan.

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::{case, plan, writes};
use crate::harness::{Case, Run, assert_code};

/// A pseudo-terminal: the master side, and the slave side for the child.
fn pty() -> (File, OwnedFd) {
    // SAFETY: plain calls on a descriptor this function owns; each result
    // is checked before it is used, and each descriptor is owned once.
    unsafe {
        let master = libc::posix_openpt(libc::O_RDWR | libc::O_NOCTTY);
        assert!(
            master >= 0,
            "posix_openpt: {}",
            std::io::Error::last_os_error()
        );
        assert_eq!(libc::grantpt(master), 0, "grantpt");
        assert_eq!(libc::unlockpt(master), 0, "unlockpt");
        let mut name = [0 as libc::c_char; 128];
        assert_eq!(
            libc::ptsname_r(master, name.as_mut_ptr(), name.len()),
            0,
            "ptsname_r"
        );
        let slave = libc::open(name.as_ptr(), libc::O_RDWR | libc::O_NOCTTY);
        assert!(
            slave >= 0,
            "open the slave: {}",
            std::io::Error::last_os_error()
        );
        (File::from_raw_fd(master), OwnedFd::from_raw_fd(slave))
    }
}

/// `hfaudit apply PLAN` (no `--yes`) with stdin and stdout on a terminal;
/// once the question shows, `answer` is typed. Returns the run (stdout as
/// the terminal showed it) and the question.
fn apply_on_tty(case: &Case, plan: &std::path::Path, answer: &str) -> (Run, String) {
    let (mut master, slave) = pty();
    let mut cmd: Command = case.command(&["apply", plan.to_str().unwrap(), "--backoff-ms", "10"]);
    cmd.stdin(Stdio::from(slave.try_clone().unwrap()))
        .stdout(Stdio::from(slave))
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("run apply");
    // The parent's copies of the slave side go with the command, so that
    // the master reads end of file once the child is gone.
    drop(cmd);
    let shown = Arc::new(Mutex::new(Vec::new()));
    let reader = {
        let shown = Arc::clone(&shown);
        let mut master = master.try_clone().unwrap();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            // Linux answers EIO once the slave side is closed: the end.
            while let Ok(n @ 1..) = master.read(&mut buf) {
                shown.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        })
    };
    let started = Instant::now();
    let question = loop {
        let text = String::from_utf8_lossy(&shown.lock().unwrap()).into_owned();
        if let Some(at) = text.find("[y/N]") {
            let start = text[..at].rfind("apply ").unwrap_or(0);
            break text[start..at + 5].to_string();
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no question on the terminal:\n{text}"
        );
        std::thread::sleep(Duration::from_millis(10));
    };
    master.write_all(answer.as_bytes()).unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    reader.join().unwrap();
    let stdout = String::from_utf8_lossy(&shown.lock().unwrap()).into_owned();
    (
        Run {
            code: status.code().unwrap_or(-1),
            stdout,
            stderr,
        },
        question,
    )
}

#[test]
fn on_a_terminal_apply_asks_once_and_no_sends_nothing() {
    let case = case();
    let (run, out) = plan(&case, &[]);
    assert_code(&run, 0);
    case.hub.reset_requests();
    let (run, question) = apply_on_tty(&case, &out, "n\n");
    assert_code(&run, 2);
    assert!(
        question.contains("apply 8 call(s) to ")
            && question.ends_with(": 2 reject_access, 3 revoke_token, 3 set_access? [y/N]"),
        "{question}"
    );
    assert_eq!(run.stdout.matches("[y/N]").count(), 1, "{}", run.stdout);
    assert!(run.stderr.contains("not confirmed"), "{}", run.stderr);
    assert!(writes(&case).is_empty(), "{:?}", writes(&case));
    // Nothing was logged as attempted.
    let log = case.store_dir().join(super::ORG).join("_remediation.jsonl");
    assert!(!log.exists() || std::fs::read_to_string(&log).unwrap().is_empty());
}

#[test]
fn on_a_terminal_yes_applies_the_plan() {
    let case = case();
    let (run, out) = plan(&case, &[]);
    assert_code(&run, 0);
    case.hub.reset_requests();
    let (run, question) = apply_on_tty(&case, &out, "y\n");
    assert_code(&run, 0);
    assert!(question.ends_with("3 set_access? [y/N]"), "{question}");
    assert_eq!(run.stdout.matches("[y/N]").count(), 1, "{}", run.stdout);
    assert!(
        run.stdout.contains("8 done, 0 already done, 0 failed"),
        "{}",
        run.stdout
    );
    assert_eq!(writes(&case).len(), 8);
}
