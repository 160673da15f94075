//! Fault injection at named points of a write, for the tests that crash
//! or fill the disk in the middle of one.

use std::path::Path;

use crate::error::Result;

/// Crash and full-disk simulation for the integration tests (tests/crash.rs):
/// `HFAUDIT_TEST_FAULT=kill:NAME#N` SIGKILLs the process the Nth time it
/// reaches fail point NAME (`data_file`, once per file; `before_rename`;
/// `after_rename`; `report-publish`, once per report file renamed;
/// `report-write`, once per buffer written to a report file), so no
/// destructor runs, exactly as in a crash;
/// `fail:NAME#N` fails the write there with ENOSPC. Unset, a point costs
/// one `OnceLock` read. Compiled into debug builds only (the ones `cargo
/// test` runs): a release binary never reads the variable.
#[cfg(all(not(test), debug_assertions))]
pub(crate) fn point(name: &'static str, path: &Path) -> Result<()> {
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicU32, Ordering};
    static FAULT: OnceLock<Option<(bool, String, u32)>> = OnceLock::new();
    static HITS: AtomicU32 = AtomicU32::new(0);
    let fault = FAULT.get_or_init(|| {
        let spec = std::env::var("HFAUDIT_TEST_FAULT").ok()?;
        let (action, point) = spec.split_once(':')?;
        let (point, nth) = point.split_once('#').unwrap_or((point, "1"));
        Some((action == "kill", point.to_string(), nth.parse().ok()?))
    });
    let Some((kill, point, nth)) = fault else {
        return Ok(());
    };
    if point != name || HITS.fetch_add(1, Ordering::SeqCst) + 1 != *nth {
        return Ok(());
    }
    if *kill {
        let pid = std::process::id().to_string();
        let _ = std::process::Command::new("kill")
            .args(["-KILL", &pid])
            .status();
        std::process::abort(); // not reached
    }
    const ENOSPC: i32 = 28; // Linux
    Err(crate::error::Error::io(
        path,
        std::io::Error::from_raw_os_error(ENOSPC),
    ))
}

#[cfg(test)]
thread_local! {
    /// The step, and the how-manieth time it is reached, at which a write
    /// on this thread fails (tests only).
    pub(crate) static FAIL_AT: std::cell::Cell<Option<(&'static str, u32)>> =
        const { std::cell::Cell::new(None) };
}

/// Release builds: no fault injection, whatever the environment says.
#[cfg(all(not(test), not(debug_assertions)))]
#[inline(always)]
pub(crate) fn point(_name: &'static str, _path: &Path) -> Result<()> {
    Ok(())
}

#[cfg(test)]
pub(crate) fn point(name: &'static str, path: &Path) -> Result<()> {
    let hit = FAIL_AT.with(|f| match f.get() {
        Some((point, 1)) if point == name => {
            f.set(None);
            true
        }
        Some((point, n)) if point == name => {
            f.set(Some((point, n - 1)));
            false
        }
        _ => false,
    });
    if hit {
        return Err(crate::error::Error::io(
            path,
            std::io::Error::other(format!("injected failure at {name}")),
        ));
    }
    Ok(())
}
