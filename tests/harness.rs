//! Running the real `hfaudit` binary against a fake Hub in a scratch
//! directory, and reading back what it stored.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use hfaudit::model::Snapshot;
use hfaudit::store::{Listed, Manifest, Store};
use tempfile::TempDir;

use crate::support::fake_hub::{FakeHub, World};
use crate::support::generate::ADMIN_TOKEN;

/// What a finished run printed and returned.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(o: Output) -> Run {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

/// A fake Hub plus a scratch home with an empty store.
pub struct Case {
    pub hub: FakeHub,
    pub dir: TempDir,
    pub token: String,
}

impl Case {
    pub fn new(world: World) -> Case {
        Case {
            hub: FakeHub::start(world),
            dir: tempfile::tempdir().expect("temp dir"),
            token: ADMIN_TOKEN.to_string(),
        }
    }

    pub fn store_dir(&self) -> PathBuf {
        self.dir.path().join("store")
    }

    pub fn store(&self) -> Store {
        Store::new(self.store_dir())
    }

    /// `hfaudit ARGS` with the Hub, token and store of this case, in a
    /// directory with no config file, and quick retries.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_hfaudit"));
        cmd.args(args)
            .current_dir(self.dir.path())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.dir.path())
            .env("HF_HOME", self.dir.path().join("hf-home"))
            .env("HF_ENDPOINT", self.hub.url())
            .env("HF_TOKEN", &self.token)
            .env("HFAUDIT_STORE", self.store_dir())
            .stdin(Stdio::null());
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Run {
        self.command(args).output().expect("run hfaudit").into()
    }

    /// `hfaudit snapshot --org ORG` with a short backoff.
    pub fn snapshot(&self, org: &str, extra: &[&str]) -> Run {
        let mut args = vec!["snapshot", "--org", org, "--backoff-ms", "10"];
        args.extend_from_slice(extra);
        self.run(&args)
    }

    pub fn spawn_snapshot(&self, org: &str, extra: &[&str]) -> Child {
        let mut args = vec![
            "snapshot",
            "--org",
            org,
            "--backoff-ms",
            "10",
            "--timeout",
            "5",
        ];
        args.extend_from_slice(extra);
        self.command(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn hfaudit")
    }

    /// Complete, checksum-valid snapshots; panics on a damaged one.
    pub fn complete(&self, org: &str) -> Vec<Manifest> {
        self.store()
            .list(org)
            .expect("list store")
            .into_iter()
            .map(|l| match l {
                Listed::Complete(m) => m,
                Listed::Damaged { id, reason } => panic!("damaged snapshot {id}: {reason}"),
            })
            .collect()
    }

    pub fn latest(&self, org: &str) -> Snapshot {
        self.store()
            .latest(org)
            .expect("read store")
            .expect("a snapshot")
    }
}

/// Asserts a run ended with `code`, showing its output otherwise.
#[track_caller]
pub fn assert_code(run: &Run, code: i32) {
    assert_eq!(
        run.code, code,
        "expected exit {code}\n--- stdout\n{}\n--- stderr\n{}",
        run.stdout, run.stderr
    );
}

/// Every regular file below `dir`.
pub fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_below(&p));
        } else {
            out.push(p);
        }
    }
    out
}
