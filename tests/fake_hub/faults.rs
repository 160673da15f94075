//! Rate-limit headers, every fault kind as a real client sees it, and the request log.

use std::time::{Duration, Instant};

use serde_json::Value;

use super::{Client, org};
use crate::support::fake_hub::{Endpoint, FakeHub, Fault, FaultKind};
use crate::support::generate::{ADMIN_TOKEN, world_for};

#[tokio::test]
async fn rate_limit_headers_count_down() {
    let mut world = world_for(vec![org(3)]);
    world.quota = 1000;
    let hub = FakeHub::start(world);
    let client = Client::admin(&hub);

    let mut remaining = Vec::new();
    for target in [
        "/api/whoami-v2",
        "/api/organizations/acme/overview",
        "/api/nope",
    ] {
        let answer = client.get(target).await;
        assert_eq!(
            answer.header("ratelimit-policy"),
            Some("\"fixed window\";\"api\";q=1000;w=300")
        );
        let limit = answer
            .header("ratelimit")
            .expect("RateLimit on every response")
            .to_string();
        let fields: Vec<&str> = limit.split(';').collect();
        assert_eq!(fields[0], "\"api\"");
        let reset: u64 = fields[2]
            .strip_prefix("t=")
            .and_then(|t| t.parse().ok())
            .expect("t=");
        assert!((1..=300).contains(&reset));
        remaining.push(fields[1].to_string());
    }
    assert_eq!(remaining, ["r=999", "r=998", "r=997"]);
}

#[tokio::test]
async fn status_faults_skip_then_fire_a_number_of_times() {
    let hub = FakeHub::start(world_for(vec![org(3)]));
    hub.add_fault(
        Fault::new(Endpoint::Members, FaultKind::Status(503))
            .skip(1)
            .times(2),
    );
    let client = Client::admin(&hub);
    let members = "/api/organizations/acme/members";

    let statuses = [
        client.get(members).await.status,
        client.get("/api/whoami-v2").await.status,
        client.get(members).await.status,
        client.get(members).await.status,
        client.get(members).await.status,
    ];
    assert_eq!(statuses, [200, 200, 503, 503, 200]);
    hub.add_fault(Fault::new(Endpoint::Any, FaultKind::Status(502)).once());
    let failed = client.get("/api/whoami-v2").await;
    assert_eq!(failed.status, 502);
    assert_eq!(failed.header("x-error-code"), Some("BadGateway"));
    assert!(failed.header("x-error-message").is_some() && failed.body["error"].is_string());
    hub.add_fault(Fault::new(Endpoint::Any, FaultKind::Status(500)));
    hub.clear_faults();
    assert_eq!(client.get(members).await.status, 200);
}

#[tokio::test]
async fn rate_limit_faults_send_the_headers_they_promise() {
    let hub = FakeHub::start(world_for(vec![org(3)]));
    let client = Client::admin(&hub);
    let whoami = "/api/whoami-v2";

    hub.add_fault(Fault::new(Endpoint::Whoami, FaultKind::RateLimited { reset_secs: 7 }).once());
    let limited = client.get(whoami).await;
    assert_eq!(limited.status, 429);
    assert!(
        limited
            .header("ratelimit")
            .is_some_and(|h| h.ends_with(";r=0;t=7"))
    );
    assert!(limited.header("ratelimit-policy").is_some());

    hub.add_fault(Fault::new(Endpoint::Whoami, FaultKind::RateLimitedBare).once());
    let bare = client.get(whoami).await;
    assert_eq!(bare.status, 429);
    assert_eq!(
        (bare.header("ratelimit"), bare.header("retry-after")),
        (None, None)
    );

    hub.add_fault(Fault::new(Endpoint::Whoami, FaultKind::RetryAfter { secs: 3 }).once());
    let retry = client.get(whoami).await;
    assert_eq!(
        (retry.status, retry.header("retry-after")),
        (429, Some("3"))
    );
    assert_eq!(retry.header("ratelimit"), None);
    assert_eq!(client.get(whoami).await.status, 200);
}

#[tokio::test]
async fn broken_transfers_reach_the_client_as_errors() {
    let hub = FakeHub::start(world_for(vec![org(30)]));
    let client = Client::admin(&hub);
    let members = "/api/organizations/acme/members";
    hub.expect_off_contract(
        Endpoint::Members,
        "a body cut in half and a proxy's page, on purpose",
    );

    hub.add_fault(Fault::new(Endpoint::Members, FaultKind::Truncate).once());
    let response = client.send(members).await.expect("headers arrive");
    assert_eq!(response.status(), 200);
    let announced = response
        .content_length()
        .expect("Content-Length of the full body");
    let body = response.bytes().await;
    assert!(
        body.is_err(),
        "a truncated body must fail, got {:?} of {announced} bytes",
        body.map(|b| b.len())
    );

    hub.add_fault(Fault::new(Endpoint::Members, FaultKind::Reset).once());
    let reset = client.send(members).await;
    assert!(reset.is_err(), "a reset must not produce a response");
    assert_eq!(hub.requests().last().map(|r| r.status), Some(0));

    hub.add_fault(Fault::new(Endpoint::Members, FaultKind::InvalidJson).once());
    let response = client.send(members).await.expect("a response");
    assert_eq!(response.status(), 200);
    let bytes = response.bytes().await.expect("a whole body");
    assert!(serde_json::from_slice::<Value>(&bytes).is_err());

    hub.add_fault(
        Fault::new(
            Endpoint::Members,
            FaultKind::Slow(Duration::from_millis(300)),
        )
        .once(),
    );
    let started = Instant::now();
    assert_eq!(client.get(members).await.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(client.get(members).await.users().len(), 30);
}

#[tokio::test]
async fn paging_faults_loop_and_repeat_rows() {
    let mut world = world_for(vec![org(30)]);
    world.page_cap = 10;
    let hub = FakeHub::start(world);
    let client = Client::admin(&hub);
    let first_url = format!("{}/api/organizations/acme/members?limit=10", hub.url());

    let first = client.get(&first_url).await;
    let second_url = first.next().expect("a second page");
    hub.add_fault(Fault::new(Endpoint::Members, FaultKind::LinkLoop).once());
    let looped = client.get(&second_url).await;
    assert_eq!(looped.next(), Some(first_url.clone()));

    hub.add_fault(Fault::new(Endpoint::Members, FaultKind::DuplicateRows).once());
    let first_again = client.get(&first_url).await;
    assert_eq!(
        first_again.users(),
        first.users(),
        "first pages are never duplicated"
    );
    let repeated = client.get(&second_url).await.users();
    assert_eq!(repeated[..3], first.users()[7..]);
    assert_eq!(repeated.len(), 13);
    let normal = client.get(&second_url).await.users();
    assert_eq!(normal[..], repeated[3..]);
}

#[tokio::test]
async fn every_request_is_recorded_and_latency_applies() {
    let mut world = world_for(vec![org(3)]);
    world.latency = Duration::from_millis(150);
    let hub = FakeHub::start(world);
    hub.add_fault(Fault::new(Endpoint::Overview, FaultKind::Status(500)));
    let client = Client::admin(&hub);

    let started = Instant::now();
    client.get("/api/organizations/acme/members?limit=10").await;
    assert!(started.elapsed() >= Duration::from_millis(150));
    client.get("/api/organizations/acme/overview").await;
    Client::new(&hub, None).get("/api/whoami-v2").await;

    let log = hub.requests();
    assert_eq!(hub.request_count(), 3);
    assert_eq!(log[0].method, "GET");
    assert_eq!(
        (log[0].path.as_str(), log[0].query.as_str()),
        ("/api/organizations/acme/members", "limit=10")
    );
    assert_eq!(
        log[0].authorization.as_deref(),
        Some(format!("Bearer {ADMIN_TOKEN}").as_str())
    );
    assert_eq!(
        log.iter().map(|r| r.status).collect::<Vec<_>>(),
        [200, 500, 401]
    );
    assert_eq!(log[2].authorization, None);
    hub.reset_requests();
    assert_eq!(hub.request_count(), 0);
}
