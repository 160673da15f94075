//! The polars side of the history: each function reads the same table of
//! many snapshots and returns plain Rust values.
//!
//! Group-bys over the many small per-snapshot files decode only the columns
//! they need, file by file, and tally them in a hash map per thread (about
//! a third of what polars' streaming engine spends on the same query over
//! all the files: no morsels, no row index, no other column). Filters and
//! joins over few rows stay lazy queries on the streaming engine.

use crate::collections::{HashMap, HashMapExt, HashSet, HashSetExt};
use std::io::Cursor;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use polars::prelude::*;

use super::cover::covering;
use super::{AuthorActivity, MembershipEvent, snapshot_time};
use crate::model::event_kind;
use crate::store::read::{Loaded, in_parallel, scan_files};

/// One account as the Hub spells it, over a list of `members.parquet` files.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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
/// the row count of `paths[k]`, as its manifest gives it), in passes over
/// the files' row numbers that never hold more than a row per account:
///
/// 1. `SELECT username, min(row), max(row), count(*) GROUP BY username`
///    over all files says in which files an account first and last
///    appears, and whether it was in every file in between (count = files
///    spanned);
/// 2. the name and email of each account's last row, from the files
///    holding such a row (no username decoded again);
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
    let spans = spans(&loaded, &files)?;
    let counted: u64 = spans.rows;
    polars_ensure!(
        counted == files.total,
        ComputeError: "members.parquet files hold {counted} rows, their manifests say {}", files.total
    );

    let mut accounts = Vec::with_capacity(spans.users.len());
    let mut first_rows = Vec::with_capacity(spans.users.len());
    let mut last_rows = Vec::with_capacity(spans.users.len());
    let mut gaps = Vec::new();
    for (user, span) in spans.users {
        let (a, b) = (files.of(span.first), files.of(span.last));
        let gap = span.rows as usize != b - a + 1;
        if gap {
            gaps.push(accounts.len());
        }
        accounts.push(Account {
            username: user,
            fullname: None,
            verified_email: None,
            runs: if gap { Vec::new() } else { vec![(a, b)] },
        });
        first_rows.push(span.first);
        last_rows.push(span.last);
    }

    // 2. Names and emails, from each account's last row.
    let named = names(&loaded, &files, &last_rows)?;
    for (account, (fullname, verified_email)) in accounts.iter_mut().zip(named) {
        account.fullname = fullname;
        account.verified_email = verified_email;
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

/// Where one username appears in files read as one: its first and last
/// row, and how many rows list it.
#[derive(Debug, Clone, Copy)]
struct Span {
    first: u64,
    last: u64,
    rows: u64,
}

/// Every username's [`Span`], and the rows read (nulls included).
#[derive(Debug, Default)]
struct Spans {
    users: PlHashMap<String, Span>,
    rows: u64,
}

impl Spans {
    /// Adds the spans of files that come after this one's.
    fn then(mut self, later: Spans) -> Spans {
        for (user, span) in later.users {
            match self.users.get_mut(&user) {
                Some(s) => {
                    s.last = span.last;
                    s.rows += span.rows;
                }
                None => {
                    self.users.insert(user, span);
                }
            }
        }
        self.rows += later.rows;
        self
    }
}

/// Step 1 of [`members`]: `SELECT username, min(row), max(row), count(*)
/// GROUP BY username`, with the `username` column of each file decoded
/// alone and tallied in one hash map per thread (contiguous runs of files,
/// merged in order). Reading the files one by one, this is a third of what
/// a streaming query over all of them costs: no morsels, no row index, no
/// other column.
fn spans(loaded: &Loaded, files: &Files) -> PolarsResult<Spans> {
    let tally = |first: usize, part: &[&[u8]]| -> PolarsResult<Spans> {
        let mut out = Spans::default();
        for (k, bytes) in part.iter().enumerate() {
            let start = files.starts.get(first + k).copied().unwrap_or(files.total);
            let df = read_columns(ParquetReader::new(Cursor::new(*bytes)), &["username"])?;
            let users = df.column("username")?.str()?;
            for (i, user) in users.iter().enumerate() {
                let Some(user) = user else { continue };
                let row = start + i as u64;
                match out.users.get_mut(user) {
                    Some(s) => {
                        s.last = row;
                        s.rows += 1;
                    }
                    None => {
                        let span = Span {
                            first: row,
                            last: row,
                            rows: 1,
                        };
                        out.users.insert(user.to_owned(), span);
                    }
                }
            }
            out.rows += users.len() as u64;
        }
        Ok(out)
    };
    in_parallel(&loaded.files(), tally)
        .into_iter()
        .try_fold(Spans::default(), |all, part| Ok(all.then(part?)))
}

/// Step 2 of [`members`]: the name and email at each of `rows` (global
/// row numbers, one per account), by decoding those two columns of the
/// files holding such a row only.
fn names(loaded: &Loaded, files: &Files, rows: &[u64]) -> PolarsResult<Vec<Named>> {
    // (file, row in the file, account), by file.
    let mut wanted: Vec<(usize, usize, usize)> = rows
        .iter()
        .enumerate()
        .map(|(account, &row)| {
            let file = files.of(row);
            (file, (row - files.starts[file]) as usize, account)
        })
        .collect();
    wanted.sort_unstable();
    let by_file: Vec<&[(usize, usize, usize)]> = wanted.chunk_by(|a, b| a.0 == b.0).collect();
    let bytes = loaded.files();
    let read = |_: usize, part: &[&[(usize, usize, usize)]]| -> PolarsResult<Vec<(usize, Named)>> {
        let mut out = Vec::new();
        for rows in part {
            let df = read_columns(
                ParquetReader::new(Cursor::new(bytes[rows[0].0])),
                &["fullname", "verified_email"],
            )?;
            let names = df.column("fullname")?.str()?;
            let emails = df.column("verified_email")?.str()?;
            for &(_, row, account) in *rows {
                polars_ensure!(
                    row < df.height(),
                    ComputeError: "a members.parquet file holds {} rows, its manifest says more", df.height()
                );
                let text = |c: &StringChunked| c.get(row).map(str::to_string);
                out.push((account, (text(names), text(emails))));
            }
        }
        Ok(out)
    };
    let mut named = vec![(None, None); rows.len()];
    for (account, n) in in_parallel(&by_file, read)
        .into_iter()
        .collect::<PolarsResult<Vec<_>>>()?
        .into_iter()
        .flatten()
    {
        named[account] = n;
    }
    Ok(named)
}

/// A name and an email, as a members file has them.
type Named = (Option<String>, Option<String>);

/// Row numbers over a list of files read as one.
struct Files {
    /// The number of each file's first row.
    starts: Vec<u64>,
    total: u64,
}

impl Files {
    fn new(rows: &[u64]) -> Self {
        let mut starts = Vec::with_capacity(rows.len());
        let mut total = 0u64;
        for r in rows {
            starts.push(total);
            total += r;
        }
        Files { starts, total }
    }

    /// The file holding `row`: the last one starting at or before it
    /// (an empty file starts where the next one does).
    fn of(&self, row: u64) -> usize {
        self.starts.partition_point(|s| *s <= row).saturating_sub(1)
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

/// `SELECT key, min(snapshot_id) GROUP BY key`, as times, keys lower-cased:
/// the two columns of each file decoded alone, tallied per thread.
pub(super) fn first_by(
    paths: &[PathBuf],
    key: &str,
) -> PolarsResult<HashMap<String, DateTime<Utc>>> {
    let mut out: HashMap<String, DateTime<Utc>> = HashMap::new();
    if paths.is_empty() {
        return Ok(out);
    }
    let loaded = Loaded::read(paths)?;
    let tally = |_: usize, part: &[&[u8]]| -> PolarsResult<PlHashMap<String, String>> {
        let mut first: PlHashMap<String, String> = PlHashMap::default();
        for bytes in part {
            let df = read_columns(
                ParquetReader::new(Cursor::new(*bytes)),
                &[key, "snapshot_id"],
            )?;
            let keys = df.column(key)?.str()?;
            let ids = df.column("snapshot_id")?.str()?;
            for (k, id) in keys.iter().zip(ids.iter()) {
                let (Some(k), Some(id)) = (k, id) else {
                    continue;
                };
                match first.get_mut(k) {
                    Some(seen) if id < seen.as_str() => id.clone_into(seen),
                    Some(_) => {}
                    None => {
                        first.insert(k.to_owned(), id.to_owned());
                    }
                }
            }
        }
        Ok(first)
    };
    for part in in_parallel(&loaded.files(), tally) {
        let part = part?;
        for (k, id) in part {
            let Some(t) = snapshot_time(&id) else {
                continue;
            };
            let entry = out.entry(k.to_lowercase()).or_insert(t);
            *entry = (*entry).min(t);
        }
    }
    Ok(out)
}

/// The `columns` of one Parquet file, decoded on this thread.
fn read_columns<R: polars::io::mmap::MmapBytesReader>(
    reader: ParquetReader<R>,
    columns: &[&str],
) -> PolarsResult<DataFrame> {
    reader
        .with_columns(Some(columns.iter().map(|c| c.to_string()).collect()))
        .read_parallel(ParallelStrategy::None)
        .finish()
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
    let cover = covering(paths)?;
    let scan = scan_files(&cover)?;

    let (activity, oldest) = activity(&cover)?;
    out.activity = activity;
    out.oldest = oldest.and_then(time);

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

/// Last event and last SSO login per author (lower-cased; user-authored
/// events only) and the oldest event's time (ms), over export files: four
/// columns of each file decoded alone and tallied per thread, as
/// `SELECT author, max(created_at), max(created_at) FILTER (kind = sso)
/// GROUP BY author` and `SELECT min(created_at)` in one pass.
fn activity(paths: &[PathBuf]) -> PolarsResult<(HashMap<String, AuthorActivity>, Option<i64>)> {
    /// Per author as spelled: last event and last SSO login (ms).
    type Tally = (PlHashMap<String, (i64, Option<i64>)>, Option<i64>);
    let tally = |_: usize, part: &[PathBuf]| -> PolarsResult<Tally> {
        let (mut seen, mut oldest): Tally = Default::default();
        for path in part {
            let mut reader = ParquetReader::new(std::fs::File::open(path)?);
            // `author_type` is `user` or `system`; older exports leave it
            // out, so only `system` is excluded.
            let typed = reader.schema()?.contains("author_type");
            let mut columns = vec!["author", "created_at", "kind"];
            columns.extend(typed.then_some("author_type"));
            let df = read_columns(reader, &columns)?;
            let authors = df.column("author")?.str()?;
            let at = millis(df.column("created_at")?)?;
            let kinds = df.column("kind")?.str()?;
            let types = match typed {
                true => Some(df.column("author_type")?.str()?.clone()),
                false => None,
            };
            for i in 0..df.height() {
                let Some(t) = at.get(i) else { continue };
                oldest = Some(oldest.map_or(t, |o| o.min(t)));
                let Some(author) = authors.get(i) else {
                    continue;
                };
                if types.as_ref().and_then(|c| c.get(i)) == Some("system") {
                    continue;
                }
                let sso = (kinds.get(i) == Some(event_kind::SSO_LOGIN)).then_some(t);
                match seen.get_mut(author) {
                    Some((last, last_sso)) => {
                        *last = (*last).max(t);
                        *last_sso = (*last_sso).max(sso);
                    }
                    None => {
                        seen.insert(author.to_owned(), (t, sso));
                    }
                }
            }
        }
        Ok((seen, oldest))
    };
    let mut activity: HashMap<String, AuthorActivity> = HashMap::new();
    let mut oldest: Option<i64> = None;
    for part in in_parallel(paths, tally) {
        let (part, part_oldest) = part?;
        oldest = match (oldest, part_oldest) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        for (author, (last, sso)) in part {
            let Some(last) = time(last) else { continue };
            let seen = AuthorActivity {
                last,
                last_sso_login: sso.and_then(time),
            };
            let entry = activity.entry(author.to_lowercase()).or_insert(seen);
            entry.last = entry.last.max(seen.last);
            entry.last_sso_login = entry.last_sso_login.max(seen.last_sso_login);
        }
    }
    Ok((activity, oldest))
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
