//! Smoke tests of the fake Hub itself: if it drifts from `HUB_API.md` or a
//! fault stops misbehaving, every client test built on it proves nothing.
//! Each test talks to it through a real HTTP client.

#[path = "fake_hub/endpoints.rs"]
mod endpoints;
#[path = "fake_hub/faults.rs"]
mod faults;
#[path = "fake_hub/generator.rs"]
mod generator;
#[path = "fake_hub/lifecycle.rs"]
mod lifecycle;

use reqwest::header::HeaderMap;
use serde_json::Value;

use crate::support::fake_hub::{FakeHub, Org};
use crate::support::generate::{ADMIN_TOKEN, OrgSpec, generate_org};

/// A client holding the admin token.
struct Client {
    http: reqwest::Client,
    base: String,
    token: Option<String>,
}

/// Status, headers and body of a response whose body was read fully.
struct Answer {
    status: u16,
    headers: HeaderMap,
    body: Value,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The URL of `Link: <URL>; rel="next"`.
    fn next(&self) -> Option<String> {
        let link = self.header("link")?;
        assert!(link.ends_with("; rel=\"next\""), "odd Link header: {link}");
        Some(link.trim_start_matches('<').split('>').next()?.to_string())
    }

    fn users(&self) -> Vec<String> {
        let rows = self.body.as_array().expect("a bare JSON array");
        rows.iter()
            .map(|r| r["user"].as_str().expect("user").to_string())
            .collect()
    }
}

impl Client {
    fn new(hub: &FakeHub, token: Option<&str>) -> Client {
        Client {
            http: reqwest::Client::new(),
            base: hub.url(),
            token: token.map(str::to_string),
        }
    }

    fn admin(hub: &FakeHub) -> Client {
        Client::new(hub, Some(ADMIN_TOKEN))
    }

    /// GET a path of the hub, or an absolute URL.
    async fn send(&self, target: &str) -> Result<reqwest::Response, reqwest::Error> {
        let url = match target.starts_with("http") {
            true => target.to_string(),
            false => format!("{}{target}", self.base),
        };
        let mut request = self.http.get(url);
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        request.send().await
    }

    async fn get(&self, target: &str) -> Answer {
        let response = self.send(target).await.expect("a response");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.expect("a whole body");
        let body = serde_json::from_slice(&bytes).expect("a JSON body");
        Answer {
            status,
            headers,
            body,
        }
    }
}

fn org(members: usize) -> Org {
    generate_org(&OrgSpec::new("acme", members))
}
