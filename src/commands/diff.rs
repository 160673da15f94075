//! `hfaudit diff`: what changed in each org between two snapshots (default:
//! the last two), as a table or as JSON.
//!
//! Every org's `--from`/`--to` is resolved before anything is loaded or
//! printed, so a bad id or date fails with exit 2 and no partial output.
//! An org with fewer than two snapshots is reported, not an error.

use std::collections::BTreeMap;

use crate::cli::{DiffArgs, Format};
use crate::config::Settings;
use crate::diff::select::{Pick, Selection, choose};
use crate::diff::{OrgDiff, Sides, compare, table};
use crate::error::{Error, Result};
use crate::store::Store;
use crate::term::Term;

pub fn run(settings: &Settings, args: &DiffArgs, term: &Term) -> Result<()> {
    let from = (args.from.as_deref())
        .map(|v| Pick::parse("--from", v))
        .transpose()?;
    let to = (args.to.as_deref())
        .map(|v| Pick::parse("--to", v))
        .transpose()?;
    let store = Store::new(&settings.store);
    let orgs = if settings.orgs.is_empty() {
        store.orgs()?
    } else {
        settings.orgs.clone()
    };

    let mut selections = Vec::new();
    let mut failures = Vec::new();
    for org in orgs {
        let listed = store.list(&org)?;
        for damaged in listed.iter().filter(|l| l.manifest().is_none()) {
            tracing::warn!("{org}: skipping damaged snapshot {}", damaged.id());
        }
        match choose(
            &org,
            &store.org_dir(&org),
            &listed,
            from.as_ref(),
            to.as_ref(),
        ) {
            Ok(selection) => selections.push((org, selection)),
            Err(e) => failures.push(e),
        }
    }
    match failures.len() {
        0 => {}
        1 => return Err(failures.remove(0)),
        _ => return Err(Error::Many(failures)),
    }

    let mut all = BTreeMap::new();
    for (org, selection) in selections {
        let outcome = match selection {
            Selection::Nothing { snapshots, reason } => OrgDiff::NotCompared { snapshots, reason },
            Selection::Pair { from, to } => {
                let old = store.load(&org, &from.id)?;
                let new = store.load(&org, &to.id)?;
                OrgDiff::Compared(Box::new(compare(Sides {
                    from: &old,
                    from_id: &from.id,
                    to: &new,
                    to_id: &to.id,
                })))
            }
        };
        all.insert(org, outcome);
    }

    let text = match args.format {
        Format::Json => crate::report::json::pretty_string(&all)?,
        Format::Table => table::render(&all, &settings.store.display().to_string()),
    };
    term.output(&text);
    Ok(())
}
