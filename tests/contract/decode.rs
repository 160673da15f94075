//! Schema-driven decoding: for every operation hfaudit reads, instances
//! built from the Hub's description (only the required fields; every
//! optional field; each `anyOf` branch, `null` included; relative avatar
//! URLs) decode through `hub::wire` and keep what hfaudit needs.

use serde_json::{Map, Value, json};

use hfaudit::hub::wire;

use crate::support::fake_hub::{Checked, Contract, fake_id};

/// How an instance is built.
#[derive(Clone, Copy)]
struct Variant<'a> {
    /// Every optional property too.
    optional: bool,
    /// At the `anyOf` whose schema path is `.0`, take branch `.1` (else the first).
    branch: Option<(&'a str, usize)>,
    /// `avatarUrl`s relative (`/avatars/...`).
    relative_avatars: bool,
}

/// An instance of `schema` (at schema path `at`).
fn build(schema: &Value, at: &str, v: Variant, key: &str) -> Value {
    if let Some(branches) = schema["anyOf"].as_array() {
        let k = match v.branch {
            Some((path, k)) if path == at => k,
            _ => 0,
        };
        return build(&branches[k], &format!("{at}/anyOf/{k}"), v, key);
    }
    if let Some(value) = schema.get("const") {
        return value.clone();
    }
    if let Some(values) = schema["enum"].as_array() {
        return values[0].clone();
    }
    match schema["type"].as_str() {
        Some("object") => {
            let required: Vec<&str> = schema["required"]
                .as_array()
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let mut object = Map::new();
            if let Some(properties) = schema["properties"].as_object() {
                for (name, property) in properties {
                    if v.optional || required.contains(&name.as_str()) {
                        let path = format!("{at}/properties/{name}");
                        object.insert(name.clone(), build(property, &path, v, name));
                    }
                }
            }
            Value::Object(object)
        }
        Some("array") => Value::Array(vec![build(
            &schema["items"],
            &format!("{at}/items"),
            v,
            key,
        )]),
        Some("string") => Value::from(string(schema, v, key)),
        Some("integer") | Some("number") => json!(schema["minimum"].as_i64().unwrap_or(1).max(1)),
        Some("boolean") => json!(true),
        Some("null") => Value::Null,
        // No schema at all (the audit log's `data`): any JSON.
        _ => json!({"free": "form"}),
    }
}

fn string(schema: &Value, v: Variant, key: &str) -> String {
    let pattern = schema["pattern"].as_str().unwrap_or("");
    if pattern.contains("[0-9a-f]{24}") {
        fake_id(key)
    } else if schema["format"] == "date-time" || pattern.contains("T([01]") {
        "2026-05-02T09:14:53.828Z".into()
    } else if key == "avatarUrl" || key.ends_with("AvatarUrl") {
        match v.relative_avatars {
            true => "/avatars/0f3a.png".into(),
            false => "https://cdn-avatars.huggingface.co/v1/production/uploads/0f3a.png".into(),
        }
    } else {
        format!("{key}-value")
    }
}

/// Schema paths of every `anyOf` below `schema`, with its branch count.
fn any_ofs(schema: &Value, at: &str, out: &mut Vec<(String, usize)>) {
    match schema {
        Value::Object(map) => {
            if let Some(branches) = map.get("anyOf").and_then(Value::as_array) {
                out.push((at.to_string(), branches.len()));
            }
            for (k, child) in map {
                any_ofs(child, &format!("{at}/{k}"), out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                any_ofs(child, &format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// What decoding one instance must keep: `Err` says what was lost.
type Keeps = fn(&Value) -> Result<(), String>;

fn decode<T: serde::de::DeserializeOwned>(instance: &Value) -> Result<T, String> {
    serde_json::from_value(instance.clone()).map_err(|e| format!("does not decode: {e}"))
}

fn check(cond: bool, what: &str) -> Result<(), String> {
    if cond {
        Ok(())
    } else {
        Err(format!("lost {what}"))
    }
}

fn members(i: &Value) -> Result<(), String> {
    let got: Vec<wire::OrgMember> = decode(i)?;
    let (m, raw) = (&got[0], &i[0]);
    check(m.user == raw["user"], "the username")?;
    check(m.id.as_deref() == raw["_id"].as_str(), "the _id")?;
    check(m.role.as_deref() == raw["role"].as_str(), "the role")?;
    check(
        m.verified_email.as_deref() == raw["verifiedEmail"].as_str(),
        "the verified email",
    )?;
    let groups = m.resource_groups.as_ref().map_or(0, Vec::len);
    check(
        groups == raw["resourceGroups"].as_array().map_or(0, Vec::len),
        "the groups",
    )
}

fn groups(i: &Value) -> Result<(), String> {
    let got: Vec<wire::Group> = decode(i)?;
    let (g, raw) = (&got[0], &i[0]);
    check(
        g.id == raw["id"] && g.name == raw["name"],
        "the group's id and name",
    )?;
    check(
        g.users.first().map(|u| u.name.as_str()) == raw["users"][0]["name"].as_str(),
        "the user",
    )?;
    let resources = g.resources.as_ref().expect("resources");
    let r = &resources[0];
    let sent = &raw["resources"][0];
    check(
        r.kind.as_deref() == sent["type"].as_str(),
        "the resource type",
    )?;
    let key = sent["name"]
        .as_str()
        .or(sent["slug"].as_str())
        .or(sent["id"].as_str());
    let kept = r.name.as_deref().or(r.slug.as_deref()).or(r.id.as_deref());
    check(kept == key, "the resource's key")
}

fn access(i: &Value) -> Result<(), String> {
    let got: Vec<wire::AccessRequest> = decode(i)?;
    let (r, raw) = (&got[0], &i[0]);
    check(r.status.as_deref() == raw["status"].as_str(), "the status")?;
    check(
        r.timestamp.as_deref() == raw["timestamp"].as_str(),
        "the time",
    )?;
    check(
        r.user.as_ref().map(|u| u.user.as_str()) == raw["user"]["user"].as_str(),
        "the requester",
    )?;
    let by = r.granted_by.as_ref().and_then(|g| g.user.as_deref());
    check(by == raw["grantedBy"]["user"].as_str(), "who granted it")
}

fn audit(i: &Value) -> Result<(), String> {
    let got: Vec<wire::AuditEvent> = decode(i)?;
    let (e, raw) = (&got[0], &i[0]);
    check(
        e.id == raw["_id"] && e.kind == raw["type"] && e.created_at == raw["createdAt"],
        "the event",
    )?;
    let author = e.author.as_ref().and_then(|a| a.user.as_deref());
    check(author == raw["author"]["user"].as_str(), "the author")?;
    check(e.data.is_some() == raw.get("data").is_some(), "the data")
}

fn tokens(i: &Value) -> Result<(), String> {
    let got: Vec<wire::OrgToken> = decode(i)?;
    let (t, raw) = (&got[0], &i[0]);
    check(
        t.id == raw["_id"] && t.owner.name == raw["owner"]["name"],
        "the token and owner",
    )?;
    check(
        t.last_used_at.as_deref() == raw["lastUsedAt"].as_str(),
        "its last use",
    )?;
    let status = t.authorization.as_ref().map(|a| a.status.as_str());
    check(
        status == raw["authorization"]["status"].as_str(),
        "its approval",
    )
}

fn scim(i: &Value) -> Result<(), String> {
    let got: wire::ScimList = decode(i)?;
    let raw = &i["Resources"][0];
    let u = &got.resources[0];
    check(
        u.user_name == raw["userName"] && u.active == raw["active"].as_bool(),
        "the user",
    )?;
    check(
        u.emails.first().map(|e| e.value.as_str()) == raw["emails"][0]["value"].as_str(),
        "the email",
    )
}

fn whoami(i: &Value) -> Result<(), String> {
    let got: wire::WhoAmI = decode(i)?;
    check(got.name == i["name"], "the name")?;
    let org = &got.orgs[0];
    check(org.name == i["orgs"][0]["name"], "the org")?;
    check(
        org.role_in_org.as_deref() == i["orgs"][0]["roleInOrg"].as_str(),
        "the role in the org",
    )?;
    let role = got
        .auth
        .as_ref()
        .and_then(|a| a.access_token.as_ref())
        .and_then(|t| t.role.as_deref());
    check(
        role == i["auth"]["accessToken"]["role"].as_str(),
        "the token's role",
    )
}

/// Every operation hfaudit reads, and what its decoding must keep.
const READ: [(&str, Keeps); 9] = [
    ("/api/whoami-v2", whoami),
    ("/api/organizations/{name}/members", members),
    ("/api/organizations/{name}/resource-groups", groups),
    ("/api/organizations/{name}/audit-log/export", audit),
    ("/api/organizations/{name}/settings/tokens", tokens),
    ("/api/organizations/{name}/scim/v2/Users", scim),
    ("/api/organizations/{name}/scim-provisioning/v2/Users", scim),
    (
        "/api/models/{namespace}/{repo}/user-access-request/{status}",
        access,
    ),
    (
        "/api/datasets/{namespace}/{repo}/user-access-request/{status}",
        access,
    ),
];

#[test]
fn instances_built_from_the_schema_decode_and_keep_what_we_need() {
    let doc = Contract::patched_document();
    let contract = Contract::hub();
    let mut cases = 0;
    let mut failures = Vec::new();
    for (template, keeps) in READ {
        let pointer = crate::support::fake_hub::response_schema_pointer(template);
        let schema = doc
            .pointer(&pointer)
            .unwrap_or_else(|| panic!("{template}: no schema"));
        let mut branches = Vec::new();
        any_ofs(schema, "", &mut branches);
        let plain = Variant {
            optional: false,
            branch: None,
            relative_avatars: false,
        };
        let full = Variant {
            optional: true,
            ..plain
        };
        let mut variants: Vec<(String, Variant)> = vec![
            ("required only".into(), plain),
            ("every optional".into(), full),
            (
                "relative avatars".into(),
                Variant {
                    relative_avatars: true,
                    ..full
                },
            ),
        ];
        for (path, n) in &branches {
            for k in 0..*n {
                let branch = Some((path.as_str(), k));
                variants.push((
                    format!("anyOf {path} branch {k}"),
                    Variant { branch, ..full },
                ));
                variants.push((
                    format!("anyOf {path} branch {k}, required only"),
                    Variant { branch, ..plain },
                ));
            }
        }
        // A concrete path for the contract's template matcher.
        let path = template
            .replace("{name}", "acme")
            .replace("{namespace}", "acme")
            .replace("{repo}", "llm")
            .replace("{status}", "accepted");
        for (label, variant) in variants {
            cases += 1;
            let instance = build(schema, "", variant, "root");
            let body = serde_json::to_vec(&instance).unwrap();
            // The instance is one the Hub may send...
            if let Checked::Invalid(v) = contract.check("GET", &path, 200, &body) {
                failures.push(format!("{template} [{label}]: not a valid instance: {v}"));
                continue;
            }
            // ...and decoding keeps what hfaudit needs.
            if let Err(e) = keeps(&instance) {
                failures.push(format!("{template} [{label}]: {e}\n    {instance}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {cases} cases:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(cases >= 40, "only {cases} cases");
}
