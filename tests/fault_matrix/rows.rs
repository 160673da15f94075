//! The rows of the fault matrix: which fault, where, how often, and what
//! must come of it.

use std::fmt;
use std::time::Duration;

use crate::support::fake_hub::{Endpoint, Fault, FaultKind};

/// What a row must end in.
#[derive(Clone, Debug)]
pub enum Expect {
    /// Exit 0, every collector ok, exactly the Hub's content.
    Complete,
    /// Exit 0, these collectors unavailable (and their rows absent), the
    /// rest exactly the Hub's content.
    Unavailable(&'static [&'static str]),
    /// Exit 3 with this in stderr; no complete snapshot, no leftovers.
    NotRecorded(&'static str),
}

impl fmt::Display for Expect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expect::Complete => f.write_str("complete, exact (exit 0)"),
            Expect::Unavailable(c) => write!(f, "{} unavailable, rest exact (exit 0)", c.join("+")),
            Expect::NotRecorded(_) => f.write_str("not recorded (exit 3)"),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Row {
    pub label: &'static str,
    pub faults: Vec<Fault>,
    /// Extra `snapshot` arguments.
    pub args: &'static [&'static str],
    pub expect: Expect,
}

impl Row {
    fn new(label: &'static str, faults: Vec<Fault>, expect: Expect) -> Row {
        Row {
            label,
            faults,
            args: &[],
            expect,
        }
    }

    fn args(mut self, args: &'static [&'static str]) -> Row {
        self.args = args;
        self
    }

    /// Transient when every fault stops; a plan/token limit when every
    /// fault is a 402/403/404 of an optional collector (or SCIM's 401);
    /// else persistent.
    pub fn kind(&self) -> &'static str {
        let limit = |f: &Fault| match f.kind {
            FaultKind::Status(402..=404) => OPTIONAL.contains(&f.endpoint),
            FaultKind::Status(401) => f.endpoint == Endpoint::ScimUsers,
            _ => false,
        };
        if self.faults.iter().all(|f| f.times.is_some()) {
            "transient"
        } else if self.faults.iter().all(limit) {
            "plan/token"
        } else {
            "persistent"
        }
    }
}

fn on(endpoint: Endpoint, kind: FaultKind) -> Fault {
    Fault::new(endpoint, kind)
}

/// On the second page of members (after the first one was read).
fn members_page_2(kind: FaultKind) -> Fault {
    on(Endpoint::Members, kind).skip(1)
}

/// Endpoints of optional collectors.
const OPTIONAL: [Endpoint; 8] = [
    Endpoint::ResourceGroups,
    Endpoint::ServiceAccounts,
    Endpoint::AuditLog,
    Endpoint::Models,
    Endpoint::Datasets,
    Endpoint::AccessRequests,
    Endpoint::PendingMembers,
    Endpoint::ScimUsers,
];

const RATE_LIMITED: FaultKind = FaultKind::RateLimited { reset_secs: 0 };

/// Faults that pass: the run retries through them.
pub fn transient() -> Vec<Row> {
    use Expect::Complete;
    use FaultKind::*;
    vec![
        Row::new(
            "429 storm r=0;t=0 x5 (members p2)",
            vec![members_page_2(RATE_LIMITED).times(5)],
            Complete,
        ),
        Row::new(
            "429 storm r=0;t=0 x4 (any endpoint)",
            vec![on(Endpoint::Any, RATE_LIMITED).skip(2).times(4)],
            Complete,
        ),
        Row::new(
            "429 r=0;t=1 x1 (access requests)",
            vec![on(Endpoint::AccessRequests, RateLimited { reset_secs: 1 }).once()],
            Complete,
        ),
        Row::new(
            "429 without headers x3 (members p2)",
            vec![members_page_2(RateLimitedBare).times(3)],
            Complete,
        ),
        Row::new(
            "429 Retry-After: 0 x3 (any endpoint)",
            vec![on(Endpoint::Any, RetryAfter { secs: 0 }).skip(1).times(3)],
            Complete,
        ),
        Row::new(
            "5xx burst 500 x4 (any endpoint)",
            vec![on(Endpoint::Any, Status(500)).skip(3).times(4)],
            Complete,
        ),
        Row::new(
            "5xx burst 502, 503, 504 in a row (members p2)",
            vec![
                members_page_2(Status(502)).once(),
                members_page_2(Status(503)).skip(2).once(),
                members_page_2(Status(504)).skip(3).once(),
            ],
            Complete,
        ),
        Row::new(
            "5xx burst 503 x3 (resource groups)",
            vec![on(Endpoint::ResourceGroups, Status(503)).times(3)],
            Complete,
        ),
        Row::new(
            "408 x2 (audit log)",
            vec![on(Endpoint::AuditLog, Status(408)).times(2)],
            Complete,
        ),
        Row::new(
            "connection reset x2 (members p2)",
            vec![members_page_2(Reset).times(2)],
            Complete,
        ),
        Row::new(
            "connection reset burst x4 (any endpoint)",
            vec![on(Endpoint::Any, Reset).skip(4).times(4)],
            Complete,
        ),
        Row::new(
            "body cut mid-stream x2 (members p2)",
            vec![members_page_2(Truncate).times(2)],
            Complete,
        ),
        Row::new(
            "body cut mid-stream x2 (access requests, groups)",
            vec![
                on(Endpoint::AccessRequests, Truncate).times(2),
                on(Endpoint::ResourceGroups, Truncate).once(),
            ],
            Complete,
        ),
        Row::new(
            "slower than the timeout x1 (members p2)",
            vec![members_page_2(Slow(Duration::from_secs(3))).once()],
            Complete,
        )
        .args(&["--timeout", "1"]),
        Row::new(
            "slower than the timeout x1 (audit log)",
            vec![on(Endpoint::AuditLog, Slow(Duration::from_secs(3))).once()],
            Complete,
        )
        .args(&["--timeout", "1"]),
        Row::new(
            "invalid JSON x2 (members p2)",
            vec![members_page_2(InvalidJson).times(2)],
            Complete,
        ),
        Row::new(
            "invalid JSON x1 (groups, audit log, repo list)",
            vec![
                on(Endpoint::ResourceGroups, InvalidJson).once(),
                on(Endpoint::AuditLog, InvalidJson).once(),
                on(Endpoint::Models, InvalidJson).once(),
            ],
            Complete,
        ),
        Row::new(
            "duplicate members x1 (membership changed while paging)",
            vec![on(Endpoint::Members, DuplicateRows).once()],
            Complete,
        ),
        Row::new(
            "duplicate members x2 (changed twice while paging)",
            vec![on(Endpoint::Members, DuplicateRows).times(2)],
            Complete,
        ),
        Row::new(
            "duplicate rows x1 (access requests)",
            vec![on(Endpoint::AccessRequests, DuplicateRows).once()],
            Complete,
        ),
        Row::new(
            "Link loops back x1 (members)",
            vec![on(Endpoint::Members, LinkLoop).once()],
            Expect::NotRecorded("points back to a page already read"),
        ),
    ]
}

/// Faults that do not pass: nothing may be recorded.
pub fn persistent() -> Vec<Row> {
    use Expect::NotRecorded;
    use FaultKind::*;
    vec![
        Row::new(
            "429 storm r=0;t=3600 forever (members)",
            vec![on(Endpoint::Members, RateLimited { reset_secs: 3600 })],
            NotRecorded("429"),
        ),
        Row::new(
            "429 storm r=0;t=0 forever (members p2)",
            vec![members_page_2(RATE_LIMITED)],
            NotRecorded("429"),
        ),
        Row::new(
            "429 without headers forever (members)",
            vec![on(Endpoint::Members, RateLimitedBare)],
            NotRecorded("429"),
        ),
        Row::new(
            "5xx 503 forever (members p2)",
            vec![members_page_2(Status(503))],
            NotRecorded("503"),
        ),
        Row::new(
            "5xx 500 forever (access requests)",
            vec![on(Endpoint::AccessRequests, Status(500))],
            NotRecorded("500"),
        ),
        Row::new(
            "5xx 502 forever (resource groups)",
            vec![on(Endpoint::ResourceGroups, Status(502))],
            NotRecorded("502"),
        ),
        Row::new(
            "connection reset forever (members p2)",
            vec![members_page_2(Reset)],
            NotRecorded("members"),
        ),
        Row::new(
            "body cut mid-stream forever (members p2)",
            vec![members_page_2(Truncate)],
            NotRecorded("cut off"),
        ),
        Row::new(
            "body cut mid-stream forever (audit log)",
            vec![on(Endpoint::AuditLog, Truncate)],
            NotRecorded("cut off"),
        ),
        Row::new(
            "slower than the timeout forever (members p2)",
            vec![members_page_2(Slow(Duration::from_secs(3)))],
            NotRecorded("members"),
        )
        .args(&["--timeout", "1", "--retries", "1"]),
        Row::new(
            "invalid JSON forever (members p2)",
            vec![members_page_2(InvalidJson)],
            NotRecorded("not the JSON expected"),
        ),
        Row::new(
            "invalid JSON forever (pending members)",
            vec![on(Endpoint::PendingMembers, InvalidJson)],
            NotRecorded("not the JSON expected"),
        ),
        Row::new(
            "Link loops back forever (members)",
            vec![on(Endpoint::Members, LinkLoop)],
            NotRecorded("points back to a page already read"),
        ),
        Row::new(
            "Link loops back forever (repo list)",
            vec![on(Endpoint::Datasets, LinkLoop)],
            NotRecorded("points back to a page already read"),
        ),
        Row::new(
            "duplicate members forever (membership keeps changing)",
            vec![on(Endpoint::Members, DuplicateRows)],
            NotRecorded("kept changing"),
        ),
        Row::new(
            "401 mid-run (members p2)",
            vec![members_page_2(Status(401))],
            NotRecorded("401"),
        ),
        Row::new(
            "401 mid-run (resource groups)",
            vec![on(Endpoint::ResourceGroups, Status(401))],
            NotRecorded("401"),
        ),
        Row::new(
            "401 mid-run (access requests, after one repo)",
            vec![on(Endpoint::AccessRequests, Status(401)).skip(1)],
            NotRecorded("401"),
        ),
        Row::new(
            "401 mid-run (audit log)",
            vec![on(Endpoint::AuditLog, Status(401))],
            NotRecorded("401"),
        ),
        Row::new(
            "403 on members (required)",
            vec![on(Endpoint::Members, Status(403))],
            NotRecorded("403"),
        ),
        Row::new(
            "404 on overview (required)",
            vec![on(Endpoint::Overview, Status(404))],
            NotRecorded("404"),
        ),
    ]
}

/// 402/403/404 on every optional collector: recorded as unavailable.
pub fn optional() -> Vec<Row> {
    use Expect::{Complete, Unavailable};
    use FaultKind::Status;
    let mut rows = Vec::new();
    for status in [402, 403, 404] {
        let each = |endpoint| on(endpoint, Status(status));
        let label = |what: &str| -> &'static str {
            Box::leak(format!("{status} on {what}").into_boxed_str())
        };
        rows.extend([
            Row::new(
                label("resource groups"),
                vec![each(Endpoint::ResourceGroups)],
                Unavailable(&["resource_groups"]),
            ),
            Row::new(
                label("audit log"),
                vec![each(Endpoint::AuditLog)],
                Unavailable(&["events"]),
            ),
            Row::new(
                label("model list"),
                vec![each(Endpoint::Models)],
                Unavailable(&["repo_access"]),
            ),
            Row::new(
                label("dataset list"),
                vec![each(Endpoint::Datasets)],
                Unavailable(&["repo_access"]),
            ),
            Row::new(
                label("access requests"),
                vec![each(Endpoint::AccessRequests)],
                Unavailable(&["repo_access"]),
            ),
            Row::new(
                label("service accounts"),
                vec![each(Endpoint::ServiceAccounts)],
                Unavailable(&["service_accounts"]),
            ),
            // Invites fall back to SCIM, then to the audit log.
            Row::new(
                label("pending members (audit-log fallback)"),
                vec![each(Endpoint::PendingMembers)],
                Complete,
            ),
            Row::new(
                label("pending members + SCIM (audit-log fallback)"),
                vec![each(Endpoint::PendingMembers), each(Endpoint::ScimUsers)],
                Complete,
            ),
            Row::new(
                label("pending members + audit log (no invite source)"),
                vec![each(Endpoint::PendingMembers), each(Endpoint::AuditLog)],
                Unavailable(&["events", "invites"]),
            ),
        ]);
    }
    rows.push(Row::new(
        "401 on SCIM (not the SCIM token; audit-log fallback)",
        vec![
            on(Endpoint::PendingMembers, Status(404)),
            on(Endpoint::ScimUsers, Status(401)),
        ],
        Complete,
    ));
    rows
}
