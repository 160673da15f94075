//! Answers of a hostile Hub (or of something between it and the client):
//! redirects, bodies without end, lists without end and planted `Link`s.
//! `server.rs` picks them by fault; each is built here.

use std::convert::Infallible;

use axum::body::Body;
use bytes::Bytes;
use futures_util::stream;
use serde_json::{Value, json};

use super::faults::Endpoint;
use super::paging::{decode_cursor, encode_cursor};
use super::reply::{Query, Reply};
use super::world::fake_id;

/// Rows on each page of an `EndlessLink` list.
const ENDLESS_ROWS: usize = 10;
/// The chunk a `HugeBody` is streamed in.
const CHUNK: usize = 64 * 1024;

/// `status` with `Location: to`, `{pq}` replaced by `path_and_query`.
pub(super) fn redirect(status: u16, to: &str, path_and_query: &str) -> Reply {
    let location = to.replace("{pq}", path_and_query);
    Reply::json(status, &json!({ "error": "moved" })).header("location", &location)
}

/// `reply` with its `Link` replaced by `<to>; rel="next"`.
pub(super) fn with_link(mut reply: Reply, to: &str, base_url: &str) -> Reply {
    reply
        .headers
        .retain(|(name, _)| !name.eq_ignore_ascii_case("link"));
    let to = to.replace("{base}", base_url);
    reply.header("link", &format!("<{to}>; rel=\"next\""))
}

/// Page `k` (from the request's cursor) of a list of fresh rows shaped for
/// `endpoint`, with a `Link` to page `k + 1` while `k + 1 < pages`.
pub(super) fn endless_page(
    endpoint: Endpoint,
    query: &Query,
    base_url: &str,
    path: &str,
    pages: u32,
) -> Reply {
    let page = query.get("cursor").and_then(decode_cursor).unwrap_or(0);
    let rows: Vec<Value> = (0..ENDLESS_ROWS)
        .map(|i| ghost_row(endpoint, &format!("ghost-{page}-{i}")))
        .collect();
    let reply = Reply::ok(&Value::Array(rows));
    if page + 1 >= pages as usize {
        return reply;
    }
    let mut pairs: Vec<String> = query
        .0
        .iter()
        .filter(|(k, _)| k != "cursor")
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    pairs.push(format!("cursor={}", encode_cursor(page + 1)));
    let next = format!("{base_url}{path}?{}", pairs.join("&"));
    reply.header("link", &format!("<{next}>; rel=\"next\""))
}

/// One row of `endpoint`'s list for a made-up `name`.
fn ghost_row(endpoint: Endpoint, name: &str) -> Value {
    match endpoint {
        Endpoint::AccessRequests => json!({
            "status": "accepted",
            "timestamp": "2026-01-05T09:30:00.000Z",
            "user": {"_id": fake_id(name), "user": name, "fullname": name,
                     "avatarUrl": "/avatars/ghost.png", "isPro": false, "type": "user",
                     "verifiedOrgNames": []},
            "grantedBy": {},
        }),
        Endpoint::Tokens => json!({
            "_id": fake_id(name),
            "displayName": name,
            "role": "read",
            "createdAt": "2026-01-05T09:30:00.000Z",
            "owner": {"_id": fake_id(&format!("owner:{name}")), "name": name,
                      "fullname": name, "avatarUrl": "/avatar.png"},
        }),
        Endpoint::Models | Endpoint::Datasets => json!({
            "_id": fake_id(name),
            "id": format!("ghosts/{name}"),
            "private": false,
            "gated": false,
        }),
        _ => json!({
            "_id": fake_id(name),
            "user": name,
            "fullname": name,
            "avatarUrl": "/avatars/ghost.png",
            "type": "user",
            "role": "read",
            "isPro": false,
        }),
    }
}

/// A body of exactly `bytes` bytes (`[`, blanks, `]`; at least `[]`),
/// produced chunk by chunk as the client reads it, so that the server never
/// holds more than one chunk.
pub(super) fn huge_body(bytes: u64) -> Body {
    let bytes = bytes.max(2);
    let blanks = Bytes::from(vec![b' '; CHUNK]);
    // (bytes still to send, whether `[` was sent)
    let chunks = stream::unfold((bytes, false), move |(left, opened)| {
        let blanks = blanks.clone();
        async move {
            if left == 0 {
                return None;
            }
            let chunk = if !opened {
                Bytes::from_static(b"[")
            } else if left == 1 {
                Bytes::from_static(b"]")
            } else {
                blanks.slice(..(left - 1).min(CHUNK as u64) as usize)
            };
            let left = left - chunk.len() as u64;
            Some((Ok::<_, Infallible>(chunk), (left, true)))
        }
    });
    Body::from_stream(chunks)
}
