//! Starting, serving synchronous callers, and stopping.

use std::io::{Read, Write};

use super::org;
use crate::support::fake_hub::{FakeHub, World};
use crate::support::generate::world_for;

#[test]
fn serves_synchronous_callers_and_stops_on_drop() {
    let hub = FakeHub::start(world_for(vec![org(3)]));
    let address = hub.url().trim_start_matches("http://").to_string();
    let mut stream = std::net::TcpStream::connect(&address).expect("connect");
    let request =
        format!("GET /api/whoami-v2 HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).expect("send");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("read");
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    assert!(answer.contains("Invalid credentials in Authorization header"));

    drop(hub);
    assert!(
        std::net::TcpStream::connect(&address).is_err(),
        "still listening after drop"
    );
}

#[test]
fn start_on_reports_a_port_in_use() {
    let hub = FakeHub::start(World::new());
    let port = hub
        .url()
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("a port");
    assert!(FakeHub::start_on(World::new(), port).is_err());
}
