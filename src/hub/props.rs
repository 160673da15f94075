//! Property tests: no Hub response makes hfaudit panic.
//!
//! Every JSON decoder of `wire` (each alone and as a page, `Vec<T>`) gets
//! arbitrary bytes, mutations of valid bodies, and arbitrary JSON values
//! whose object keys are mostly the Hub's own field names (so that decoding
//! goes deep instead of failing on the first unknown shape). The header
//! parsers (`Link`, `RateLimit`, `RateLimit-Policy`, `Retry-After`) and the
//! checks run on a decoded whoami get arbitrary text. Decoding may fail; it
//! must never panic.
//!
//! Case counts are fixed (see `CASES`), so the run time is stable:
//! `cargo test --lib hub::props` runs 8 properties.

use proptest::prelude::*;
use proptest::test_runner::Config;
use serde::de::DeserializeOwned;
use serde_json::{Map, Number, Value};

use super::wire;

/// Cases per property.
const CASES: u32 = 2_000;

/// Every field name `wire` knows, plus a few strangers.
const KEYS: &[&str] = &[
    "name",
    "fullname",
    "orgs",
    "auth",
    "type",
    "accessToken",
    "displayName",
    "role",
    "fineGrained",
    "scoped",
    "entity",
    "permissions",
    "global",
    "canReadGatedRepos",
    "plan",
    "roleInOrg",
    "securityRestrictions",
    "numUsers",
    "_id",
    "user",
    "isPro",
    "resourceGroups",
    "twoFaEnabled",
    "verifiedEmail",
    "isExternalCollaborator",
    "id",
    "description",
    "autoJoin",
    "enabled",
    "users",
    "resources",
    "repos",
    "addedBy",
    "private",
    "gated",
    "requestId",
    "status",
    "timestamp",
    "reviewedAt",
    "grantedBy",
    "email",
    "createdAt",
    "message",
    "author",
    "data",
    "totalResults",
    "Resources",
    "userName",
    "emails",
    "value",
    "primary",
    "active",
    "meta",
    "created",
    "error",
    "",
    "__proto__",
    "\u{202E}",
];

/// Text the Hub could send, hostile or not.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[a-z0-9._-]{0,12}",
        Just("auto".to_string()),
        Just("manual".to_string()),
        Just("admin".to_string()),
        Just("2026-11-23T02:57:51.123Z".to_string()),
        Just("<script>alert(1)</script>".to_string()),
        Just("=HYPERLINK(\"http://x\")".to_string()),
        Just("../../etc".to_string()),
        Just("\u{0}\u{7}\u{202E}\u{FEFF}".to_string()),
    ]
}

fn number() -> impl Strategy<Value = Number> {
    prop_oneof![
        any::<i64>().prop_map(Number::from),
        any::<u64>().prop_map(Number::from),
        any::<f64>().prop_filter_map("finite", Number::from_f64),
    ]
}

/// Arbitrary JSON, up to a few levels deep, keyed mostly by `KEYS`.
fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        number().prop_map(Value::Number),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 64, 8, |inner| {
        let key = prop_oneof![
            4 => prop::sample::select(KEYS).prop_map(str::to_string),
            1 => any::<String>(),
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key, inner), 0..8)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// Valid bodies of every shape, to be mutated.
const SAMPLES: &[&str] = &[
    r#"{"name":"auditor","fullname":"A","orgs":[{"name":"acme","plan":"team","roleInOrg":"admin"}],"auth":{"type":"access_token","accessToken":{"displayName":"t","role":"fineGrained","fineGrained":{"scoped":[{"entity":{"type":"org","name":"acme"},"permissions":["org.read"]}],"global":[]}}}}"#,
    r#"[{"_id":"0123","user":"alice","fullname":"Alice","isPro":false,"type":"user","role":"admin","resourceGroups":[{"name":"g","id":"1","role":"read"}],"twoFaEnabled":true,"verifiedEmail":"a@x","isExternalCollaborator":false}]"#,
    r#"[{"id":"1","name":"g","description":"d","autoJoin":{"enabled":true},"users":[{"name":"bob","fullname":"B","role":"read","addedBy":"x"}],"resources":[{"type":"model","name":"acme/m"}]}]"#,
    r#"[{"id":"acme/m","private":true,"gated":"manual"},{"id":"acme/n","gated":false}]"#,
    r#"[{"requestId":"r","status":"accepted","timestamp":"2026-01-01T00:00:00.000Z","user":{"user":"carol","fullname":"C","email":"c@x"},"grantedBy":{"user":"x"}}]"#,
    r#"[{"_id":"e","createdAt":"2026-01-01T00:00:00.000Z","type":"org.add_user","message":"m","author":{"user":"x","type":"user"},"data":{"user":"y"}}]"#,
    r#"{"totalResults":1,"Resources":[{"id":"s","userName":"dave","displayName":"D","emails":[{"value":"d@x","primary":true}],"active":true,"meta":{"created":"2026"}}]}"#,
    r#"[{"user":"erin","role":"read","status":"pending"}]"#,
    r#"{"error":"Not Found"}"#,
];

/// Decodes `bytes` as `T` and as a page of `T`; only a panic fails.
fn decode<T: DeserializeOwned>(bytes: &[u8]) {
    let _ = serde_json::from_slice::<T>(bytes);
    let _ = serde_json::from_slice::<Vec<T>>(bytes);
}

/// Every decoder `hub` uses on a response body.
fn decode_all(bytes: &[u8]) {
    decode::<wire::WhoAmI>(bytes);
    decode::<wire::Overview>(bytes);
    decode::<wire::OrgMember>(bytes);
    decode::<wire::Group>(bytes);
    decode::<wire::RepoListing>(bytes);
    decode::<wire::AccessRequest>(bytes);
    decode::<wire::AuditEvent>(bytes);
    decode::<wire::PendingMember>(bytes);
    decode::<wire::ScimList>(bytes);
    decode::<wire::ErrorBody>(bytes);
    // What is done with a decoded value must not panic either.
    if let Ok(listings) = serde_json::from_slice::<Vec<wire::RepoListing>>(bytes) {
        for l in &listings {
            let _ = l.gated_mode();
        }
    }
    if let Ok(whoami) = serde_json::from_slice::<wire::WhoAmI>(bytes) {
        for org in ["acme", "", "../x"] {
            let _ = super::check_org_access(&whoami, org);
        }
    }
}

/// One edit of a valid body.
#[derive(Clone, Debug)]
enum Edit {
    Flip(usize, u8),
    Insert(usize, u8),
    Cut(usize),
}

fn apply(sample: &str, edits: &[Edit]) -> Vec<u8> {
    let mut bytes = sample.as_bytes().to_vec();
    for edit in edits {
        let at = |i: usize| if bytes.is_empty() { 0 } else { i % bytes.len() };
        match *edit {
            Edit::Flip(i, mask) => {
                let i = at(i);
                if let Some(b) = bytes.get_mut(i) {
                    *b ^= mask;
                }
            }
            Edit::Insert(i, b) => {
                let i = at(i);
                bytes.insert(i, b);
            }
            Edit::Cut(i) => {
                let i = at(i);
                bytes.truncate(i);
            }
        }
    }
    bytes
}

fn edit() -> impl Strategy<Value = Edit> {
    let byte = prop_oneof![
        any::<u8>(),
        prop::sample::select(b"{}[]\",:0-eE.\\ntf".to_vec())
    ];
    prop_oneof![
        (any::<usize>(), 1..=255u8).prop_map(|(i, m)| Edit::Flip(i, m)),
        (any::<usize>(), byte).prop_map(|(i, b)| Edit::Insert(i, b)),
        any::<usize>().prop_map(Edit::Cut),
    ]
}

proptest! {
    #![proptest_config(Config { cases: CASES, failure_persistence: None, ..Config::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        decode_all(&bytes);
    }

    #[test]
    fn mutated_bodies_never_panic(
        sample in prop::sample::select(SAMPLES),
        edits in prop::collection::vec(edit(), 1..6),
    ) {
        decode_all(&apply(sample, &edits));
    }

    #[test]
    fn arbitrary_json_never_panics(value in json()) {
        let bytes = serde_json::to_vec(&value).unwrap();
        decode_all(&bytes);
        // As a page too, and wrapped the way SCIM wraps it.
        let page = serde_json::to_vec(&Value::Array(vec![value.clone(), value.clone()])).unwrap();
        decode_all(&page);
        let scim = serde_json::json!({"totalResults": 2, "Resources": [value]});
        decode_all(&serde_json::to_vec(&scim).unwrap());
    }

    #[test]
    fn link_headers_never_panic(value in prop_oneof![
        any::<String>(),
        "<[ -~]{0,40}>(; ?rel=\"?(next|prev|last)\"?)?(, ?<[ -~]{0,20}>; rel=next)?",
    ]) {
        if let Some(url) = super::paging::parse_next_link(&value) {
            prop_assert!(value.contains(url.as_str()), "{value:?} -> {url:?}");
        }
    }

    #[test]
    fn ratelimit_headers_never_panic(value in prop_oneof![
        any::<String>(),
        "\"?[a-z]{0,5}\"?(;[rtqw]=-?[0-9]{0,25}){0,4}",
    ]) {
        let _ = super::ratelimit::parse_ratelimit(&value);
        let _ = super::ratelimit::parse_policy_quota(&value);
    }

    #[test]
    fn retry_after_never_panics(value in prop_oneof![
        any::<String>(),
        "-?[0-9]{0,30}(\\.[0-9]{0,5})?",
        "[A-Za-z]{3}, [0-9]{1,2} [A-Za-z]{3} [0-9]{4} [0-9:]{8} GMT",
    ]) {
        let _ = super::retry::parse_retry_after(&value);
    }

    /// Whatever the headers say, pacing and 429 waits are computed without
    /// panicking (no overflow, no division by zero) and stay bounded by
    /// what the header announced.
    #[test]
    fn rate_limit_arithmetic_never_panics(
        remaining in prop_oneof![any::<u64>(), 0..10u64, Just(1u64 << 32)],
        reset in prop_oneof![any::<u64>(), 0..600u64],
        quota in prop::option::of(prop_oneof![any::<u64>(), Just(u64::MAX)]),
        attempt in 0..40u32,
    ) {
        use std::time::Duration;
        let limit = super::ratelimit::RateLimit { remaining, reset: Duration::from_secs(reset) };
        let budget = super::ratelimit::Budget::new(10);
        budget.observe(Some(limit), quota);
        for _ in 0..3 {
            let _ = budget.reserve();
        }
        let base = Duration::from_millis(10);
        let _ = super::retry::rate_limited_wait(Some(limit), None, attempt, base);
        let _ = super::retry::rate_limited_wait(None, Some(Duration::from_secs(reset)), attempt, base);
        let _ = super::retry::backoff(attempt, base);
    }
}
