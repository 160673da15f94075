//! What closing a campaign proves, and the evidence pack that says it.
//!
//! **Verification.** For every `revoke` and `change` decision, the
//! snapshots taken after it was recorded show whether it happened: `done on
//! SNAPSHOT (N days after the decision)` when one shows the account gone
//! (revoke) or with the new role (change; gone counts too), `reverted on
//! SNAPSHOT` when a later one shows the access back, `not yet` otherwise.
//!
//! **The pack** (`STORE/_reviews/ID/evidence/`): `campaign.json`,
//! `population.csv`, `decisions.csv`, `verification.csv`, `report.html`
//! (the report of the frozen population, rendered at start), `controls.md`,
//! and `manifest.json` with the sha256 of each of them, of every snapshot
//! manifest relied on and of the roster. [`verify_dir`] recomputes them.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::decisions::Verdict;
use super::worksheet::csv_table;
use super::{Campaign, Decision, HashedFile, Population, SnapshotRef};
use crate::error::{Error, Result};
use crate::model::Snapshot;
use crate::report::csv::text;
use crate::report::utc_seconds as timestamp;
use crate::store::FileEntry;

/// The pack's index, written last.
pub const MANIFEST: &str = "manifest.json";

/// The files of a pack besides [`MANIFEST`], in order.
pub const FILES: [&str; 6] = [
    "campaign.json",
    "population.csv",
    "decisions.csv",
    "verification.csv",
    "report.html",
    "controls.md",
];

/// What one snapshot shows of an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seen {
    /// Not a member (or not a listed service account).
    Gone,
    /// Present, with its org role (`None` for a service account).
    Present(Option<String>),
    /// The snapshot could not list such accounts (its collector did not
    /// run or failed): it proves nothing either way.
    Unknown,
}

/// What a snapshot shows of `username` (`kind` as in the population).
pub fn seen(snapshot: &Snapshot, username: &str, kind: &str) -> Seen {
    let key = username.to_lowercase();
    if kind == "service_account" {
        return match snapshot.listed_service_accounts() {
            None => Seen::Unknown,
            Some(listed) if listed.iter().any(|s| s.username.to_lowercase() == key) => {
                Seen::Present(None)
            }
            Some(_) => Seen::Gone,
        };
    }
    if !snapshot
        .collector(crate::model::Collector::Members)
        .is_some_and(crate::model::CollectorStatus::is_ok)
    {
        return Seen::Unknown;
    }
    seen_in_roles(&snapshot_roles(snapshot), &key)
}

/// The members' roles of a snapshot, by lower-cased username (the shape
/// [`crate::store::Store::member_roles`] reads from the members table alone).
fn snapshot_roles(snapshot: &Snapshot) -> crate::history::Roles {
    snapshot
        .members
        .iter()
        .map(|m| (m.username.to_lowercase(), m.role.clone()))
        .collect()
}

/// What a snapshot's member roles show of `key` (a lower-cased username).
pub fn seen_in_roles(roles: &crate::history::Roles, key: &str) -> Seen {
    match roles.get(key) {
        Some(role) => Seen::Present(role.clone()),
        None => Seen::Gone,
    }
}

/// One later snapshot's view of a decided account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    pub snapshot_id: String,
    pub taken_at: DateTime<Utc>,
    pub seen: Seen,
}

/// Whether a revoke or change decision happened, from history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verification {
    pub line_id: String,
    pub org: String,
    pub username: String,
    pub decision: Verdict,
    pub new_role: Option<String>,
    pub recorded_at: DateTime<Utc>,
    /// `done`, `not_yet` or `reverted`.
    pub status: &'static str,
    /// The snapshot that shows it done (or, when reverted, back).
    pub snapshot_id: Option<String>,
    pub days_after: Option<i64>,
    /// The newest snapshot looked at.
    pub latest_snapshot: Option<String>,
}

impl Verification {
    /// How the status reads: `done on ID (N days after the decision)`.
    pub fn describe(&self) -> String {
        match (self.status, &self.snapshot_id) {
            ("done", Some(id)) => {
                let n = self.days_after.unwrap_or(0);
                format!(
                    "done on {id} ({n} day{} after the decision)",
                    if n == 1 { "" } else { "s" }
                )
            }
            ("reverted", Some(id)) => format!("reverted on {id}"),
            _ => "not yet".into(),
        }
    }
}

/// Verifies `d` against `observations` (any order; those taken before the
/// decision was recorded are ignored).
pub fn verify(d: &Decision, observations: &[Observation]) -> Verification {
    let mut later: Vec<&Observation> = observations
        .iter()
        .filter(|o| o.taken_at > d.recorded_at && o.seen != Seen::Unknown)
        .collect();
    later.sort_by_key(|o| o.taken_at);
    // Revoked: gone, or left with the role `no_access` (what `hfaudit
    // apply` sets; removal from the org, which frees the seat, is manual).
    let done = |o: &Observation| match (&o.seen, d.decision) {
        (Seen::Gone, _) => true,
        (Seen::Present(role), Verdict::Change) => role.as_deref() == d.new_role.as_deref(),
        (Seen::Present(role), _) => role.as_deref() == Some("no_access"),
        (Seen::Unknown, _) => false,
    };
    let mut v = Verification {
        line_id: d.line_id.clone(),
        org: d.org.clone(),
        username: d.username.clone(),
        decision: d.decision,
        new_role: d.new_role.clone(),
        recorded_at: d.recorded_at,
        status: "not_yet",
        snapshot_id: None,
        days_after: None,
        latest_snapshot: later.last().map(|o| o.snapshot_id.clone()),
    };
    let Some(first) = later.iter().position(|o| done(o)) else {
        return v;
    };
    let o = later[first];
    v.status = "done";
    v.snapshot_id = Some(o.snapshot_id.clone());
    v.days_after = Some((o.taken_at - d.recorded_at).num_days());
    if let Some(back) = later[first..].iter().find(|o| !done(o)) {
        v.status = "reverted";
        v.snapshot_id = Some(back.snapshot_id.clone());
        v.days_after = Some((back.taken_at - d.recorded_at).num_days());
    }
    v
}

/// `manifest.json` of a pack.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PackManifest {
    pub schema_version: u32,
    pub review_id: String,
    /// The version that closed the campaign (`campaign.json` has the one
    /// that started it).
    pub tool_version: String,
    pub principal: String,
    pub endpoint: String,
    pub started_at: DateTime<Utc>,
    pub as_of: NaiveDate,
    pub due: Option<NaiveDate>,
    pub closed_at: DateTime<Utc>,
    pub lines: usize,
    pub decided: usize,
    pub undecided: usize,
    pub roster: HashedFile,
    /// The snapshots the population was frozen from.
    pub snapshots: Vec<SnapshotRef>,
    /// The later snapshots the verification read.
    pub verification_snapshots: Vec<SnapshotRef>,
    /// Every other file of the pack: name → sha256 and size.
    pub files: BTreeMap<String, FileEntry>,
}

/// What closing needs besides the campaign's own files.
pub struct Closing<'a> {
    pub campaign: &'a Campaign,
    pub campaign_json: &'a [u8],
    pub population: &'a Population,
    pub population_csv: &'a [u8],
    pub report_html: &'a [u8],
    pub decisions: &'a [Decision],
    pub verifications: &'a [Verification],
    pub verification_snapshots: Vec<SnapshotRef>,
    pub closed_at: DateTime<Utc>,
}

/// The files of the pack, [`MANIFEST`] last.
pub fn pack(c: &Closing<'_>) -> Vec<(String, Vec<u8>)> {
    let files: Vec<(String, Vec<u8>)> = vec![
        (FILES[0].into(), c.campaign_json.to_vec()),
        (FILES[1].into(), c.population_csv.to_vec()),
        (FILES[2].into(), decisions_csv(c.population, c.decisions)),
        (FILES[3].into(), verification_csv(c.verifications)),
        (FILES[4].into(), c.report_html.to_vec()),
        (FILES[5].into(), controls(c.campaign).into_bytes()),
    ];
    let undecided = super::status::undecided(c.population, c.decisions).len();
    let manifest = PackManifest {
        schema_version: super::SCHEMA_VERSION,
        review_id: c.campaign.review_id.clone(),
        tool_version: env!("CARGO_PKG_VERSION").into(),
        principal: c.campaign.principal.clone(),
        endpoint: c.campaign.endpoint.clone(),
        started_at: c.campaign.started_at,
        as_of: c.campaign.as_of,
        due: c.campaign.due,
        closed_at: c.closed_at,
        lines: c.population.lines.len(),
        decided: c.population.lines.len() - undecided,
        undecided,
        roster: c.campaign.roster.clone(),
        snapshots: c.campaign.snapshots.clone(),
        verification_snapshots: c.verification_snapshots.clone(),
        files: index(&files),
    };
    let json = manifest_json(&manifest);
    let mut files = files;
    files.push((MANIFEST.into(), json));
    files
}

const DECISIONS_COLUMNS: [&str; 11] = [
    "line_id",
    "org",
    "username",
    "reviewer",
    "decision",
    "new_role",
    "note",
    "recorded_at",
    "worksheet",
    "worksheet_sha256",
    "worksheet_line",
];

/// `decisions.csv`: every line of the population with its decision, or
/// `undecided` (a campaign closed with `--allow-undecided`).
pub fn decisions_csv(population: &Population, decisions: &[Decision]) -> Vec<u8> {
    let by_line: BTreeMap<&str, &Decision> =
        decisions.iter().map(|d| (d.line_id.as_str(), d)).collect();
    csv_table(
        &DECISIONS_COLUMNS,
        population
            .lines
            .iter()
            .map(|l| match by_line.get(l.line_id.as_str()) {
                Some(d) => vec![
                    text(&d.line_id),
                    text(&d.org),
                    text(&d.username),
                    text(&d.reviewer),
                    text(d.decision.as_str()),
                    d.new_role.as_deref().map(text).unwrap_or_default(),
                    d.note.as_deref().map(text).unwrap_or_default(),
                    timestamp(d.recorded_at),
                    text(&d.worksheet),
                    text(&d.worksheet_sha256),
                    d.worksheet_line.to_string(),
                ],
                None => vec![
                    text(&l.line_id),
                    text(&l.org),
                    text(&l.username),
                    text(&l.reviewer),
                    "undecided".into(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                ],
            }),
    )
}

const VERIFICATION_COLUMNS: [&str; 10] = [
    "line_id",
    "org",
    "username",
    "decision",
    "new_role",
    "recorded_at",
    "status",
    "snapshot_id",
    "days_after",
    "latest_snapshot",
];

/// `verification.csv`: one row per revoke or change decision.
pub fn verification_csv(verifications: &[Verification]) -> Vec<u8> {
    csv_table(
        &VERIFICATION_COLUMNS,
        verifications.iter().map(|v| {
            vec![
                text(&v.line_id),
                text(&v.org),
                text(&v.username),
                text(v.decision.as_str()),
                v.new_role.as_deref().map(text).unwrap_or_default(),
                timestamp(v.recorded_at),
                text(&v.describe()),
                v.snapshot_id.as_deref().map(text).unwrap_or_default(),
                v.days_after.map(|d| d.to_string()).unwrap_or_default(),
                v.latest_snapshot.as_deref().map(text).unwrap_or_default(),
            ]
        }),
    )
}

/// `controls.md`: which file answers which control.
pub fn controls(c: &Campaign) -> String {
    let orgs: Vec<String> = c
        .snapshots
        .iter()
        .map(|s| format!("`{}` (snapshot {})", s.org, s.snapshot_id))
        .collect();
    format!(
        "# Access review {id}: evidence and controls\n\
         \n\
         Population frozen {started} (as of {as_of}) from {orgs}, by hfaudit {version} \
         with the token of `{principal}` on {endpoint}. `manifest.json` holds the sha256 \
         of every file below, of each snapshot's `manifest.json` (which holds the sha256 \
         of every data file of the snapshot) and of the HR roster; \
         `hfaudit evidence verify DIR` recomputes them.\n\
         \n\
         | control | what it asks | answered by |\n\
         |---|---|---|\n\
         | SOC 2 CC6.2 | registration and removal of access: access is removed when no longer needed | `population.csv` (who held access, tied to the HR roster, with the open findings such as `departed_member`), `decisions.csv` (each `revoke`), `verification.csv` (the snapshot showing each removal done, not yet done, or reverted) |\n\
         | SOC 2 CC6.3 | role changes and least privilege | `population.csv` (org role, resource-group roles, gated repos, tokens), `decisions.csv` (each `change` with its `new_role`), `verification.csv` (the snapshot showing the new role) |\n\
         | ISO 27001:2022 A.5.15 | access control: access granted by business need | `population.csv`, `report.html` (the reconciled report of the frozen population) |\n\
         | ISO 27001:2022 A.5.18 | access rights are reviewed at planned intervals | `campaign.json` (when, by whom, the due date, the reviewers), `decisions.csv` (a decision and its reviewer on every line, the worksheet and its sha256), `manifest.json` |\n",
        id = c.review_id,
        started = timestamp(c.started_at),
        as_of = c.as_of,
        orgs = orgs.join(", "),
        version = c.tool_version,
        principal = crate::text::clean_line(&c.principal, 100),
        endpoint = c.endpoint,
    )
}

/// What [`verify_dir`] found.
#[derive(Debug)]
pub struct Checked {
    /// What the pack is: `review ID` or `period SINCE to UNTIL`.
    pub what: String,
    /// The files the manifest lists.
    pub files: usize,
    /// Of `manifest.json`'s bytes: what `review close` printed.
    pub manifest_sha256: String,
    pub problems: Vec<Problem>,
}

/// What `evidence verify` found wrong with one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    pub what: String,
}

/// What every manifest has: its kind and the files' checksums.
#[derive(Deserialize)]
struct Index {
    /// `None` for a campaign's pack, [`super::period::KIND`] for a period's.
    #[serde(default)]
    kind: Option<String>,
    files: BTreeMap<String, FileEntry>,
}

/// Recomputes every checksum of the pack in `dir`: the files whose bytes
/// changed, that are missing, or that the manifest does not name, and
/// what the manifest itself says that those files contradict. A missing
/// or unreadable `manifest.json` is an input error.
pub fn verify_dir(dir: &Path) -> Result<Checked> {
    let path = dir.join(MANIFEST);
    let bytes = crate::input_file::read(&path, crate::input_file::CSV_MAX_BYTES, "manifest")
        .map_err(Error::unreadable_input)?;
    let not_a_manifest = |e: serde_json::Error| Error::Input {
        path: path.clone(),
        line: Some(e.line() as u64),
        column: Some(e.column() as u64),
        message: format!("not an evidence manifest: {e}"),
    };
    let index: Index = serde_json::from_slice(&bytes).map_err(not_a_manifest)?;
    let mut problems = Vec::new();
    for (name, entry) in &index.files {
        let file = dir.join(name);
        let ok_name = !name.contains(['/', '\\']) && !name.starts_with('.');
        match std::fs::symlink_metadata(&file) {
            _ if !ok_name => problems.push(Problem {
                file: name.clone(),
                what: "is not a plain file name".into(),
            }),
            Err(_) => problems.push(Problem {
                file: name.clone(),
                what: "is missing".into(),
            }),
            Ok(m) if !m.is_file() => problems.push(Problem {
                file: name.clone(),
                what: "is not a regular file".into(),
            }),
            Ok(_) => {
                let bytes = std::fs::read(&file).map_err(|e| Error::io(&file, e))?;
                if let Err(what) = entry.verify(&bytes) {
                    problems.push(Problem {
                        file: name.clone(),
                        what: format!("was changed: {what}"),
                    });
                }
            }
        }
    }
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    let mut extra = Vec::new();
    for e in entries {
        let e = e.map_err(|e| Error::io(dir, e))?;
        let name = e.file_name().to_string_lossy().into_owned();
        if name != MANIFEST && !index.files.contains_key(&name) {
            extra.push(name);
        }
    }
    extra.sort();
    problems.extend(extra.into_iter().map(|file| Problem {
        file,
        what: "is not in the manifest".into(),
    }));
    let intact =
        |name: &str| index.files.contains_key(name) && !problems.iter().any(|p| p.file == name);
    let intact_bytes = |name: &str| {
        intact(name)
            .then(|| std::fs::read(dir.join(name)).ok())
            .flatten()
    };
    let (what, disagreements) = if index.kind.as_deref() == Some(super::period::KIND) {
        let m: super::period::PeriodManifest =
            serde_json::from_slice(&bytes).map_err(not_a_manifest)?;
        let counts = super::period::FILES.map(|f| intact_bytes(f).and_then(|b| csv_rows(&b, f)));
        (
            format!("period {} to {}", m.period.since, m.period.until),
            super::period::manifest_disagreements(&m, counts),
        )
    } else {
        let m: PackManifest = serde_json::from_slice(&bytes).map_err(not_a_manifest)?;
        let campaign = intact_bytes(FILES[0]).and_then(|b| serde_json::from_slice(&b).ok());
        let decisions = intact_bytes(FILES[2]).and_then(|b| decision_counts(&b));
        (
            format!("review {}", m.review_id),
            manifest_disagreements(&m, campaign.as_ref(), decisions),
        )
    };
    problems.extend(disagreements.into_iter().map(|what| Problem {
        file: MANIFEST.into(),
        what,
    }));
    Ok(Checked {
        what,
        files: index.files.len(),
        manifest_sha256: hex::encode(Sha256::digest(&bytes)),
        problems,
    })
}

const PACK_CSV: crate::table::Kind = crate::table::Kind {
    what: "evidence file",
    example: "the header hfaudit wrote",
    row: "row",
    export: "restore the pack's file",
};

/// The data rows of a pack's CSV `name` (`None` when it cannot be read as
/// one), and the cells of `column` in them.
fn csv_cells(bytes: &[u8], name: &str, column: &str) -> Option<(usize, Vec<String>)> {
    let path = Path::new(name);
    let mut t = crate::table::Table::open(bytes, path, &PACK_CSV, &|_| true).ok()?;
    let at = t.column(&[column]);
    let (mut rows, mut cells) = (0, Vec::new());
    while let Some((_, record)) = t.next_row().ok()? {
        rows += 1;
        if let Some(i) = at {
            cells.push(record.get(i).unwrap_or_default().trim().to_string());
        }
    }
    Some((rows, cells))
}

/// The data rows of a pack's CSV.
pub(crate) fn csv_rows(bytes: &[u8], name: &str) -> Option<usize> {
    csv_cells(bytes, name, "").map(|(rows, _)| rows)
}

/// What any manifest gets wrong by itself: a file of `expected` it does
/// not list, a schema version this hfaudit does not write.
pub(crate) fn unlisted_or_unknown(
    files: &BTreeMap<String, FileEntry>,
    expected: &[&str],
    schema_version: u32,
    what: &str,
) -> Vec<String> {
    let mut out: Vec<String> = expected
        .iter()
        .filter(|f| !files.contains_key(**f))
        .map(|f| format!("does not list {f}, a file every {what} has"))
        .collect();
    if schema_version != super::SCHEMA_VERSION {
        out.push(format!(
            "has schema_version {schema_version}, this hfaudit writes {}",
            super::SCHEMA_VERSION
        ));
    }
    out
}

/// The checksums of `files`, for a manifest.
pub(crate) fn index(files: &[(String, Vec<u8>)]) -> BTreeMap<String, FileEntry> {
    files
        .iter()
        .map(|(name, bytes)| (name.clone(), FileEntry::of(bytes)))
        .collect()
}

/// A manifest as written: pretty JSON and a final newline.
pub(crate) fn manifest_json(manifest: &impl Serialize) -> Vec<u8> {
    let mut json = serde_json::to_vec_pretty(manifest).expect("the manifest serializes");
    json.push(b'\n');
    json
}

/// `(lines, undecided)` of a pack's `decisions.csv`; `None` when it cannot
/// be read as one.
fn decision_counts(bytes: &[u8]) -> Option<(usize, usize)> {
    let (lines, cells) = csv_cells(bytes, FILES[2], "decision")?;
    (cells.len() == lines).then(|| (lines, cells.iter().filter(|c| *c == "undecided").count()))
}

/// What `manifest.json` says that the checksummed files of the pack
/// contradict: its own fields are checked against `campaign.json` (when
/// intact) and the counts against `decisions.csv`, so that a changed
/// roster or snapshot sha256, principal or endpoint in the manifest is
/// caught although no checksum covers the manifest itself.
fn manifest_disagreements(
    m: &PackManifest,
    campaign: Option<&Campaign>,
    decisions: Option<(usize, usize)>,
) -> Vec<String> {
    let mut out = unlisted_or_unknown(&m.files, &FILES, m.schema_version, "pack");
    if let Some(c) = campaign {
        let fields = [
            ("review_id", m.review_id == c.review_id),
            ("principal", m.principal == c.principal),
            ("endpoint", m.endpoint == c.endpoint),
            ("started_at", m.started_at == c.started_at),
            ("as_of", m.as_of == c.as_of),
            ("due", m.due == c.due),
            ("roster", m.roster == c.roster),
            ("snapshots", m.snapshots == c.snapshots),
            ("lines", m.lines == c.lines),
        ];
        out.extend(
            fields
                .into_iter()
                .filter(|(_, same)| !same)
                .map(|(field, _)| format!("was changed: its {field} is not campaign.json's")),
        );
        if m.closed_at < c.started_at {
            out.push("was changed: closed_at is before the campaign started".into());
        }
    }
    if let Some((lines, undecided)) = decisions
        && (m.lines != lines || m.undecided != undecided || m.decided + m.undecided != m.lines)
    {
        out.push(format!(
            "was changed: it counts {} line(s), {} decided and {} undecided; \
             decisions.csv has {lines} line(s), {undecided} undecided",
            m.lines, m.decided, m.undecided
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    fn decision(verdict: Verdict, role: Option<&str>) -> Decision {
        Decision {
            line_id: "acme:bob".into(),
            org: "acme".into(),
            username: "bob".into(),
            decision: verdict,
            new_role: role.map(str::to_owned),
            note: None,
            reviewer: "boss@acme.example".into(),
            recorded_at: at("2026-01-10T00:00:00Z"),
            worksheet: "w.csv".into(),
            worksheet_sha256: "0".into(),
            worksheet_line: 2,
        }
    }

    fn obs(id: &str, when: &str, seen: Seen) -> Observation {
        Observation {
            snapshot_id: id.into(),
            taken_at: at(when),
            seen,
        }
    }

    #[test]
    fn a_revocation_is_done_not_yet_or_reverted() {
        let d = decision(Verdict::Revoke, None);
        let member = || Seen::Present(Some("write".to_string()));
        // Before the decision: ignored, even if it shows the account gone.
        let v = verify(&d, &[obs("s0", "2026-01-09T00:00:00Z", Seen::Gone)]);
        assert_eq!((v.status, v.describe().as_str()), ("not_yet", "not yet"));
        assert_eq!(v.latest_snapshot, None);
        let v = verify(
            &d,
            &[
                obs("s2", "2026-01-13T00:00:00Z", Seen::Gone),
                obs("s1", "2026-01-11T00:00:00Z", member()),
            ],
        );
        assert_eq!(v.status, "done");
        assert_eq!(v.describe(), "done on s2 (3 days after the decision)");
        assert_eq!(v.latest_snapshot.as_deref(), Some("s2"));
        let v = verify(
            &d,
            &[
                obs("s1", "2026-01-11T00:00:00Z", Seen::Gone),
                obs("s2", "2026-01-12T00:00:00Z", member()),
            ],
        );
        assert_eq!(v.status, "reverted");
        assert_eq!(v.describe(), "reverted on s2");
        let v = verify(&d, &[obs("s1", "2026-01-11T00:00:00Z", member())]);
        assert_eq!(v.status, "not_yet");
        // Left with no access (what `hfaudit apply` does) counts; a snapshot
        // that could not list members proves nothing.
        let none = Seen::Present(Some("no_access".into()));
        let v = verify(
            &d,
            &[
                obs("s1", "2026-01-11T00:00:00Z", Seen::Unknown),
                obs("s2", "2026-01-12T00:00:00Z", none),
                obs("s3", "2026-01-13T00:00:00Z", Seen::Unknown),
            ],
        );
        assert_eq!(v.describe(), "done on s2 (2 days after the decision)");
        assert_eq!(v.latest_snapshot.as_deref(), Some("s2"));
        let v = verify(&d, &[obs("s1", "2026-01-11T00:00:00Z", Seen::Unknown)]);
        assert_eq!((v.status, v.latest_snapshot), ("not_yet", None));
    }

    #[test]
    fn a_change_is_done_when_the_role_is_the_new_one() {
        let d = decision(Verdict::Change, Some("read"));
        let role = |r: &str| Seen::Present(Some(r.to_string()));
        let v = verify(&d, &[obs("s1", "2026-01-11T00:00:00Z", role("write"))]);
        assert_eq!(v.status, "not_yet");
        let v = verify(&d, &[obs("s1", "2026-01-11T00:00:00Z", role("read"))]);
        assert_eq!(v.describe(), "done on s1 (1 day after the decision)");
        let v = verify(
            &d,
            &[
                obs("s1", "2026-01-11T00:00:00Z", role("read")),
                obs("s2", "2026-01-12T00:00:00Z", role("admin")),
            ],
        );
        assert_eq!(v.status, "reverted");
    }

    #[test]
    fn verify_dir_names_changed_missing_and_extra_files() {
        let dir = tempfile::tempdir().unwrap();
        let files: Vec<(&str, Vec<u8>)> = FILES.iter().map(|f| (*f, b"1".to_vec())).collect();
        let manifest = PackManifest {
            schema_version: 1,
            review_id: "r".into(),
            tool_version: "0".into(),
            principal: "p".into(),
            endpoint: "e".into(),
            started_at: at("2026-01-01T00:00:00Z"),
            as_of: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            due: None,
            closed_at: at("2026-01-02T00:00:00Z"),
            lines: 0,
            decided: 0,
            undecided: 0,
            roster: HashedFile {
                path: "hr.csv".into(),
                sha256: "0".into(),
            },
            snapshots: vec![],
            verification_snapshots: vec![],
            files: files
                .iter()
                .map(|(n, b)| (n.to_string(), FileEntry::of(b)))
                .collect(),
        };
        std::fs::write(
            dir.path().join(MANIFEST),
            serde_json::to_vec(&manifest).unwrap(),
        )
        .unwrap();
        for (n, b) in &files {
            std::fs::write(dir.path().join(n), b).unwrap();
        }
        assert!(verify_dir(dir.path()).unwrap().problems.is_empty());
        std::fs::write(dir.path().join("population.csv"), b"3").unwrap();
        std::fs::remove_file(dir.path().join("decisions.csv")).unwrap();
        std::fs::write(dir.path().join("c.csv"), b"").unwrap();
        let problems = verify_dir(dir.path()).unwrap().problems;
        let got: Vec<(&str, &str)> = problems
            .iter()
            .map(|p| (p.file.as_str(), p.what.split(':').next().unwrap()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("decisions.csv", "is missing"),
                ("population.csv", "was changed"),
                ("c.csv", "is not in the manifest")
            ]
        );
        std::fs::write(dir.path().join(MANIFEST), b"{").unwrap();
        assert_eq!(verify_dir(dir.path()).unwrap_err().exit_code(), 2);
    }

    #[test]
    fn the_manifest_is_checked_against_the_campaign_and_the_decisions() {
        let started = at("2026-01-01T00:00:00Z");
        let campaign = Campaign {
            schema_version: super::super::SCHEMA_VERSION,
            review_id: "r".into(),
            started_at: started,
            as_of: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            due: None,
            tool_version: "0".into(),
            endpoint: "https://huggingface.co".into(),
            principal: "auditor".into(),
            reviewers: super::super::Reviewers::Manager { fallback: None },
            roster: HashedFile {
                path: "hr.csv".into(),
                sha256: "aa".into(),
            },
            snapshots: vec![],
            lines: 2,
            worksheets: vec![],
        };
        let m = PackManifest {
            schema_version: super::super::SCHEMA_VERSION,
            review_id: "r".into(),
            tool_version: "0".into(),
            principal: "auditor".into(),
            endpoint: "https://huggingface.co".into(),
            started_at: started,
            as_of: campaign.as_of,
            due: None,
            closed_at: at("2026-01-02T00:00:00Z"),
            lines: 2,
            decided: 1,
            undecided: 1,
            roster: campaign.roster.clone(),
            snapshots: vec![],
            verification_snapshots: vec![],
            files: FILES
                .iter()
                .map(|f| (f.to_string(), FileEntry::of(b"")))
                .collect(),
        };
        let check = |m: &PackManifest| manifest_disagreements(m, Some(&campaign), Some((2, 1)));
        assert_eq!(check(&m), Vec::<String>::new());
        assert_eq!(manifest_disagreements(&m, None, None), Vec::<String>::new());

        let mut changed = m.clone();
        changed.roster.sha256 = "ab".into();
        changed.principal = "someone".into();
        assert_eq!(
            check(&changed),
            [
                "was changed: its principal is not campaign.json's",
                "was changed: its roster is not campaign.json's"
            ]
        );
        let mut counts = m.clone();
        counts.undecided = 0;
        counts.decided = 2;
        assert_eq!(check(&counts).len(), 1);
        assert!(check(&counts)[0].contains("decisions.csv has 2 line(s), 1 undecided"));
        let mut dropped = m.clone();
        dropped.files.remove("controls.md");
        assert_eq!(
            check(&dropped),
            ["does not list controls.md, a file every pack has"]
        );
    }
}
