//! `hfaudit review start|import|status|close`: an access-review campaign in
//! `STORE/_reviews/ID/` (see `crate::review` for what the files mean).
//!
//! - `start` reconciles as `report` does (any input error is exit 2 with
//!   nothing written), asks the Hub only `whoami`, and writes the whole
//!   campaign in one step;
//! - `import` checks every worksheet before recording anything (exit 2
//!   naming file, line and column), then appends the new decisions;
//! - `status` exits 1 while lines are undecided;
//! - `close` refuses (exit 2) while lines are undecided unless
//!   `--allow-undecided`, verifies revocations against later snapshots and
//!   writes the evidence pack.

use crate::collections::{HashMap, HashMapExt};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::Utc;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use super::Done;
use crate::cli::{
    ReviewArgs, ReviewCloseArgs, ReviewCommand, ReviewImportArgs, ReviewStartArgs, ReviewVerifyArgs,
};
use crate::commands::snapshot::{client, runtime};
use crate::config::Settings;
use crate::error::{Error, Result};
use crate::hub;
use crate::input_file::{CSV_MAX_BYTES, read};
use crate::review::decisions::{self, Decision, Verdict};
use crate::review::evidence::{self, Closing, Observation};
use crate::review::worksheet::{self, FACT_COLUMNS};
use crate::review::{
    CAMPAIGN, Campaign, DECISIONS, EVIDENCE, HashedFile, Line, POPULATION_CSV, POPULATION_JSON,
    Population, REPORT_HTML, SCHEMA_VERSION, SnapshotRef, StartSettings, WORKSHEETS, WorksheetRef,
    population, status,
};
use crate::roster::Roster;
use crate::store::{Listed, Store, snapshot_id};
use crate::term::Term;
use crate::text::clean_line;

/// Widest roster or Hub text shown in one cell.
const CELL: usize = 120;

pub fn run(settings: &Settings, args: &ReviewArgs, term: &Term) -> Result<Done> {
    let store = Store::new(&settings.store);
    match &args.command {
        ReviewCommand::Start(a) => start(settings, &store, a, term),
        ReviewCommand::Import(a) => import(&store, a, term),
        ReviewCommand::Status(a) => show_status(&store, a.review.as_deref(), term),
        ReviewCommand::Verify(a) => show_verification(&store, a, term),
        ReviewCommand::Close(a) => close(&store, a, term),
    }
}

fn start(settings: &Settings, store: &Store, a: &ReviewStartArgs, term: &Term) -> Result<Done> {
    let started_at = Utc::now();
    let review = StartSettings::resolve(
        &a.reviewers,
        a.fallback_reviewer.as_deref(),
        a.due.as_deref(),
    )?;
    let r = settings.reconcile(&a.inputs, started_at)?;
    let hub_settings = settings.hub(&a.hub, None);
    let mail = match (a.mail, a.mail_dry_run) {
        (false, false) => None,
        (_, dry_run) => Some(settings.mail.for_reviewers(dry_run)?),
    };
    let roster_bytes = read(&r.roster, CSV_MAX_BYTES, "roster").map_err(Error::unreadable_input)?;
    let roster = Roster::parse(&roster_bytes, &r.roster, &r.roster_options)?;
    let (report, stored) = super::report::reconciled(store, &settings.orgs, &r)?;
    let phase = std::time::Instant::now();
    if stored.is_empty() {
        return Err(Error::store(
            store.root(),
            "no org has a complete snapshot: take one with `hfaudit snapshot` first",
        ));
    }
    // The roster the report read must be the one hashed.
    let again = read(&r.roster, CSV_MAX_BYTES, "roster").map_err(Error::unreadable_input)?;
    if again != roster_bytes {
        return Err(Error::input(
            &r.roster,
            "the roster changed while it was read; run again once it is written",
        ));
    }
    let lines = population::build(&report, &stored, &roster.people, &review.reviewers).map_err(
        |unassigned| {
            let shown: Vec<&str> = unassigned.iter().take(5).map(String::as_str).collect();
            Error::Usage(format!(
                "{} line(s) have nobody to review them (unmatched accounts, or people without a \
                 manager_email in the roster), e.g. {}{}: pass --fallback-reviewer EMAIL, or \
                 --reviewers EMAIL for one reviewer of every line",
                unassigned.len(),
                shown.join(", "),
                if unassigned.len() > shown.len() {
                    ", …"
                } else {
                    ""
                }
            ))
        },
    )?;
    tracing::debug!("population built in {} ms", phase.elapsed().as_millis());
    let mut snapshots = Vec::with_capacity(stored.len());
    for s in &stored {
        let id = snapshot_id(s.snapshot.taken_at);
        let manifest = store.manifest_bytes(&s.org, &id)?;
        snapshots.push(SnapshotRef {
            org: s.org.clone(),
            snapshot_id: id,
            taken_at: s.snapshot.taken_at,
            manifest_sha256: sha256(&manifest),
        });
    }
    // Local work done: only now the one Hub call.
    let client = client(&hub_settings)?;
    let endpoint = client.endpoint().as_str().trim_end_matches('/').to_string();
    for s in &stored {
        if s.snapshot.endpoint.trim_end_matches('/') != endpoint {
            return Err(Error::Usage(format!(
                "{}: the latest snapshot was read from {}, but the Hub configured now is \
                 {endpoint}; a review names the Hub its population came from",
                s.org, s.snapshot.endpoint
            )));
        }
    }
    let principal = runtime()?.block_on(hub::whoami(&client))?.name;

    let review_id = snapshot_id(started_at);
    let phase = std::time::Instant::now();
    let report_html = crate::report::html::render(&report, None)?;
    let mut by_reviewer: BTreeMap<&str, Vec<&Line>> = BTreeMap::new();
    for l in &lines {
        by_reviewer.entry(&l.reviewer).or_default().push(l);
    }
    let reviewers: Vec<&str> = by_reviewer.keys().copied().collect();
    // Every address checked before anything is written or sent.
    let mailboxes = match &mail {
        Some(_) => reviewers
            .iter()
            .map(|r| crate::config::reviewer_mailbox(r))
            .collect::<Result<Vec<_>>>()?,
        None => Vec::new(),
    };
    let stems = worksheet::file_stems(&reviewers);
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let mut worksheets = Vec::new();
    for ((reviewer, mine), stem) in by_reviewer.iter().zip(&stems) {
        let csv_name = format!("{stem}.csv");
        let html_name = format!("{stem}.html");
        let html = worksheet::html(
            &worksheet::Header {
                review_id: &review_id,
                reviewer,
                as_of: r.as_of,
                due: review.due,
                csv_name: &csv_name,
            },
            mine,
        )?;
        files.push((
            format!("{WORKSHEETS}/{csv_name}"),
            worksheet::csv(&review_id, reviewer, mine),
        ));
        files.push((format!("{WORKSHEETS}/{html_name}"), html.into_bytes()));
        worksheets.push(WorksheetRef {
            reviewer: reviewer.to_string(),
            csv: format!("{WORKSHEETS}/{csv_name}"),
            html: format!("{WORKSHEETS}/{html_name}"),
            lines: mine.len(),
        });
    }
    let campaign = Campaign {
        schema_version: SCHEMA_VERSION,
        review_id: review_id.clone(),
        started_at,
        as_of: r.as_of,
        due: review.due,
        tool_version: env!("CARGO_PKG_VERSION").into(),
        endpoint,
        principal,
        reviewers: review.reviewers.clone(),
        roster: HashedFile {
            path: r.roster.display().to_string(),
            sha256: sha256(&roster_bytes),
        },
        snapshots,
        lines: lines.len(),
        worksheets,
    };
    let population = Population {
        schema_version: SCHEMA_VERSION,
        review_id: review_id.clone(),
        lines,
    };
    files.extend([
        (CAMPAIGN.to_string(), json(&campaign)),
        (POPULATION_JSON.to_string(), json(&population)),
        (POPULATION_CSV.to_string(), population_csv(&population)),
        (REPORT_HTML.to_string(), report_html.into_bytes()),
    ]);
    tracing::debug!("campaign rendered in {} ms", phase.elapsed().as_millis());
    let phase = std::time::Instant::now();
    let dir = store.publish_review(&review_id, &files)?;
    tracing::debug!("campaign written in {} ms", phase.elapsed().as_millis());
    for w in &report.warnings {
        tracing::warn!("{w}");
    }
    term.line(&format!(
        "review {review_id} started: {} line(s) for {} reviewer(s){}; worksheets in {}:",
        population.lines.len(),
        campaign.worksheets.len(),
        campaign.due.map_or(String::new(), |d| format!(", due {d}")),
        dir.join(WORKSHEETS).display()
    ));
    for w in &campaign.worksheets {
        term.line(&format!(
            "  {:<40} {:>5} line(s)  {}",
            clean_line(&w.reviewer, CELL),
            w.lines,
            clean_line(w.csv.trim_start_matches("worksheets/"), CELL)
        ));
    }
    match &mail {
        Some(mail) => {
            let bytes = |name: &str| {
                files
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, b)| b.clone())
                    .expect("the worksheet was published")
            };
            let outgoing: Vec<Outgoing<'_>> = campaign
                .worksheets
                .iter()
                .zip(mailboxes)
                .map(|(w, to)| Outgoing {
                    worksheet: w,
                    to,
                    csv: bytes(&w.csv),
                    html: bytes(&w.html),
                    undecided: None,
                })
                .collect();
            mail_reviewers(store, mail, &campaign, &outgoing, "mail", term)?;
        }
        None => term.line("send each reviewer their worksheet (or start with --mail)"),
    }
    term.line(&format!(
        "record the filled-in worksheets with `hfaudit review import FILE…`; \
         `hfaudit review status --review {review_id}` shows what is left"
    ));
    Ok(Done::Clean)
}

/// One reviewer's message: their worksheet, its bytes, their address, and
/// for a reminder how many of their lines are still undecided.
struct Outgoing<'a> {
    worksheet: &'a WorksheetRef,
    to: lettre::message::Mailbox,
    csv: Vec<u8>,
    html: Vec<u8>,
    undecided: Option<usize>,
}

/// Mails each reviewer of `outgoing` their own worksheet, or writes the
/// messages to `STORE/_reviews/ID/SUB/` for a dry run. A failed send
/// names who was already mailed.
fn mail_reviewers(
    store: &Store,
    mail: &crate::config::MailSettings,
    campaign: &Campaign,
    outgoing: &[Outgoing<'_>],
    sub: &str,
    term: &Term,
) -> Result<()> {
    use crate::report::mail::{WorksheetMail, compose_worksheet, send_to};
    let orgs: Vec<String> = campaign.snapshots.iter().map(|s| s.org.clone()).collect();
    let file = |path: &str| path.rsplit('/').next().unwrap_or(path).to_string();
    let mut messages = Vec::new();
    for o in outgoing {
        let (csv, html) = (file(&o.worksheet.csv), file(&o.worksheet.html));
        let message = compose_worksheet(
            mail,
            &o.to,
            &WorksheetMail {
                review_id: &campaign.review_id,
                lines: o.worksheet.lines,
                undecided: o.undecided,
                orgs: &orgs,
                due: campaign.due,
                csv: (&csv, &o.csv),
                html: (&html, &o.html),
            },
        )?;
        messages.push((o.worksheet, csv, message));
    }
    if matches!(mail.delivery, crate::config::Delivery::DryRun) {
        let emls: Vec<(String, Vec<u8>)> = messages
            .iter()
            .map(|(_, csv, m)| {
                let stem = csv.strip_suffix(".csv").unwrap_or(csv);
                (format!("{stem}.eml"), m.formatted())
            })
            .collect();
        let dir = store.publish_review_dir(&campaign.review_id, sub, &emls)?;
        term.line(&format!(
            "review {}: {} message(s) written to {} (--mail-dry-run)",
            campaign.review_id,
            emls.len(),
            dir.display()
        ));
        return Ok(());
    }
    let mut sent: Vec<&str> = Vec::new();
    for (w, _, message) in &messages {
        let hint = format!(
            "review {id} is started; {mailed}; the worksheets are in \
             STORE/_reviews/{id}/worksheets",
            id = campaign.review_id,
            mailed = if sent.is_empty() {
                "no reviewer was mailed".to_string()
            } else {
                format!("already mailed: {}", sent.join(", "))
            }
        );
        let server = send_to(mail, message, &w.reviewer, &hint)?;
        term.line(&format!(
            "  mailed {} their worksheet via {server}",
            clean_line(&w.reviewer, CELL)
        ));
        sent.push(&w.reviewer);
    }
    Ok(())
}

/// `run --mail-reviewers`: in every open campaign, each reviewer with
/// undecided lines gets their worksheet again with how many are left (a
/// dry run writes them to `STORE/_reviews/ID/reminders-TIME/`).
pub(crate) fn remind_reviewers(
    store: &Store,
    mail: &crate::config::MailSettings,
    term: &Term,
) -> Result<usize> {
    let mut reminded = 0;
    for id in store.review_ids()? {
        if store.review_has(&id, EVIDENCE)? {
            continue;
        }
        let campaign: Campaign = load_json(store, &id, CAMPAIGN)?;
        let population: Population = load_json(store, &id, POPULATION_JSON)?;
        let decided = load_decisions(store, &id)?;
        let s = status::status(&population, &decided, campaign.due, Utc::now().date_naive());
        let mut outgoing = Vec::new();
        for w in &campaign.worksheets {
            let Some(r) = s
                .reviewers
                .iter()
                .find(|r| r.reviewer == w.reviewer && r.undecided() > 0)
            else {
                continue;
            };
            outgoing.push(Outgoing {
                worksheet: w,
                to: crate::config::reviewer_mailbox(&w.reviewer)?,
                csv: required(store, &id, &w.csv)?,
                html: required(store, &id, &w.html)?,
                undecided: Some(r.undecided()),
            });
        }
        if outgoing.is_empty() {
            continue;
        }
        let sub = format!("reminders-{}", snapshot_id(Utc::now()));
        mail_reviewers(store, mail, &campaign, &outgoing, &sub, term)?;
        reminded += outgoing.len();
    }
    Ok(reminded)
}

/// `population.csv`: the line id, the facts, the reviewer and how they were
/// chosen.
fn population_csv(p: &Population) -> Vec<u8> {
    let header: Vec<&str> = ["line_id"]
        .into_iter()
        .chain(FACT_COLUMNS)
        .chain(["reviewer", "assigned"])
        .collect();
    worksheet::csv_table(
        &header,
        p.lines.iter().map(|l| {
            let mut row = vec![crate::report::csv::text(&l.line_id)];
            row.extend(worksheet::facts(l));
            row.push(crate::report::csv::text(&l.reviewer));
            row.push(l.assigned.as_str().to_string());
            row
        }),
    )
}

fn import(store: &Store, a: &ReviewImportArgs, term: &Term) -> Result<Done> {
    // Every file is read and parsed before anything else.
    let mut filled = Vec::with_capacity(a.files.len());
    for path in &a.files {
        let bytes = read(path, CSV_MAX_BYTES, "worksheet").map_err(Error::unreadable_input)?;
        filled.push((path, worksheet::read(&bytes, path)?));
    }
    let id = match &a.review {
        Some(id) => id.clone(),
        None => {
            let mut named: Vec<&str> = filled
                .iter()
                .flat_map(|(_, f)| f.rows.iter())
                .filter_map(|r| r.review_id.as_ref())
                .map(|c| c.value.as_str())
                .filter(|v| !v.is_empty())
                .collect();
            named.sort_unstable();
            named.dedup();
            match named.as_slice() {
                [] => only_open(store)?,
                [one] => (*one).to_string(),
                many => {
                    return Err(Error::Usage(format!(
                        "the worksheets belong to {} reviews ({}): import each review's \
                         worksheets with --review ID",
                        many.len(),
                        many.join(", ")
                    )));
                }
            }
        }
    };
    let _lock = store.lock_review(&id)?;
    refuse_closed(store, &id)?;
    let population: Population = load_json(store, &id, POPULATION_JSON)?;
    let recorded = load_decisions(store, &id)?;
    let now = Utc::now();
    let mut known = recorded.clone();
    let mut reports = Vec::new();
    for (path, f) in &filled {
        let checked = decisions::check(path, f, &population, &known, now)?;
        known.extend(checked.new.iter().cloned());
        reports.push((path, checked));
    }
    let new: Vec<Decision> = reports.iter().flat_map(|(_, c)| c.new.clone()).collect();
    if !new.is_empty() {
        store.append_review_file(&id, DECISIONS, &decisions::encode(&new))?;
    }
    for (path, c) in &reports {
        let name = clean_line(&path.display().to_string(), CELL);
        if c.already_imported {
            term.line(&format!("{name}: imported before; nothing new"));
            continue;
        }
        term.line(&format!(
            "{name}: {}: {} new decision(s), {} recorded before, {} undecided",
            c.reviewer
                .as_deref()
                .map_or("no lines".to_string(), |r| clean_line(r, CELL)),
            c.new.len(),
            c.unchanged,
            c.undecided
        ));
    }
    let campaign: Campaign = load_json(store, &id, CAMPAIGN)?;
    let s = status::status(&population, &known, campaign.due, Utc::now().date_naive());
    term.line(&format!(
        "review {id}: {} of {} line(s) decided{}",
        s.decided,
        s.lines,
        if s.complete() {
            "; close it with `hfaudit review close`".to_string()
        } else {
            String::new()
        }
    ));
    Ok(Done::Clean)
}

fn show_status(store: &Store, review: Option<&str>, term: &Term) -> Result<Done> {
    let id = match review {
        Some(id) => id.to_string(),
        None => only_open(store)?,
    };
    let campaign: Campaign = load_json(store, &id, CAMPAIGN)?;
    let population: Population = load_json(store, &id, POPULATION_JSON)?;
    let decided = load_decisions(store, &id)?;
    let s = status::status(&population, &decided, campaign.due, Utc::now().date_naive());
    let closed = store.review_has(&id, EVIDENCE)?;
    term.output(&format!(
        "review {id} (started {}{}){}: {} of {} line(s) decided, {} overdue",
        crate::report::utc_seconds(campaign.started_at),
        campaign.due.map_or(String::new(), |d| format!(", due {d}")),
        if closed { ", closed" } else { "" },
        s.decided,
        s.lines,
        s.overdue
    ));
    term.output(&format!(
        "  {:<40} {:>7} {:>7} {:>7}",
        "reviewer", "lines", "decided", "overdue"
    ));
    for r in &s.reviewers {
        term.output(&format!(
            "  {:<40} {:>7} {:>7} {:>7}",
            clean_line(&r.reviewer, CELL),
            r.lines,
            r.decided,
            r.overdue
        ));
    }
    let (verifications, _) = verify(store, &population, &decided)?;
    if !verifications.is_empty() {
        term.output(&format!(
            "{}; `hfaudit review verify {id}` lists them",
            verification_counts(&verifications)
        ));
    }
    Ok(if s.complete() {
        Done::Clean
    } else {
        Done::Findings
    })
}

fn close(store: &Store, a: &ReviewCloseArgs, term: &Term) -> Result<Done> {
    let id = match &a.review {
        Some(id) => id.clone(),
        None => only_open(store)?,
    };
    let _lock = store.lock_review(&id)?;
    refuse_closed(store, &id)?;
    let campaign_json = required(store, &id, CAMPAIGN)?;
    let campaign: Campaign = parse_json(store, &id, CAMPAIGN, &campaign_json)?;
    let population: Population = load_json(store, &id, POPULATION_JSON)?;
    let decided = load_decisions(store, &id)?;
    let undecided = status::undecided(&population, &decided);
    if !undecided.is_empty() && !a.allow_undecided {
        let shown: Vec<&str> = undecided
            .iter()
            .take(5)
            .map(|l| l.line_id.as_str())
            .collect();
        return Err(Error::Refused {
            message: format!(
                "review {id}: {} of {} line(s) are undecided (e.g. {}{}); the review is not closed",
                undecided.len(),
                population.lines.len(),
                shown.join(", "),
                if undecided.len() > shown.len() {
                    ", …"
                } else {
                    ""
                }
            ),
            hint: "import the remaining worksheets (`hfaudit review status` shows whose), or \
                   close with --allow-undecided to list them as undecided in the pack"
                .into(),
        });
    }
    let (verifications, verification_snapshots) = verify(store, &population, &decided)?;
    let closed_at = Utc::now();
    let files = evidence::pack(&Closing {
        campaign: &campaign,
        campaign_json: &campaign_json,
        population: &population,
        population_csv: &required(store, &id, POPULATION_CSV)?,
        report_html: &required(store, &id, REPORT_HTML)?,
        decisions: &decided,
        verifications: &verifications,
        verification_snapshots,
        closed_at,
    });
    let manifest_sha = files
        .last()
        .map(|(_, bytes)| sha256(bytes))
        .unwrap_or_default();
    let dir = store.publish_review_dir(&id, EVIDENCE, &files)?;
    term.line(&format!(
        "review {id} closed: {} line(s), {} decided, {} undecided; {}",
        population.lines.len(),
        population.lines.len() - undecided.len(),
        undecided.len(),
        verification_counts(&verifications)
    ));
    for v in verifications.iter().filter(|v| v.status != "done") {
        term.line(&format!(
            "  {} {}: {}",
            clean_line(&v.line_id, CELL),
            v.decision.as_str(),
            v.describe()
        ));
    }
    term.line(&format!(
        "evidence pack in {} (manifest.json sha256 {manifest_sha}); check a copy with \
         `hfaudit evidence verify DIR`",
        dir.display()
    ));
    Ok(Done::Clean)
}

/// `hfaudit review verify ID`: every revoke and change decision, checked
/// against the snapshots taken since it was recorded.
fn show_verification(store: &Store, a: &ReviewVerifyArgs, term: &Term) -> Result<Done> {
    let id = match &a.review {
        Some(id) => id.clone(),
        None => only_open(store)?,
    };
    let population: Population = load_json(store, &id, POPULATION_JSON)?;
    let decided = load_decisions(store, &id)?;
    let (verifications, read) = verify(store, &population, &decided)?;
    for v in &verifications {
        term.output(&format!(
            "{} {}{}: {}",
            clean_line(&v.line_id, CELL),
            v.decision.as_str(),
            v.new_role
                .as_deref()
                .map_or(String::new(), |r| format!(" to {r}")),
            v.describe()
        ));
    }
    term.output(&format!(
        "review {id}: {} ({} later snapshot(s) read)",
        verification_counts(&verifications),
        read.len()
    ));
    Ok(if verifications.iter().all(|v| v.status == "done") {
        Done::Clean
    } else {
        Done::Findings
    })
}

/// `N revoke/change decision(s): D done, Y not yet, R reverted`.
fn verification_counts(verifications: &[evidence::Verification]) -> String {
    let count = |s: &str| verifications.iter().filter(|v| v.status == s).count();
    format!(
        "{} revoke/change decision(s): {} done, {} not yet, {} reverted",
        verifications.len(),
        count("done"),
        count("not_yet"),
        count("reverted")
    )
}

/// Verifies every revoke and change decision against the complete
/// snapshots taken after the first of them was recorded; returns the
/// verifications and the snapshots read.
fn verify(
    store: &Store,
    population: &Population,
    decided: &[Decision],
) -> Result<(Vec<evidence::Verification>, Vec<SnapshotRef>)> {
    let acting: Vec<&Decision> = decided
        .iter()
        .filter(|d| matches!(d.decision, Verdict::Revoke | Verdict::Change))
        .collect();
    let mut orgs: BTreeMap<&str, Vec<&Decision>> = BTreeMap::new();
    for d in &acting {
        orgs.entry(d.org.as_str()).or_default().push(d);
    }
    let mut seen: HashMap<&str, Vec<Observation>> = HashMap::new();
    let mut read = Vec::new();
    for (org, ds) in &orgs {
        let since = ds.iter().map(|d| d.recorded_at).min().expect("not empty");
        for listed in store.list(org)? {
            let Listed::Complete(m) = listed else {
                continue;
            };
            if m.taken_at <= since {
                continue;
            }
            let snapshot = store.load(org, &m.snapshot_id)?;
            for d in ds {
                let kind = population
                    .line(&d.line_id)
                    .map_or("member", |l| l.kind.as_str());
                seen.entry(&d.line_id).or_default().push(Observation {
                    snapshot_id: m.snapshot_id.clone(),
                    taken_at: m.taken_at,
                    seen: evidence::seen(&snapshot, &d.username, kind),
                });
            }
            read.push(SnapshotRef {
                org: org.to_string(),
                snapshot_id: m.snapshot_id.clone(),
                taken_at: m.taken_at,
                manifest_sha256: sha256(&store.manifest_bytes(org, &m.snapshot_id)?),
            });
        }
    }
    let verifications = acting
        .iter()
        .map(|d| evidence::verify(d, seen.get(d.line_id.as_str()).map_or(&[], Vec::as_slice)))
        .collect();
    Ok((verifications, read))
}

/// A closed campaign, its population and its decisions, for `hfaudit plan
/// --review ID`: an unknown id or an open review is a usage error; a record
/// of decisions that is not the one the evidence pack sealed is refused.
pub(crate) fn closed_decisions(
    store: &Store,
    id: &str,
) -> Result<(Campaign, Population, Vec<Decision>)> {
    let campaign: Campaign = load_json(store, id, CAMPAIGN)?;
    if !store.review_has(id, EVIDENCE)? {
        return Err(Error::Usage(format!(
            "review {id} is open: a plan carries out the decisions of a closed review only \
             (`hfaudit review close --review {id}` closes it)"
        )));
    }
    let population: Population = load_json(store, id, POPULATION_JSON)?;
    let decided = load_decisions(store, id)?;
    let manifest: evidence::PackManifest =
        load_json(store, id, &format!("{EVIDENCE}/{}", evidence::MANIFEST))?;
    let sealed = manifest.files.get(evidence::FILES[2]).is_some_and(|entry| {
        entry
            .verify(&evidence::decisions_csv(&population, &decided))
            .is_ok()
    });
    if !sealed {
        return Err(Error::Refused {
            message: format!(
                "review {id}: the decisions recorded ({DECISIONS}) are not those its evidence \
                 pack sealed ({EVIDENCE}/{})",
                evidence::FILES[2]
            ),
            hint: "nothing was planned; find out who changed the store (`hfaudit evidence \
                   verify` checks the pack)"
                .into(),
        });
    }
    Ok((campaign, population, decided))
}

/// The one campaign without an evidence pack.
fn only_open(store: &Store) -> Result<String> {
    let mut open = Vec::new();
    for id in store.review_ids()? {
        if !store.review_has(&id, EVIDENCE)? {
            open.push(id);
        }
    }
    match open.len() {
        1 => Ok(open.remove(0)),
        0 => Err(Error::Usage(
            "no open review in the store: start one with `hfaudit review start`, or name a \
             closed one with --review ID"
                .into(),
        )),
        _ => Err(Error::Usage(format!(
            "{} reviews are open ({}): pick one with --review ID",
            open.len(),
            open.join(", ")
        ))),
    }
}

fn refuse_closed(store: &Store, id: &str) -> Result<()> {
    if store.review_has(id, EVIDENCE)? {
        return Err(Error::Usage(format!(
            "review {id} is closed (its evidence pack is written); start a new review"
        )));
    }
    Ok(())
}

fn load_decisions(store: &Store, id: &str) -> Result<Vec<Decision>> {
    match store.read_review_file(id, DECISIONS)? {
        Some(bytes) => decisions::decode(&bytes, &review_path(store, id, DECISIONS)),
        None => Ok(Vec::new()),
    }
}

fn required(store: &Store, id: &str, name: &str) -> Result<Vec<u8>> {
    store
        .read_review_file(id, name)?
        .ok_or_else(|| Error::store(review_path(store, id, name), "is missing"))
}

fn load_json<T: DeserializeOwned>(store: &Store, id: &str, name: &str) -> Result<T> {
    parse_json(store, id, name, &required(store, id, name)?)
}

fn parse_json<T: DeserializeOwned>(store: &Store, id: &str, name: &str, bytes: &[u8]) -> Result<T> {
    serde_json::from_slice(bytes)
        .map_err(|e| Error::store(review_path(store, id, name), format!("cannot be read: {e}")))
}

fn review_path(store: &Store, id: &str, name: &str) -> PathBuf {
    store
        .root()
        .join(crate::store::reviews::REVIEWS_DIR)
        .join(id)
        .join(Path::new(name))
}

fn json<T: serde::Serialize>(value: &T) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(value).expect("review files serialize");
    bytes.push(b'\n');
    bytes
}

fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}
