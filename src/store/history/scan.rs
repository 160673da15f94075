//! The polars side of the history: each function runs lazy queries over
//! the same table of many snapshots, on the streaming engine, and returns
//! plain Rust values.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use polars::prelude::*;

use super::cover::covering;
use super::{AuthorActivity, MembershipEvent, snapshot_time};
use crate::model::event_kind;
use crate::store::read::{Loaded, scan_files};

/// One account as the Hub spells it, over a list of `members.parquet` files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Account {
    pub username: String,
    /// Name and email in the last file listing the account.
    pub fullname: Option<String>,
    pub verified_email: Option<String>,
    /// Runs of consecutive files listing the account, oldest first, as
    /// inclusive positions in the list of files.
    pub runs: Vec<(usize, usize)>,
}

/// Every account in `members.parquet` files (oldest first; `rows[k]` is
/// the row count of `paths[k]`, as its manifest gives it), by streaming
/// queries over the files' row numbers that never hold more than a row
/// per account:
///
/// 1. `SELECT username, min(row), max(row), count(*) GROUP BY username`
///    over all files says in which files an account first and last
///    appears, and whether it was in every file in between (count = files
///    spanned);
/// 2. the name and email of each account's last row, joined by row number
///    over the files holding such a row (no username decoded again);
/// 3. only for accounts with gaps (they left and came back), their rows,
///    for the runs.
///
/// A row count that disagrees with the files is an error.
pub(super) fn members(paths: &[PathBuf], rows: &[u64]) -> PolarsResult<Vec<Account>> {
    if paths.is_empty() {
        return Ok(Vec::new());
    }
    let files = Files::new(rows);
    let loaded = Loaded::read(paths)?;
    let spans = loaded
        .scan()?
        .select([col("username")])
        .with_row_index("row", None)
        .group_by([col("username")])
        .agg([
            col("row").min().alias("first"),
            col("row").max().alias("last"),
            len().alias("rows"),
        ])
        .streamed()?;
    let users = spans.column("username")?.str()?;
    let firsts = spans.column("first")?.idx()?;
    let lasts = spans.column("last")?.idx()?;
    let counts = spans.column("rows")?.idx()?;
    let counted: u64 = counts.iter().flatten().map(u64::from).sum();
    polars_ensure!(
        counted == files.total,
        ComputeError: "members.parquet files hold {counted} rows, their manifests say {}", files.total
    );

    let mut accounts = Vec::with_capacity(spans.height());
    let mut first_rows = Vec::with_capacity(spans.height());
    let mut last_rows = Vec::with_capacity(spans.height());
    let mut gaps = Vec::new();
    for i in 0..spans.height() {
        let (Some(user), Some(first), Some(last), Some(n)) =
            (users.get(i), firsts.get(i), lasts.get(i), counts.get(i))
        else {
            continue;
        };
        let (first, last) = (u64::from(first), u64::from(last));
        let (a, b) = (files.of(first), files.of(last));
        let gap = n as usize != b - a + 1;
        if gap {
            gaps.push(accounts.len());
        }
        accounts.push(Account {
            username: user.to_string(),
            fullname: None,
            verified_email: None,
            runs: if gap { Vec::new() } else { vec![(a, b)] },
        });
        first_rows.push(first);
        last_rows.push(last);
    }

    // 2. Names and emails, by row number in the files holding a last row.
    let (subset, local) = files.subset(&last_rows);
    let subset = loaded.some(subset);
    let wanted = df!(
        "row" => local,
        "account" => (0..accounts.len() as u64).collect::<Vec<_>>(),
    )?
    .lazy();
    let named = subset
        .scan()?
        .select([col("fullname"), col("verified_email")])
        .with_row_index("row", None)
        .with_column(col("row").cast(DataType::UInt64))
        .join(
            wanted,
            [col("row")],
            [col("row")],
            JoinArgs::new(JoinType::Inner),
        )
        .streamed()?;
    let who = named.column("account")?.u64()?;
    let names = named.column("fullname")?.str()?;
    let emails = named.column("verified_email")?.str()?;
    for i in 0..named.height() {
        if let Some(a) = who.get(i).and_then(|k| accounts.get_mut(k as usize)) {
            a.fullname = names.get(i).map(str::to_string);
            a.verified_email = emails.get(i).map(str::to_string);
        }
    }

    // 3. Every row of the accounts with gaps, over the files they span.
    let (Some(lo), Some(hi)) = (
        gaps.iter().map(|&k| files.of(first_rows[k])).min(),
        gaps.iter().map(|&k| files.of(last_rows[k])).max(),
    ) else {
        return Ok(accounts);
    };
    let wanted = df!(
        "username" => gaps.iter().map(|&k| accounts[k].username.as_str()).collect::<Vec<_>>(),
        "account" => gaps.iter().map(|&k| k as u64).collect::<Vec<_>>(),
    )?
    .lazy();
    let found = loaded
        .some(lo..=hi)
        .scan()?
        .select([col("username")])
        .with_row_index("row", None)
        .join(
            wanted,
            [col("username")],
            [col("username")],
            JoinArgs::new(JoinType::Inner),
        )
        .select([col("account"), col("row")])
        .streamed()?;
    let who = found.column("account")?.u64()?;
    let row = found.column("row")?.idx()?;
    let mut files_of: HashMap<usize, Vec<usize>> = HashMap::new();
    for (k, r) in who.iter().zip(row.iter()) {
        if let (Some(k), Some(r)) = (k, r) {
            let file = files.of(files.starts[lo] + u64::from(r));
            files_of.entry(k as usize).or_default().push(file);
        }
    }
    for (k, mut found) in files_of {
        found.sort_unstable();
        found.dedup();
        accounts[k].runs = runs(&found);
    }
    Ok(accounts)
}

/// Row numbers over a list of files read as one.
struct Files<'a> {
    rows: &'a [u64],
    /// The number of each file's first row.
    starts: Vec<u64>,
    total: u64,
}

impl<'a> Files<'a> {
    fn new(rows: &'a [u64]) -> Self {
        let mut starts = Vec::with_capacity(rows.len());
        let mut total = 0u64;
        for r in rows {
            starts.push(total);
            total += r;
        }
        Files {
            rows,
            starts,
            total,
        }
    }

    /// The file holding `row`: the last one starting at or before it
    /// (an empty file starts where the next one does).
    fn of(&self, row: u64) -> usize {
        self.starts.partition_point(|s| *s <= row).saturating_sub(1)
    }

    /// The files holding the `wanted` rows, in order, and each wanted row
    /// numbered as in those files read as one.
    fn subset(&self, wanted: &[u64]) -> (Vec<usize>, Vec<u64>) {
        let mut chosen: Vec<usize> = wanted.iter().map(|&r| self.of(r)).collect();
        chosen.sort_unstable();
        chosen.dedup();
        let mut start_in_subset = HashMap::with_capacity(chosen.len());
        let mut next = 0u64;
        for &f in &chosen {
            start_in_subset.insert(f, next);
            next += self.rows[f];
        }
        let local = wanted
            .iter()
            .map(|&r| {
                let f = self.of(r);
                r - self.starts[f] + start_in_subset[&f]
            })
            .collect();
        (chosen, local)
    }
}

/// Sorted distinct positions as runs of consecutive ones.
fn runs(positions: &[usize]) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::new();
    for &p in positions {
        match out.last_mut() {
            Some((_, end)) if *end + 1 == p => *end = p,
            _ => out.push((p, p)),
        }
    }
    out
}

/// `SELECT key, min(snapshot_id) GROUP BY key`, as times, keys lower-cased.
pub(super) fn first_by(
    paths: &[PathBuf],
    key: &str,
) -> PolarsResult<HashMap<String, DateTime<Utc>>> {
    let mut out: HashMap<String, DateTime<Utc>> = HashMap::new();
    if paths.is_empty() {
        return Ok(out);
    }
    let df = Loaded::read(paths)?
        .scan()?
        .select([col(key), col("snapshot_id")])
        .group_by([col(key)])
        .agg([col("snapshot_id").min().alias("first")])
        .streamed()?;
    let keys = df.column(key)?.str()?;
    let firsts = df.column("first")?.str()?;
    for (k, id) in keys.iter().zip(firsts.iter()) {
        let (Some(k), Some(t)) = (k, id.and_then(snapshot_time)) else {
            continue;
        };
        let entry = out.entry(k.to_lowercase()).or_insert(t);
        *entry = (*entry).min(t);
    }
    Ok(out)
}

/// What the exported audit logs of every snapshot say.
#[derive(Debug, Default)]
pub(super) struct EventsHistory {
    pub activity: HashMap<String, AuthorActivity>,
    pub oldest: Option<DateTime<Utc>>,
    pub membership: Vec<MembershipEvent>,
}

/// Activity per author (user-authored events only), the oldest event, and
/// the membership events of `kinds` deduplicated by event id. Reads only
/// the exports that together hold every event (see [`covering`]).
pub(super) fn events(paths: &[PathBuf], kinds: &[&str]) -> PolarsResult<EventsHistory> {
    let mut out = EventsHistory::default();
    if paths.is_empty() {
        return Ok(out);
    }
    let scan = scan_files(&covering(paths)?)?;

    // Activity: `author_type` is `user` or `system`; older exports leave it
    // out, so only `system` is excluded.
    let df = scan
        .clone()
        .filter(
            col("author")
                .is_not_null()
                .and(col("author_type").neq_missing(lit("system"))),
        )
        .group_by([col("author")])
        .agg([
            col("created_at").max().alias("last"),
            col("created_at")
                .filter(col("kind").eq(lit(event_kind::SSO_LOGIN)))
                .max()
                .alias("sso"),
        ])
        .streamed()?;
    let authors = df.column("author")?.str()?;
    let last = millis(df.column("last")?)?;
    let sso = millis(df.column("sso")?)?;
    for i in 0..df.height() {
        let (Some(author), Some(last)) = (authors.get(i), last.get(i).and_then(time)) else {
            continue;
        };
        let seen = AuthorActivity {
            last,
            last_sso_login: sso.get(i).and_then(time),
        };
        let entry = out.activity.entry(author.to_lowercase()).or_insert(seen);
        entry.last = entry.last.max(seen.last);
        entry.last_sso_login = entry.last_sso_login.max(seen.last_sso_login);
    }

    let oldest = scan
        .clone()
        .select([col("created_at").min().alias("oldest")])
        .streamed()?;
    out.oldest = millis(oldest.column("oldest")?)?.get(0).and_then(time);

    let wanted = kinds
        .iter()
        .map(|k| col("kind").eq(lit(*k)))
        .reduce(|a, b| a.or(b))
        .unwrap_or(lit(false));
    let df = scan
        .filter(wanted)
        .select([
            col("id"),
            col("created_at"),
            col("kind"),
            col("author"),
            col("data"),
        ])
        .streamed()?;
    let ids = df.column("id")?.str()?;
    let at = millis(df.column("created_at")?)?;
    let kind = df.column("kind")?.str()?;
    let author = df.column("author")?.str()?;
    let data = df.column("data")?.str()?;
    let mut seen: HashSet<&str> = HashSet::new();
    for i in 0..df.height() {
        let (Some(id), Some(at), Some(kind)) = (ids.get(i), at.get(i).and_then(time), kind.get(i))
        else {
            continue;
        };
        if !seen.insert(id) {
            continue;
        }
        out.membership.push(MembershipEvent {
            id: id.to_string(),
            at,
            kind: kind.to_string(),
            author: author.get(i).map(str::to_string),
            data: data.get(i).map(str::to_string),
        });
    }
    out.membership
        .sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.id.cmp(&b.id)));
    Ok(out)
}

/// Lower-cased username → role, from one `members.parquet`.
pub(super) fn roles(path: &Path) -> PolarsResult<HashMap<String, Option<String>>> {
    let df = scan_files(&[path.to_path_buf()])?
        .select([col("username"), col("role")])
        .streamed()?;
    let users = df.column("username")?.str()?;
    let roles = df.column("role")?.str()?;
    Ok(users
        .iter()
        .zip(roles.iter())
        .filter_map(|(u, r)| Some((u?.to_lowercase(), r.map(str::to_string))))
        .collect())
}

/// Runs a query on polars' streaming engine: it reads the files in
/// morsels and keeps only what each operator needs (a group-by keeps one
/// row per group), where the in-memory engine loads every scanned column
/// of every file first.
trait Streamed {
    fn streamed(self) -> PolarsResult<DataFrame>;
}

impl Streamed for LazyFrame {
    fn streamed(self) -> PolarsResult<DataFrame> {
        Ok(self.collect_with_engine(Engine::Streaming)?.unwrap_single())
    }
}

/// A Datetime(ms) column as milliseconds.
fn millis(c: &Column) -> PolarsResult<Int64Chunked> {
    Ok(c.cast(&DataType::Int64)?.i64()?.clone())
}

fn time(ms: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp_millis(ms)
}
