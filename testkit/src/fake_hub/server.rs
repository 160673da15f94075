//! The HTTP side of the fake Hub: one axum handler that routes by hand, so
//! that recording, faults and the `RateLimit` headers happen in one place.
//! Reads render from a snapshot of the world; writes (`writes.rs`) change
//! it under the lock, copy-on-write.

use std::collections::HashMap;
use std::io;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, Method, Uri, header};
use axum::response::Response;
use bytes::Bytes;
use futures_util::StreamExt;
use futures_util::stream;

use super::Recorded;
use super::connection::Conn;
use super::faults::{self, Armed, FaultKind, Target};
use super::hostile;
use super::paging::{self, Paging};
use super::reply::{Query, Reply};
use super::routes::{self, Call, Route};
use super::verdicts::{self, Verdicts};
use super::world::World;
use super::writes::{self, Write};

/// The rate-limit window, as in `RateLimit-Policy: ...;w=300`.
const WINDOW_SECS: u64 = 300;
/// What an `InvalidJson` fault sends: a proxy's error page.
const NOT_JSON: &str = "<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>";
/// How long a truncated body pauses after its first half, so that the half
/// reaches the client before the connection drops.
const TRUNCATE_PAUSE: Duration = Duration::from_millis(50);

/// State shared between the test thread and the server thread.
pub(super) struct Shared {
    pub base_url: String,
    pub state: Mutex<HubState>,
}

pub(super) struct HubState {
    /// Shared with the requests being answered, so that rendering a large
    /// response never holds the lock; changed copy-on-write.
    pub world: Arc<World>,
    /// Bumped by every change of the world; keys the render cache.
    pub generation: u64,
    /// Responses already rendered for this generation, by (URI, token):
    /// repeated reads of a large org cost the server nothing, as on a real
    /// Hub whose rendering does not run on the client's machine.
    pub rendered: HashMap<(String, Option<String>), Reply>,
    pub faults: Vec<Armed>,
    pub log: Vec<Recorded>,
    /// What the Hub's description made of the bodies served.
    pub verdicts: Verdicts,
    window: Window,
}

impl Shared {
    pub fn new(world: World, base_url: String) -> Shared {
        let state = HubState {
            world: Arc::new(world),
            generation: 0,
            rendered: HashMap::new(),
            faults: Vec::new(),
            log: Vec::new(),
            verdicts: Verdicts::default(),
            window: Window::new(),
        };
        Shared {
            base_url,
            state: Mutex::new(state),
        }
    }

    /// The state, even after a test panicked while holding it.
    pub fn lock(&self) -> MutexGuard<'_, HubState> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A fixed 300 s window counting every request.
struct Window {
    started: Instant,
    index: u64,
    used: u32,
}

/// What the `RateLimit` header says after a request.
#[derive(Clone, Copy, Debug)]
struct Budget {
    remaining: u32,
    reset_secs: u64,
    quota: u32,
}

impl Window {
    fn new() -> Window {
        Window {
            started: Instant::now(),
            index: 0,
            used: 0,
        }
    }

    fn count(&mut self, quota: u32) -> Budget {
        let elapsed = self.started.elapsed().as_secs();
        if elapsed / WINDOW_SECS != self.index {
            self.index = elapsed / WINDOW_SECS;
            self.used = 0;
        }
        self.used = self.used.saturating_add(1);
        let remaining = quota.saturating_sub(self.used);
        Budget {
            remaining,
            reset_secs: WINDOW_SECS - elapsed % WINDOW_SECS,
            quota,
        }
    }
}

fn with_budget(reply: Reply, budget: Budget) -> Reply {
    let limit = format!("\"api\";r={};t={}", budget.remaining, budget.reset_secs);
    let policy = format!(
        "\"fixed window\";\"api\";q={};w={WINDOW_SECS}",
        budget.quota
    );
    reply
        .header("ratelimit", &limit)
        .header("ratelimit-policy", &policy)
}

/// How a request is answered.
enum Outcome {
    Reply(Reply),
    /// Announce the full length, send half, then fail.
    Truncated(Reply),
    /// Close the connection without answering.
    Reset,
    /// The reply's status and headers, then a body of `bytes` blanks
    /// streamed as the client reads (with a `Content-Length` if `announce`).
    Huge {
        reply: Reply,
        bytes: u64,
        announce: bool,
    },
}

impl Outcome {
    /// The status recorded for it; 0 for a reset.
    fn status(&self) -> u16 {
        match self {
            Outcome::Reply(reply) | Outcome::Truncated(reply) | Outcome::Huge { reply, .. } => {
                reply.status
            }
            Outcome::Reset => 0,
        }
    }
}

/// What the handler needs to know about a request.
struct Incoming {
    method: Method,
    uri: Uri,
    query: Query,
    authorization: Option<String>,
    route: Option<Route>,
    /// The request body as sent (empty for none).
    body: Bytes,
    /// What the Hub's description finds wrong with `body`, for a write.
    body_errors: Vec<String>,
}

impl Incoming {
    fn new(method: Method, uri: Uri, headers: &HeaderMap, body: Bytes) -> Incoming {
        let pairs = axum::extract::Query::<Vec<(String, String)>>::try_from_uri(&uri);
        let authorization = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        Incoming {
            query: Query(pairs.map(|q| q.0).unwrap_or_default()),
            authorization: authorization.map(str::to_string),
            route: Route::parse(uri.path()),
            method,
            uri,
            body,
            body_errors: Vec::new(),
        }
    }

    /// The route, when it is a write asked for with its own method.
    fn write(&self) -> Option<&Route> {
        self.route
            .as_ref()
            .filter(|r| r.is_write() && r.method() == self.method.as_str())
    }

    fn token(&self) -> Option<&str> {
        let authorization = self.authorization.as_deref()?;
        authorization.strip_prefix("Bearer ").map(str::trim)
    }
}

pub(super) async fn handle(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(conn): ConnectInfo<Conn>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut request = Incoming::new(method, uri, &headers, body);
    // Every body sent to a write is judged, whatever answers it.
    if let Some(route) = request.write() {
        let endpoint = Some(route.endpoint());
        let (method, path) = (request.method.as_str(), request.uri.path());
        request.body_errors =
            verdicts::judge_request(&shared, method, path, endpoint, &request.body);
    }
    let (latency, fault, budget) = admit(&shared, &request);
    // Recorded on arrival, so a request the client gave up on (a slow
    // response, a timeout) still counts; the status is filled in on answer
    // and stays 0 if the client hung up first.
    let entry = {
        let mut state = shared.lock();
        state.log.push(Recorded {
            method: request.method.to_string(),
            path: request.uri.path().to_string(),
            query: request.uri.query().unwrap_or_default().to_string(),
            status: 0,
            authorization: request.authorization.clone(),
            body: (!request.body.is_empty()).then(|| request.body.to_vec()),
        });
        state.log.len() - 1
    };
    if !latency.is_zero() {
        delay(latency).await;
    }
    if let Some(FaultKind::Slow(delay)) = fault {
        tokio::time::sleep(delay).await;
    }
    let outcome = answer(&shared, &request, fault, budget);
    if let Some(recorded) = shared.lock().log.get_mut(entry) {
        recorded.status = outcome.status();
    }
    match outcome {
        Outcome::Reply(reply) => into_response(reply, None),
        Outcome::Truncated(reply) => {
            let half = half(&reply);
            into_response(reply, Some(half))
        }
        Outcome::Reset => {
            conn.kill();
            into_response(Reply::error(500, "connection reset"), None)
        }
        Outcome::Huge {
            reply,
            bytes,
            announce,
        } => {
            let mut builder = Response::builder().status(reply.status);
            for (name, value) in &reply.headers {
                builder = builder.header(name, value);
            }
            if announce {
                builder = builder.header(header::CONTENT_LENGTH, bytes.max(2));
            }
            builder
                .body(hostile::huge_body(bytes))
                .expect("valid response parts")
        }
    }
}

/// Waits `latency`, precisely: tokio's timer works in whole milliseconds
/// and rounds up, which made a 20 ms latency 21.4 ms on average; a thread's
/// sleep is accurate to tens of microseconds.
async fn delay(latency: Duration) {
    let _ = tokio::task::spawn_blocking(move || std::thread::sleep(latency)).await;
}

/// Counts the request against the rate-limit window and the faults:
/// the latency to add, the fault it meets, and the budget left.
fn admit(shared: &Shared, request: &Incoming) -> (Duration, Option<FaultKind>, Budget) {
    let mut state = shared.lock();
    let offset_paging = state.world.offset_paging;
    let later_page = paging::requested_offset(&request.query, offset_paging).is_ok_and(|o| o > 0);
    let endpoint = request.route.as_ref().map(Route::endpoint);
    let fault = faults::pick(
        &mut state.faults,
        Target {
            endpoint,
            later_page,
        },
    );
    let quota = state.world.quota;
    (state.world.latency, fault, state.window.count(quota))
}

fn answer(
    shared: &Shared,
    request: &Incoming,
    fault: Option<FaultKind>,
    budget: Budget,
) -> Outcome {
    match fault {
        Some(FaultKind::Reset) => Outcome::Reset,
        Some(FaultKind::Status(status)) => {
            Outcome::Reply(with_budget(Reply::injected(status), budget))
        }
        Some(FaultKind::RateLimited { reset_secs }) => {
            let exhausted = Budget {
                remaining: 0,
                reset_secs,
                ..budget
            };
            Outcome::Reply(with_budget(Reply::injected(429), exhausted))
        }
        Some(FaultKind::RateLimitedBare) => Outcome::Reply(Reply::injected(429)),
        Some(FaultKind::EchoAuthorization(status)) => {
            let auth = request.authorization.as_deref().unwrap_or_default();
            Outcome::Reply(Reply::error(status, &format!("bad header: {auth}")))
        }
        Some(FaultKind::RetryAfter { secs }) => {
            Outcome::Reply(Reply::injected(429).header("retry-after", &secs.to_string()))
        }
        Some(FaultKind::Redirect { status, to }) => {
            let pq = request
                .uri
                .path_and_query()
                .map_or(request.uri.path(), |pq| pq.as_str());
            Outcome::Reply(with_budget(hostile::redirect(status, &to, pq), budget))
        }
        Some(FaultKind::HugeBody { bytes, announce }) => {
            // `[`, blanks, `]`: the body is `[]`, however long.
            judge(shared, request, 200, b"[]");
            Outcome::Huge {
                reply: with_budget(Reply::json(200, &serde_json::json!([])), budget),
                bytes,
                announce,
            }
        }
        Some(FaultKind::EndlessLink { pages }) => {
            let endpoint = request
                .route
                .as_ref()
                .map_or(faults::Endpoint::Members, Route::endpoint);
            let reply = hostile::endless_page(
                endpoint,
                &request.query,
                &shared.base_url,
                request.uri.path(),
                pages,
            );
            judge(shared, request, reply.status, &reply.body);
            Outcome::Reply(with_budget(reply, budget))
        }
        Some(FaultKind::Link(to)) => {
            let reply = serve(shared, request, None);
            let reply = hostile::with_link(reply, &to, &shared.base_url);
            Outcome::Reply(with_budget(reply, budget))
        }
        _ => {
            let mut reply = with_budget(serve(shared, request, fault.as_ref()), budget);
            match fault {
                Some(FaultKind::Truncate) => {
                    judge(shared, request, reply.status, &reply.body[..half(&reply)]);
                    Outcome::Truncated(reply)
                }
                Some(FaultKind::InvalidJson) => {
                    reply.status = 200;
                    reply.body = NOT_JSON.as_bytes().to_vec();
                    judge(shared, request, reply.status, &reply.body);
                    Outcome::Reply(reply)
                }
                _ => Outcome::Reply(reply),
            }
        }
    }
}

/// The normal answer, shaped by a paging fault if there is one.
fn serve(shared: &Shared, request: &Incoming, fault: Option<&FaultKind>) -> Reply {
    if let Some(route) = request.write() {
        return serve_write(shared, request, route);
    }
    // Only reads are cached: another method on the same URI answers 405.
    let cacheable = fault.is_none() && matches!(request.method, Method::GET | Method::HEAD);
    let paging = Paging {
        base_url: shared.base_url.clone(),
        path: request.uri.path().to_string(),
        page_cap: 0,
        offset_paging: false,
        ignore_offset: false,
        loop_link: fault == Some(&FaultKind::LinkLoop),
        duplicate: fault == Some(&FaultKind::DuplicateRows),
    };
    // Render from a snapshot of the world, outside the lock: requests are
    // answered in parallel, as by a real server.
    let key = (request.uri.to_string(), request.token().map(str::to_string));
    let (world, generation) = {
        let state = shared.lock();
        if cacheable && let Some(reply) = state.rendered.get(&key) {
            return reply.clone();
        }
        (Arc::clone(&state.world), state.generation)
    };
    let reply = render(request, &world, paging);
    judge(shared, request, reply.status, &reply.body);
    let mut state = shared.lock();
    if cacheable && state.generation == generation {
        state.rendered.insert(key, reply.clone());
    }
    reply
}

/// A write, decided and made under the lock (so that two writes never
/// decide on the same world): when it is allowed, the world changes
/// copy-on-write as in `FakeHub::with_world`, and later reads see it.
fn serve_write(shared: &Shared, request: &Incoming, route: &Route) -> Reply {
    let call = Write {
        route,
        token: request.token(),
        body: &request.body,
        body_errors: &request.body_errors,
    };
    let mut state = shared.lock();
    match writes::decide(&state.world, &call) {
        Err(reply) => reply,
        Ok(change) => {
            state.generation += 1;
            state.rendered.clear();
            change.apply(Arc::make_mut(&mut state.world));
            writes::done()
        }
    }
}

fn render(request: &Incoming, world: &World, paging: Paging) -> Reply {
    let reply = render_true(request, world, paging);
    drift(reply, &world.renamed_keys)
}

fn render_true(request: &Incoming, world: &World, paging: Paging) -> Reply {
    // Writes were answered by `serve_write`; any other method is 405.
    let readable = matches!(request.method, Method::GET | Method::HEAD);
    match (&request.route, readable) {
        (Some(_), false) => Reply::error(405, "Method not allowed"),
        (Some(route), true) => {
            let call = Call {
                route,
                query: &request.query,
                token: request.token(),
                paging,
            };
            routes::respond(world, &call)
        }
        (None, _) => routes::unknown_path(world, request.token()),
    }
}

/// `reply` with the world's `renamed_keys` applied to its JSON body.
fn drift(mut reply: Reply, renamed: &[(String, String)]) -> Reply {
    if renamed.is_empty() {
        return reply;
    }
    fn rename(value: &mut serde_json::Value, renamed: &[(String, String)]) {
        match value {
            serde_json::Value::Object(map) => {
                for (from, to) in renamed {
                    if let Some(v) = map.remove(from) {
                        map.insert(to.clone(), v);
                    }
                }
                map.values_mut().for_each(|v| rename(v, renamed));
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(|v| rename(v, renamed)),
            _ => {}
        }
    }
    if let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(&reply.body) {
        rename(&mut value, renamed);
        reply.body = serde_json::to_vec(&value).expect("JSON values serialize");
    }
    reply
}

/// How much of a truncated body is sent.
fn half(reply: &Reply) -> usize {
    reply.body.len() / 2
}

/// Checks a body about to be served against the Hub's description.
fn judge(shared: &Shared, request: &Incoming, status: u16, body: &[u8]) {
    if !shared.lock().world.judge_bodies {
        return;
    }
    let endpoint = request.route.as_ref().map(Route::endpoint);
    let (method, path) = (request.method.as_str(), request.uri.path());
    verdicts::judge(shared, method, path, endpoint, status, body);
}

/// `cut_at`: send only that many bytes of the body, after a `Content-Length`
/// announcing all of it, then fail the body so the connection is dropped.
fn into_response(reply: Reply, cut_at: Option<usize>) -> Response {
    let mut builder = Response::builder().status(reply.status);
    for (name, value) in &reply.headers {
        builder = builder.header(name, value);
    }
    let body = match cut_at {
        None => Body::from(reply.body),
        Some(cut) => {
            builder = builder.header(header::CONTENT_LENGTH, reply.body.len());
            let half = Bytes::copy_from_slice(&reply.body[..cut]);
            let failure = stream::once(async {
                tokio::time::sleep(TRUNCATE_PAUSE).await;
                Err(io::Error::other("fake hub: truncated body"))
            });
            Body::from_stream(stream::iter([Ok(half)]).chain(failure))
        }
    };
    builder.body(body).expect("valid response parts")
}
