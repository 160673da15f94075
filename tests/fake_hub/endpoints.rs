//! Each endpoint answers with the Hub's shapes, paging and access rules.

use serde_json::Value;

use super::{Client, org};
use crate::support::fake_hub::{FakeHub, Org, OrgMember, Repo, Scoped, TokenInfo, World};
use crate::support::generate::{AUDITOR, OrgSpec, generate_org, scim_users_for, world_for};

#[tokio::test]
async fn whoami_has_the_hub_shape() {
    let mut world = world_for(vec![org(5)]);
    let scoped = Scoped {
        entity_type: "org".into(),
        entity_name: "acme".into(),
        permissions: vec!["org.read".into()],
    };
    let mut fine = TokenInfo::new(AUDITOR, "fineGrained", &["acme"]);
    fine.scoped = vec![scoped];
    world.add_token("hf_fine", fine);
    let hub = FakeHub::start(world);

    let me = Client::admin(&hub).get("/api/whoami-v2").await;
    assert_eq!(me.status, 200);
    assert_eq!(me.body["type"], "user");
    assert_eq!(me.body["name"], AUDITOR);
    assert_eq!(me.body["id"].as_str().map(str::len), Some(24));
    let acme = &me.body["orgs"][0];
    assert_eq!(
        (&acme["type"], &acme["name"]),
        (&Value::from("org"), &Value::from("acme"))
    );
    assert_eq!(acme["plan"], "team");
    assert_eq!(acme["roleInOrg"], "admin");
    assert_eq!(me.body["auth"]["accessToken"]["role"], "write");
    assert!(me.body["auth"]["accessToken"].get("fineGrained").is_none());

    let fine = Client::new(&hub, Some("hf_fine"))
        .get("/api/whoami-v2")
        .await;
    let token = &fine.body["auth"]["accessToken"];
    assert_eq!(token["role"], "fineGrained");
    let entry = &token["fineGrained"]["scoped"][0];
    assert_eq!(entry["entity"]["type"], "org");
    // The Hub's schema: the entity is named by `_id`; `name` is optional
    // and, by default, not sent.
    assert!(entry["entity"].get("name").is_none(), "{entry}");
    assert_eq!(entry["entity"]["_id"], acme["id"]);
    assert_eq!(entry["permissions"], serde_json::json!(["org.read"]));

    hub.with_world(|w| w.scoped_entity_names = true);
    let named = Client::new(&hub, Some("hf_fine"))
        .get("/api/whoami-v2")
        .await;
    let entity = &named.body["auth"]["accessToken"]["fineGrained"]["scoped"][0]["entity"];
    assert_eq!(entity["name"], "acme");
}

#[tokio::test]
async fn members_page_by_absolute_link_up_to_the_page_cap() {
    let mut world = world_for(vec![org(55)]);
    world.page_cap = 20;
    let hub = FakeHub::start(world);
    let client = Client::admin(&hub);

    let mut pages = Vec::new();
    let mut next = Some("/api/organizations/acme/members?limit=10000".to_string());
    while let Some(target) = next.take() {
        let page = client.get(&target).await;
        assert_eq!(page.status, 200);
        next = page.next();
        if let Some(url) = &next {
            let prefix = format!("{}/api/organizations/acme/members?cursor=", hub.url());
            assert!(url.starts_with(&prefix), "not absolute: {url}");
            assert!(url.ends_with("&limit=10000"), "limit not kept: {url}");
        }
        pages.push(page.users());
        assert!(pages.len() <= 3, "more pages than 55 members need");
    }
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [20, 20, 15]);
    let expected: Vec<String> = hub.with_world(|w| {
        w.orgs["acme"]
            .members
            .iter()
            .map(|m| m.user.clone())
            .collect()
    });
    assert_eq!(pages.concat(), expected);

    let first = client.get("/api/organizations/acme/members").await;
    assert!(first.next().is_some_and(|url| url.ends_with("&limit=500")));
    for bad in ["5", "10001", "many"] {
        let answer = client
            .get(&format!("/api/organizations/acme/members?limit={bad}"))
            .await;
        assert_eq!(answer.status, 400, "limit={bad}");
    }
    let garbage = client
        .get("/api/organizations/acme/members?cursor=zz")
        .await;
    assert_eq!(garbage.status, 400);
}

#[tokio::test]
async fn member_rows_use_the_hub_field_names() {
    let mut acme = Org::new("acme");
    let mut alice = OrgMember::new("alice", "write");
    alice.verified_email = Some("alice@acme.example".into());
    let mut bob = OrgMember::new("bob", "read");
    (bob.role, bob.two_fa, bob.external) = (None, None, None);
    acme.members = vec![OrgMember::new("root", "admin"), alice, bob];
    let hub = FakeHub::start(World::single(acme, "hf_single"));
    let rows = Client::new(&hub, Some("hf_single"))
        .get("/api/organizations/acme/members")
        .await
        .body;

    let alice = &rows[1];
    for field in [
        "_id",
        "user",
        "fullname",
        "avatarUrl",
        "isPro",
        "type",
        "role",
        "resourceGroups",
    ] {
        assert!(alice.get(field).is_some(), "alice lacks {field}: {alice}");
    }
    assert_eq!(alice["verifiedEmail"], "alice@acme.example");
    assert_eq!(
        (&alice["twoFaEnabled"], &alice["isExternalCollaborator"]),
        (&Value::Bool(true), &Value::Bool(false))
    );
    let bob = rows[2].as_object().expect("an object");
    for absent in [
        "role",
        "twoFaEnabled",
        "verifiedEmail",
        "isExternalCollaborator",
    ] {
        assert!(!bob.contains_key(absent), "bob has {absent}");
    }
}

#[tokio::test]
async fn legacy_deployments_page_by_offset_without_link() {
    let mut world = world_for(vec![org(250)]);
    world.offset_paging = true;
    let hub = FakeHub::start(world);
    let client = Client::admin(&hub);

    let first = client
        .get("/api/organizations/acme/members?limit=10000")
        .await;
    assert_eq!(first.users().len(), 100);
    assert_eq!(first.header("link"), None);
    let last = client
        .get("/api/organizations/acme/members?offset=200&limit=100&cursor=6f3130")
        .await;
    assert_eq!(last.users().len(), 50);
    assert_eq!(last.header("link"), None);
}

#[tokio::test]
async fn repo_lists_page_and_report_gating() {
    let mut spec = OrgSpec::new("acme", 10);
    spec.gated_repos = 4;
    let mut world = world_for(vec![generate_org(&spec)]);
    world.page_cap = 2;
    let hub = FakeHub::start(world);
    let client = Client::admin(&hub);

    let mut gated = Vec::new();
    let mut next =
        Some("/api/models?author=acme&expand=private&expand=gated&limit=500".to_string());
    while let Some(target) = next.take() {
        let page = client.get(&target).await;
        next = page.next();
        if let Some(url) = &next {
            assert!(
                url.contains("author=acme&expand=private&expand=gated&cursor="),
                "{url}"
            );
        }
        for repo in page.body.as_array().expect("array") {
            assert!(
                repo["id"]
                    .as_str()
                    .is_some_and(|id| id.starts_with("acme/"))
            );
            assert!(repo["private"].is_boolean());
            gated.push(repo["gated"].clone());
        }
    }
    assert_eq!(
        gated,
        [
            Value::from("auto"),
            Value::from("manual"),
            Value::Bool(false)
        ]
    );
    let datasets = client.get("/api/datasets?author=acme&limit=500").await;
    assert_eq!(datasets.body.as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn access_requests_need_a_gated_repo_and_write_rights() {
    let mut acme = Org::new("acme");
    acme.members = vec![
        OrgMember::new("root", "admin"),
        OrgMember::new("reader", "read"),
    ];
    let mut gated = Repo::new("acme/secret-llm", true, Some("manual"));
    gated.accepted = generate_org(&{
        let mut spec = OrgSpec::new("acme", 5);
        (spec.gated_repos, spec.accepted_per_repo) = (3, 25);
        spec
    })
    .models[1]
        .accepted
        .clone();
    acme.models = vec![gated, Repo::new("acme/open", false, None)];
    let mut world = World::single(acme, "hf_admin");
    world.page_cap = 10;
    world.add_token("hf_reader", TokenInfo::new("reader", "write", &["acme"]));
    world.add_token("hf_admin_read", TokenInfo::new("root", "read", &["acme"]));
    let hub = FakeHub::start(world);
    let admin = Client::new(&hub, Some("hf_admin"));
    let path = "/api/models/acme/secret-llm/user-access-request/accepted";

    let mut rows = Vec::new();
    let mut next = Some(path.to_string());
    while let Some(target) = next.take() {
        let page = admin.get(&target).await;
        assert_eq!(page.status, 200);
        next = page.next();
        rows.extend(page.body.as_array().expect("array").clone());
    }
    assert_eq!(rows.len(), 25);
    assert!(
        rows.iter()
            .all(|r| r["status"] == "accepted" && r.get("requestId").is_none())
    );
    assert!(
        rows.iter()
            .all(|r| r["timestamp"].is_string() && r["reviewedAt"].is_string())
    );
    assert!(
        rows.iter()
            .all(|r| r["user"]["user"].is_string() && r["grantedBy"]["user"].is_string())
    );

    assert_eq!(admin.get(&format!("{path}?limit=5")).await.status, 400);
    let pending = admin
        .get("/api/models/acme/secret-llm/user-access-request/pending")
        .await;
    assert_eq!(pending.body, serde_json::json!([]));
    let open = admin
        .get("/api/models/acme/open/user-access-request/accepted")
        .await;
    assert_eq!(
        (open.status, open.body["error"].as_str()),
        (400, Some("Repo is not gated"))
    );
    for token in ["hf_reader", "hf_admin_read"] {
        let denied = Client::new(&hub, Some(token)).get(path).await;
        assert_eq!(denied.status, 403, "{token}");
    }
}

#[tokio::test]
async fn auth_and_plan_errors_look_like_the_hub() {
    let mut free = generate_org(&OrgSpec {
        plan: None,
        ..OrgSpec::new("freeco", 3)
    });
    free.members.insert(0, OrgMember::new(AUDITOR, "admin"));
    let world = world_for(vec![org(5), free]);
    let hub = FakeHub::start(world);
    let admin = Client::admin(&hub);

    for client in [Client::new(&hub, None), Client::new(&hub, Some("hf_wrong"))] {
        let denied = client.get("/api/organizations/acme/members").await;
        assert_eq!(denied.status, 401);
        assert_eq!(
            denied.body["error"],
            "Invalid credentials in Authorization header"
        );
        assert!(denied.header("x-error-code").is_some());
    }
    assert_eq!(
        admin
            .get("/api/organizations/freeco/resource-groups")
            .await
            .status,
        402
    );
    assert_eq!(
        admin
            .get("/api/organizations/freeco/audit-log/export")
            .await
            .status,
        402
    );
    assert_eq!(
        admin
            .get("/api/organizations/acme/pending-members")
            .await
            .status,
        404
    );
    assert_eq!(
        admin
            .get("/api/organizations/acme/scim-provisioning/v2/Users")
            .await
            .status,
        404
    );
    assert_eq!(
        admin
            .get("/api/organizations/elsewhere/members")
            .await
            .status,
        404
    );

    hub.with_world(|w| w.orgs.insert("other".into(), Org::new("other")));
    assert_eq!(
        admin.get("/api/organizations/other/members").await.status,
        404
    );
    let groups = admin.get("/api/organizations/acme/resource-groups").await;
    assert_eq!((groups.status, groups.body.is_array()), (200, true));
}

#[tokio::test]
async fn pending_members_scim_and_audit_log_have_their_shapes() {
    let mut spec = OrgSpec::new("acme", 40);
    (spec.pending, spec.groups) = (3, 2);
    spec.legacy_pending_members = true;
    let mut acme = generate_org(&spec);
    acme.scim_users = Some(scim_users_for(&acme));
    acme.scim_token = Some("scim_org_token".into());
    let hub = FakeHub::start(world_for(vec![acme]));
    let admin = Client::admin(&hub);
    let scim_client = Client::new(&hub, Some("scim_org_token"));
    // SCIM takes the org's SCIM token only: a user token is refused, and
    // Managed SSO's path is absent on a Basic SSO org.
    let scim_path = "/api/organizations/acme/scim-provisioning/v2/Users";
    assert_eq!(admin.get(scim_path).await.status, 401);
    assert_eq!(
        scim_client
            .get("/api/organizations/acme/scim/v2/Users")
            .await
            .status,
        404
    );

    let pending = admin
        .get("/api/organizations/acme/pending-members")
        .await
        .body;
    assert_eq!(pending.as_array().map(Vec::len), Some(3));
    assert_eq!(pending[0]["status"], "pending");
    let invited = pending[0]["user"].as_str().expect("user").to_string();

    let log = admin
        .get("/api/organizations/acme/audit-log/export")
        .await
        .body;
    let invite = log
        .as_array()
        .expect("array")
        .iter()
        .find(|e| e["type"] == "org.invite_user" && e["data"]["user"] == invited.as_str());
    let invite = invite.expect("an org.invite_user event for each pending invitation");
    assert!(invite["data"]["email"].is_string() && invite["data"]["role"].is_string());
    assert_eq!(invite["author"]["type"], "user");
    assert!(
        invite["createdAt"]
            .as_str()
            .is_some_and(|t| t.len() == 24 && t.ends_with('Z'))
    );

    let scim = scim_client
        .get("/api/organizations/acme/scim-provisioning/v2/Users?startIndex=2&count=5")
        .await
        .body;
    assert_eq!(
        scim["schemas"][0],
        "urn:ietf:params:scim:api:messages:2.0:ListResponse"
    );
    assert_eq!(
        (scim["startIndex"].as_u64(), scim["itemsPerPage"].as_u64()),
        (Some(2), Some(5))
    );
    assert!(scim["totalResults"].as_u64().is_some_and(|n| n > 5));
    let user = &scim["Resources"][0];
    assert!(user["userName"].is_string() && user["emails"][0]["value"].is_string());
    let filter = format!(
        "/api/organizations/acme/scim-provisioning/v2/Users?filter=userName%20eq%20%22{invited}%22"
    );
    assert_eq!(scim_client.get(&filter).await.body["totalResults"], 1);
}
