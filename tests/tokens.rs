//! The `tokens` collector against the fake Hub: the role partitions are
//! disjoint and together are the whole listing, they are read at once, a
//! small org costs one request, and a plan or a token that cannot list
//! tokens makes the collector unavailable.

use std::collections::BTreeSet;

use hfaudit::hub::collect::{ALL_TOKENS, TOKEN_PARTITIONS, member_tokens, token_listing};
use hfaudit::hub::{ClientOptions, HubClient, Outcome, Token};

use crate::harness::{Case, assert_code};
use crate::support::fake_hub::{Endpoint, FakeHub, MemberToken, Org, OrgMember, TokenInfo, World};
use crate::support::generate::{ADMIN_TOKEN, OrgSpec, generate_org, world_for};

fn client(hub: &FakeHub, token: &str) -> HubClient {
    let token = Token::new(token).expect("token");
    HubClient::new(&hub.url(), &token, ClientOptions::default()).expect("client")
}

fn block_on<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(f)
}

/// An enterprise org of `members` members with 3 tokens each, plus tokens
/// of every status and of roles outside the schema's enum.
/// Why `org`'s token listing breaks the Hub's description.
const OFF_ENUM: &str = "token roles outside the description's enum, to show they are kept";

fn org(members: usize) -> Org {
    let mut org = generate_org(&OrgSpec {
        plan: Some("enterprise".into()),
        tokens_per_member: 3,
        ..OrgSpec::new("acme", members)
    });
    let tokens = org.tokens.as_mut().unwrap();
    tokens.push(MemberToken::new("auditor", "legacy", "legacyRole"));
    tokens.push(MemberToken::new("auditor", "odd", "admin").status("revoked"));
    for status in ["pending", "approved", "denied", "revoked"] {
        tokens.push(MemberToken::new("auditor", status, "write").status(status));
    }
    org
}

fn ids(tokens: &[hfaudit::hub::wire::OrgToken]) -> Vec<String> {
    tokens.iter().map(|t| t.id.clone()).collect()
}

#[test]
fn partitions_are_disjoint_and_their_union_is_the_whole_listing() {
    let org = org(150);
    let every: BTreeSet<String> = org.tokens.iter().flatten().map(|t| t.id.clone()).collect();
    let hub = FakeHub::start(world_for(vec![org]));
    hub.expect_off_contract(Endpoint::Tokens, OFF_ENUM);
    let c = client(&hub, ADMIN_TOKEN);
    let (whole, parts) = block_on(async {
        let whole = token_listing(&c, "acme", ALL_TOKENS)
            .await
            .expect("listing");
        let mut parts = Vec::new();
        for q in TOKEN_PARTITIONS {
            parts.push(token_listing(&c, "acme", q).await.expect(q));
        }
        (whole, parts)
    });
    let whole: BTreeSet<String> = ids(&whole).into_iter().collect();
    assert_eq!(
        whole, every,
        "status:all lists every token, revoked ones too"
    );
    assert!(whole.len() > 400, "several pages: {}", whole.len());
    let mut union = BTreeSet::new();
    for (q, part) in TOKEN_PARTITIONS.iter().zip(&parts) {
        assert!(!part.is_empty(), "{q} holds tokens in this world");
        for id in ids(part) {
            assert!(union.insert(id.clone()), "{id} is in two partitions ({q})");
        }
    }
    assert_eq!(union, whole);
    // The catch-all holds exactly the roles outside the schema's enum.
    let other: BTreeSet<&str> = parts[3].iter().map(|t| t.role.as_str()).collect();
    assert_eq!(other, BTreeSet::from(["admin", "legacyRole"]));
}

#[test]
fn the_fake_filters_q_like_the_hub() {
    let hub = FakeHub::start(world_for(vec![org(3)]));
    hub.expect_off_contract(Endpoint::Tokens, OFF_ENUM);
    let c = client(&hub, ADMIN_TOKEN);
    let list = |q: &'static str| {
        let c = &c;
        block_on(async move { token_listing(c, "acme", q).await.expect(q) })
    };
    let all = list(ALL_TOKENS);
    // The default leaves revoked tokens out.
    let default = list("");
    let revoked = all
        .iter()
        .filter(|t| {
            t.authorization
                .as_ref()
                .is_some_and(|a| a.status == "revoked")
        })
        .count();
    assert!(revoked >= 2);
    assert_eq!(default.len(), all.len() - revoked);
    assert_eq!(list("status:revoked").len(), revoked);
    let not_revoked = list("-status:revoked");
    assert_eq!(ids(&not_revoked), ids(&default));
    // Negations combine: neither read nor write.
    let neither = list("status:all -role:read -role:write");
    assert!(
        neither
            .iter()
            .all(|t| t.role != "read" && t.role != "write")
    );
    assert!(!neither.is_empty());
    let mine = list("status:all owner:AUDITOR");
    assert!(!mine.is_empty() && mine.iter().all(|t| t.owner.name == "auditor"));
    let last4 = all[0].last4.clone().unwrap();
    let q: &'static str = Box::leak(format!("status:all token:{last4}").into_boxed_str());
    assert_eq!(ids(&list(q)), vec![all[0].id.clone()]);
}

#[test]
fn a_large_listing_is_read_as_concurrent_partitions() {
    let org = org(200);
    let total = org.tokens.as_ref().unwrap().len();
    let hub = FakeHub::start(world_for(vec![org]));
    hub.expect_off_contract(Endpoint::Tokens, OFF_ENUM);
    let c = client(&hub, ADMIN_TOKEN);
    let Outcome::Ok(tokens) = block_on(member_tokens(&c, "acme")).expect("tokens") else {
        panic!("unavailable")
    };
    assert_eq!(tokens.len(), total);
    let unique: BTreeSet<&str> = tokens.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(unique.len(), total, "no token twice");
    let requests = hub.requests_to("/api/organizations/acme/settings/tokens");
    // One first page of the whole listing, then each partition's chain.
    assert!(
        requests[0].query.contains("q=status%3Aall&"),
        "{}",
        requests[0].query
    );
    let per_role = |role: &str| {
        tokens
            .iter()
            .filter(|t| match role {
                "other" => !["read", "write", "fineGrained"].contains(&t.role.as_str()),
                r => t.role == r,
            })
            .count()
    };
    // Each chain's pages; one whose last page is full without a `Link` is
    // probed once more by offset (the paging's legacy-deployment check).
    let pages = |n: usize| n.div_ceil(100).max(1) + usize::from(n > 0 && n.is_multiple_of(100));
    let floor: usize = ["read", "write", "fineGrained", "other"]
        .iter()
        .map(|r| pages(per_role(r)))
        .sum();
    let shown: Vec<&str> = requests.iter().map(|r| r.query.as_str()).collect();
    assert_eq!(requests.len(), 1 + floor, "{shown:#?}");
    for q in [
        "role%3Aread",
        "role%3Awrite",
        "role%3AfineGrained",
        "-role%3Aread",
    ] {
        assert!(
            requests.iter().any(|r| r.query.contains(q)),
            "a request for {q}"
        );
    }
    assert!(requests.iter().all(|r| r.query.contains("limit=100")));
}

#[test]
fn a_small_listing_costs_one_request() {
    for n in [0, 1, 33] {
        let mut org = Org::new("acme");
        org.members.push(OrgMember::new("auditor", "admin"));
        let tokens: Vec<MemberToken> = (0..n)
            .map(|i| MemberToken::new("auditor", &format!("t{i}"), "read"))
            .collect();
        org.tokens = Some(tokens);
        let hub = FakeHub::start(World::single(org, ADMIN_TOKEN));
        let c = client(&hub, ADMIN_TOKEN);
        let Outcome::Ok(tokens) = block_on(member_tokens(&c, "acme")).unwrap() else {
            panic!("unavailable")
        };
        assert_eq!(tokens.len(), n);
        assert_eq!(hub.request_count(), 1, "{n} tokens");
    }
}

#[test]
fn no_plan_or_no_admin_means_unavailable_with_the_reason() {
    // A free org: 402.
    let mut free = Org::new("acme");
    free.members.push(OrgMember::new("auditor", "admin"));
    free.tokens = None;
    let hub = FakeHub::start(World::single(free, ADMIN_TOKEN));
    let got = block_on(member_tokens(&client(&hub, ADMIN_TOKEN), "acme")).unwrap();
    let Outcome::Unavailable(reason) = got else {
        panic!("{got:?}")
    };
    assert!(reason.contains("Team and Enterprise"), "{reason}");
    // A member who is not an admin: 403.
    let mut org = Org::new("acme");
    org.members.push(OrgMember::new("auditor", "admin"));
    org.members.push(OrgMember::new("reader", "read"));
    let mut world = World::single(org, ADMIN_TOKEN);
    world.add_token("hf_reader", TokenInfo::new("reader", "write", &["acme"]));
    let hub = FakeHub::start(world);
    let got = block_on(member_tokens(&client(&hub, "hf_reader"), "acme")).unwrap();
    assert!(
        matches!(&got, Outcome::Unavailable(r) if r.contains("admin")),
        "{got:?}"
    );
}

#[test]
fn snapshot_stores_the_tokens_privately_and_without_secrets() {
    use std::os::unix::fs::PermissionsExt;
    let case = Case::new(world_for(vec![org(40)]));
    case.hub.expect_off_contract(Endpoint::Tokens, OFF_ENUM);
    assert_code(&case.snapshot("acme", &[]), 0);
    let snap = crate::snapshot::assert_matches_hub(&case, "acme");
    assert!(snap.tokens.iter().any(|t| t.is_revoked()));
    let manifest = case.complete("acme").pop().unwrap();
    let path = case
        .store_dir()
        .join("acme")
        .join(&manifest.snapshot_id)
        .join("tokens.parquet");
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let bytes = std::fs::read(&path).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    assert!(
        !text.contains(ADMIN_TOKEN) && !text.contains("hf_"),
        "no secret"
    );
}
