//! The history features end to end, over several snapshots of an org that
//! the fake Hub changes between them. Snapshots are fetched by hfaudit's
//! own client and written with `Store::write_snapshot` at chosen times (as
//! `make_demo` does), so that days are exact; the real `hfaudit report`
//! then reads the whole history.
//!
//! `lifecycle`: role escalations, leavers and time to revoke, invites and
//! gated access over the four weeks of [`story`]; `activity`: audit log
//! present or unavailable, an IdP export; `invites`: re-invitations;
//! `seats`: `seats_history.csv`.

mod activity;
mod invites;
mod lifecycle;
mod seats;
mod story;

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};
use hfaudit::hub::{self, ClientOptions, HubClient, Token};
use hfaudit::store::Manifest;
use hfaudit::term::Term;
use serde_json::Value;

use crate::harness::{Case, Run, assert_code};
use crate::support::fake_hub::Org;
use crate::support::generate::{ADMIN_TOKEN, world_for};

/// Fetches `org` from the case's fake Hub as it is now and stores it as
/// taken at `taken_at`.
pub fn snapshot_at(case: &Case, org: &str, taken_at: DateTime<Utc>) -> Manifest {
    let token = Token::new(ADMIN_TOKEN).expect("token");
    let client = HubClient::new(&case.hub.url(), &token, ClientOptions::default()).expect("client");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let mut snap = runtime.block_on(async {
        let whoami = hub::whoami(&client).await.expect("whoami");
        let access = hub::check_org_access(&whoami, org).expect("access");
        hfaudit::commands::snapshot::fetch_org(&client, &access, &Term::new(true))
            .await
            .expect("fetch")
    });
    snap.taken_at = taken_at;
    let store = case.store();
    let lock = store.lock_org(org, Duration::ZERO).expect("lock");
    store.write_snapshot(&lock, &snap, "test").expect("write")
}

/// A store holding the history of an org, and the roster to report with.
pub struct History {
    pub case: Case,
    pub roster: PathBuf,
}

impl History {
    /// Serves `org`, then for each week `0..weeks` applies `change(org,
    /// week)` and takes a snapshot at `when(week)`.
    pub fn build(
        org: Org,
        weeks: i64,
        when: impl Fn(i64) -> DateTime<Utc>,
        change: impl Fn(&mut Org, i64),
        roster: &str,
    ) -> History {
        let name = org.name.clone();
        let case = Case::new(world_for(vec![org]));
        for week in 0..weeks {
            case.hub.with_world(|w| change(w.org_mut(&name), week));
            snapshot_at(&case, &name, when(week));
        }
        assert_eq!(case.complete(&name).len(), weeks as usize);
        let path = case.dir.path().join("roster.csv");
        std::fs::write(&path, roster).expect("write roster");
        History { case, roster: path }
    }

    /// The acme of [`story`], all four weeks.
    pub fn story() -> History {
        History::build(
            story::acme(),
            story::WEEKS,
            story::week,
            story::change,
            &story::roster(),
        )
    }

    /// `hfaudit report --as-of AS_OF` into `out-NAME`; exits 0 or 1.
    pub fn report(&self, name: &str, as_of: &str, extra: &[&str]) -> Outputs {
        let dir = self.case.dir.path().join(format!("out-{name}"));
        let mut args = vec![
            "report",
            "--roster",
            self.roster.to_str().expect("utf-8 path"),
            "--out",
            dir.to_str().expect("utf-8 path"),
            "--as-of",
            as_of,
        ];
        args.extend_from_slice(extra);
        let run = self.case.run(&args);
        assert!(
            run.code == 0 || run.code == 1,
            "report failed\n--- stdout\n{}\n--- stderr\n{}",
            run.stdout,
            run.stderr
        );
        Outputs { dir, run }
    }

    /// Writes `text` beside the roster and returns its path.
    pub fn file(&self, name: &str, text: &str) -> String {
        let path = self.case.dir.path().join(name);
        std::fs::write(&path, text).expect("write file");
        path.to_str().expect("utf-8 path").to_string()
    }
}

/// One CSV row by column name.
pub type Row = HashMap<String, String>;

/// What one `hfaudit report` wrote.
pub struct Outputs {
    pub dir: PathBuf,
    pub run: Run,
}

impl Outputs {
    pub fn text(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.join(name))
            .unwrap_or_else(|e| panic!("{name}: {e}\n{}", self.run.stderr))
    }

    pub fn csv(&self, name: &str) -> Vec<Row> {
        let text = self.text(name);
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let headers = reader.headers().expect("header").clone();
        reader
            .records()
            .map(|r| {
                let r = r.expect("csv record");
                headers
                    .iter()
                    .zip(r.iter())
                    .map(|(h, v)| (h.to_string(), v.to_string()))
                    .collect()
            })
            .collect()
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text("findings.json")).expect("findings.json")
    }

    /// `findings.csv` rows of `rule`, by subject.
    pub fn findings(&self, rule: &str) -> HashMap<String, Row> {
        self.csv("findings.csv")
            .into_iter()
            .filter(|r| r["rule"] == rule)
            .map(|r| (r["subject"].clone(), r))
            .collect()
    }

    /// Subjects of `rule`'s findings, sorted.
    pub fn subjects(&self, rule: &str) -> Vec<String> {
        let mut s: Vec<String> = self.findings(rule).into_keys().collect();
        s.sort();
        s
    }

    /// The `access.csv` row of member `user`.
    pub fn access(&self, user: &str) -> Row {
        self.csv("access.csv")
            .into_iter()
            .find(|r| r["username"] == user && r["kind"] == "member")
            .unwrap_or_else(|| panic!("no member {user} in access.csv"))
    }
}

/// `["a", "b"]` as owned strings, for comparing with [`Outputs::subjects`].
pub fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// Asserts `hfaudit report` exits with `code`.
#[track_caller]
pub fn assert_exit(out: &Outputs, code: i32) {
    assert_code(&out.run, code);
}
