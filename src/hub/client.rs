//! The HTTP client: one GET with retries, rate-limit pacing and error
//! messages that say what the Hub said. Paging builds on it (`paging`),
//! collectors on both (`collect`).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue, RETRY_AFTER};
use serde::de::DeserializeOwned;
use url::Url;

use crate::error::{Error, Result};
use crate::hub::auth::Token;
use crate::hub::ratelimit::{Budget, parse_policy_quota, parse_ratelimit};
use crate::hub::retry::{backoff, is_retryable_status, parse_retry_after, rate_limited_wait};
use crate::hub::wire::ErrorBody;

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
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            timeout: Duration::from_secs(120),
            max_retries: 5,
            backoff_base: Duration::from_secs(1),
            max_rate_wait: Duration::from_secs(330),
            concurrency: 8,
        }
    }
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
        let mut auth =
            HeaderValue::from_str(&format!("Bearer {}", token.expose())).map_err(|_| {
                Error::Auth {
                    message: "the token contains characters that cannot be sent in a header".into(),
                    hint: "check the token file for stray characters".into(),
                }
            })?;
        // hyper and reqwest keep sensitive values out of their Debug output.
        auth.set_sensitive(true);
        let http = reqwest::Client::builder()
            .user_agent(concat!("hfaudit/", env!("CARGO_PKG_VERSION")))
            .timeout(opts.timeout)
            .connect_timeout(Duration::from_secs(10).min(opts.timeout))
            // reqwest drops Authorization when a redirect leaves the host.
            .redirect(reqwest::redirect::Policy::limited(5))
            .build()
            .map_err(|e| Error::Usage(format!("cannot set up the HTTP client: {e}")))?;
        Ok(HubClient {
            http,
            endpoint,
            auth,
            budget: Arc::new(Budget::new(2 * opts.concurrency as u64)),
            opts,
            requests: Arc::new(AtomicU64::new(0)),
        })
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
    /// pointing elsewhere is refused rather than followed.
    pub(crate) fn check_same_origin(&self, url: &Url) -> Result<()> {
        if url.origin() == self.endpoint.origin() {
            Ok(())
        } else {
            Err(Error::Hub {
                url: url.to_string(),
                status: None,
                message: format!(
                    "the Hub pointed to another host than {}; refusing to send the token there",
                    self.endpoint.origin().ascii_serialization()
                ),
            })
        }
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
        let mut attempt = 0;
        loop {
            let failure = match self.attempt(url, attempt).await {
                Ok(fetched) => match decode::<T>(fetched.body).await {
                    Ok(value) => return Ok((value, fetched.headers)),
                    Err(e) => Failure::Transient {
                        wait: backoff(attempt, self.opts.backoff_base),
                        reason: format!("the response is not the JSON expected: {e}"),
                        status: None,
                    },
                },
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
                            url: url.to_string(),
                            status,
                            message: format!("gave up after {} attempts: {reason}", attempt + 1),
                        });
                    }
                    tracing::info!(%url, ?wait, "retrying: {reason}");
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
            }
        }
    }

    /// One request, body included.
    async fn attempt(&self, url: &Url, attempt: u32) -> Result<Fetched, Failure> {
        self.check_same_origin(url).map_err(Failure::Final)?;
        let pace = self.budget.reserve();
        if pace > self.opts.max_rate_wait {
            // The budget is spent until a reset too far away to wait for.
            return Err(Failure::Final(Error::Hub {
                url: url.to_string(),
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
        tracing::debug!(%url, "GET");
        let response = self
            .http
            .get(url.clone())
            .header(AUTHORIZATION, self.auth.clone())
            .header("Accept", "application/json")
            .send()
            .await
            .map_err(|e| self.transport_failure(&e, attempt))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let limit = header_str(&headers, "ratelimit").and_then(parse_ratelimit);
        let quota = header_str(&headers, "ratelimit-policy").and_then(parse_policy_quota);
        self.budget.observe(limit, quota);
        let body = response
            .bytes()
            .await
            .map_err(|e| self.transport_failure(&e, attempt))?;
        if (200..300).contains(&status) {
            return Ok(Fetched { headers, body });
        }
        let message = error_message(status, &headers, &body, self.secret());
        if is_retryable_status(status) {
            let wait = if status == 429 {
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
            url: url.to_string(),
            status: Some(status),
            message: format!("{status} {}: {message}", reason_phrase(status)),
        }))
    }

    fn transport_failure(&self, e: &reqwest::Error, attempt: u32) -> Failure {
        // reqwest's Display includes the URL, which carries no secret; the
        // token is only in a header.
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
            reason: format!("{kind} ({})", error_chain(e)),
            status: None,
        }
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

fn parse_endpoint(endpoint: &str) -> Result<Url> {
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

fn header_str<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The Hub's own explanation: `X-Error-Message`, else `{"error": …}`, else a
/// short, printable prefix of the body.
/// The Hub's words for a failed request, cleaned, cut to 300 characters,
/// with the token (`secret`) removed first should the Hub or a proxy echo
/// the request's headers back.
fn error_message(status: u16, headers: &HeaderMap, body: &[u8], secret: &str) -> String {
    let mut raw = header_str(headers, "x-error-message")
        .map(str::to_string)
        .or_else(|| {
            serde_json::from_slice::<ErrorBody>(body)
                .ok()
                .map(|b| b.error)
        })
        .unwrap_or_else(|| String::from_utf8_lossy(body).into_owned());
    if !secret.is_empty() {
        raw = raw.replace(secret, "<redacted>");
    }
    let clean: String = raw
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(300)
        .collect();
    let clean = clean.trim();
    if clean.is_empty() {
        reason_phrase(status).to_string()
    } else {
        clean.to_string()
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
            "no  access"
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
