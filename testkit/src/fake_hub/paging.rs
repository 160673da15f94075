//! Pagination the way the Hub does it, and the way a legacy deployment did.
//!
//! Cursor mode: a page holds `min(limit, page_cap)` rows; a next page is
//! announced by an absolute `Link: <URL>; rel="next"` whose URL carries an
//! opaque `cursor`; the last page has no `Link`. Offset mode (legacy): no
//! `Link`, `offset` + `limit`, pages of at most 100.

use serde_json::Value;

use super::reply::{Query, Reply};

/// Pages of a legacy deployment never hold more than this.
pub(super) const LEGACY_PAGE: usize = 100;
/// How many of the previous page's rows a `DuplicateRows` page repeats.
const DUPLICATED: usize = 3;

/// The `limit` an endpoint accepts.
#[derive(Clone, Copy, Debug)]
pub(super) struct Limits {
    pub default: usize,
    pub min: usize,
    pub max: usize,
}

/// How to page one response.
#[derive(Clone, Debug)]
pub(super) struct Paging {
    /// `http://127.0.0.1:PORT`, for absolute `Link` URLs.
    pub base_url: String,
    pub path: String,
    pub page_cap: usize,
    pub offset_paging: bool,
    /// A deployment that ignores `offset` and the page size: every request
    /// gets every row, without `Link`.
    pub ignore_offset: bool,
    /// `LinkLoop`: `Link` points at the first page.
    pub loop_link: bool,
    /// `DuplicateRows`: start with the previous page's last rows.
    pub duplicate: bool,
}

/// Where the requested page starts (for faults that only hit later pages).
pub(super) fn requested_offset(query: &Query, offset_paging: bool) -> Result<usize, Reply> {
    if offset_paging {
        return Ok(query.number("offset")?.unwrap_or(0));
    }
    match query.get("cursor") {
        None => Ok(0),
        Some(cursor) => decode_cursor(cursor).ok_or_else(|| Reply::error(400, "Invalid cursor")),
    }
}

/// One page of `rows` as a bare JSON array, with `Link` when more follow.
/// Only the rows on the page are rendered.
pub(super) fn page<T>(
    rows: &[T],
    render: impl Fn(&T) -> Value,
    query: &Query,
    limits: Limits,
    paging: &Paging,
) -> Reply {
    match try_page(rows, render, query, limits, paging) {
        Ok(reply) | Err(reply) => reply,
    }
}

fn try_page<T>(
    rows: &[T],
    render: impl Fn(&T) -> Value,
    query: &Query,
    limits: Limits,
    paging: &Paging,
) -> Result<Reply, Reply> {
    if paging.ignore_offset {
        return Ok(Reply::ok(&Value::Array(rows.iter().map(render).collect())));
    }
    let asked = query.number("limit")?;
    let size = if paging.offset_paging {
        asked.unwrap_or(LEGACY_PAGE).min(LEGACY_PAGE)
    } else {
        let limit = asked.unwrap_or(limits.default);
        if !(limits.min..=limits.max).contains(&limit) {
            let message = format!("limit must be between {} and {}", limits.min, limits.max);
            return Err(Reply::error(400, &message));
        }
        limit
    };
    let size = size.min(paging.page_cap).max(1);
    let offset = requested_offset(query, paging.offset_paging)?;
    let total = rows.len();
    let end = offset.saturating_add(size).min(total);
    let mut start = offset.min(end);
    if paging.duplicate {
        start = start.saturating_sub(DUPLICATED.min(size));
    }
    let body = Value::Array(rows[start..end].iter().map(render).collect());
    let reply = Reply::ok(&body);

    let limit = asked.unwrap_or(limits.default);
    let next = if paging.loop_link {
        Some(next_url(paging, query, None, limit))
    } else if !paging.offset_paging && end < total {
        Some(next_url(paging, query, Some(end), limit))
    } else {
        None
    };
    Ok(match next {
        Some(url) => reply.header("link", &format!("<{url}>; rel=\"next\"")),
        None => reply,
    })
}

/// The absolute URL of a page: the request's own parameters, then `cursor` and `limit`.
fn next_url(paging: &Paging, query: &Query, offset: Option<usize>, limit: usize) -> String {
    let mut pairs: Vec<(String, String)> = query
        .0
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "cursor" | "limit" | "offset"))
        .cloned()
        .collect();
    if let Some(offset) = offset {
        pairs.push(("cursor".into(), encode_cursor(offset)));
    }
    pairs.push(("limit".into(), limit.to_string()));
    let query = pairs
        .iter()
        .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    format!("{}{}?{}", paging.base_url, paging.path, query)
}

/// An opaque cursor: the hex of a small tagged offset.
pub(super) fn encode_cursor(offset: usize) -> String {
    format!("o{offset}")
        .bytes()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub(super) fn decode_cursor(cursor: &str) -> Option<usize> {
    if !cursor.len().is_multiple_of(2) || !cursor.is_ascii() {
        return None;
    }
    let bytes = (0..cursor.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&cursor[i..i + 2], 16).ok())
        .collect::<Option<Vec<u8>>>()?;
    String::from_utf8(bytes)
        .ok()?
        .strip_prefix('o')?
        .parse()
        .ok()
}

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
