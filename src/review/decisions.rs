//! Decisions: the strict checks of `hfaudit review import` and the
//! append-only record `decisions.jsonl` (one JSON [`Decision`] a line).
//!
//! A worksheet is checked whole before anything of it is recorded; the
//! first problem is an [`Error::Input`] naming the file, line and column:
//! a decision other than `keep`, `revoke` or `change`; `change` without a
//! valid `new_role` (or a `new_role` without `change`); an unknown line id;
//! a line of another reviewer (the `reviewer` column must be the same on
//! every row — it says whose worksheet it is — and be the line's assigned
//! reviewer); a reviewer deciding about their own account without a note;
//! a line decided twice with different answers, in the file, in another
//! file of the same import, or in what is recorded already. The same
//! answer again is not recorded again, so importing a file twice changes
//! nothing. An empty `decision` cell is undecided.

use crate::collections::{HashMap, HashMapExt};
use std::path::Path;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Population;
use super::worksheet::{Cell, Filled};
use crate::error::{Error, Result};
use crate::table::shown;

/// What a reviewer decided about a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Keep,
    Revoke,
    Change,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Keep => "keep",
            Verdict::Revoke => "revoke",
            Verdict::Change => "change",
        }
    }

    fn parse(cell: &str) -> Option<Verdict> {
        match cell.to_ascii_lowercase().as_str() {
            "keep" => Some(Verdict::Keep),
            "revoke" => Some(Verdict::Revoke),
            "change" => Some(Verdict::Change),
            _ => None,
        }
    }
}

/// The roles `change` may set.
pub const ROLES: [&str; 5] = ["admin", "write", "contributor", "read", "no_access"];

/// One line of `decisions.jsonl`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub line_id: String,
    pub org: String,
    pub username: String,
    pub decision: Verdict,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub reviewer: String,
    /// When it was imported (the worksheet does not say when it was filled).
    pub recorded_at: DateTime<Utc>,
    /// The worksheet's file name, as given to `review import`.
    pub worksheet: String,
    pub worksheet_sha256: String,
    /// The worksheet line it was read from.
    pub worksheet_line: u64,
}

impl Decision {
    fn answer(&self) -> (Verdict, Option<&str>) {
        (self.decision, self.new_role.as_deref())
    }

    fn answer_text(&self) -> String {
        match &self.new_role {
            Some(r) => format!("{} to {r}", self.decision.as_str()),
            None => self.decision.as_str().to_string(),
        }
    }
}

/// What the check of one worksheet found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    /// The reviewer the worksheet is for (`None`: no rows).
    pub reviewer: Option<String>,
    /// Decisions to record.
    pub new: Vec<Decision>,
    /// Decisions recorded already, with the same answer.
    pub unchanged: usize,
    /// Rows with an empty decision.
    pub undecided: usize,
    /// The same bytes were imported before: nothing to do.
    pub already_imported: bool,
}

/// Checks the filled-in worksheet at `path` against the campaign's
/// population and the decisions known so far (`known`: recorded, then those
/// of the files before it in the same import).
pub fn check(
    path: &Path,
    filled: &Filled,
    population: &Population,
    known: &[Decision],
    now: DateTime<Utc>,
) -> Result<Checked> {
    let mut checked = Checked {
        reviewer: None,
        new: Vec::new(),
        unchanged: 0,
        undecided: 0,
        already_imported: false,
    };
    if known.iter().any(|d| d.worksheet_sha256 == filled.sha256) {
        checked.already_imported = true;
        return Ok(checked);
    }
    let at = |line: u64, cell: &Cell, message: String| Error::Input {
        path: path.to_owned(),
        line: Some(line),
        column: Some(cell.column),
        message,
    };
    let earlier: HashMap<&str, &Decision> = known.iter().map(|d| (d.line_id.as_str(), d)).collect();
    // Line id → (answer, worksheet line) of the rows decided in this file.
    let mut here: HashMap<String, (Verdict, Option<String>, u64)> = HashMap::new();
    let mut file_reviewer: Option<(String, u64)> = None;
    let worksheet = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    for row in &filled.rows {
        let line = row.line;
        if let Some(r) = &row.review_id
            && !r.value.is_empty()
            && r.value != population.review_id
        {
            return Err(at(
                line,
                r,
                format!(
                    "this line belongs to review {}, not to review {}",
                    shown(&r.value),
                    population.review_id
                ),
            ));
        }
        let id = row.line_id.value.to_lowercase();
        if id.is_empty() {
            return Err(at(line, &row.line_id, "the line id is empty".into()));
        }
        let Some(target) = population.line(&id) else {
            return Err(at(
                line,
                &row.line_id,
                format!(
                    "unknown line id {} (not in review {})",
                    shown(&row.line_id.value),
                    population.review_id
                ),
            ));
        };
        let reviewer = row.reviewer.value.to_lowercase();
        match &file_reviewer {
            None => file_reviewer = Some((reviewer.clone(), line)),
            Some((r, first)) if *r != reviewer => {
                return Err(at(
                    line,
                    &row.reviewer,
                    format!(
                        "this row names reviewer {} but the worksheet is {}'s (line {first}): \
                         one worksheet, one reviewer",
                        shown(&row.reviewer.value),
                        shown(r)
                    ),
                ));
            }
            Some(_) => {}
        }
        if target.reviewer != reviewer {
            return Err(at(
                line,
                &row.reviewer,
                format!(
                    "line {id} is assigned to {}, not to {}: a reviewer decides only their own lines",
                    shown(&target.reviewer),
                    shown(&row.reviewer.value)
                ),
            ));
        }
        let new_role = row.new_role.value.to_lowercase();
        if row.decision.value.is_empty() {
            if !new_role.is_empty() {
                return Err(at(
                    line,
                    &row.new_role,
                    format!(
                        "a new_role {} without a decision: write `change` in decision",
                        shown(&new_role)
                    ),
                ));
            }
            checked.undecided += 1;
            continue;
        }
        let Some(verdict) = Verdict::parse(&row.decision.value) else {
            return Err(at(
                line,
                &row.decision,
                format!(
                    "decision {} is not keep, revoke or change",
                    shown(&row.decision.value)
                ),
            ));
        };
        let new_role = match verdict {
            Verdict::Change if new_role.is_empty() => {
                return Err(at(
                    line,
                    &row.new_role,
                    format!("`change` needs a new_role: one of {}", ROLES.join(", ")),
                ));
            }
            Verdict::Change if !ROLES.contains(&new_role.as_str()) => {
                return Err(at(
                    line,
                    &row.new_role,
                    format!(
                        "new_role {} is not one of {}",
                        shown(&row.new_role.value),
                        ROLES.join(", ")
                    ),
                ));
            }
            Verdict::Change if target.role.as_deref() == Some(new_role.as_str()) => {
                return Err(at(
                    line,
                    &row.new_role,
                    format!("{id} already has the role {new_role}: the decision is `keep`"),
                ));
            }
            Verdict::Change => Some(new_role),
            _ if !new_role.is_empty() => {
                return Err(at(
                    line,
                    &row.new_role,
                    format!(
                        "a new_role goes only with `change`, not with `{}`",
                        verdict.as_str()
                    ),
                ));
            }
            _ => None,
        };
        let note = Some(row.note.value.clone()).filter(|n| !n.is_empty());
        let own = target
            .email
            .as_deref()
            .is_some_and(|e| e.eq_ignore_ascii_case(&reviewer));
        if own && note.is_none() {
            return Err(at(
                line,
                &row.note,
                format!("{id} is the reviewer's own account: a decision on it needs a note"),
            ));
        }
        if let Some((v, r, first)) = here.get(&id) {
            if (*v, r.as_deref()) != (verdict, new_role.as_deref()) {
                return Err(at(
                    line,
                    &row.decision,
                    format!(
                        "line {id} is decided twice with different answers (also on line {first})"
                    ),
                ));
            }
            continue;
        }
        here.insert(id.clone(), (verdict, new_role.clone(), line));
        if let Some(d) = earlier.get(id.as_str()) {
            if d.answer() != (verdict, new_role.as_deref()) {
                return Err(at(
                    line,
                    &row.decision,
                    format!(
                        "line {id} is decided already: {} by {} (worksheet {}, line {}, recorded {}); \
                         a recorded decision is final",
                        d.answer_text(),
                        d.reviewer,
                        shown(&d.worksheet),
                        d.worksheet_line,
                        crate::report::utc_seconds(d.recorded_at)
                    ),
                ));
            }
            checked.unchanged += 1;
            continue;
        }
        checked.new.push(Decision {
            line_id: id,
            org: target.org.clone(),
            username: target.username.clone(),
            decision: verdict,
            new_role,
            note,
            reviewer: reviewer.clone(),
            recorded_at: now,
            worksheet: worksheet.clone(),
            worksheet_sha256: filled.sha256.clone(),
            worksheet_line: line,
        });
    }
    checked.reviewer = file_reviewer.map(|(r, _)| r);
    Ok(checked)
}

/// `decisions` as JSON lines.
pub fn encode(decisions: &[Decision]) -> Vec<u8> {
    let mut out = Vec::new();
    for d in decisions {
        out.extend(serde_json::to_vec(d).expect("decisions serialize"));
        out.push(b'\n');
    }
    out
}

/// Reads `decisions.jsonl` (`path` names it in errors). A last line cut
/// short by a crash is skipped with a warning; any other bad line is an
/// error naming it.
pub fn decode(bytes: &[u8], path: &Path) -> Result<Vec<Decision>> {
    let text = String::from_utf8_lossy(bytes);
    let lines: Vec<&str> = text.split('\n').collect();
    let last = lines.len();
    let mut out = Vec::new();
    for (n, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Decision>(line) {
            Ok(d) => out.push(d),
            Err(e) if n + 1 == last => tracing::warn!(
                "{}: line {} is cut short ({e}); an import was stopped while writing it",
                path.display(),
                n + 1
            ),
            Err(e) => {
                return Err(Error::store(
                    path,
                    format!("line {} is not a decision: {e}", n + 1),
                ));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::review::worksheet::FilledRow;
    use crate::review::{Assigned, Line};

    const ID: &str = "20260101T000000.000Z";

    fn population() -> Population {
        let line = |id: &str, reviewer: &str, role: &str| {
            let (org, user) = id.split_once(':').unwrap();
            Line {
                line_id: id.into(),
                org: org.into(),
                username: user.into(),
                kind: "member".into(),
                fullname: None,
                role: Some(role.into()),
                two_fa: None,
                groups: vec![],
                gated_repos: vec![],
                tokens: None,
                token_last_used: None,
                person: None,
                email: Some(format!("{user}@acme.example")),
                employee_id: None,
                person_status: None,
                match_method: crate::model::MatchMethod::Roster,
                last_active: None,
                findings: vec![],
                reviewer: reviewer.into(),
                assigned: Assigned::Manager,
            }
        };
        Population {
            schema_version: 1,
            review_id: ID.into(),
            lines: vec![
                line("acme:alice", "boss@acme.example", "write"),
                line("acme:bob", "boss@acme.example", "read"),
                line("acme:boss", "boss@acme.example", "admin"),
                line("acme:carol", "other@acme.example", "read"),
            ],
        }
    }

    fn cell(value: &str, column: u64) -> Cell {
        Cell {
            value: value.into(),
            column,
        }
    }

    /// A worksheet of `(line id, reviewer, decision, new_role, note)` rows.
    fn filled(rows: &[(&str, &str, &str, &str, &str)]) -> Filled {
        Filled {
            sha256: format!("{:x}", rows.len()),
            header_line: 1,
            rows: rows
                .iter()
                .enumerate()
                .map(|(n, (id, r, d, role, note))| FilledRow {
                    line: n as u64 + 2,
                    line_id: cell(id, 1),
                    review_id: Some(cell(ID, 2)),
                    reviewer: cell(r, 3),
                    decision: cell(d, 21),
                    new_role: cell(role, 22),
                    note: cell(note, 23),
                })
                .collect(),
        }
    }

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-01-02T00:00:00Z")
            .unwrap()
            .to_utc()
    }

    const B: &str = "boss@acme.example";

    #[test]
    fn good_rows_become_decisions_and_empty_ones_stay_undecided() {
        let f = filled(&[
            ("acme:alice", B, "Revoke", "", ""),
            ("ACME:bob", B, "change", "Contributor", "least privilege"),
            ("acme:boss", B, "", "", ""),
        ]);
        let c = check(Path::new("w/b.csv"), &f, &population(), &[], now()).unwrap();
        assert_eq!(c.reviewer.as_deref(), Some(B));
        assert_eq!(c.undecided, 1);
        assert_eq!(c.new.len(), 2);
        assert_eq!(c.new[0].decision, Verdict::Revoke);
        assert_eq!(c.new[0].worksheet, "b.csv");
        assert_eq!(c.new[0].worksheet_line, 2);
        assert_eq!(c.new[1].line_id, "acme:bob");
        assert_eq!(c.new[1].new_role.as_deref(), Some("contributor"));
        assert_eq!(c.new[1].note.as_deref(), Some("least privilege"));
        // Recorded: the same file again is nothing new, and so is another
        // file with the same answers.
        let known = c.new.clone();
        let again = check(Path::new("b.csv"), &f, &population(), &known, now()).unwrap();
        assert!(again.already_imported && again.new.is_empty());
        let mut copy = f.clone();
        copy.sha256 = "other".into();
        let again = check(Path::new("b2.csv"), &copy, &population(), &known, now()).unwrap();
        assert_eq!((again.new.len(), again.unchanged), (0, 2));
        // Zero rows.
        let c = check(Path::new("e.csv"), &filled(&[]), &population(), &[], now()).unwrap();
        assert_eq!((c.new.len(), c.reviewer), (0, None));
    }

    #[test]
    fn every_kind_of_bad_row_names_its_line_and_column() {
        let p = population();
        type Row<'a> = (&'a str, &'a str, &'a str, &'a str, &'a str);
        let cases: Vec<(Vec<Row>, &str, &str)> = vec![
            (
                vec![("acme:alice", B, "delete", "", "")],
                "3:21",
                "is not keep, revoke or change",
            ),
            (
                vec![("acme:alice", B, "change", "", "")],
                "3:22",
                "needs a new_role",
            ),
            (
                vec![("acme:alice", B, "change", "owner", "")],
                "3:22",
                "is not one of",
            ),
            (
                vec![("acme:alice", B, "change", "write", "")],
                "3:22",
                "already has the role",
            ),
            (
                vec![("acme:alice", B, "keep", "read", "")],
                "3:22",
                "only with `change`",
            ),
            (
                vec![("acme:zed", B, "keep", "", "")],
                "3:1",
                "unknown line id",
            ),
            (
                vec![("acme:carol", B, "keep", "", "")],
                "3:3",
                "assigned to 'other@acme.example'",
            ),
            (
                vec![("acme:carol", "other@acme.example", "keep", "", "")],
                "3:3",
                "one worksheet, one reviewer",
            ),
            (
                vec![("acme:boss", B, "keep", "", "")],
                "3:23",
                "own account",
            ),
            (
                vec![("acme:bob", B, "keep", "", "")],
                "3:21",
                "decided twice",
            ),
        ];
        for (extra, at, says) in cases {
            let mut rows = vec![("acme:bob", B, "revoke", "", "")];
            rows.extend(extra);
            let err = check(Path::new("w.csv"), &filled(&rows), &p, &[], now()).unwrap_err();
            assert_eq!(err.exit_code(), 2);
            let msg = err.to_string();
            assert!(msg.starts_with(&format!("w.csv:{at}: ")), "{at}: {msg}");
            assert!(msg.contains(says), "{says}: {msg}");
        }
        // Decided differently in an earlier file.
        let first = check(
            Path::new("a.csv"),
            &filled(&[("acme:bob", B, "keep", "", "")]),
            &p,
            &[],
            now(),
        )
        .unwrap();
        let mut second = filled(&[("acme:bob", B, "revoke", "", "")]);
        second.sha256 = "other".into();
        let err = check(Path::new("b.csv"), &second, &p, &first.new, now()).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.starts_with("b.csv:2:21: line acme:bob is decided already: keep"),
            "{msg}"
        );
        // The own account with a note is fine; a review id of another campaign is not.
        check(
            Path::new("w.csv"),
            &filled(&[("acme:boss", B, "keep", "", "break-glass admin")]),
            &p,
            &[],
            now(),
        )
        .unwrap();
        let mut other = filled(&[("acme:bob", B, "keep", "", "")]);
        other.rows[0].review_id = Some(cell("20250101T000000.000Z", 2));
        let msg = check(Path::new("w.csv"), &other, &p, &[], now())
            .unwrap_err()
            .to_string();
        assert!(
            msg.starts_with("w.csv:2:2: this line belongs to review"),
            "{msg}"
        );
    }

    #[test]
    fn the_record_round_trips_and_survives_a_cut_last_line() {
        let c = check(
            Path::new("a.csv"),
            &filled(&[("acme:bob", B, "keep", "", "ok")]),
            &population(),
            &[],
            now(),
        )
        .unwrap();
        let mut bytes = encode(&c.new);
        assert_eq!(decode(&bytes, Path::new("d")).unwrap(), c.new);
        bytes.extend_from_slice(b"{\"line_id\":\"acme:al");
        assert_eq!(decode(&bytes, Path::new("d")).unwrap(), c.new);
        let mut bad = b"nonsense\n".to_vec();
        bad.extend(encode(&c.new));
        assert!(decode(&bad, Path::new("d")).is_err());
    }
}
