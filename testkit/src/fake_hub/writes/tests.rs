//! The writes against a running fake Hub: what the reads answer after
//! them, who may make them, what bodies are refused (and recorded as
//! violations), and that faults met before a write leave the world alone.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::fake_hub::{
    AccessGrant, AccessUser, Endpoint, FakeHub, Fault, FaultKind, Group, GroupUser, MemberToken,
    Org, OrgMember, Repo, Scoped, TokenInfo, World, fake_id,
};

const ORG: &str = "acme";
/// `auditor`, the org's only admin, with a `write` token.
const ADMIN: &str = "hf_admin_token";
/// `alice`, a `write` member, with a `write` token.
const WRITER: &str = "hf_writer_token";
/// `auditor` with a `read` token.
const READ_ONLY: &str = "hf_read_role_token";
/// `auditor`, fine-grained with `org.read` only.
const SCOPED_READ: &str = "hf_scoped_read_token";
/// `auditor`, fine-grained with `org.members.write` and `repo.access.write`.
const SCOPED_WRITE: &str = "hf_scoped_write_token";
/// Someone in no org.
const OUTSIDER: &str = "hf_outsider_token";

const MODEL: &str = "/api/models/acme/secret-model/user-access-request";
const TOKENS: &str = "/api/organizations/acme/settings/tokens";

fn role_path(user: &str) -> String {
    format!("/api/organizations/{ORG}/members/{user}/role")
}

fn group_id(name: &str) -> String {
    fake_id(&format!("group:{name}"))
}

fn group_user(user: &str, role: &str) -> GroupUser {
    GroupUser {
        id: fake_id(user),
        name: user.into(),
        fullname: user.into(),
        role: role.into(),
        added_by: "auditor".into(),
    }
}

fn group(name: &str, users: Vec<GroupUser>) -> Group {
    Group {
        id: group_id(name),
        name: name.into(),
        users,
        ..Group::default()
    }
}

fn grant(user: &str) -> AccessGrant {
    AccessGrant {
        user: Some(AccessUser {
            id: fake_id(user),
            user: user.into(),
            fullname: format!("{user} Fullname"),
            email: Some(format!("{user}@acme.example")),
        }),
        timestamp: "2026-02-01T10:00:00.000Z".into(),
        reviewed_at: "2026-02-02T10:00:00.000Z".into(),
        granted_by: "auditor".into(),
        reset_reason: None,
    }
}

fn scoped(user: &str, permissions: &[&str]) -> TokenInfo {
    let mut info = TokenInfo::new(user, "fineGrained", &[ORG]);
    info.scoped = vec![Scoped {
        entity_type: "org".into(),
        entity_name: ORG.into(),
        permissions: permissions.iter().map(|p| p.to_string()).collect(),
    }];
    info
}

/// An Enterprise org: `auditor` (the only admin), `alice` and `bob`
/// (write), `carol` (read); groups `research` (alice, bob: write) and
/// `infra` (bob: read); a gated model bob and carol were granted, a gated
/// dataset bob was granted; bob's two tokens and carol's one.
fn world() -> World {
    let mut org = Org::new(ORG);
    org.plan = Some("enterprise".into());
    org.members = vec![
        OrgMember::new("auditor", "admin"),
        OrgMember::new("alice", "write"),
        OrgMember::new("bob", "write"),
        OrgMember::new("carol", "read"),
    ];
    org.resource_groups = Some(vec![
        group(
            "research",
            vec![group_user("alice", "write"), group_user("bob", "write")],
        ),
        group("infra", vec![group_user("bob", "read")]),
    ]);
    let mut model = Repo::new("acme/secret-model", true, Some("manual"));
    model.accepted = vec![grant("bob"), grant("carol")];
    let mut data = Repo::new("acme/secret-data", true, Some("manual"));
    data.accepted = vec![grant("bob")];
    org.models = vec![model];
    org.datasets = vec![data];
    org.tokens = Some(vec![
        MemberToken::new("bob", "ci", "write"),
        MemberToken::new("bob", "laptop", "read"),
        MemberToken::new("carol", "notebook", "read"),
    ]);
    let mut world = World::new();
    world.add_org(org);
    world.add_token(ADMIN, TokenInfo::new("auditor", "write", &[ORG]));
    world.add_token(WRITER, TokenInfo::new("alice", "write", &[ORG]));
    world.add_token(READ_ONLY, TokenInfo::new("auditor", "read", &[ORG]));
    world.add_token(SCOPED_READ, scoped("auditor", &["org.read"]));
    let write = scoped("auditor", &["org.members.write", "repo.access.write"]);
    world.add_token(SCOPED_WRITE, write);
    world.add_token(OUTSIDER, TokenInfo::new("mallory", "write", &[]));
    world
}

fn json_of(body: &[u8]) -> Value {
    serde_json::from_slice(body).expect("a JSON body")
}

/// GET `path` as the admin: the JSON answered (asserting a 200).
fn read(hub: &FakeHub, path: &str) -> Value {
    let (status, body) = hub.get(path, ADMIN);
    assert_eq!(status, 200, "{path}: {}", String::from_utf8_lossy(&body));
    json_of(&body)
}

fn member(hub: &FakeHub, user: &str) -> Value {
    let rows = read(
        hub,
        &format!("/api/organizations/{ORG}/members?search={user}"),
    );
    let rows = rows.as_array().expect("an array");
    rows.iter()
        .find(|m| m["user"] == user)
        .cloned()
        .unwrap_or(Value::Null)
}

/// (group name, role) of `user` in the members listing.
fn member_groups(hub: &FakeHub, user: &str) -> Vec<(String, String)> {
    let row = member(hub, user);
    let groups = row["resourceGroups"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    groups
        .iter()
        .map(|g| {
            (
                g["name"].as_str().unwrap().into(),
                g["role"].as_str().unwrap().into(),
            )
        })
        .collect()
}

/// (group name, role) of `user` in the resource-groups listing.
fn listed_groups(hub: &FakeHub, user: &str) -> Vec<(String, String)> {
    let groups = read(hub, &format!("/api/organizations/{ORG}/resource-groups"));
    let groups = groups.as_array().expect("an array");
    groups
        .iter()
        .filter_map(|g| {
            let users = g["users"].as_array()?;
            let me = users.iter().find(|u| u["name"] == user)?;
            Some((g["name"].as_str()?.into(), me["role"].as_str()?.into()))
        })
        .collect()
}

/// The requesters listed under `status`, filtered by `q` if not empty.
fn requesters(hub: &FakeHub, status: &str, q: &str) -> Vec<String> {
    let path = match q {
        "" => format!("{MODEL}/{status}"),
        q => format!("{MODEL}/{status}?q={q}"),
    };
    let rows = read(hub, &path);
    rows.as_array()
        .expect("an array")
        .iter()
        .map(|r| {
            assert_eq!(r["status"], status, "{r}");
            r["user"]["user"].as_str().unwrap().to_string()
        })
        .collect()
}

/// (displayName, authorization status) of the tokens listed with `q`.
fn tokens(hub: &FakeHub, q: &str) -> Vec<(String, Option<String>)> {
    let path = match q {
        "" => TOKENS.to_string(),
        q => format!("{TOKENS}?q={}", q.replace(' ', "%20")),
    };
    let rows = read(hub, &path);
    rows.as_array()
        .expect("an array")
        .iter()
        .map(|t| {
            let status = t["authorization"]["status"].as_str().map(str::to_string);
            (t["displayName"].as_str().unwrap().to_string(), status)
        })
        .collect()
}

fn token_id(owner: &str, name: &str) -> String {
    fake_id(&format!("token:{owner}:{name}"))
}

fn revoke_path(owner: &str, name: &str) -> String {
    format!("{TOKENS}/{}/revoke", token_id(owner, name))
}

fn put_role(hub: &FakeHub, bearer: &str, user: &str, body: Value) -> (u16, Value) {
    let (status, answer) = hub.send("PUT", &role_path(user), bearer, Some(&body));
    (status, json_of(&answer))
}

fn handle(hub: &FakeHub, bearer: &str, body: Value) -> (u16, Value) {
    let path = format!("{MODEL}/handle");
    let (status, answer) = hub.send("POST", &path, bearer, Some(&body));
    (status, json_of(&answer))
}

fn revoke(hub: &FakeHub, bearer: &str, owner: &str, name: &str) -> (u16, Value) {
    let (status, answer) = hub.send("POST", &revoke_path(owner, name), bearer, None);
    (status, json_of(&answer))
}

fn error_of(answer: &Value) -> &str {
    answer["error"].as_str().unwrap_or_default()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn a_role_change_with_groups_replaces_them_and_the_reads_show_it() {
    let hub = FakeHub::start(world());
    let body =
        json!({"role": "read", "resourceGroups": [{"id": group_id("infra"), "role": "write"}]});
    let (status, answer) = put_role(&hub, ADMIN, "bob", body);
    assert_eq!((status, answer), (200, json!({})));
    assert_eq!(member(&hub, "bob")["role"], "read");
    assert_eq!(member_groups(&hub, "bob"), pairs(&[("infra", "write")]));
    assert_eq!(listed_groups(&hub, "bob"), pairs(&[("infra", "write")]));
    // The others are untouched.
    assert_eq!(
        listed_groups(&hub, "alice"),
        pairs(&[("research", "write")])
    );

    // Into a group one was not in, added by the caller.
    let body =
        json!({"role": "read", "resourceGroups": [{"id": group_id("infra"), "role": "read"}]});
    assert_eq!(put_role(&hub, ADMIN, "carol", body).0, 200);
    assert_eq!(listed_groups(&hub, "carol"), pairs(&[("infra", "read")]));
    let added_by = hub.with_world(|w| {
        let groups = w.orgs[ORG].resource_groups.clone().unwrap();
        let infra = groups.into_iter().find(|g| g.name == "infra").unwrap();
        infra
            .users
            .into_iter()
            .find(|u| u.name == "carol")
            .unwrap()
            .added_by
    });
    assert_eq!(added_by, "auditor");

    // An empty list: out of every group.
    let body = json!({"role": "no_access", "resourceGroups": []});
    assert_eq!(put_role(&hub, ADMIN, "bob", body).0, 200);
    assert_eq!(member(&hub, "bob")["role"], "no_access");
    assert!(listed_groups(&hub, "bob").is_empty());
    assert!(member_groups(&hub, "bob").is_empty());

    let valid = hub.valid_bodies();
    let key = "PUT /api/organizations/{name}/members/{username}/role request";
    assert_eq!(valid.get(key), Some(&3), "{valid:?}");
}

#[test]
fn a_role_change_without_groups_keeps_them() {
    let hub = FakeHub::start(world());
    assert_eq!(
        put_role(&hub, ADMIN, "bob", json!({"role": "contributor"})).0,
        200
    );
    assert_eq!(member(&hub, "bob")["role"], "contributor");
    let kept = pairs(&[("research", "write"), ("infra", "read")]);
    assert_eq!(listed_groups(&hub, "bob"), kept);
    let writes = hub.writes();
    assert_eq!(writes.len(), 1);
    assert_eq!(writes[0].method, "PUT");
    assert_eq!(writes[0].path, role_path("bob"));
    assert_eq!(writes[0].status, 200);
    let sent = json_of(writes[0].body.as_deref().expect("a body"));
    assert_eq!(sent, json!({"role": "contributor"}));
    assert!(
        hub.requests()
            .iter()
            .filter(|r| r.method == "GET")
            .all(|r| r.body.is_none())
    );
}

#[test]
fn unknown_or_repeated_groups_and_strangers_are_refused() {
    let hub = FakeHub::start(world());
    let unknown = "0123456789abcdef01234567";
    let body = json!({"role": "read", "resourceGroups": [{"id": unknown, "role": "read"}]});
    let (status, answer) = put_role(&hub, ADMIN, "bob", body);
    assert_eq!(status, 400);
    assert!(error_of(&answer).contains(unknown), "{answer}");
    let twice = json!({"id": group_id("infra"), "role": "read"});
    let body = json!({"role": "read", "resourceGroups": [twice, twice]});
    assert_eq!(put_role(&hub, ADMIN, "bob", body).0, 400);
    let (status, answer) = put_role(&hub, ADMIN, "zed", json!({"role": "read"}));
    assert_eq!(status, 404);
    assert!(error_of(&answer).contains("zed"), "{answer}");
    assert_eq!(member(&hub, "bob")["role"], "write");
    assert_eq!(listed_groups(&hub, "bob").len(), 2);
    // Valid bodies, refused for what they name: no violation.
    assert!(hub.violations().is_empty());
}

#[test]
fn the_last_admin_keeps_the_role() {
    let hub = FakeHub::start(world());
    let (status, answer) = put_role(&hub, ADMIN, "auditor", json!({"role": "write"}));
    assert_eq!(status, 409);
    assert!(error_of(&answer).contains("last admin"), "{answer}");
    assert_eq!(member(&hub, "auditor")["role"], "admin");
    // With a second admin, the first may step down.
    assert_eq!(
        put_role(&hub, ADMIN, "alice", json!({"role": "admin"})).0,
        200
    );
    assert_eq!(
        put_role(&hub, ADMIN, "auditor", json!({"role": "write"})).0,
        200
    );
    assert_eq!(member(&hub, "auditor")["role"], "write");
    // Now the admin token's user is no admin: it may change no role.
    assert_eq!(put_role(&hub, ADMIN, "bob", json!({"role": "read"})).0, 403);
}

#[test]
fn bodies_that_break_the_schema_are_400s_and_violations() {
    let hub = FakeHub::start(world());
    let cases = [
        (json!({"resourceGroups": []}), "role"),
        (json!({"role": "owner"}), "owner"),
        (
            json!({"role": "read", "resourceGroups": [{"id": "xyz", "role": "read"}]}),
            "xyz",
        ),
        (
            json!({"role": "read", "resourceGroups": [{"id": group_id("infra")}]}),
            "role",
        ),
    ];
    for (body, named) in &cases {
        let (status, answer) = put_role(&hub, ADMIN, "bob", body.clone());
        assert_eq!(status, 400, "{body}");
        let message = error_of(&answer);
        assert!(message.starts_with("Invalid request body"), "{message}");
        assert!(message.contains(named), "{body}: {message}");
    }
    let (status, _) = hub.send_raw("PUT", &role_path("bob"), ADMIN, Some(b"role=read".to_vec()));
    assert_eq!(status, 400);
    let (status, answer) = hub.send_raw("PUT", &role_path("bob"), ADMIN, None);
    assert_eq!(status, 400);
    assert!(error_of(&json_of(&answer)).contains("no body"));

    let path = format!("{MODEL}/handle");
    let long = "x".repeat(201);
    let bad = [
        json!({"user": "bob", "status": "rejected", "rejectionReason": long}),
        json!({"user": "bob", "status": "maybe"}),
        json!({"userId": "not-an-id", "status": "rejected"}),
        json!({"user": "bob"}),
    ];
    for body in &bad {
        let (status, _) = hub.send("POST", &path, ADMIN, Some(body));
        assert_eq!(status, 400, "{body}");
    }
    let (status, answer) = handle(&hub, ADMIN, json!({"status": "rejected"}));
    assert_eq!(status, 400);
    assert!(
        error_of(&answer).contains("Either userId or user"),
        "{answer}"
    );

    // Nothing changed, every one is a violation of its operation's request body.
    assert_eq!(member(&hub, "bob")["role"], "write");
    assert_eq!(requesters(&hub, "accepted", ""), ["bob", "carol"]);
    let violations = hub.take_violations();
    assert_eq!(
        violations.len(),
        cases.len() + 2 + bad.len() + 1,
        "{violations:?}"
    );
    assert!(violations.iter().all(|v| v.status == 0));
    let shown = violations[0].to_string();
    assert!(shown.contains("request body"), "{shown}");
    assert!(
        shown.contains("/api/organizations/{name}/members/{username}/role"),
        "{shown}"
    );
    let reason = &violations[cases.len() + 2];
    assert!(
        reason.errors.iter().any(|e| e.contains("/rejectionReason")),
        "{reason:?}"
    );
}

#[test]
fn a_write_body_declared_off_contract_is_kept_apart() {
    let hub = FakeHub::start(world());
    hub.expect_off_contract(Endpoint::RoleChange, "the test sends a bad role on purpose");
    assert_eq!(
        put_role(&hub, ADMIN, "bob", json!({"role": "owner"})).0,
        400
    );
    assert!(hub.violations().is_empty());
    assert_eq!(hub.exempt_violations().len(), 1);
}

#[test]
fn handling_a_request_moves_it_between_the_lists() {
    let hub = FakeHub::start(world());
    let reason = "left the company";
    let body = json!({"user": "bob", "status": "rejected", "rejectionReason": reason});
    assert_eq!(handle(&hub, ADMIN, body), (200, json!({})));
    assert_eq!(requesters(&hub, "accepted", ""), ["carol"]);
    assert!(requesters(&hub, "accepted", "bob").is_empty());
    assert_eq!(requesters(&hub, "rejected", "bob"), ["bob"]);
    let kept = hub.with_world(|w| w.orgs[ORG].models[0].rejection_reasons.get("bob").cloned());
    assert_eq!(kept.as_deref(), Some(reason));

    // By id, back to pending, then accepted again.
    let body = json!({"userId": fake_id("bob"), "status": "pending"});
    assert_eq!(handle(&hub, ADMIN, body).0, 200);
    assert_eq!(requesters(&hub, "pending", ""), ["bob"]);
    assert!(requesters(&hub, "rejected", "").is_empty());
    assert_eq!(
        handle(&hub, ADMIN, json!({"user": "bob", "status": "accepted"})).0,
        200
    );
    assert_eq!(requesters(&hub, "accepted", ""), ["carol", "bob"]);
    // Already so: 200, nothing moves.
    assert_eq!(
        handle(&hub, ADMIN, json!({"user": "bob", "status": "accepted"})).0,
        200
    );
    assert_eq!(requesters(&hub, "accepted", ""), ["carol", "bob"]);

    // No request from that user, or ids naming two users.
    let (status, answer) = handle(&hub, ADMIN, json!({"user": "alice", "status": "rejected"}));
    assert_eq!(status, 404);
    assert!(error_of(&answer).contains("alice"), "{answer}");
    let both = json!({"user": "bob", "userId": fake_id("carol"), "status": "rejected"});
    assert_eq!(handle(&hub, ADMIN, both).0, 404);

    let valid = hub.valid_bodies();
    let key = "POST /api/models/{namespace}/{repo}/user-access-request/handle request";
    assert_eq!(valid.get(key), Some(&6), "{valid:?}");
    let listed = "GET /api/models/{namespace}/{repo}/user-access-request/{status}";
    assert!(valid.contains_key(listed), "{valid:?}");
}

#[test]
fn access_request_lists_search_by_q() {
    let hub = FakeHub::start(world());
    assert_eq!(requesters(&hub, "accepted", "CAR"), ["carol"]);
    assert_eq!(requesters(&hub, "accepted", "bob%20full"), ["bob"]);
    assert_eq!(
        requesters(&hub, "accepted", "acme.example"),
        ["bob", "carol"]
    );
    // The verified organization of members.
    assert_eq!(requesters(&hub, "accepted", "acme"), ["bob", "carol"]);
    assert!(requesters(&hub, "accepted", "zed").is_empty());
}

#[test]
fn the_datasets_variant_is_not_served() {
    let hub = FakeHub::start(world());
    let path = "/api/datasets/acme/secret-data/user-access-request/handle";
    let body = json!({"user": "bob", "status": "rejected"});
    let (status, _) = hub.send("POST", path, ADMIN, Some(&body));
    assert_eq!(status, 404);
    assert_eq!(hub.send("POST", path, "hf_unknown", Some(&body)).0, 401);
    let accepted = "/api/datasets/acme/secret-data/user-access-request/accepted";
    assert_eq!(read(&hub, accepted).as_array().map(Vec::len), Some(1));
    // The model's handle path takes no GET, the role path no POST.
    assert_eq!(hub.get(&format!("{MODEL}/handle"), ADMIN).0, 405);
    let (status, _) = hub.send(
        "POST",
        &role_path("bob"),
        ADMIN,
        Some(&json!({"role": "read"})),
    );
    assert_eq!(status, 405);
    // A write to a read path answers 405 and does not poison the reads.
    let members = format!("/api/organizations/{ORG}/members");
    assert_eq!(hub.send("PUT", &members, ADMIN, None).0, 405);
    assert_eq!(hub.get(&members, ADMIN).0, 200);
}

#[test]
fn revoking_a_token_hides_it_from_the_default_listing() {
    let hub = FakeHub::start(world());
    assert_eq!(revoke(&hub, ADMIN, "bob", "ci"), (200, json!({})));
    let listed: Vec<String> = tokens(&hub, "").into_iter().map(|t| t.0).collect();
    assert_eq!(listed, ["laptop", "notebook"]);
    let all = tokens(&hub, "owner:bob status:all");
    assert_eq!(
        all,
        [
            ("ci".to_string(), Some("revoked".to_string())),
            ("laptop".to_string(), None),
        ]
    );
    assert_eq!(tokens(&hub, "status:revoked").len(), 1);
    // Again: still revoked, 200.
    assert_eq!(revoke(&hub, ADMIN, "bob", "ci").0, 200);
    assert_eq!(tokens(&hub, "status:all").len(), 3);
    let (status, answer) = revoke(&hub, ADMIN, "bob", "nope");
    assert_eq!(status, 404);
    assert!(error_of(&answer).contains("Token"), "{answer}");
    // No request body is described, none is judged.
    let valid = hub.valid_bodies();
    assert!(valid.keys().all(|k| !k.contains("revoke")), "{valid:?}");
}

#[test]
fn revoking_keeps_the_approval_it_had() {
    let mut world = world();
    let approved = MemberToken::new("carol", "approved", "read").status("approved");
    world.org_mut(ORG).tokens.as_mut().unwrap().push(approved);
    let hub = FakeHub::start(world);
    assert_eq!(revoke(&hub, ADMIN, "carol", "approved").0, 200);
    let all = tokens(&hub, "owner:carol status:all");
    assert!(all.contains(&("approved".to_string(), Some("revoked".to_string()))));
}

#[test]
fn who_may_write_what() {
    let hub = FakeHub::start(world());
    let role = json!({"role": "read"});
    let reject = json!({"user": "carol", "status": "rejected"});
    for bearer in ["hf_unknown", ""] {
        assert_eq!(put_role(&hub, bearer, "bob", role.clone()).0, 401);
        assert_eq!(handle(&hub, bearer, reject.clone()).0, 401);
        assert_eq!(revoke(&hub, bearer, "bob", "ci").0, 401);
    }
    // Not in the org: as if it did not exist.
    assert_eq!(put_role(&hub, OUTSIDER, "bob", role.clone()).0, 404);
    assert_eq!(handle(&hub, OUTSIDER, reject.clone()).0, 404);
    assert_eq!(revoke(&hub, OUTSIDER, "bob", "ci").0, 404);
    // A read token, or a fine-grained one that only reads.
    for bearer in [READ_ONLY, SCOPED_READ] {
        assert_eq!(
            put_role(&hub, bearer, "bob", role.clone()).0,
            403,
            "{bearer}"
        );
        assert_eq!(handle(&hub, bearer, reject.clone()).0, 403, "{bearer}");
        assert_eq!(revoke(&hub, bearer, "bob", "ci").0, 403, "{bearer}");
    }
    // A write member handles requests but changes no role, revokes nothing.
    assert_eq!(put_role(&hub, WRITER, "bob", role.clone()).0, 403);
    assert_eq!(revoke(&hub, WRITER, "bob", "ci").0, 403);
    assert_eq!(handle(&hub, WRITER, reject.clone()).0, 200);
    // Fine-grained: org.members.write changes roles, repo.access.write
    // handles requests; revoking needs org.write.
    assert_eq!(put_role(&hub, SCOPED_WRITE, "bob", role.clone()).0, 200);
    let accept = json!({"user": "carol", "status": "accepted"});
    assert_eq!(handle(&hub, SCOPED_WRITE, accept).0, 200);
    assert_eq!(revoke(&hub, SCOPED_WRITE, "bob", "ci").0, 403);
    assert_eq!(tokens(&hub, "").len(), 3);
    assert!(hub.violations().is_empty());
}

#[test]
fn plans_without_the_feature_answer_402() {
    let mut world = world();
    world.org_mut(ORG).plan = Some("team".into());
    let hub = FakeHub::start(world);
    let (status, answer) = revoke(&hub, ADMIN, "bob", "ci");
    assert_eq!(status, 402);
    assert!(error_of(&answer).contains("Enterprise"), "{answer}");
    assert_eq!(put_role(&hub, ADMIN, "bob", json!({"role": "read"})).0, 200);
    hub.with_world(|w| w.org_mut(ORG).plan = None);
    assert_eq!(
        put_role(&hub, ADMIN, "bob", json!({"role": "write"})).0,
        402
    );
    assert_eq!(member(&hub, "bob")["role"], "read");
}

#[test]
fn the_repo_must_exist_and_be_gated() {
    let mut world = world();
    world
        .org_mut(ORG)
        .models
        .push(Repo::new("acme/open", false, None));
    let hub = FakeHub::start(world);
    let body = json!({"user": "bob", "status": "rejected"});
    let path = "/api/models/acme/nope/user-access-request/handle";
    assert_eq!(hub.send("POST", path, ADMIN, Some(&body)).0, 404);
    let path = "/api/models/acme/open/user-access-request/handle";
    assert_eq!(hub.send("POST", path, ADMIN, Some(&body)).0, 400);
}

/// A write sent by hand: the status (0 for a connection that failed) and
/// the `RateLimit` header.
fn raw_write(
    hub: &FakeHub,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, Option<String>) {
    let url = format!("{}{path}", hub.url());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = reqwest::Client::new()
            .request(method, url)
            .bearer_auth(ADMIN);
        if let Some(body) = body {
            request = request.body(serde_json::to_vec(&body).unwrap());
        }
        let Ok(response) = request.send().await else {
            return (0, None);
        };
        let limit = response
            .headers()
            .get("ratelimit")
            .map(|v| v.to_str().unwrap().to_string());
        let status = response.status().as_u16();
        match response.bytes().await {
            Ok(_) => (status, limit),
            Err(_) => (0, limit),
        }
    })
}

#[test]
fn a_fault_met_before_a_write_changes_nothing() {
    let hub = FakeHub::start(world());
    hub.add_fault(Fault::new(Endpoint::RoleChange, FaultKind::Status(500)).once());
    hub.add_fault(
        Fault::new(
            Endpoint::HandleAccessRequest,
            FaultKind::RateLimited { reset_secs: 0 },
        )
        .times(2),
    );
    hub.add_fault(Fault::new(Endpoint::RevokeToken, FaultKind::Reset).once());
    let role = || Some(json!({"role": "read"}));
    let reject = || Some(json!({"user": "bob", "status": "rejected"}));
    let revoke = revoke_path("bob", "ci");
    let handle = format!("{MODEL}/handle");

    assert_eq!(raw_write(&hub, "PUT", &role_path("bob"), role()).0, 500);
    let (status, limit) = raw_write(&hub, "POST", &handle, reject());
    assert_eq!(status, 429);
    assert!(
        limit.as_deref().is_some_and(|l| l.contains("r=0")),
        "{limit:?}"
    );
    assert_eq!(raw_write(&hub, "POST", &handle, reject()).0, 429);
    assert_eq!(raw_write(&hub, "POST", &revoke, None).0, 0);
    assert_eq!(member(&hub, "bob")["role"], "write");
    assert_eq!(requesters(&hub, "accepted", ""), ["bob", "carol"]);
    assert_eq!(tokens(&hub, "").len(), 3);
    // Every one was recorded, with what it met; the bodies still judged.
    let met: Vec<u16> = hub.writes().iter().map(|r| r.status).collect();
    assert_eq!(met, [500, 429, 429, 0]);
    let valid = hub.valid_bodies();
    let key = "POST /api/models/{namespace}/{repo}/user-access-request/handle request";
    assert_eq!(valid.get(key), Some(&2), "{valid:?}");

    // Past the faults, the same calls are made, with RateLimit headers.
    let (status, limit) = raw_write(&hub, "PUT", &role_path("bob"), role());
    assert_eq!(status, 200);
    assert!(limit.is_some_and(|l| l.starts_with("\"api\";r=")));
    assert_eq!(raw_write(&hub, "POST", &handle, reject()).0, 200);
    assert_eq!(raw_write(&hub, "POST", &revoke, None).0, 200);
    assert_eq!(member(&hub, "bob")["role"], "read");
    assert_eq!(requesters(&hub, "accepted", ""), ["carol"]);
    assert_eq!(tokens(&hub, "").len(), 2);
}

#[test]
fn a_write_whose_answer_is_lost_was_made() {
    let hub = FakeHub::start(world());
    hub.expect_off_contract(Endpoint::RoleChange, "a truncated answer");
    hub.add_fault(Fault::new(Endpoint::RoleChange, FaultKind::Truncate).once());
    let (status, _) = raw_write(
        &hub,
        "PUT",
        &role_path("bob"),
        Some(json!({"role": "read"})),
    );
    assert_eq!(status, 0, "the body was cut");
    assert_eq!(member(&hub, "bob")["role"], "read");
}

#[test]
fn writes_wait_the_worlds_latency() {
    let mut world = world();
    world.latency = Duration::from_millis(40);
    let hub = FakeHub::start(world);
    let started = Instant::now();
    assert_eq!(put_role(&hub, ADMIN, "bob", json!({"role": "read"})).0, 200);
    assert!(started.elapsed() >= Duration::from_millis(40));
}
