//! Faults a test arms on the fake Hub, and the rule that decides which one
//! a request meets.
//!
//! Faults are tried in the order they were added. Each counts the requests
//! it applies to: the first `skip` are served normally, the next `times`
//! (forever when `None`) meet the fault. The first armed fault that fires
//! wins; the others still count the request towards their `skip`.
//!
//! On a write, a fault that replaces the answer (a status, a 429, a reset,
//! a redirect, a huge body) is met before the write: nothing changes. A
//! `Truncate` or `InvalidJson` damages the answer of a write that was made
//! (the Hub did it, the client cannot tell), and `Slow` delays it.

use std::time::Duration;

/// Which endpoint a fault applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Endpoint {
    Any,
    Whoami,
    Overview,
    Members,
    ResourceGroups,
    PendingMembers,
    ScimUsers,
    Models,
    Datasets,
    AccessRequests,
    AuditLog,
    Tokens,
    ServiceAccounts,
    /// `PUT /api/organizations/{name}/members/{username}/role`.
    RoleChange,
    /// `POST /api/models/{namespace}/{repo}/user-access-request/handle`.
    HandleAccessRequest,
    /// `POST /api/organizations/{name}/settings/tokens/{tokenId}/revoke`.
    RevokeToken,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// 429 with `RateLimit: "api";r=0;t=N` and the policy header.
    RateLimited { reset_secs: u64 },
    /// 429 with neither `RateLimit` nor `Retry-After`.
    RateLimitedBare,
    /// 429 with `Retry-After` only.
    RetryAfter { secs: u64 },
    /// Any status, with `X-Error-Code`, `X-Error-Message` and `{"error": ...}`.
    Status(u16),
    /// Sleeps that long, then answers normally.
    Slow(Duration),
    /// 200 announcing the full `Content-Length`, sending half, then dropping the connection.
    Truncate,
    /// The connection is closed without any response.
    Reset,
    /// 200 whose body is not JSON.
    InvalidJson,
    /// A `Link`-paged response whose `Link` points back at the first page.
    LinkLoop,
    /// A page after the first that starts with the previous page's last rows.
    DuplicateRows,
    /// This status, with the request's `Authorization` header echoed in
    /// `X-Error-Message` and the body, as a careless proxy might.
    EchoAuthorization(u16),
    /// A redirect: `status` (301, 302, 303, 307, 308) with `Location: to`,
    /// in which `{pq}` stands for the request's own path and query. Sent as
    /// is: a relative `to` is resolved by the client.
    Redirect { status: u16, to: String },
    /// 200 with a body of `bytes` bytes (a JSON array of blanks), streamed
    /// in 64 KiB chunks; with a `Content-Length` when `announce`.
    HugeBody { bytes: u64, announce: bool },
    /// Every page holds fresh rows and a `Link` to a next page, for `pages`
    /// pages: a list that seems endless, without ever repeating a row.
    EndlessLink { pages: u32 },
    /// The normal answer, its `Link: <to>; rel="next"` set to `to` (on
    /// every page), in which `{base}` stands for the server's URL.
    Link(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fault {
    pub endpoint: Endpoint,
    pub kind: FaultKind,
    /// The first `skip` matching requests are served normally.
    pub skip: u32,
    /// How many requests meet the fault after that; `None` = forever.
    pub times: Option<u32>,
}

impl Fault {
    /// A fault met by every matching request, forever.
    pub fn new(endpoint: Endpoint, kind: FaultKind) -> Fault {
        Fault {
            endpoint,
            kind,
            skip: 0,
            times: None,
        }
    }

    pub fn skip(mut self, requests: u32) -> Fault {
        self.skip = requests;
        self
    }

    pub fn times(mut self, requests: u32) -> Fault {
        self.times = Some(requests);
        self
    }

    pub fn once(self) -> Fault {
        self.times(1)
    }
}

impl Endpoint {
    /// Endpoints whose lists page by `Link` (or `offset` on legacy deployments).
    pub fn is_link_paged(self) -> bool {
        matches!(
            self,
            Endpoint::Members
                | Endpoint::Models
                | Endpoint::Datasets
                | Endpoint::AccessRequests
                | Endpoint::Tokens
        )
    }
}

/// What a fault needs to know about a request to decide whether it applies.
#[derive(Clone, Copy, Debug)]
pub(super) struct Target {
    /// `None` for a path the Hub does not serve.
    pub endpoint: Option<Endpoint>,
    /// A page after the first (a cursor or a non-zero offset).
    pub later_page: bool,
}

/// A fault with its counters.
#[derive(Debug)]
pub(super) struct Armed {
    fault: Fault,
    seen: u32,
    fired: u32,
}

impl Armed {
    pub fn new(fault: Fault) -> Armed {
        Armed {
            fault,
            seen: 0,
            fired: 0,
        }
    }

    fn applies(&self, target: Target) -> bool {
        let endpoint_matches = match (self.fault.endpoint, target.endpoint) {
            (Endpoint::Any, _) => true,
            (wanted, Some(actual)) => wanted == actual,
            (_, None) => false,
        };
        let paged = target.endpoint.is_some_and(Endpoint::is_link_paged);
        endpoint_matches
            && match self.fault.kind {
                FaultKind::LinkLoop | FaultKind::EndlessLink { .. } | FaultKind::Link(_) => paged,
                FaultKind::DuplicateRows => paged && target.later_page,
                _ => true,
            }
    }
}

/// Counts the request against every fault it applies to and returns the
/// kind of the first one that fires.
pub(super) fn pick(armed: &mut [Armed], target: Target) -> Option<FaultKind> {
    let mut chosen = None;
    for entry in armed.iter_mut().filter(|a| a.applies(target)) {
        entry.seen += 1;
        let past_skip = entry.seen > entry.fault.skip;
        let left = entry.fault.times.is_none_or(|t| entry.fired < t);
        if chosen.is_none() && past_skip && left {
            entry.fired += 1;
            chosen = Some(entry.fault.kind.clone());
        }
    }
    chosen
}

/// `X-Error-Code` and a message for an injected status.
pub(super) fn status_error(status: u16) -> (&'static str, &'static str) {
    match status {
        400 => ("BadRequest", "Bad request"),
        401 => (
            "InvalidCredentials",
            "Invalid credentials in Authorization header",
        ),
        402 => ("PaymentRequired", "This feature requires a paid plan"),
        403 => (
            "Forbidden",
            "You don't have the rights to access this resource",
        ),
        404 => ("NotFound", "Not Found"),
        408 => ("Timeout", "Request timed out"),
        429 => ("RateLimited", "You have exceeded our rate limits"),
        500 => (
            "InternalError",
            "Internal Error - We're working hard to fix this as soon as possible!",
        ),
        502 => ("BadGateway", "Bad Gateway"),
        503 => ("ServiceUnavailable", "Service Unavailable"),
        504 => ("GatewayTimeout", "Gateway Timeout"),
        _ => ("Error", "Injected error"),
    }
}
