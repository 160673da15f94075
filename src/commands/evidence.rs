//! `hfaudit evidence --review ID --out DIR` copies a closed review's
//! evidence pack; `hfaudit evidence --since DATE [--until DATE] --out DIR`
//! writes the period queries (`crate::review::period`) from the store's
//! history; `hfaudit evidence verify DIR` recomputes every checksum of
//! either (exit 0 intact, 1 a file changed, missing or extra, 2 no readable
//! manifest).

use std::collections::BTreeMap;

use chrono::{NaiveDate, Utc};
use sha2::{Digest, Sha256};

use super::Done;
use crate::cli::{EvidenceArgs, EvidenceCommand, InputArgs};
use crate::config::Settings;
use crate::error::{Error, Result};
use crate::history::{OrgHistory, Roles, SnapshotInfo};
use crate::input_file::{CSV_MAX_BYTES, read};
use crate::report::write::write_private;
use crate::review::EVIDENCE;
use crate::review::evidence::{self, MANIFEST, PackManifest};
use crate::review::period::{self, Period, PeriodManifest};
use crate::review::{HashedFile, SCHEMA_VERSION, SnapshotRef};
use crate::store::Store;
use crate::store::snapshot_id;
use crate::term::Term;
use crate::text::clean_line;

pub fn run(settings: &Settings, args: &EvidenceArgs, term: &Term) -> Result<Done> {
    if let Some(EvidenceCommand::Verify { dir }) = &args.command {
        return verify(dir, term);
    }
    if let Some(since) = &args.since {
        return period(settings, args, since, term);
    }
    if args.inputs.roster.is_some() || args.inputs.as_of.is_some() {
        return Err(Error::Usage(
            "--roster and the other report inputs go with --since (the period queries); a \
             review's pack was frozen with its own"
                .into(),
        ));
    }
    let (Some(id), Some(out)) = (&args.review, &args.out) else {
        return Err(Error::Usage(
            "`hfaudit evidence` needs --review ID and --out DIR, or --since DATE and --out DIR \
             (or `hfaudit evidence verify DIR`)"
                .into(),
        ));
    };
    let store = Store::new(&settings.store);
    let rel = |name: &str| format!("{EVIDENCE}/{name}");
    let manifest_bytes = store.read_review_file(id, &rel(MANIFEST))?.ok_or_else(|| {
        Error::Usage(format!(
            "review {id} is not closed: `hfaudit review close --review {id}` writes its evidence pack"
        ))
    })?;
    let manifest: PackManifest = serde_json::from_slice(&manifest_bytes)
        .map_err(|e| Error::store(store.review_dir(id).unwrap_or_default(), e.to_string()))?;
    // Read everything first: a missing file writes nothing.
    let mut files = Vec::new();
    for name in manifest.files.keys() {
        let bytes = store.read_review_file(id, &rel(name))?.ok_or_else(|| {
            Error::store(
                store
                    .review_dir(id)
                    .unwrap_or_default()
                    .join(EVIDENCE)
                    .join(name),
                "is missing from the pack",
            )
        })?;
        files.push((name.clone(), bytes));
    }
    files.push((MANIFEST.to_string(), manifest_bytes));
    for (name, bytes) in &files {
        write_private(&out.join(name), bytes, "--out")?;
    }
    term.line(&format!(
        "evidence pack of review {id} copied to {} ({} files)",
        out.display(),
        files.len()
    ));
    verify(out, term)
}

fn verify(dir: &std::path::Path, term: &Term) -> Result<Done> {
    let evidence::Checked {
        what,
        files,
        manifest_sha256,
        problems,
    } = evidence::verify_dir(dir)?;
    if problems.is_empty() {
        term.output(&format!(
            "{}: intact: {files} file(s) match manifest.json ({}; manifest.json sha256 \
             {manifest_sha256}, as printed when the pack was written)",
            dir.display(),
            clean_line(&what, 60),
        ));
        return Ok(Done::Clean);
    }
    for p in &problems {
        term.output(&format!(
            "{}: {}",
            dir.join(clean_line(&p.file, 200)).display(),
            p.what
        ));
    }
    term.output(&format!(
        "{}: NOT intact: {} problem(s)",
        dir.display(),
        problems.len()
    ));
    Ok(Done::Findings)
}

/// `--since DATE [--until DATE]`: reconciles as `report` does at `--until`,
/// then writes the three period queries and their manifest into `--out`.
fn period(settings: &Settings, args: &EvidenceArgs, since: &str, term: &Term) -> Result<Done> {
    let day = |flag: &str, text: &str| {
        NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
            .map_err(|_| Error::Usage(format!("{flag} {text:?} is not a date (YYYY-MM-DD)")))
    };
    let since = day("--since", since)?;
    let Some(out) = &args.out else {
        return Err(Error::Usage("--since needs --out DIR".into()));
    };
    if args.inputs.as_of.is_some() {
        return Err(Error::Usage(
            "with --since the period ends on --until (not --as-of)".into(),
        ));
    }
    if let Some(until) = &args.until {
        day("--until", until)?;
    }
    let inputs = InputArgs {
        as_of: args.until.clone(),
        ..args.inputs.clone()
    };
    let generated_at = Utc::now();
    let r = settings.reconcile(&inputs, generated_at)?;
    let period = Period {
        since,
        until: r.as_of,
    };
    if period.since > period.until {
        return Err(Error::Usage(format!(
            "--since {} is after the end of the period, {}",
            period.since, period.until
        )));
    }
    let store = Store::new(&settings.store);
    let roster_bytes = read(&r.roster, CSV_MAX_BYTES, "roster").map_err(Error::unreadable_input)?;
    let (report, stored) = super::report::reconciled(&store, &settings.orgs, &r)?;
    if read(&r.roster, CSV_MAX_BYTES, "roster").map_err(Error::unreadable_input)? != roster_bytes {
        return Err(Error::input(
            &r.roster,
            "the roster changed while it was read; run again once it is written",
        ));
    }

    let mut escalations = Vec::new();
    let mut snapshots: Vec<SnapshotRef> = Vec::new();
    let mut endpoints = BTreeMap::new();
    let mut reference = |org: &str, id: &str, taken_at| -> Result<()> {
        if !snapshots
            .iter()
            .any(|s| s.org == org && s.snapshot_id == id)
        {
            snapshots.push(SnapshotRef {
                org: org.to_string(),
                snapshot_id: id.to_string(),
                taken_at,
                manifest_sha256: hex::encode(Sha256::digest(store.manifest_bytes(org, id)?)),
            });
        }
        Ok(())
    };
    for s in &stored {
        let history = &s.history.org;
        reference(
            &s.org,
            &snapshot_id(s.snapshot.taken_at),
            s.snapshot.taken_at,
        )?;
        endpoints.insert(s.org.clone(), s.snapshot.endpoint.clone());
        let started = std::time::Instant::now();
        let snaps = period::escalation_snapshots(history, period);
        let found = escalations_of(&store, &s.org, history, &snaps)?;
        tracing::debug!(
            "{}: roles of {} snapshot(s) read in {} ms",
            s.org,
            snaps.len(),
            started.elapsed().as_millis()
        );
        for e in &found {
            reference(&s.org, &e.from_snapshot, e.from_taken_at)?;
            reference(&s.org, &e.to_snapshot, e.to_taken_at)?;
        }
        escalations.extend(found);
    }
    let histories: BTreeMap<&str, &OrgHistory> = stored
        .iter()
        .map(|s| (s.org.as_str(), &s.history.org))
        .collect();
    let leavers = period::leavers(&report, period);
    for l in &leavers {
        let h = histories[l.org.as_str()];
        let proving = [
            Some(l.last_seen),
            h.first_after(l.last_seen).map(|s| s.taken_at),
        ];
        for at in proving.into_iter().flatten() {
            if let Some(info) = h.snapshots.iter().find(|s| s.taken_at == at) {
                reference(&l.org, &info.id.clone(), at)?;
            }
        }
    }
    let (inactive, inactive_csv) = period::inactive_csv(&report);
    let files: Vec<(String, Vec<u8>)> = vec![
        (
            period::FILES[0].into(),
            period::leavers_csv(&leavers, &histories),
        ),
        (
            period::FILES[1].into(),
            period::escalations_csv(&escalations),
        ),
        (period::FILES[2].into(), inactive_csv),
    ];
    snapshots.sort_by(|a, b| (&a.org, &a.snapshot_id).cmp(&(&b.org, &b.snapshot_id)));
    let manifest = PeriodManifest {
        schema_version: SCHEMA_VERSION,
        kind: period::KIND.into(),
        period,
        tool_version: env!("CARGO_PKG_VERSION").into(),
        generated_at,
        endpoints,
        inactive_days: r.thresholds.inactive_days,
        roster: HashedFile {
            path: r.roster.display().to_string(),
            sha256: hex::encode(Sha256::digest(&roster_bytes)),
        },
        snapshots,
        leavers: leavers.len(),
        escalations: escalations.len(),
        inactive,
        files: evidence::index(&files),
    };
    let json = evidence::manifest_json(&manifest);
    let manifest_sha = hex::encode(Sha256::digest(&json));
    for (name, bytes) in &files {
        write_private(&out.join(name), bytes, "--out")?;
    }
    write_private(&out.join(MANIFEST), &json, "--out")?;
    term.line(&format!(
        "period {} to {}: {} leaver(s), {} role escalation(s), {} inactive member(s), from {} \
         snapshot(s)",
        period.since,
        period.until,
        manifest.leavers,
        manifest.escalations,
        manifest.inactive,
        manifest.snapshots.len()
    ));
    term.line(&format!(
        "written to {} (manifest.json sha256 {manifest_sha}); check a copy with `hfaudit \
         evidence verify DIR`",
        out.display()
    ));
    Ok(Done::Clean)
}

/// The escalations between consecutive `snapshots`, reading each one's
/// roles once and keeping two at a time; the list is cut in two halves
/// (overlapping by one snapshot) read at once.
fn escalations_of(
    store: &Store,
    org: &str,
    history: &OrgHistory,
    snapshots: &[&SnapshotInfo],
) -> Result<Vec<period::Escalation>> {
    let run = |part: &[&SnapshotInfo]| -> Result<Vec<period::Escalation>> {
        let mut out = Vec::new();
        let mut previous: Option<(&SnapshotInfo, Roles)> = None;
        for info in part {
            let roles = store.member_roles(org, &info.id)?;
            if let Some((from, before)) = &previous {
                out.extend(period::escalations(
                    org,
                    history,
                    (from, before),
                    (info, &roles),
                ));
            }
            previous = Some((info, roles));
        }
        Ok(out)
    };
    if snapshots.len() < 8 {
        return run(snapshots);
    }
    let mid = snapshots.len() / 2;
    let (first, second) = std::thread::scope(|scope| {
        let first = scope.spawn(|| run(&snapshots[..=mid]));
        let second = run(&snapshots[mid..]);
        (crate::report::write::joined(first), second)
    });
    let mut out = first?;
    out.extend(second?);
    Ok(out)
}
