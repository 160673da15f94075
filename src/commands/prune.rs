//! `hfaudit prune`: apply a daily/weekly/monthly retention to every org of
//! the store. A dry run (the default) prints what would be kept and deleted
//! and the bytes freed; `--apply` deletes under each org's lock.

use crate::cli::PruneArgs;
use crate::config::Settings;
use crate::error::{Error, Result};
use crate::store::Store;
use crate::store::prune::{OrgPrune, Retention};
use crate::term::Term;

pub fn run(settings: &Settings, args: &PruneArgs, term: &Term) -> Result<()> {
    let policy = Retention {
        daily: args.keep_daily,
        weekly: args.keep_weekly,
        monthly: args.keep_monthly,
    };
    if policy.is_empty() {
        return Err(Error::Usage(
            "prune needs a retention: --keep-daily N, --keep-weekly N and/or --keep-monthly N \
             (with none, everything but the newest snapshot would go)"
                .into(),
        ));
    }
    let store = Store::new(&settings.store);
    let orgs = if settings.orgs.is_empty() {
        store.orgs()?
    } else {
        settings.orgs.clone()
    };
    if orgs.is_empty() {
        term.line(&format!("{}: no snapshot to prune", store.root().display()));
        return Ok(());
    }
    let mut deleted = 0usize;
    let mut freed = 0u64;
    for org in &orgs {
        let pruned = if args.apply {
            // Plan and delete under the lock, so a snapshot written meanwhile
            // is seen by the plan.
            let lock = store.lock_org(org, settings.hub.lock_wait)?;
            let pruned = store.prune_plan(org, policy)?;
            for (d, _) in pruned.decisions.iter().filter(|(d, _)| !d.keep()) {
                store.delete_snapshot(&lock, &d.id)?;
                tracing::info!("{org}: deleted snapshot {}", d.id);
            }
            pruned
        } else {
            store.prune_plan(org, policy)?
        };
        print_org(&pruned, args.apply, term);
        deleted += pruned.decisions.iter().filter(|(d, _)| !d.keep()).count();
        freed += pruned.bytes_freed();
    }
    term.line(&if args.apply {
        format!(
            "deleted {deleted} snapshot(s), freed {} ({freed} bytes)",
            human_bytes(freed)
        )
    } else {
        format!(
            "dry run: {deleted} snapshot(s) would be deleted, freeing {} ({freed} bytes); \
             pass --apply to delete",
            human_bytes(freed)
        )
    });
    Ok(())
}

fn print_org(pruned: &OrgPrune, applied: bool, term: &Term) {
    let keep = pruned.decisions.iter().filter(|(d, _)| d.keep()).count();
    term.line(&format!(
        "{}: {} snapshot(s): keep {keep}, {} {} ({})",
        pruned.org,
        pruned.decisions.len(),
        if applied { "deleted" } else { "delete" },
        pruned.decisions.len() - keep,
        human_bytes(pruned.bytes_freed())
    ));
    for (d, size) in &pruned.decisions {
        let why: Vec<&str> = d.reasons.iter().map(|r| r.as_str()).collect();
        let line = format!(
            "  {:<6}  {}  {:>10}  {}",
            if d.keep() { "keep" } else { "delete" },
            d.id,
            human_bytes(*size),
            why.join(", ")
        );
        term.line(line.trim_end());
    }
    for id in &pruned.damaged {
        term.line(&format!(
            "  damaged {id}: not touched (see `hfaudit history`)"
        ));
    }
}

/// `1.2 MiB`.
fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::human_bytes;

    #[test]
    fn bytes_are_human() {
        assert_eq!(human_bytes(0), "0 B");
        assert_eq!(human_bytes(1023), "1023 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(5 * 1024 * 1024), "5.0 MiB");
    }
}
