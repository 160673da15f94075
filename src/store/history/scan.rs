//! The polars side of the history: each function is one lazy query over
//! the same table of many snapshots, returning plain Rust values.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use polars::prelude::*;

use super::cover::covering;
use super::{AuthorActivity, Holder, MembershipEvent, Presence, snapshot_time};
use crate::store::read::scan_files;
use crate::store::snapshot_id;

/// Presence of every account in `members.parquet` files (oldest first):
/// `SELECT username, min(snapshot_id), max(snapshot_id), last(fullname),
/// last(verified_email) GROUP BY username`, merged case-insensitively.
pub(super) fn presence(paths: &[PathBuf]) -> PolarsResult<HashMap<String, Presence>> {
    let mut out: HashMap<String, Presence> = HashMap::new();
    if paths.is_empty() {
        return Ok(out);
    }
    let df = scan_files(paths)?
        .select([
            col("username"),
            col("snapshot_id"),
            col("fullname"),
            col("verified_email"),
        ])
        .group_by([col("username")])
        .agg([
            col("snapshot_id").min().alias("first"),
            col("snapshot_id").max().alias("last"),
            col("fullname").drop_nulls().last().alias("fullname"),
            col("verified_email")
                .drop_nulls()
                .last()
                .alias("verified_email"),
        ])
        .collect()?;
    let users = df.column("username")?.str()?;
    let firsts = df.column("first")?.str()?;
    let lasts = df.column("last")?.str()?;
    let names = df.column("fullname")?.str()?;
    let emails = df.column("verified_email")?.str()?;
    for i in 0..df.height() {
        let (Some(user), Some(first), Some(last)) = (users.get(i), firsts.get(i), lasts.get(i))
        else {
            continue;
        };
        let (Some(first), Some(last)) = (snapshot_time(first), snapshot_time(last)) else {
            continue;
        };
        let seen = Presence {
            username: user.to_string(),
            fullname: names.get(i).map(str::to_string),
            verified_email: emails.get(i).map(str::to_string),
            first,
            last,
        };
        match out.entry(user.to_lowercase()) {
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(seen);
            }
            std::collections::hash_map::Entry::Occupied(mut o) => {
                let p = o.get_mut();
                let first = p.first.min(seen.first);
                if seen.last > p.last {
                    *p = seen;
                }
                p.first = first;
            }
        }
    }
    Ok(out)
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
    let df = scan_files(paths)?
        .select([col(key), col("snapshot_id")])
        .group_by([col(key)])
        .agg([col("snapshot_id").min().alias("first")])
        .collect()?;
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
                .filter(col("kind").eq(lit("org.sso_login")))
                .max()
                .alias("sso"),
        ])
        .collect()?;
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
        .collect()?;
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
        .collect()?;
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
        .collect()?;
    let users = df.column("username")?.str()?;
    let roles = df.column("role")?.str()?;
    Ok(users
        .iter()
        .zip(roles.iter())
        .filter_map(|(u, r)| Some((u?.to_lowercase(), r.map(str::to_string))))
        .collect())
}

/// Per snapshot id: (departed, unmatched) members. One lazy inner join of
/// every `members.parquet` with the holders (keyed by username as the Hub
/// spells it), then a group-by: a departed
/// holder counts in snapshots taken after their departure (snapshot ids
/// sort as times, so the comparison is on ids).
pub(super) fn reclaimable_by_snapshot(
    paths: &[PathBuf],
    holders: &HashMap<String, Holder>,
) -> PolarsResult<HashMap<String, (u64, u64)>> {
    let mut out = HashMap::new();
    if paths.is_empty() || holders.is_empty() {
        return Ok(out);
    }
    let mut keys = Vec::with_capacity(holders.len());
    let mut unmatched = Vec::with_capacity(holders.len());
    let mut after = Vec::with_capacity(holders.len());
    for (user, holder) in holders {
        keys.push(user.as_str());
        match holder {
            Holder::Unmatched => {
                unmatched.push(true);
                after.push(String::new());
            }
            Holder::DepartedAfter(t) => {
                unmatched.push(false);
                after.push(t.map(snapshot_id).unwrap_or_default());
            }
        }
    }
    let holders = df!(
        "key" => keys,
        "unmatched" => unmatched,
        "after" => after,
    )?
    .lazy();
    let df = scan_files(paths)?
        .select([col("snapshot_id"), col("username").alias("key")])
        .join(
            holders,
            [col("key")],
            [col("key")],
            JoinArgs::new(JoinType::Inner),
        )
        .group_by([col("snapshot_id")])
        .agg([
            col("unmatched")
                .not()
                .and(col("snapshot_id").gt(col("after")))
                .cast(DataType::UInt64)
                .sum()
                .alias("departed"),
            col("unmatched")
                .cast(DataType::UInt64)
                .sum()
                .alias("unmatched"),
        ])
        .collect()?;
    let ids = df.column("snapshot_id")?.str()?;
    let departed = df.column("departed")?.u64()?;
    let unmatched = df.column("unmatched")?.u64()?;
    for i in 0..df.height() {
        if let Some(id) = ids.get(i) {
            out.insert(
                id.to_string(),
                (departed.get(i).unwrap_or(0), unmatched.get(i).unwrap_or(0)),
            );
        }
    }
    Ok(out)
}

/// A Datetime(ms) column as milliseconds.
fn millis(c: &Column) -> PolarsResult<Int64Chunked> {
    Ok(c.cast(&DataType::Int64)?.i64()?.clone())
}

fn time(ms: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp_millis(ms)
}
