//! `apply` on a terminal: the real binary under a pseudo-terminal (made
//! with the C library's `posix_openpt`, through the `libc` crate hfaudit
//! already links), answering the one question it asks. No answers nothing
//! (exit 2, no write reaches the Hub); yes applies the plan.

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::{case, plan, writes};
use crate::harness::{Case, Run, assert_code};

/// How long a run on the terminal may take, each wait.
const LIMIT: Duration = Duration::from_secs(60);

/// A pseudo-terminal: the master side, and the slave side for the child.
/// Both are close-on-exec, so that the children other tests spawn at the
/// same time do not inherit them (the master would then never read the
/// end of file); the child gets the slave as its stdin and stdout only.
fn pty() -> (File, OwnedFd) {
    // SAFETY: plain calls on descriptors this function owns, each wrapped
    // in an `OwnedFd` as soon as it is opened (closed on any panic); each
    // result is checked before it is used.
    unsafe {
        let master = libc::posix_openpt(libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC);
        assert!(
            master >= 0,
            "posix_openpt: {}",
            std::io::Error::last_os_error()
        );
        let master = OwnedFd::from_raw_fd(master);
        assert_eq!(libc::grantpt(master.as_raw_fd()), 0, "grantpt");
        assert_eq!(libc::unlockpt(master.as_raw_fd()), 0, "unlockpt");
        let mut name = [0 as libc::c_char; 128];
        assert_eq!(
            libc::ptsname_r(master.as_raw_fd(), name.as_mut_ptr(), name.len()),
            0,
            "ptsname_r"
        );
        let slave = libc::open(
            name.as_ptr(),
            libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC,
        );
        assert!(
            slave >= 0,
            "open the slave: {}",
            std::io::Error::last_os_error()
        );
        (File::from(master), OwnedFd::from_raw_fd(slave))
    }
}

/// A child process that is killed (if still running) and reaped when the
/// test lets go of it, a failed assertion included.
struct Reaped(Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
        }
        let _ = self.0.wait();
    }
}

impl Reaped {
    /// Its exit status, waiting at most `limit` (then the test fails, and
    /// the drop kills it).
    fn wait_for(&mut self, limit: Duration) -> ExitStatus {
        let started = Instant::now();
        loop {
            if let Some(status) = self.0.try_wait().expect("wait for the child") {
                return status;
            }
            assert!(
                started.elapsed() < limit,
                "the child did not end within {limit:?}"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
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
    let mut child = Reaped(cmd.spawn().expect("run apply"));
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
    // Read in its own thread, so that a full pipe never holds the child.
    let errors = {
        let mut stderr = child.0.stderr.take().unwrap();
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            text
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
            started.elapsed() < LIMIT,
            "no question on the terminal:\n{text}"
        );
        std::thread::sleep(Duration::from_millis(10));
    };
    master.write_all(answer.as_bytes()).unwrap();
    let status = child.wait_for(LIMIT);
    // The child is gone: both readers see the end.
    let stderr = errors.join().unwrap();
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
fn the_terminal_helpers_leave_no_descriptor_or_child_behind() {
    // Both sides close on exec.
    let (master, slave) = pty();
    for fd in [master.as_raw_fd(), slave.as_raw_fd()] {
        // SAFETY: F_GETFD on a descriptor this test owns.
        let flags = unsafe { libc::fcntl(fd, libc::F_GETFD) };
        assert!(flags >= 0 && flags & libc::FD_CLOEXEC != 0, "{flags}");
    }
    // A child still running when the test lets go is killed and reaped;
    // a wait past its limit fails (and the child goes with the test).
    let sleeper = || Command::new("sleep").arg("600").spawn().expect("sleep");
    let child = Reaped(sleeper());
    let pid = child.0.id() as libc::pid_t;
    drop(child);
    // SAFETY: signal 0 only asks whether the process exists.
    let alive = unsafe { libc::kill(pid, 0) } == 0;
    assert!(!alive, "the child {pid} is still there");
    let mut child = Reaped(sleeper());
    let pid = child.0.id() as libc::pid_t;
    let waited = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        child.wait_for(Duration::from_millis(50))
    }));
    assert!(waited.is_err());
    drop(child);
    // SAFETY: as above.
    assert!(unsafe { libc::kill(pid, 0) } != 0);
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
