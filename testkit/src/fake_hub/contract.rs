//! The fake Hub judged by the real one: every JSON body it serves is
//! validated against the response schema of its operation (path template,
//! method, status) in `fixtures/hub-openapi.json`, the Hub's own OpenAPI
//! description. A body that breaks it is a [`Violation`], kept in the fake
//! Hub's state; dropping a `FakeHub` that served one fails the test.
//!
//! Paths the description does not cover (`overview`, the repo listings,
//! `pending-members`) and statuses it gives no schema for (errors) are not
//! judged; [`Contract::check`] says so instead of passing them silently.
//!
//! The bodies a client sends to a write are judged the same way, against
//! the operation's `requestBody` schema ([`Contract::check_request`]).

use std::collections::BTreeMap;
use std::fmt;
use std::sync::OnceLock;

use jsonschema::{Draft, Validator};
use serde_json::{Value, json};

/// The Hub's description, as vendored (kept equal to `../shared/` by a test).
pub const DESCRIPTION: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../fixtures/hub-openapi.json"
));

/// Errors quoted per violating body; the rest are counted.
const ERRORS_SHOWN: usize = 5;

/// One body that broke its operation's schema.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    pub method: String,
    /// The request path, e.g. `/api/organizations/acme/members`.
    pub path: String,
    /// The operation's path template, e.g. `/api/organizations/{name}/members`.
    pub operation: String,
    /// The status of the response judged; 0 for a request body.
    pub status: u16,
    /// What is wrong, each `JSON pointer: message`.
    pub errors: Vec<String>,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let judged = match self.status {
            0 => "request body".to_string(),
            status => status.to_string(),
        };
        write!(
            f,
            "{} {} ({} {}, {}): {}",
            self.method,
            self.path,
            self.method,
            self.operation,
            judged,
            self.errors.join("; ")
        )
    }
}

/// What [`Contract::check`] made of one body.
#[derive(Debug)]
pub enum Checked {
    /// The body fits its schema; the operation's path template.
    Valid(String),
    Invalid(Violation),
    /// No schema judges it: an undescribed path or status.
    NotDescribed,
}

/// A difference between the Hub's description and what the real Hub sends,
/// established by recorded responses (`HUB_API.md`), patched into the
/// description before it judges anything. Each has a test proving that the
/// unpatched description still rejects the recorded shape, so a fixed
/// description makes the patch fail loudly instead of lingering.
pub struct Deviation {
    pub operation: &'static str,
    pub why: &'static str,
    patch: fn(&mut Value),
}

/// The known deviations, in the order they are applied.
pub const DEVIATIONS: [Deviation; 3] = [
    Deviation {
        operation: "/api/organizations/{name}/resource-groups",
        why: "each group requires `repos` but the description never defines it (and forbids \
              undefined properties), so no body can pass; real groups carry `repos`, the repos \
              among `resources` (HUB_API.md)",
        patch: groups_define_repos,
    },
    Deviation {
        operation: "/api/models/{namespace}/{repo}/user-access-request/{status}",
        why: "recorded responses hold requests of status `reset` with a `resetReason` \
              (HUB_API.md); the description lists only pending, accepted, rejected",
        patch: requests_may_be_reset,
    },
    Deviation {
        operation: "/api/datasets/{namespace}/{repo}/user-access-request/{status}",
        why: "as for models: `reset` requests with a `resetReason`",
        patch: requests_may_be_reset,
    },
];

/// One operation: its path template, split, and a validator per status.
struct Operation {
    method: String,
    template: String,
    segments: Vec<String>,
    responses: BTreeMap<u16, Validator>,
    /// The `requestBody` JSON schema, if the operation takes a body.
    request: Option<Validator>,
}

/// Every operation of a description, compiled.
pub struct Contract {
    operations: Vec<Operation>,
}

impl Contract {
    /// The Hub's description with its known deviations, compiled once per process.
    pub fn hub() -> &'static Contract {
        static HUB: OnceLock<Contract> = OnceLock::new();
        HUB.get_or_init(|| {
            let doc = Contract::patched_document();
            Contract::compile(&doc).unwrap_or_else(|e| panic!("fixtures/hub-openapi.json: {e}"))
        })
    }

    /// The description with its known deviations patched in, as JSON.
    pub fn patched_document() -> Value {
        let mut doc: Value = serde_json::from_str(DESCRIPTION).expect("valid JSON");
        for deviation in &DEVIATIONS {
            deviation.apply(&mut doc);
        }
        doc
    }

    /// The description as published, without the deviations patched in.
    pub fn unpatched() -> Contract {
        let doc: Value = serde_json::from_str(DESCRIPTION).expect("valid JSON");
        Contract::compile(&doc).expect("a valid description")
    }

    /// Compiles every `paths.*.*.responses.*.content.application/json.schema`
    /// and `paths.*.*.requestBody.content.application/json.schema` of `doc`,
    /// as draft 2020-12. `$ref`s into the document (`#/components/...`)
    /// resolve: each schema is compiled with the document's `components`
    /// beside it. A request schema also gets the rules its descriptions
    /// state in prose ([`prose_rules`]).
    pub fn compile(doc: &Value) -> Result<Contract, String> {
        let paths = doc["paths"].as_object().ok_or("no `paths` object")?;
        let mut operations = Vec::new();
        for (template, methods) in paths {
            let Some(methods) = methods.as_object() else {
                continue;
            };
            for (method, operation) in methods {
                let request = &operation["requestBody"]["content"]["application/json"]["schema"];
                let responses = operation["responses"].as_object();
                if responses.is_none() && request.is_null() {
                    continue;
                }
                let request = match request.is_null() {
                    true => None,
                    false => Some(
                        validator(doc, &prose_rules(request))
                            .map_err(|e| format!("{method} {template} request: {e}"))?,
                    ),
                };
                let mut compiled = BTreeMap::new();
                for (status, response) in responses.into_iter().flatten() {
                    let schema = &response["content"]["application/json"]["schema"];
                    if schema.is_null() {
                        continue;
                    }
                    let status: u16 = status
                        .parse()
                        .map_err(|_| format!("{method} {template}: status {status:?}"))?;
                    let validator = validator(doc, schema)
                        .map_err(|e| format!("{method} {template} {status}: {e}"))?;
                    compiled.insert(status, validator);
                }
                operations.push(Operation {
                    method: method.to_uppercase(),
                    template: template.clone(),
                    segments: split(template),
                    responses: compiled,
                    request,
                });
            }
        }
        Ok(Contract { operations })
    }

    /// Every `METHOD template` with a response schema, sorted.
    pub fn operations(&self) -> Vec<String> {
        let mut all: Vec<String> = self
            .operations
            .iter()
            .filter(|o| !o.responses.is_empty())
            .map(|o| format!("{} {}", o.method, o.template))
            .collect();
        all.sort();
        all
    }

    /// Judges `body`, the answer of `status` to `method path` (the raw,
    /// percent-encoded path).
    pub fn check(&self, method: &str, path: &str, status: u16, body: &[u8]) -> Checked {
        let Some(operation) = self.operation(method, path) else {
            return Checked::NotDescribed;
        };
        let Some(validator) = operation.responses.get(&status) else {
            return Checked::NotDescribed;
        };
        judge(operation, validator, method, path, status, body)
    }

    /// Judges `body`, sent by a client with `method path`, against the
    /// operation's `requestBody` schema; an empty body is judged as
    /// missing. A violation has status 0.
    pub fn check_request(&self, method: &str, path: &str, body: &[u8]) -> Checked {
        let Some(operation) = self.operation(method, path) else {
            return Checked::NotDescribed;
        };
        let Some(validator) = &operation.request else {
            return Checked::NotDescribed;
        };
        if body.is_empty() {
            return Checked::Invalid(Violation {
                method: method.to_string(),
                path: path.to_string(),
                operation: operation.template.clone(),
                status: 0,
                errors: vec!["/: the request has no body; the operation takes a JSON one".into()],
            });
        }
        judge(operation, validator, method, path, 0, body)
    }

    /// The operation `method path` is an instance of: the matching template
    /// with the most literal segments.
    fn operation(&self, method: &str, path: &str) -> Option<&Operation> {
        let segments = split(path);
        self.operations
            .iter()
            .filter(|o| o.method.eq_ignore_ascii_case(method))
            .filter(|o| {
                o.segments.len() == segments.len()
                    && o.segments
                        .iter()
                        .zip(&segments)
                        .all(|(t, s)| is_parameter(t) || t == s)
            })
            .max_by_key(|o| o.segments.iter().filter(|t| !is_parameter(t)).count())
    }
}

/// Judges `body` with `validator`, one of `operation`'s (`status` 0: its request).
fn judge(
    operation: &Operation,
    validator: &Validator,
    method: &str,
    path: &str,
    status: u16,
    body: &[u8],
) -> Checked {
    let violation = |errors| Violation {
        method: method.to_string(),
        path: path.to_string(),
        operation: operation.template.clone(),
        status,
        errors,
    };
    let value: Value = match serde_json::from_slice(body) {
        Ok(value) => value,
        Err(e) => {
            let start = String::from_utf8_lossy(&body[..body.len().min(60)]).into_owned();
            let error = format!("the body is not JSON ({e}); it starts {start:?}");
            return Checked::Invalid(violation(vec![error]));
        }
    };
    let mut errors = Vec::new();
    let mut more = 0usize;
    for error in validator.iter_errors(&value) {
        if errors.len() < ERRORS_SHOWN {
            errors.push(format!(
                "{}: {error}",
                pointer(error.instance_path().as_str())
            ));
        } else {
            more += 1;
        }
    }
    if errors.is_empty() {
        return Checked::Valid(operation.template.clone());
    }
    if more > 0 {
        errors.push(format!("and {more} more"));
    }
    Checked::Invalid(violation(errors))
}

impl Deviation {
    fn apply(&self, doc: &mut Value) {
        let schema = doc
            .pointer_mut(&response_schema_pointer(self.operation))
            .unwrap_or_else(|| {
                panic!(
                    "deviation for {}: the operation is gone from the description; \
                     drop the deviation",
                    self.operation
                )
            });
        (self.patch)(schema);
    }
}

/// The JSON pointer of the 200 JSON schema of `GET template`.
pub fn response_schema_pointer(template: &str) -> String {
    let escaped = template.replace('~', "~0").replace('/', "~1");
    format!("/paths/{escaped}/get/responses/200/content/application~1json/schema")
}

fn groups_define_repos(schema: &mut Value) {
    let item = &mut schema["items"];
    let repo = item["properties"]["resources"]["items"]["anyOf"][0].clone();
    assert!(
        repo["properties"]["name"].is_object() && item["properties"]["repos"].is_null(),
        "resource groups: the description changed (repos defined, or resources reordered); \
         review the `repos` deviation"
    );
    item["properties"]["repos"] = json!({"type": "array", "items": repo});
}

fn requests_may_be_reset(schema: &mut Value) {
    let item = &mut schema["items"];
    let statuses = item["properties"]["status"]["enum"]
        .as_array_mut()
        .expect("access requests: a status enum");
    assert!(
        !statuses.contains(&json!("reset")),
        "access requests: the description now lists `reset`; drop the deviation"
    );
    statuses.push(json!("reset"));
    item["properties"]["resetReason"] = json!({"type": "string"});
}

/// `schema` with the rules its property descriptions state in prose made
/// schema: "Either userId or user must be provided" (the access-request
/// `handle` body) becomes an `anyOf` requiring one of the two. Without it
/// a body naming no one would pass the description's schema.
fn prose_rules(schema: &Value) -> Value {
    let mut schema = schema.clone();
    let properties = schema["properties"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    let mut pairs: Vec<(String, String)> = properties
        .values()
        .filter_map(|p| p["description"].as_str())
        .filter_map(|d| d.strip_prefix("Either ")?.strip_suffix(" must be provided"))
        .filter_map(|d| d.split_once(" or "))
        .filter(|(a, b)| properties.contains_key(*a) && properties.contains_key(*b))
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    pairs.sort();
    pairs.dedup();
    let rules: Vec<Value> = pairs
        .iter()
        .map(|(a, b)| json!({"anyOf": [{"required": [a]}, {"required": [b]}]}))
        .collect();
    if let (false, Some(object)) = (rules.is_empty(), schema.as_object_mut()) {
        object.insert("allOf".into(), Value::Array(rules));
    }
    schema
}

fn validator(doc: &Value, schema: &Value) -> Result<Validator, String> {
    let mut root = schema.clone();
    if let (Some(object), Some(components)) = (root.as_object_mut(), doc.get("components")) {
        object.insert("components".into(), components.clone());
    }
    jsonschema::options()
        .with_draft(Draft::Draft202012)
        .should_validate_formats(true)
        .build(&root)
        .map_err(|e| e.to_string())
}

fn split(path: &str) -> Vec<String> {
    path.trim_matches('/')
        .split('/')
        .map(str::to_string)
        .collect()
}

fn is_parameter(segment: &str) -> bool {
    segment.starts_with('{') && segment.ends_with('}')
}

/// `""` (the whole body) shown as `/`.
fn pointer(path: &str) -> &str {
    if path.is_empty() { "/" } else { path }
}
