//! The `service_accounts` collector against the fake Hub (none, one, many;
//! 402 and 403 make it unavailable), and a report over a snapshot with
//! service accounts: they are inventory rows of kind `service_account`,
//! their stale tokens are `stale_token` findings, and no rule about people
//! names them.

use chrono::{Duration, Utc};
use hfaudit::hub::collect::service_accounts;
use hfaudit::hub::{ClientOptions, HubClient, Outcome, Token};

use crate::harness::{Case, assert_code};
use crate::history::History;
use crate::support::fake_hub::{
    FakeHub, MemberToken, Org, OrgMember, ServiceAccount, TokenInfo, World,
};
use crate::support::generate::{ADMIN_TOKEN, OrgSpec, generate_org, world_for};

fn client(hub: &FakeHub, token: &str) -> HubClient {
    let token = Token::new(token).expect("token");
    HubClient::new(&hub.url(), &token, ClientOptions::default()).expect("client")
}

fn block_on<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(f)
}

fn enterprise(accounts: usize) -> Org {
    generate_org(&OrgSpec {
        plan: Some("enterprise".into()),
        service_accounts: accounts,
        tokens_per_member: 1,
        ..OrgSpec::new("acme", 5)
    })
}

#[test]
fn none_one_many_service_accounts_are_collected_with_every_field() {
    for n in [0, 1, 7] {
        let org = enterprise(n);
        let want: Vec<String> = org
            .service_accounts
            .iter()
            .flatten()
            .map(|a| a.user.clone())
            .collect();
        let hub = FakeHub::start(world_for(vec![org]));
        let got = block_on(service_accounts(&client(&hub, ADMIN_TOKEN), "acme")).unwrap();
        let Outcome::Ok(got) = got else {
            panic!("{n}: {got:?}")
        };
        let mut names: Vec<String> = got.iter().map(|a| a.username.clone()).collect();
        names.sort();
        let mut want = want.clone();
        want.sort();
        assert_eq!(names, want, "{n} service accounts");
        assert_eq!(hub.request_count(), 1, "one unpaged request");
        if n > 0 {
            // The generator gives odd ones a description.
            let first = &got[0];
            assert!(first.email.ends_with("@service-accounts.example"));
            assert_eq!(first.created_at.to_rfc3339(), "2026-01-05T09:30:00+00:00");
            assert!(got.iter().any(|a| a.description.is_some()));
            assert!(n < 2 || got.iter().any(|a| a.description.is_none()));
        }
    }
}

#[test]
fn no_enterprise_plan_or_no_admin_means_unavailable_with_the_reason() {
    // A Team org: 402.
    let mut team = Org::new("acme");
    team.members.push(OrgMember::new("auditor", "admin"));
    let hub = FakeHub::start(World::single(team, ADMIN_TOKEN));
    let got = block_on(service_accounts(&client(&hub, ADMIN_TOKEN), "acme")).unwrap();
    assert!(
        matches!(&got, Outcome::Unavailable(r) if r.contains("Enterprise")),
        "{got:?}"
    );
    // A member who is not an admin: 403.
    let mut org = Org::new("acme");
    org.plan = Some("enterprise".into());
    org.service_accounts = Some(vec![ServiceAccount::new("acme-ci")]);
    org.members.push(OrgMember::new("auditor", "admin"));
    org.members.push(OrgMember::new("reader", "read"));
    let mut world = World::single(org, ADMIN_TOKEN);
    world.add_token("hf_reader", TokenInfo::new("reader", "write", &["acme"]));
    let hub = FakeHub::start(world);
    let got = block_on(service_accounts(&client(&hub, "hf_reader"), "acme")).unwrap();
    assert!(
        matches!(&got, Outcome::Unavailable(r) if r.contains("admin")),
        "{got:?}"
    );
}

#[test]
fn snapshot_stores_service_accounts_privately_or_records_them_unavailable() {
    use std::os::unix::fs::PermissionsExt;
    let case = Case::new(world_for(vec![enterprise(3)]));
    assert_code(&case.snapshot("acme", &[]), 0);
    let snap = case.latest("acme");
    assert_eq!(snap.listed_service_accounts().map(<[_]>::len), Some(3));
    // Their tokens are in the token listing, owned by the account.
    assert!(
        snap.tokens
            .iter()
            .any(|t| snap.is_service_account(&t.owner))
    );
    let manifest = case.complete("acme").pop().unwrap();
    let path = case
        .store_dir()
        .join("acme")
        .join(&manifest.snapshot_id)
        .join("service_accounts.parquet");
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    assert!(manifest.files.contains_key("service_accounts.parquet"));

    // A Team org: unavailable with the Hub's reason, no file, not "none".
    let case = Case::new(world_for(vec![generate_org(&OrgSpec::new("acme", 4))]));
    assert_code(&case.snapshot("acme", &[]), 0);
    let snap = case.latest("acme");
    assert_eq!(snap.listed_service_accounts(), None);
    let manifest = case.complete("acme").pop().unwrap();
    assert!(!manifest.files.contains_key("service_accounts.parquet"));
    assert!(manifest.completeness().contains("service_accounts"));
}

/// An Enterprise org with two service accounts: `ci-bot` in a group, with a
/// token unused for 200 days and one used today; `eval-bot` with no token.
/// The roster knows only the people.
#[test]
fn report_lists_service_accounts_and_flags_only_their_stale_tokens() {
    let today = Utc::now();
    let ago = |days: i64| (today - Duration::days(days)).format("%Y-%m-%dT%H:%M:%S%.3fZ");
    let mut org = Org::new("acme");
    org.plan = Some("enterprise".into());
    org.members = vec![OrgMember::new("alice", "write")];
    org.service_accounts = Some(vec![
        ServiceAccount::new("ci-bot"),
        ServiceAccount::new("eval-bot"),
    ]);
    org.tokens = Some(vec![
        MemberToken::new("ci-bot", "nightly", "write").used(&ago(200).to_string()),
        MemberToken::new("ci-bot", "deploy", "write").used(&ago(0).to_string()),
        MemberToken::new("alice", "laptop", "read").used(&ago(1).to_string()),
    ]);
    let group = crate::support::fake_hub::Group {
        id: crate::support::fake_hub::fake_id("group:research"),
        name: "research".into(),
        users: vec![crate::support::fake_hub::GroupUser {
            id: crate::support::fake_hub::fake_id("service-account:ci-bot"),
            name: "ci-bot".into(),
            fullname: "Service account ci-bot".into(),
            role: "write".into(),
            added_by: "auditor".into(),
        }],
        ..Default::default()
    };
    org.resource_groups = Some(vec![group]);
    let roster = "email,status,hf_username\n\
                  auditor@acme.example,active,auditor\n\
                  alice@acme.example,active,alice\n";
    let h = History::build(org, 1, |_| today - Duration::hours(1), |_, _| {}, roster);
    let as_of = today.format("%Y-%m-%d").to_string();
    let out = h.report("bots", &as_of, &[]);

    let stale = out.subjects("stale_token");
    let ci_token = MemberToken::new("ci-bot", "nightly", "write").id;
    assert_eq!(stale, vec![format!("ci-bot#{ci_token}")]);
    let finding = &out.findings("stale_token")[&format!("ci-bot#{ci_token}")];
    assert!(
        finding["detail"].contains("of service account ci-bot"),
        "{finding:?}"
    );
    for rule in [
        "unmatched_member",
        "inactive_member",
        "departed_group_access",
    ] {
        assert!(
            out.subjects(rule).iter().all(|s| !s.contains("bot")),
            "{rule}: {:?}",
            out.subjects(rule)
        );
    }
    let inventory = out.csv("access.csv");
    let row = |user: &str| inventory.iter().find(|r| r["username"] == user).unwrap();
    let ci = row("ci-bot");
    assert_eq!(ci["kind"], "service_account");
    assert_eq!(ci["groups"], "research");
    assert_eq!((ci["tokens"].as_str(), ci["role"].as_str()), ("2", ""));
    let eval = row("eval-bot");
    assert_eq!(
        (eval["kind"].as_str(), eval["tokens"].as_str()),
        ("service_account", "0")
    );
    // Seats count the people only.
    let seats = out.csv("seats.csv");
    let all = seats.iter().find(|r| r["cost_center"] == "ALL").unwrap();
    assert_eq!(all["members"], "2");
    assert_eq!(all["billable_seats"], "2");
    let html = out.text("report.html");
    assert!(html.contains("service_account") && html.contains("not a person"));
}
