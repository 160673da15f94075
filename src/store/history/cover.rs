//! Which audit-log exports a history query has to read.
//!
//! Each snapshot's `events.parquet` is the Hub's export of the last
//! 100,000 events (HUB_API.md): a window onto the end of the log when the
//! snapshot was taken. Daily snapshots of a busy org export windows of
//! weeks, so consecutive exports overlap almost entirely, and scanning all
//! of them decodes every event dozens of times. Since an export holds every
//! event of the log between its oldest and its newest `created_at`, a few
//! exports whose time ranges chain together hold every event that any
//! export holds. Their ranges come from the Parquet footers' statistics,
//! without decoding a row; a file whose footer gives no range is read.

use std::fs::File;
use std::path::PathBuf;

use polars::prelude::*;

/// Events may still be arriving when an export is taken: an export is
/// trusted to hold every event up to this long before its newest one.
const SETTLE_MS: i64 = 60 * 60 * 1000;

/// The files of `paths` (in their order) whose events together are every
/// event of all of them, duplicates aside.
pub(super) fn covering(paths: &[PathBuf]) -> PolarsResult<Vec<PathBuf>> {
    let mut read = vec![false; paths.len()];
    let mut ranged = Vec::new();
    for (i, path) in paths.iter().enumerate() {
        match time_range(path)? {
            Some(range) => ranged.push((i, range)),
            None => read[i] = true,
        }
    }
    let ranges: Vec<(i64, i64)> = ranged.iter().map(|(_, r)| *r).collect();
    for k in pick(&ranges) {
        read[ranged[k].0] = true;
    }
    Ok(paths
        .iter()
        .zip(read)
        .filter(|(_, r)| *r)
        .map(|(p, _)| p.clone())
        .collect())
}

/// Indices of `ranges` (oldest and newest `created_at` of each export) to
/// read: the export reaching furthest, then repeatedly the one reaching
/// back furthest among those that overlap what is covered by at least
/// [`SETTLE_MS`]; where none does (a gap: a snapshot without a readable
/// audit log for longer than an export spans), the newest of the older ones.
pub(super) fn pick(ranges: &[(i64, i64)]) -> Vec<usize> {
    let mut picked = Vec::new();
    // Every event at or after `low` is in a picked export.
    let mut low = i64::MAX;
    loop {
        let older = || (0..ranges.len()).filter(|&i| ranges[i].0 < low);
        let chained = older()
            .filter(|&i| ranges[i].1 >= low.saturating_add(SETTLE_MS))
            .min_by_key(|&i| ranges[i].0);
        let next = chained.or_else(|| older().max_by_key(|&i| (ranges[i].1, -ranges[i].0)));
        let Some(i) = next else { break };
        picked.push(i);
        low = ranges[i].0;
    }
    picked
}

/// Oldest and newest `created_at` (ms) in an events file, from its footer;
/// `None` when the file has no rows or its footer does not say.
fn time_range(path: &std::path::Path) -> PolarsResult<Option<(i64, i64)>> {
    let mut reader = ParquetReader::new(File::open(path)?);
    let schema = reader.schema()?;
    let Some(field) = schema.get("created_at").cloned() else {
        return Ok(None);
    };
    let metadata = reader.get_metadata()?.clone();
    let mut range: Option<(i64, i64)> = None;
    for group in &metadata.row_groups {
        if group.num_rows() == 0 {
            continue;
        }
        let Some(mut columns) = group.columns_under_root_iter("created_at") else {
            return Ok(None);
        };
        let stats =
            polars::io::parquet::metadata::deserialize(&field, &mut columns, &metadata.footer_buf)?;
        let Some(ParquetStatistics::Column(stats)) = stats else {
            return Ok(None);
        };
        let stats = stats.into_arrow()?;
        let millis = |value: Option<_>| -> PolarsResult<Option<i64>> {
            match value {
                Some(array) => Ok(Series::from_arrow("v".into(), array)?
                    .cast(&DataType::Int64)?
                    .i64()?
                    .get(0)),
                None => Ok(None),
            }
        };
        let (Some(min), Some(max)) = (millis(stats.min_value)?, millis(stats.max_value)?) else {
            return Ok(None);
        };
        range = Some(range.map_or((min, max), |(a, b)| (a.min(min), b.max(max))));
    }
    Ok(range)
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = SETTLE_MS;

    #[test]
    fn no_export_none_read() {
        assert!(pick(&[]).is_empty());
    }

    #[test]
    fn one_export_is_read() {
        assert_eq!(pick(&[(10, 20)]), vec![0]);
    }

    #[test]
    fn overlapping_windows_are_chained_from_the_newest() {
        // Windows of 10 hours moving 1 hour a day: exports 0, 9 and 18
        // chain back from 27; the ones in between add nothing.
        let ranges: Vec<(i64, i64)> = (0..28).map(|d| (d * H, (d + 10) * H)).collect();
        let mut picked = pick(&ranges);
        picked.sort_unstable();
        assert_eq!(picked, vec![0, 9, 18, 27]);
    }

    #[test]
    fn a_complete_log_in_every_export_is_read_once() {
        // A small org: every export holds the whole log so far.
        let ranges: Vec<(i64, i64)> = (1..30).map(|d| (0, d * H)).collect();
        assert_eq!(pick(&ranges), vec![28]);
    }

    #[test]
    fn an_overlap_shorter_than_the_settling_time_is_not_trusted() {
        // Export 0 ends 30 minutes after export 1 starts: both are read,
        // and so is export 1's predecessor-in-time when the chain breaks.
        assert_eq!(pick(&[(0, 10 * H + H / 2), (10 * H, 20 * H)]), vec![1, 0]);
    }

    #[test]
    fn gaps_between_windows_are_bridged_by_reading_both_sides() {
        let ranges = [(0, 5 * H), (20 * H, 30 * H), (25 * H, 35 * H)];
        let mut picked = pick(&ranges);
        picked.sort_unstable();
        assert_eq!(picked, vec![0, 1, 2]);
    }
}
