//! The HTTP client: one GET (or one write, for `hfaudit apply`) with
//! retries, rate-limit pacing and error messages that say what the Hub
//! said. Paging builds on it (`paging`), collectors on both (`collect`).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use reqwest::Method;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue, LOCATION, RETRY_AFTER};
use serde::de::DeserializeOwned;
use url::Url;

use crate::config::defaults::{
    DEFAULT_BACKOFF_MS, DEFAULT_CONCURRENCY, DEFAULT_MAX_BODY_MIB, DEFAULT_RETRIES,
    DEFAULT_TIMEOUT_SECS,
};
use crate::error::{Error, Result};
use crate::hub::auth::Token;
use crate::hub::ratelimit::{Budget, parse_policy_quota, parse_ratelimit};
use crate::hub::retry::{backoff, is_retryable_status, parse_retry_after, rate_limited_wait};
use crate::hub::wire::ErrorBody;

const MIB: u64 = 1024 * 1024;

/// Redirects followed for one request, all on the configured origin.
const MAX_REDIRECTS: usize = 5;

/// Tunables; the defaults suit huggingface.co.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Whole-request timeout (connect, headers and body).
    pub timeout: Duration,
    /// Attempts after the first one.
    pub max_retries: u32,
    /// First backoff step.
    pub backoff_base: Duration,
    /// Longest wait for a rate-limit reset before giving up.
    pub max_rate_wait: Duration,
    /// Per-repo calls in flight at once.
    pub concurrency: usize,
    /// The largest response body read, in bytes; a larger one is an error.
    pub max_body_bytes: u64,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            timeout: Duration::from_secs(DEFAULT_TIMEOUT_SECS),
            max_retries: DEFAULT_RETRIES,
            backoff_base: Duration::from_millis(DEFAULT_BACKOFF_MS),
            max_rate_wait: Duration::from_secs(330),
            concurrency: usize::from(DEFAULT_CONCURRENCY),
            max_body_bytes: DEFAULT_MAX_BODY_MIB * MIB,
        }
    }
}

/// What one request sends besides its URL and the token.
struct Outgoing<'a> {
    method: Method,
    /// A JSON body.
    body: Option<&'a [u8]>,
}

impl Outgoing<'static> {
    const GET: Outgoing<'static> = Outgoing {
        method: Method::GET,
        body: None,
    };
}

/// A response whose body was read completely.
#[derive(Debug)]
pub(crate) struct Fetched {
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// Why one attempt did not produce a usable response.
enum Failure {
    /// Worth another attempt after `wait`.
    Transient {
        wait: Duration,
        reason: String,
        status: Option<u16>,
    },
    /// No point retrying.
    Final(Error),
}

/// A client for one Hub endpoint and one token.
#[derive(Clone)]
pub struct HubClient {
    http: reqwest::Client,
    endpoint: Url,
    auth: HeaderValue,
    opts: ClientOptions,
    budget: Arc<Budget>,
    requests: Arc<AtomicU64>,
    /// The same endpoint with the org's SCIM token, when one was given.
    scim: Option<Arc<HubClient>>,
}

impl std::fmt::Debug for HubClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HubClient")
            .field("endpoint", &self.endpoint.as_str())
            .finish_non_exhaustive()
    }
}

impl HubClient {
    /// The token, for redaction only.
    fn secret(&self) -> &str {
        self.auth
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("")
    }

    pub fn new(endpoint: &str, token: &Token, opts: ClientOptions) -> Result<HubClient> {
        let endpoint = parse_endpoint(endpoint)?;
        let auth = bearer(token)?;
        let http = reqwest::Client::builder()
            .user_agent(concat!("hfaudit/", env!("CARGO_PKG_VERSION")))
            .timeout(opts.timeout)
            .connect_timeout(Duration::from_secs(10).min(opts.timeout))
            // Redirects are followed by `attempt`, which checks every hop:
            // reqwest's own policy checks none and sends a `Referer`.
            .redirect(reqwest::redirect::Policy::none())
            .referer(false)
            .build()
            .map_err(|e| Error::Usage(format!("cannot set up the HTTP client: {e}")))?;
        Ok(HubClient {
            http,
            endpoint,
            auth,
            budget: Arc::new(Budget::new(2 * opts.concurrency as u64)),
            opts,
            requests: Arc::new(AtomicU64::new(0)),
            scim: None,
        })
    }

    /// This client, with a SCIM client beside it that sends the org's SCIM
    /// token (and only SCIM requests go through it). Both share the
    /// connections, the rate-limit budget and the request count.
    pub fn with_scim_token(mut self, token: &Token) -> Result<HubClient> {
        let mut scim = self.clone();
        scim.auth = bearer(token)?;
        scim.scim = None;
        self.scim = Some(Arc::new(scim));
        Ok(self)
    }

    /// The client that carries the SCIM token, if one was given.
    pub fn scim(&self) -> Option<&HubClient> {
        self.scim.as_deref()
    }

    pub fn endpoint(&self) -> &Url {
        &self.endpoint
    }

    pub fn options(&self) -> &ClientOptions {
        &self.opts
    }

    /// Requests sent so far, retries included.
    pub fn request_count(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// `endpoint` + path segments (each percent-encoded) + query.
    pub fn url(&self, segments: &[&str], query: &[(&str, &str)]) -> Url {
        let mut url = self.endpoint.clone();
        url.path_segments_mut()
            .expect("http(s) URLs have a path")
            .pop_if_empty()
            .extend(segments);
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        url
    }

    /// Only URLs on the configured endpoint get the token: a `Link` header
    /// or a redirect pointing elsewhere, or carrying credentials
    /// (`user:pass@`), is refused rather than followed.
    pub(crate) fn check_same_origin(&self, url: &Url) -> Result<()> {
        let why = if url.origin() != self.endpoint.origin() {
            format!(
                "the Hub pointed to another host than {}; refusing to send the token there",
                self.endpoint.origin().ascii_serialization()
            )
        } else if !url.username().is_empty() || url.password().is_some() {
            "the Hub pointed to a URL with credentials in it (user:password@); refusing to \
             follow it"
                .to_string()
        } else {
            return Ok(());
        };
        Err(Error::Hub {
            url: self.shown(url),
            status: None,
            message: why,
        })
    }

    /// `url` as it may be printed (errors, logs): without credentials and
    /// with the token, should a hostile `Link` or redirect carry it,
    /// replaced by `<redacted>`.
    pub(crate) fn shown(&self, url: &Url) -> String {
        let mut url = url.clone();
        // Only fails for URLs that cannot have credentials at all.
        let _ = url.set_username("");
        let _ = url.set_password(None);
        redact(url.as_str(), self.secret())
    }

    /// GETs `url` and decodes its JSON body, retrying what passes.
    pub async fn get_json<T: DeserializeOwned + Send + 'static>(&self, url: &Url) -> Result<T> {
        self.get_decoded(url).await.map(|(value, _)| value)
    }

    /// Like [`get_json`](Self::get_json), also returning the headers (for
    /// `Link`). An undecodable body counts as a failed attempt: a proxy or a
    /// cut connection can produce one, and a retry usually fixes it.
    pub(crate) async fn get_decoded<T: DeserializeOwned + Send + 'static>(
        &self,
        url: &Url,
    ) -> Result<(T, HeaderMap)> {
        self.retrying(url, |attempt| async move {
            let fetched = self.attempt(url, attempt, None, &Outgoing::GET).await?;
            match decode::<T>(fetched.body).await {
                Ok(value) => Ok((value, fetched.headers)),
                Err(e) => Err(self.undecodable(e, attempt)),
            }
        })
        .await
    }

    /// GETs one large export (the audit log: up to 100,000 events, tens of
    /// MB) with a timeout [`EXPORT_TIMEOUT_FACTOR`] times the usual one, and
    /// decodes the body while it arrives, on a blocking thread: the body is
    /// never held whole beside what is decoded from it. Retried like
    /// [`get_json`](Self::get_json), the body cap applies.
    pub(crate) async fn get_json_export<T: DeserializeOwned + Send + 'static>(
        &self,
        url: &Url,
    ) -> Result<T> {
        let timeout = self.opts.timeout.saturating_mul(EXPORT_TIMEOUT_FACTOR);
        self.retrying(url, |attempt| async move {
            let (final_url, response) = self
                .follow(url, attempt, Some(timeout), &Outgoing::GET)
                .await?;
            if !response.status().is_success() {
                // Judged (and its body read) like any other answer.
                let fetched = self.read(&final_url, response, attempt).await?;
                return decode::<T>(fetched.body)
                    .await
                    .map_err(|e| self.undecodable(e, attempt));
            }
            self.decode_streamed(&final_url, response, attempt).await
        })
        .await
    }

    /// Sends one write (`PUT`/`POST`/`DELETE`) with an optional JSON body,
    /// retried like a GET on 408/429/5xx and a cut connection: hfaudit only
    /// sends writes that are idempotent (setting a role, rejecting a
    /// request, revoking a token), so a retry after a lost answer is safe.
    /// The answer's body is not used; its status is judged as for a GET.
    pub(crate) async fn write(
        &self,
        method: Method,
        url: &Url,
        body: Option<&serde_json::Value>,
    ) -> Result<()> {
        let body = body.map(|b| serde_json::to_vec(b).expect("JSON values serialize"));
        let out = Outgoing {
            method,
            body: body.as_deref(),
        };
        self.retrying(url, |attempt| {
            let out = &out;
            async move { self.attempt(url, attempt, None, out).await.map(|_| ()) }
        })
        .await
    }

    /// Runs `one` (attempt number → result) until it succeeds, fails for
    /// good, or the retries or the rate-limit wait run out.
    async fn retrying<T, F, Fut>(&self, url: &Url, one: F) -> Result<T>
    where
        F: Fn(u32) -> Fut,
        Fut: std::future::Future<Output = Result<T, Failure>>,
    {
        let mut attempt = 0;
        loop {
            let failure = match one(attempt).await {
                Ok(value) => return Ok(value),
                Err(failure) => failure,
            };
            match failure {
                Failure::Final(e) => return Err(e),
                Failure::Transient {
                    wait,
                    reason,
                    status,
                } => {
                    if attempt >= self.opts.max_retries || wait > self.opts.max_rate_wait {
                        return Err(Error::Hub {
                            url: self.shown(url),
                            status,
                            message: format!("gave up after {} attempts: {reason}", attempt + 1),
                        });
                    }
                    tracing::info!(url = %self.shown(url), ?wait, "retrying: {reason}");
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
            }
        }
    }

    /// An undecodable body counts as a failed attempt: a proxy or a cut
    /// connection can produce one, and a retry usually fixes it.
    fn undecodable(&self, e: serde_json::Error, attempt: u32) -> Failure {
        Failure::Transient {
            wait: backoff(attempt, self.opts.backoff_base),
            reason: format!("the response is not the JSON expected: {e}"),
            status: None,
        }
    }

    /// Decodes a 2xx body chunk by chunk as it arrives: chunks go through a
    /// small bounded channel to `serde_json::from_reader` on a blocking
    /// thread. The body cap and transport errors are checked as in
    /// [`read_body`](Self::read_body); a transport error wins over the
    /// decoder's "unexpected end".
    async fn decode_streamed<T: DeserializeOwned + Send + 'static>(
        &self,
        url: &Url,
        mut response: reqwest::Response,
        attempt: u32,
    ) -> Result<T, Failure> {
        let cap = self.opts.max_body_bytes;
        if response.content_length().is_some_and(|n| n > cap) {
            return Err(self.too_large(url));
        }
        let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(STREAM_CHUNKS);
        let decoder = tokio::task::spawn_blocking(move || {
            let reader = std::io::BufReader::with_capacity(64 * 1024, ChunkReader::new(rx));
            serde_json::from_reader::<_, T>(reader)
        });
        let mut read: u64 = 0;
        let mut failed = None;
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    read += chunk.len() as u64;
                    if read > cap {
                        failed = Some(self.too_large(url));
                        break;
                    }
                    // The decoder stopped (it failed): its error is reported.
                    if tx.send(chunk).await.is_err() {
                        break;
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    failed = Some(self.transport_failure(e, attempt));
                    break;
                }
            }
        }
        drop(tx);
        let decoded = decoder.await;
        if let Some(failure) = failed {
            return Err(failure);
        }
        match decoded {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => Err(self.undecodable(e, attempt)),
            Err(e) => Err(self.undecodable(
                serde::de::Error::custom(format!("decoding failed: {e}")),
                attempt,
            )),
        }
    }

    /// One request, body included, following redirects that stay on the
    /// endpoint's origin (each hop checked, at most [`MAX_REDIRECTS`], no
    /// hop twice).
    async fn attempt(
        &self,
        url: &Url,
        attempt: u32,
        timeout: Option<Duration>,
        out: &Outgoing<'_>,
    ) -> Result<Fetched, Failure> {
        let (current, response) = self.follow(url, attempt, timeout, out).await?;
        self.read(&current, response, attempt).await
    }

    /// Sends the request and follows its redirects (see [`attempt`]); the
    /// URL that answered and its response, headers in, body unread. A write
    /// is never redirected: the Hub does not redirect its API writes, and
    /// re-sending a write elsewhere is not something to do unasked.
    ///
    /// [`attempt`]: Self::attempt
    async fn follow(
        &self,
        url: &Url,
        attempt: u32,
        timeout: Option<Duration>,
        out: &Outgoing<'_>,
    ) -> Result<(Url, reqwest::Response), Failure> {
        let mut current = url.clone();
        let mut hops: Vec<Url> = Vec::new();
        loop {
            self.check_same_origin(&current).map_err(Failure::Final)?;
            let response = self.send(&current, attempt, timeout, out).await?;
            let status = response.status().as_u16();
            if !matches!(status, 301 | 302 | 303 | 307 | 308) {
                return Ok((current, response));
            }
            if out.method != Method::GET {
                return Err(Failure::Final(Error::Hub {
                    url: self.shown(&current),
                    status: Some(status),
                    message: format!(
                        "{status} {}: the Hub redirected a {} request; a write is not \
                         re-sent elsewhere, and nothing was changed by hfaudit",
                        reason_phrase(status),
                        out.method
                    ),
                }));
            }
            let Some(location) = header_str(response.headers(), LOCATION.as_str()) else {
                // A redirect to nowhere: reported like any other non-2xx.
                return Ok((current, response));
            };
            let next = self
                .redirect_target(&current, status, location, &hops)
                .map_err(Failure::Final)?;
            tracing::debug!(
                from = %self.shown(&current),
                to = %self.shown(&next),
                status,
                "following a redirect on the Hub's own origin"
            );
            hops.push(std::mem::replace(&mut current, next));
        }
    }

    /// Where a redirect from `from` leads, if it may be followed: resolved
    /// against `from`, on the endpoint's origin, without credentials, not
    /// seen before in this request and within [`MAX_REDIRECTS`].
    fn redirect_target(
        &self,
        from: &Url,
        status: u16,
        location: &str,
        hops: &[Url],
    ) -> Result<Url> {
        let refuse = |message: String| Error::Hub {
            url: self.shown(from),
            status: Some(status),
            message,
        };
        let to = from.join(location).map_err(|e| {
            refuse(format!(
                "{status} {}: the redirect's Location is not a URL ({e})",
                reason_phrase(status)
            ))
        })?;
        if let Err(Error::Hub { message, .. }) = self.check_same_origin(&to) {
            return Err(refuse(format!(
                "{status} {}: redirected to {}: {message}; nothing from this request was used",
                reason_phrase(status),
                self.shown(&to)
            )));
        }
        if to == *from || hops.contains(&to) {
            return Err(refuse(format!(
                "{status} {}: the redirect to {} loops back to a URL already requested",
                reason_phrase(status),
                self.shown(&to)
            )));
        }
        if hops.len() >= MAX_REDIRECTS {
            return Err(refuse(format!(
                "{status} {}: more than {MAX_REDIRECTS} redirects in a row (the last to {})",
                reason_phrase(status),
                self.shown(&to)
            )));
        }
        Ok(to)
    }

    /// Sends one request to `url`, paced by the rate-limit budget, and
    /// returns the response once its headers are in.
    async fn send(
        &self,
        url: &Url,
        attempt: u32,
        timeout: Option<Duration>,
        out: &Outgoing<'_>,
    ) -> Result<reqwest::Response, Failure> {
        let pace = self.budget.reserve();
        if pace > self.opts.max_rate_wait {
            // The budget is spent until a reset too far away to wait for.
            return Err(Failure::Final(Error::Hub {
                url: self.shown(url),
                status: Some(429),
                message: format!(
                    "the rate limit is exhausted and resets in {} s, longer than hfaudit waits \
                     ({} s); run again later",
                    pace.as_secs(),
                    self.opts.max_rate_wait.as_secs()
                ),
            }));
        }
        if !pace.is_zero() {
            tracing::debug!(?pace, "pacing to stay inside the rate limit");
            tokio::time::sleep(pace).await;
        }
        self.requests.fetch_add(1, Ordering::Relaxed);
        tracing::debug!(url = %self.shown(url), "{}", out.method);
        let mut request = self
            .http
            .request(out.method.clone(), url.clone())
            .header(AUTHORIZATION, self.auth.clone())
            .header("Accept", "application/json");
        if let Some(body) = out.body {
            request = request
                .header(CONTENT_TYPE, "application/json")
                .body(body.to_vec());
        }
        if let Some(timeout) = timeout {
            request = request.timeout(timeout);
        }
        let response = request
            .send()
            .await
            .map_err(|e| self.transport_failure(e, attempt))?;
        let limit = header_str(response.headers(), "ratelimit").and_then(parse_ratelimit);
        let quota = header_str(response.headers(), "ratelimit-policy").and_then(parse_policy_quota);
        self.budget.observe(limit, quota);
        Ok(response)
    }

    /// Reads the body of the response to `url` and judges its status.
    async fn read(
        &self,
        url: &Url,
        response: reqwest::Response,
        attempt: u32,
    ) -> Result<Fetched, Failure> {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = self.read_body(url, response, attempt).await?;
        if (200..300).contains(&status) {
            return Ok(Fetched { headers, body });
        }
        let message = error_message(status, &headers, &body, self.secret());
        if is_retryable_status(status) {
            let wait = if status == 429 {
                let limit = header_str(&headers, "ratelimit").and_then(parse_ratelimit);
                let after = header_str(&headers, RETRY_AFTER.as_str()).and_then(parse_retry_after);
                rate_limited_wait(limit, after, attempt, self.opts.backoff_base)
            } else {
                backoff(attempt, self.opts.backoff_base)
            };
            return Err(Failure::Transient {
                wait,
                reason: format!("{status}: {message}"),
                status: Some(status),
            });
        }
        Err(Failure::Final(Error::Hub {
            url: self.shown(url),
            status: Some(status),
            message: format!("{status} {}: {message}", reason_phrase(status)),
        }))
    }

    /// The body, chunk by chunk, given up as soon as it passes
    /// `max_body_bytes` (or announces that it will): a hostile or broken
    /// server cannot make hfaudit hold more than that per response.
    async fn read_body(
        &self,
        url: &Url,
        mut response: reqwest::Response,
        attempt: u32,
    ) -> Result<Bytes, Failure> {
        let cap = self.opts.max_body_bytes;
        let too_large = || self.too_large(url);
        let announced = response.content_length();
        if announced.is_some_and(|n| n > cap) {
            return Err(too_large());
        }
        // What is announced is not trusted for more than a modest start.
        let start = announced.unwrap_or(0).min(16 * MIB) as usize;
        let mut body: Vec<u8> = Vec::with_capacity(start);
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| self.transport_failure(e, attempt))?
        {
            if (body.len() + chunk.len()) as u64 > cap {
                return Err(too_large());
            }
            if body.is_empty() && announced == Some(chunk.len() as u64) {
                // The whole body in one chunk: no copy.
                return Ok(chunk);
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Bytes::from(body))
    }

    fn too_large(&self, url: &Url) -> Failure {
        Failure::Final(Error::Hub {
            url: self.shown(url),
            status: None,
            message: format!(
                "the response body is larger than the cap of {} on one response \
                 (hub.max_body_mib, --max-body-mib); the Hub or a proxy is misbehaving, or \
                 the cap is too low for this org",
                size(self.opts.max_body_bytes)
            ),
        })
    }

    fn transport_failure(&self, e: reqwest::Error, attempt: u32) -> Failure {
        // The URL is left out: the error that reports this names it, shown
        // without credentials or the token.
        let e = e.without_url();
        let kind = if e.is_timeout() {
            "timed out"
        } else if e.is_connect() {
            "could not connect"
        } else if e.is_body() || e.is_decode() {
            "the response body was cut off"
        } else {
            "the connection failed"
        };
        Failure::Transient {
            wait: backoff(attempt, self.opts.backoff_base),
            reason: format!("{kind} ({})", redact(&error_chain(&e), self.secret())),
            status: None,
        }
    }
}

/// How many times the usual timeout one export request may take.
pub const EXPORT_TIMEOUT_FACTOR: u32 = 5;

/// Chunks in flight between the body and its streaming decoder.
const STREAM_CHUNKS: usize = 16;

/// `Read` over the chunks of a body as they arrive (on a blocking thread).
struct ChunkReader {
    rx: tokio::sync::mpsc::Receiver<Bytes>,
    current: Bytes,
}

impl ChunkReader {
    fn new(rx: tokio::sync::mpsc::Receiver<Bytes>) -> Self {
        ChunkReader {
            rx,
            current: Bytes::new(),
        }
    }
}

impl std::io::Read for ChunkReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.current.is_empty() {
            match self.rx.blocking_recv() {
                Some(chunk) => self.current = chunk,
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current.split_to(n));
        Ok(n)
    }
}

/// Bodies above this size are decoded on a blocking thread, so that parsing
/// a large audit log never holds up the small per-repo responses.
const DECODE_INLINE_MAX: usize = 256 * 1024;

async fn decode<T: DeserializeOwned + Send + 'static>(body: Bytes) -> serde_json::Result<T> {
    if body.len() <= DECODE_INLINE_MAX {
        return serde_json::from_slice(&body);
    }
    match tokio::task::spawn_blocking(move || serde_json::from_slice(&body)).await {
        Ok(result) => result,
        // The decoding thread panicked or was cancelled: report it as an
        // undecodable body, which is retried like one.
        Err(e) => Err(serde::de::Error::custom(format!("decoding failed: {e}"))),
    }
}

/// Checks `HF_ENDPOINT`: an http(s) URL with a host and no credentials.
pub fn parse_endpoint(endpoint: &str) -> Result<Url> {
    let url = Url::parse(endpoint.trim())
        .map_err(|e| Error::Usage(format!("HF_ENDPOINT '{endpoint}' is not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(Error::Usage(format!(
            "HF_ENDPOINT '{endpoint}' must be an http(s) URL with a host"
        )));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::Usage(
            "HF_ENDPOINT must not carry credentials; use HF_TOKEN or --token-file".into(),
        ));
    }
    Ok(url)
}

/// `Bearer TOKEN`, marked sensitive so that hyper and reqwest keep it out of
/// their Debug output.
fn bearer(token: &Token) -> Result<HeaderValue> {
    let mut auth =
        HeaderValue::from_str(&format!("Bearer {}", token.expose())).map_err(|_| Error::Auth {
            message: "the token contains characters that cannot be sent in a header".into(),
            hint: "check the token file for stray characters".into(),
        })?;
    auth.set_sensitive(true);
    Ok(auth)
}

fn header_str<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The Hub's own explanation: `X-Error-Message`, else `{"error": …}`, else a
/// short, printable prefix of the body.
/// The Hub's words for a failed request, cleaned, cut to 300 characters,
/// with the token (`secret`) removed first should the Hub or a proxy echo
/// the request's headers back.
fn error_message(status: u16, headers: &HeaderMap, body: &[u8], secret: &str) -> String {
    let raw = header_str(headers, "x-error-message")
        .map(str::to_string)
        .or_else(|| {
            serde_json::from_slice::<ErrorBody>(body)
                .ok()
                .map(|b| b.error)
        })
        .unwrap_or_else(|| String::from_utf8_lossy(body).into_owned());
    // One line (runs of whitespace, line breaks included, become one
    // space), then cleaned like every other Hub text, then cut.
    let raw = redact(&raw, secret);
    let line = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    let clean: String = crate::text::clean_text(&line).chars().take(300).collect();
    let clean = clean.trim();
    if clean.is_empty() {
        reason_phrase(status).to_string()
    } else {
        clean.to_string()
    }
}

/// `text` with every copy of `secret` replaced by `<redacted>`, also a
/// percent-encoded one (the text is then shown decoded).
fn redact(text: &str, secret: &str) -> String {
    if secret.is_empty() {
        return text.to_string();
    }
    let plain = text.replace(secret, "<redacted>");
    let decoded = percent_decode(&plain);
    if decoded.contains(secret) {
        decoded.replace(secret, "<redacted>")
    } else {
        plain
    }
}

/// `%XX` sequences decoded (invalid ones kept as they are), lossily as UTF-8.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(h), Some(l)) = (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            )
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A byte count as the cap is configured: whole MiB when it is some.
fn size(bytes: u64) -> String {
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else {
        format!("{bytes} bytes")
    }
}

fn reason_phrase(status: u16) -> &'static str {
    reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("")
}

fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        parts.push(s.to_string());
        source = s.source();
    }
    parts.dedup();
    parts.join(": ")
}

/// The `Link` header's `rel="next"` target, if any.
pub(crate) fn next_link(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(reqwest::header::LINK)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(crate::hub::paging::parse_next_link)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(endpoint: &str) -> HubClient {
        HubClient::new(
            endpoint,
            &Token::new("hf_x").unwrap(),
            ClientOptions::default(),
        )
        .unwrap()
    }

    #[test]
    fn url_segments_are_percent_encoded() {
        let c = client("https://hub.example/");
        let u = c.url(
            &["api", "organizations", "a b/../c", "members"],
            &[("limit", "10")],
        );
        assert_eq!(
            u.as_str(),
            "https://hub.example/api/organizations/a%20b%2F..%2Fc/members?limit=10"
        );
        let c = client("https://hub.example/prefix");
        assert_eq!(
            c.url(&["api", "x"], &[]).as_str(),
            "https://hub.example/prefix/api/x"
        );
    }

    #[test]
    fn other_origins_are_refused() {
        let c = client("http://127.0.0.1:8080");
        assert!(
            c.check_same_origin(&Url::parse("http://127.0.0.1:8080/api?x=1").unwrap())
                .is_ok()
        );
        assert!(
            c.check_same_origin(&Url::parse("http://127.0.0.1:9999/api").unwrap())
                .is_err()
        );
        assert!(
            c.check_same_origin(&Url::parse("https://evil.example/api").unwrap())
                .is_err()
        );
    }

    #[test]
    fn links_with_credentials_are_refused() {
        let c = client("http://127.0.0.1:8080");
        for url in [
            "http://user:pw@127.0.0.1:8080/api",
            "http://user@127.0.0.1:8080/api",
            "http://:pw@127.0.0.1:8080/api",
        ] {
            let err = c.check_same_origin(&Url::parse(url).unwrap()).unwrap_err();
            let shown = err.to_string();
            assert!(shown.contains("credentials"), "{shown}");
            assert!(!shown.contains("pw") && !shown.contains("user@"), "{shown}");
        }
    }

    #[test]
    fn shown_urls_lose_credentials_and_the_token() {
        let c = client("http://127.0.0.1:8080");
        let shown = |u: &str| c.shown(&Url::parse(u).unwrap());
        assert_eq!(
            shown("http://u:hf_x@evil.example/a?t=hf_x&k=1"),
            "http://evil.example/a?t=<redacted>&k=1"
        );
        assert_eq!(
            shown("http://127.0.0.1:8080/a?t=%68%66_%78"),
            "http://127.0.0.1:8080/a?t=<redacted>"
        );
        assert_eq!(
            shown("http://127.0.0.1:8080/api?cursor=abc"),
            "http://127.0.0.1:8080/api?cursor=abc"
        );
        assert_eq!(percent_decode("a%2"), "a%2");
        assert_eq!(percent_decode("%zz%41"), "%zzA");
    }

    #[test]
    fn redirects_are_checked_hop_by_hop() {
        let c = client("http://127.0.0.1:8080/");
        let from = Url::parse("http://127.0.0.1:8080/api/x?limit=5").unwrap();
        let to = c
            .redirect_target(&from, 302, "/api/y?limit=5", &[])
            .unwrap();
        assert_eq!(to.as_str(), "http://127.0.0.1:8080/api/y?limit=5");
        let err = c
            .redirect_target(&from, 301, "http://127.0.0.1:9/api/x", &[])
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("http://127.0.0.1:8080/api/x?limit=5: 301 Moved Permanently: \
                             redirected to http://127.0.0.1:9/api/x: the Hub pointed to another host"),
            "{err}"
        );
        assert!(
            c.redirect_target(&from, 302, "?limit=5", &[]).is_err(),
            "itself"
        );
        let hops: Vec<Url> = (0..5)
            .map(|i| Url::parse(&format!("http://127.0.0.1:8080/h{i}")).unwrap())
            .collect();
        let looped = c.redirect_target(&from, 307, "/h2", &hops).unwrap_err();
        assert!(looped.to_string().contains("loops back"), "{looped}");
        let long = c.redirect_target(&from, 308, "/h9", &hops).unwrap_err();
        assert!(long.to_string().contains("more than 5"), "{long}");
        assert!(c.redirect_target(&from, 308, "/h9", &hops[..4]).is_ok());
    }

    #[test]
    fn caps_are_shown_in_mib_when_whole() {
        assert_eq!(size(512 * MIB), "512 MiB");
        assert_eq!(size(1000), "1000 bytes");
        assert_eq!(ClientOptions::default().max_body_bytes, 512 * MIB);
    }

    #[test]
    fn endpoints_are_validated() {
        assert!(parse_endpoint("ftp://x").is_err());
        assert!(parse_endpoint("not a url").is_err());
        assert!(parse_endpoint("https://user:pw@hub.example").is_err());
        assert!(parse_endpoint("https://huggingface.co").is_ok());
    }

    #[test]
    fn error_messages_prefer_the_hubs_words() {
        let mut h = HeaderMap::new();
        assert_eq!(
            error_message(403, &h, br#"{"error":"no \u0007access"}"#, ""),
            "no \u{FFFD}access"
        );
        // Bidi overrides too (the old control-only filter let them through);
        // line breaks are spaces.
        assert_eq!(
            error_message(403, &h, "a\u{202E}b\r\n  c".as_bytes(), ""),
            "a\u{FFFD}b c"
        );
        assert_eq!(error_message(404, &h, b"", ""), "Not Found");
        h.insert("x-error-message", HeaderValue::from_static("Plan required"));
        assert_eq!(
            error_message(402, &h, br#"{"error":"x"}"#, ""),
            "Plan required"
        );
        let echo = format!("{}Authorization: Bearer hf_secret123", "x".repeat(190));
        let m = error_message(400, &HeaderMap::new(), echo.as_bytes(), "hf_secret123");
        assert!(!m.contains("hf_secret"), "{m}");
        assert!(m.ends_with("Bearer <redacted>"), "{m}");
    }
}
