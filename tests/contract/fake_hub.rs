//! Every body the fake Hub serves fits the Hub's description, in every
//! world the tests build; and a drifted fake is caught.

use std::collections::BTreeSet;

use crate::harness::{Case, assert_code};
use crate::support::fake_hub::{
    Contract, DEVIATIONS, Endpoint, FakeHub, Fault, FaultKind, Violation, World,
};
use crate::support::generate::{ADMIN_TOKEN, OrgSpec, generate_org, scim_users_for, world_for};

/// GET `path` of `hub` with the admin token: status and body.
fn get(hub: &FakeHub, path: &str) -> (u16, String) {
    get_with(hub, path, ADMIN_TOKEN)
}

/// GET `path` of `hub` with `token`: status and body.
fn get_with(hub: &FakeHub, path: &str, token: &str) -> (u16, String) {
    let (status, body) = hub.get(path, token);
    (status, String::from_utf8(body).expect("a UTF-8 body"))
}

/// The enterprise org's SCIM token (SCIM accepts no other bearer).
const SCIM_TOKEN: &str = "scim_org_token";

fn listed(violations: &[Violation]) -> String {
    violations.iter().map(|v| format!("\n  {v}")).collect()
}

/// A Team org with groups, gated repos (models and datasets), invitations
/// and tokens.
fn team() -> OrgSpec {
    OrgSpec {
        groups: 3,
        gated_repos: 5,
        accepted_per_repo: 3,
        pending: 2,
        tokens_per_member: 2,
        ..OrgSpec::new("acme", 25)
    }
}

/// An Enterprise org with everything, SCIM included.
fn enterprise() -> World {
    let mut org = generate_org(&OrgSpec {
        plan: Some("enterprise".into()),
        groups: 6,
        service_accounts: 3,
        seed: 7,
        ..team()
    });
    org.scim_users = Some(scim_users_for(&org));
    org.scim_token = Some(SCIM_TOKEN.into());
    world_for(vec![org])
}

/// Snapshots `acme` on `hub`'s world and returns the hub's verdicts.
fn snapshot(case: &Case, extra: &[&str]) -> (Vec<Violation>, BTreeSet<String>) {
    let run = case.snapshot("acme", extra);
    let violations = case.hub.take_violations();
    assert!(violations.is_empty(), "{}", listed(&violations));
    assert_code(&run, 0);
    (violations, case.hub.valid_bodies().into_keys().collect())
}

#[test]
fn every_world_the_tests_build_serves_the_hubs_shapes() {
    let mut judged = BTreeSet::new();

    let default = Case::new(world_for(vec![generate_org(&team())]));
    judged.extend(snapshot(&default, &[]).1);

    let enterprise = Case::new(enterprise());
    judged.extend(snapshot(&enterprise, &[]).1);
    // SCIM is read only without a better source; ask for it directly.
    let path = "/api/organizations/acme/scim-provisioning/v2/Users?count=5";
    assert_eq!(get_with(&enterprise.hub, path, SCIM_TOKEN).0, 200);
    assert!(enterprise.hub.violations().is_empty());
    judged.extend(enterprise.hub.valid_bodies().into_keys());
    // Managed SSO serves SCIM on its other path.
    let mut managed = self::enterprise();
    for org in managed.orgs.values_mut() {
        org.scim_managed = true;
    }
    let managed = Case::new(managed);
    let path = "/api/organizations/acme/scim/v2/Users?count=5";
    assert_eq!(get_with(&managed.hub, path, SCIM_TOKEN).0, 200);
    assert!(managed.hub.violations().is_empty());
    judged.extend(managed.hub.valid_bodies().into_keys());

    // Hostile but well-formed: a legacy deployment paging by offset,
    // duplicate rows, endless Link chains, a huge blank body, errors.
    let mut legacy = world_for(vec![generate_org(&team())]);
    legacy.offset_paging = true;
    legacy.page_cap = 7;
    let hostile = Case::new(legacy);
    for fault in [
        Fault::new(Endpoint::Members, FaultKind::DuplicateRows).once(),
        Fault::new(Endpoint::Members, FaultKind::Status(503)).once(),
        Fault::new(
            Endpoint::AccessRequests,
            FaultKind::RateLimited { reset_secs: 0 },
        )
        .once(),
    ] {
        hostile.hub.add_fault(fault);
    }
    judged.extend(snapshot(&hostile, &[]).1);

    let endless = Case::new(world_for(vec![generate_org(&team())]));
    for endpoint in [
        Endpoint::Members,
        Endpoint::AccessRequests,
        Endpoint::Tokens,
    ] {
        endless
            .hub
            .add_fault(Fault::new(endpoint, FaultKind::EndlessLink { pages: 3 }).once());
    }
    endless.hub.add_fault(
        Fault::new(
            Endpoint::AuditLog,
            FaultKind::HugeBody {
                bytes: 1 << 20,
                announce: true,
            },
        )
        .once(),
    );
    let run = endless.snapshot("acme", &[]);
    let violations = endless.hub.take_violations();
    assert!(violations.is_empty(), "{}", listed(&violations));
    assert!(run.code == 0 || run.code == 3, "{}", run.stderr);
    judged.extend(endless.hub.valid_bodies().into_keys());

    // Every operation the fake serves was judged at least once, so none
    // escapes by a path that does not match its template.
    for operation in [
        "GET /api/whoami-v2",
        "GET /api/organizations/{name}/members",
        "GET /api/organizations/{name}/resource-groups",
        "GET /api/organizations/{name}/audit-log/export",
        "GET /api/organizations/{name}/settings/tokens",
        "GET /api/organizations/{name}/service-accounts",
        "GET /api/organizations/{name}/scim/v2/Users",
        "GET /api/organizations/{name}/scim-provisioning/v2/Users",
        "GET /api/models/{namespace}/{repo}/user-access-request/{status}",
        "GET /api/datasets/{namespace}/{repo}/user-access-request/{status}",
    ] {
        assert!(
            judged.contains(operation),
            "{operation} never judged: {judged:?}"
        );
    }
}

/// The contract test can fail: a member served with `usr` instead of
/// `user` is reported, naming the operation and what is wrong.
#[test]
fn a_renamed_field_is_a_violation() {
    let mut world = world_for(vec![generate_org(&OrgSpec::new("acme", 5))]);
    world.renamed_keys = vec![("user".into(), "usr".into())];
    let hub = FakeHub::start(world);
    let (_, body) = get(&hub, "/api/organizations/acme/members");
    assert!(body.contains("\"usr\""), "{body}");
    let violations = hub.take_violations();
    assert_eq!(violations.len(), 1, "{}", listed(&violations));
    let v = &violations[0];
    assert_eq!(v.operation, "/api/organizations/{name}/members");
    assert_eq!((v.method.as_str(), v.status), ("GET", 200));
    let text = v.errors.join("\n");
    assert!(text.contains("\"user\" is a required property"), "{text}");
    assert!(text.contains("usr"), "{text}");
}

/// A truncated body or a proxy's HTML page is a violation unless the
/// test declared it off contract; declared, it is kept apart.
#[test]
fn malformed_bodies_are_violations_unless_declared() {
    let hub = FakeHub::start(world_for(vec![generate_org(&OrgSpec::new("acme", 5))]));
    hub.add_fault(Fault::new(Endpoint::Members, FaultKind::InvalidJson).once());
    let members = || get(&hub, "/api/organizations/acme/members").1;
    assert!(members().contains("<html>"));
    let violations = hub.take_violations();
    assert_eq!(violations.len(), 1, "{}", listed(&violations));
    assert!(
        violations[0].errors[0].contains("not JSON"),
        "{:?}",
        violations[0]
    );

    hub.expect_off_contract(Endpoint::Members, "a proxy's error page, on purpose");
    hub.add_fault(Fault::new(Endpoint::Members, FaultKind::InvalidJson).once());
    assert!(members().contains("<html>"));
    assert!(hub.violations().is_empty());
    let exempt = hub.exempt_violations();
    assert_eq!(exempt.len(), 1);
    assert_eq!(exempt[0].1, "a proxy's error page, on purpose");
}

/// Dropping a fake Hub that served a violating body fails the test.
#[test]
fn dropping_a_hub_that_broke_the_contract_panics() {
    let result = std::thread::spawn(|| {
        let mut world = world_for(vec![generate_org(&OrgSpec::new("acme", 3))]);
        world.renamed_keys = vec![("fullname".into(), "fullName".into())];
        let hub = FakeHub::start(world);
        assert_eq!(get(&hub, "/api/organizations/acme/members").0, 200);
        drop(hub);
    })
    .join();
    let message = result.expect_err("the drop panics");
    let text = message
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default();
    assert!(
        text.contains("break the Hub's OpenAPI description"),
        "{text}"
    );
    assert!(text.contains("/api/organizations/acme/members"), "{text}");
}

/// Each deviation patched into the description is still needed: the
/// published description rejects the shape real responses have.
#[test]
fn each_patched_deviation_is_still_needed() {
    let unpatched = Contract::unpatched();
    let patched = Contract::hub();
    let group = br#"[{"id":"6771d4700000000000000000","name":"research","users":[],
        "resources":[{"type":"model","name":"acme/llm","private":true}],
        "repos":[{"type":"model","name":"acme/llm","private":true}]}]"#;
    let reset = br#"[{"status":"reset","resetReason":"the gate changed",
        "timestamp":"2026-01-05T09:30:00.000Z"}]"#;
    let cases: [(&str, &[u8]); 3] = [
        ("/api/organizations/acme/resource-groups", group),
        ("/api/models/acme/llm/user-access-request/accepted", reset),
        (
            "/api/datasets/acme/data/user-access-request/accepted",
            reset,
        ),
    ];
    assert_eq!(cases.len(), DEVIATIONS.len());
    for (path, body) in cases {
        assert!(
            matches!(
                unpatched.check("GET", path, 200, body),
                crate::support::fake_hub::Checked::Invalid(_)
            ),
            "{path}: the published description accepts it now; drop its deviation"
        );
        let checked = patched.check("GET", path, 200, body);
        assert!(
            matches!(checked, crate::support::fake_hub::Checked::Valid(_)),
            "{path}: {checked:?}"
        );
    }
}

/// `$ref`s into the document's components resolve.
#[test]
fn refs_into_components_resolve() {
    let doc = serde_json::json!({
        "openapi": "3.1.0",
        "paths": {"/api/things/{id}": {"get": {"responses": {"200": {"content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}}}}}},
        "components": {"schemas": {"Thing": {"type": "object",
            "properties": {"id": {"type": "string"}}, "required": ["id"],
            "additionalProperties": false}}}
    });
    let contract = Contract::compile(&doc).expect("compiles");
    use crate::support::fake_hub::Checked;
    assert!(matches!(
        contract.check("GET", "/api/things/7", 200, br#"{"id":"7"}"#),
        Checked::Valid(_)
    ));
    assert!(matches!(
        contract.check("GET", "/api/things/7", 200, br#"{"ident":"7"}"#),
        Checked::Invalid(_)
    ));
    assert!(matches!(
        contract.check("GET", "/api/things/7", 404, b"{}"),
        Checked::NotDescribed
    ));
    assert!(matches!(
        contract.check("GET", "/api/other", 200, b"{}"),
        Checked::NotDescribed
    ));
}

/// The real API has no `pending-members`: the fake serves it only to a
/// test that asks for that older deployment.
#[test]
fn pending_members_exist_only_on_an_older_deployment() {
    let spec = OrgSpec {
        pending: 2,
        ..OrgSpec::new("acme", 5)
    };
    let path = "/api/organizations/acme/pending-members";
    let current = FakeHub::start(world_for(vec![generate_org(&spec)]));
    assert_eq!(get(&current, path).0, 404);
    let older = OrgSpec {
        legacy_pending_members: true,
        ..spec
    };
    let older = FakeHub::start(world_for(vec![generate_org(&older)]));
    assert_eq!(get(&older, path).0, 200);
}
