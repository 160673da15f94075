//! A fake Hugging Face Hub for tests, benches and demos.
//!
//! It serves the endpoints hfaudit reads (see `shared/HUB_API.md`) from a
//! `World` the test controls, pages them like the Hub (absolute `Link`
//! cursors, or `offset` on a legacy deployment), sends `RateLimit` headers,
//! records every request, and misbehaves on demand through `Fault`s. It
//! also makes the three writes of the Hub's description (a member's role,
//! handling an access request, revoking a member's token: `writes.rs`),
//! which change that world.
//!
//! The server runs on its own thread with its own tokio runtime, so that
//! synchronous tests that run the `hfaudit` binary and async code can both
//! use it. Dropping the `FakeHub` stops it.

mod connection;
mod contract;
mod faults;
mod hostile;
mod paging;
mod reply;
mod routes;
mod server;
mod verdicts;
mod views;
mod world;
mod writes;

use std::sync::Arc;
use std::thread::JoinHandle;

use axum::Router;
use tokio::sync::oneshot;

pub use contract::{Checked, Contract, DEVIATIONS, Violation, response_schema_pointer};
pub use faults::{Endpoint, Fault, FaultKind};
pub use world::{
    AccessGrant, AccessUser, AuditEvent, Group, GroupRepo, GroupUser, MemberToken, Org, OrgMember,
    Pending, Repo, ScimUser, Scoped, ServiceAccount, TokenApproval, TokenInfo, World, fake_id,
};

use connection::{Conn, KillableListener};
use server::Shared;

/// One request the fake Hub received. `status` is 0 when the connection was
/// reset instead of answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    /// The raw query string, without `?`.
    pub query: String,
    pub status: u16,
    /// The `Authorization` header as sent.
    pub authorization: Option<String>,
    /// The request body as sent; `None` when there was none (a GET).
    pub body: Option<Vec<u8>>,
}

/// A running fake Hub.
pub struct FakeHub {
    shared: Arc<Shared>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl FakeHub {
    /// Serves `world` on a free port of 127.0.0.1.
    pub fn start(world: World) -> FakeHub {
        FakeHub::start_on(world, 0).expect("fake hub: cannot bind 127.0.0.1:0")
    }

    /// Serves `world` on 127.0.0.1:`port` (0 for any free port).
    pub fn start_on(world: World, port: u16) -> std::io::Result<FakeHub> {
        let listener = std::net::TcpListener::bind(("127.0.0.1", port))?;
        listener.set_nonblocking(true)?;
        let port = listener.local_addr()?.port();
        let shared = Arc::new(Shared::new(world, format!("http://127.0.0.1:{port}")));
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("fake-hub-worker")
            .enable_all()
            .build()?;
        let (shutdown, stopped) = oneshot::channel::<()>();
        let app = Router::new()
            .fallback(server::handle)
            .with_state(Arc::clone(&shared))
            .into_make_service_with_connect_info::<Conn>();
        let thread = std::thread::Builder::new()
            .name("fake-hub".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let listener = match tokio::net::TcpListener::from_std(listener) {
                        Ok(listener) => KillableListener(listener),
                        Err(e) => panic!("fake hub: cannot listen: {e}"),
                    };
                    tokio::select! {
                        result = axum::serve(listener, app) => {
                            if let Err(e) = result {
                                // A test's server thread: the test's output is
                                // the only place to say so.
                                #[allow(clippy::disallowed_macros)]
                                {
                                    eprintln!("fake hub stopped: {e}");
                                }
                            }
                        }
                        _ = stopped => {}
                    }
                });
                // Dropping the runtime here aborts every open connection.
            })?;
        Ok(FakeHub {
            shared,
            shutdown: Some(shutdown),
            thread: Some(thread),
        })
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn url(&self) -> String {
        self.shared.base_url.clone()
    }

    /// GET `path` (with its query) as `bearer` would: the status and the
    /// body. Judged like every other request.
    pub fn get(&self, path: &str, bearer: &str) -> (u16, Vec<u8>) {
        let url = format!("{}{path}", self.url());
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        runtime.block_on(async {
            let response = reqwest::Client::new()
                .get(url)
                .bearer_auth(bearer)
                .send()
                .await
                .expect("an answer");
            let status = response.status().as_u16();
            (status, response.bytes().await.expect("a body").to_vec())
        })
    }

    /// Reads or changes the world, e.g. between two snapshots.
    pub fn with_world<R>(&self, f: impl FnOnce(&mut World) -> R) -> R {
        let mut state = self.shared.lock();
        state.generation += 1;
        state.rendered.clear();
        f(Arc::make_mut(&mut state.world))
    }

    pub fn add_fault(&self, fault: Fault) {
        self.shared.lock().faults.push(faults::Armed::new(fault));
    }

    pub fn clear_faults(&self) {
        self.shared.lock().faults.clear();
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.lock().log.clone()
    }

    pub fn request_count(&self) -> usize {
        self.shared.lock().log.len()
    }

    pub fn reset_requests(&self) {
        self.shared.lock().log.clear();
    }

    /// Requests whose path is `path`, in order.
    pub fn requests_to(&self, path: &str) -> Vec<Recorded> {
        self.shared
            .lock()
            .log
            .iter()
            .filter(|r| r.path == path)
            .cloned()
            .collect()
    }
}

impl Drop for FakeHub {
    fn drop(&mut self) {
        // After the server stopped, so every body served has been judged.
        self.stop();
        self.fail_on_violations();
    }
}

impl FakeHub {
    fn stop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
