//! The terminal: progress bars on a TTY, result lines on stdout, nothing but
//! errors under `-q`. This is the one module that prints results.

use crate::collections::{HashMap, HashMapExt};
use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::hub::Observer;

pub struct Term {
    quiet: bool,
    bars: MultiProgress,
    per_org: Mutex<HashMap<String, OrgBars>>,
}

struct OrgBars {
    members: ProgressBar,
    repos: Option<ProgressBar>,
}

impl Term {
    pub fn new(quiet: bool) -> Term {
        let target = if quiet || !std::io::stderr().is_terminal() {
            ProgressDrawTarget::hidden()
        } else {
            ProgressDrawTarget::stderr()
        };
        Term {
            quiet,
            bars: MultiProgress::with_draw_target(target),
            per_org: Mutex::new(HashMap::new()),
        }
    }

    /// A result line on stdout (suppressed by `-q`); broken pipes are ignored.
    pub fn line(&self, text: &str) {
        if self.quiet {
            return;
        }
        self.bars.suspend(|| {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{text}");
        });
    }

    /// Text that is the whole point of the command (tables, JSON): printed
    /// even under `-q`.
    pub fn output(&self, text: &str) {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(text.as_bytes());
        if !text.ends_with('\n') {
            let _ = out.write_all(b"\n");
        }
    }

    /// Starts the bars of one org.
    pub fn start_org(&self, org: &str) {
        let bar = ProgressBar::new_spinner().with_style(
            ProgressStyle::with_template("{prefix:>12} {spinner} {pos} members")
                .expect("static template"),
        );
        let bar = self.bars.add(bar.with_prefix(org.to_string()));
        bar.enable_steady_tick(Duration::from_millis(200));
        self.per_org.lock().expect("bars").insert(
            org.to_string(),
            OrgBars {
                members: bar,
                repos: None,
            },
        );
    }

    /// Removes the bars of one org.
    pub fn finish_org(&self, org: &str) {
        if let Some(bars) = self.per_org.lock().expect("bars").remove(org) {
            bars.members.finish_and_clear();
            if let Some(r) = bars.repos {
                r.finish_and_clear();
            }
        }
    }
}

impl Observer for Term {
    fn members_fetched(&self, org: &str, so_far: usize) {
        if let Some(b) = self.per_org.lock().expect("bars").get(org) {
            b.members.set_position(so_far as u64);
        }
    }

    fn repos_found(&self, org: &str, total: usize) {
        let mut bars = self.per_org.lock().expect("bars");
        if let Some(b) = bars.get_mut(org) {
            let bar = self.bars.add(
                ProgressBar::new(total as u64)
                    .with_style(
                        ProgressStyle::with_template(
                            "{prefix:>12} gated repos {bar:26} {pos}/{len}",
                        )
                        .expect("static template"),
                    )
                    .with_prefix(org.to_string()),
            );
            b.repos = Some(bar);
        }
    }

    fn repo_scanned(&self, org: &str) {
        if let Some(Some(r)) = self
            .per_org
            .lock()
            .expect("bars")
            .get(org)
            .map(|b| &b.repos)
        {
            r.inc(1);
        }
    }
}
