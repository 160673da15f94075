//! `hfaudit snapshot`: fetch every configured org and record one complete
//! snapshot per org.
//!
//! Per org: check the token can read it, take the org's lock, run the
//! collectors (independent ones at once), and hand the result to the store,
//! which publishes it atomically. Any failure of a collector other than
//! "not on this plan / token" leaves no snapshot behind. One org failing
//! does not stop the others; the worst failure decides the exit code.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use crate::config::{HubSettings, Settings};
use crate::error::{Error, Result};
use crate::hub::{self, HubClient, Observer, OrgAccess, Outcome};
use crate::model::{CollectorStatus, RepoAccess, Snapshot};
use crate::store::{StagedSnapshot, Store};
use crate::term::Term;

/// What one org's snapshot recorded, for the summary line.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub org: String,
    pub snapshot_id: String,
    pub members: usize,
    pub invites: usize,
    pub collectors: BTreeMap<String, CollectorStatus>,
    pub requests: u64,
    pub elapsed: Duration,
}

impl Recorded {
    /// One line per org, for the end of a run.
    pub fn summary(&self) -> String {
        let unavailable: Vec<&str> = self
            .collectors
            .iter()
            .filter(|(_, s)| !s.is_ok())
            .map(|(name, _)| name.as_str())
            .collect();
        let mut line = format!(
            "{}: snapshot {} — {} members, {} pending invites; {} requests in {:.1}s",
            self.org,
            self.snapshot_id,
            self.members,
            self.invites,
            self.requests,
            self.elapsed.as_secs_f64()
        );
        if !unavailable.is_empty() {
            line.push_str(&format!("; unavailable: {}", unavailable.join(", ")));
        }
        line
    }
}

/// Builds the client from the settings (token search included).
pub fn client(hub: &HubSettings) -> Result<HubClient> {
    let (token, origin) = hub::find_token(hub.token_file.as_deref(), &hub.token_env)?;
    tracing::debug!(%origin, "using the token from {origin}");
    let client = HubClient::new(&hub.endpoint, &token, hub.client.clone())?;
    match hub::find_scim_token(hub.scim_token_file.as_deref(), &hub.token_env)? {
        Some(scim) => client.with_scim_token(&scim),
        None => Ok(client),
    }
}

/// Runs `hfaudit snapshot` for every org in the settings.
pub fn run(settings: &Settings, hub: &HubSettings, term: &Term) -> Result<Vec<Recorded>> {
    let orgs = settings.require_orgs()?.to_vec();
    let client = client(hub)?;
    let store = Store::new(&settings.store);
    let runtime = runtime()?;
    runtime.block_on(async {
        let whoami = hub::whoami(&client).await?;
        let mut recorded = Vec::new();
        let mut failures = Vec::new();
        for org in &orgs {
            let started = Instant::now();
            let before = client.request_count();
            let result = match hub::check_org_access(&whoami, org) {
                Ok(access) => snapshot_org(&client, &store, &access, hub.lock_wait, term).await,
                Err(e) => Err(e),
            };
            term.finish_org(org);
            match result {
                Ok((snap, id)) => {
                    let r = Recorded {
                        org: snap.org.clone(),
                        snapshot_id: id,
                        members: snap.members.len(),
                        invites: snap.invites.len(),
                        collectors: snap.collectors.clone(),
                        requests: client.request_count() - before,
                        elapsed: started.elapsed(),
                    };
                    term.line(&r.summary());
                    recorded.push(r);
                }
                Err(e) => {
                    tracing::error!("{org}: no snapshot recorded: {e}");
                    failures.push(e);
                }
            }
        }
        match failures.len() {
            0 => Ok(recorded),
            1 if recorded.is_empty() => Err(failures.remove(0)),
            _ => Err(Error::Many(failures)),
        }
    })
}

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Error::Usage(format!("cannot start the async runtime: {e}")))
}

async fn snapshot_org(
    client: &HubClient,
    store: &Store,
    access: &OrgAccess,
    lock_wait: Duration,
    term: &Term,
) -> Result<(Snapshot, String)> {
    let org = access.org.as_str();
    let lock = store.lock_org(org, lock_wait)?;
    let swept = store.sweep_temp(&lock)?;
    if swept > 0 {
        tracing::info!("{org}: removed {swept} incomplete snapshot(s) left by an interrupted run");
    }
    let started = Instant::now();
    let taken_at = Utc::now();
    // Each collector's tables are written as soon as it finished, while the
    // others still fetch; publishing then only adds the rest. A failure
    // drops `staged`, which removes everything written.
    let staged = store.stage_snapshot(&lock, org, taken_at)?;
    let snap = collect(client, access, term, taken_at, Some(&staged)).await?;
    tracing::info!("{org}: fetched in {} ms", started.elapsed().as_millis());
    let started = Instant::now();
    let manifest = store.publish_snapshot(&lock, staged, &snap, env!("CARGO_PKG_VERSION"))?;
    tracing::info!("{org}: published in {} ms", started.elapsed().as_millis());
    Ok((snap, manifest.snapshot_id))
}

/// Runs every collector for one org. Errors mean the org could not be read
/// completely; unavailable optional collectors are recorded in the snapshot.
pub async fn fetch_org(client: &HubClient, access: &OrgAccess, term: &Term) -> Result<Snapshot> {
    collect(client, access, term, Utc::now(), None).await
}

/// [`fetch_org`], handing each finished collector's rows to `staged` (if
/// any) to be written while the other collectors still run.
async fn collect(
    client: &HubClient,
    access: &OrgAccess,
    term: &Term,
    taken_at: DateTime<Utc>,
    staged: Option<&StagedSnapshot>,
) -> Result<Snapshot> {
    let org = access.org.as_str();
    let collector_error = |name: &str| {
        let name = name.to_string();
        move |e: Error| Error::Collector {
            org: org.to_string(),
            collector: name,
            source: Box::new(e),
        }
    };
    let part = || Snapshot {
        org: org.to_string(),
        taken_at,
        ..Snapshot::default()
    };
    term.start_org(org);
    let observer: &dyn Observer = term;

    // Everything independent runs at once; invites come last because their
    // fallbacks need the members and the audit log.
    // The overview's member count bounds the member pages read.
    let (num_users, announced) = tokio::sync::oneshot::channel();
    let overview = async {
        let overview = timed(org, "overview", hub::collect::overview(client, org)).await;
        let _ = num_users.send(overview.as_ref().ok().and_then(|o| o.num_users));
        overview
    };
    let members = async {
        let num_users = async { announced.await.ok().flatten() };
        let members = timed(
            org,
            "members",
            hub::collect::members(client, org, observer, num_users),
        )
        .await
        .map_err(collector_error("members"))?;
        let part = stage(staged, "members", Snapshot { members, ..part() }).await?;
        Ok::<_, Error>(part.members)
    };
    let groups = async {
        let groups = timed(
            org,
            "resource groups",
            hub::collect::resource_groups(client, org),
        )
        .await
        .map_err(collector_error("resource_groups"))?;
        Ok::<_, Error>(match groups {
            Outcome::Ok((groups, group_members)) => {
                let part = Snapshot {
                    groups,
                    group_members,
                    ..part()
                };
                let part = stage(staged, "resource_groups", part).await?;
                Outcome::Ok((part.groups, part.group_members))
            }
            unavailable => unavailable,
        })
    };
    let events = async {
        let events = timed(org, "audit log", hub::collect::audit_log(client, org))
            .await
            .map_err(collector_error("events"))?;
        Ok::<_, Error>(match events {
            Outcome::Ok(events) => {
                let part = stage(staged, "events", Snapshot { events, ..part() }).await?;
                Outcome::Ok(part.events)
            }
            unavailable => unavailable,
        })
    };
    let tokens = async {
        let tokens = timed(org, "tokens", hub::collect::member_tokens(client, org))
            .await
            .map_err(collector_error("tokens"))?;
        Ok::<_, Error>(match tokens {
            Outcome::Ok(tokens) => {
                let part = stage(staged, "tokens", Snapshot { tokens, ..part() }).await?;
                Outcome::Ok(part.tokens)
            }
            unavailable => unavailable,
        })
    };
    let service_accounts = async {
        let accounts = timed(
            org,
            "service accounts",
            hub::collect::service_accounts(client, org),
        )
        .await
        .map_err(collector_error("service_accounts"))?;
        Ok::<_, Error>(match accounts {
            Outcome::Ok(service_accounts) => {
                let part = Snapshot {
                    service_accounts,
                    ..part()
                };
                let part = stage(staged, "service_accounts", part).await?;
                Outcome::Ok(part.service_accounts)
            }
            unavailable => unavailable,
        })
    };
    let pending = timed(
        org,
        "pending members",
        hub::collect::pending_members(client, org),
    );
    let access_rows = async {
        let (gated, rows, writer) = timed(org, "gated repos", async {
            match hub::collect::gated_repos(client, org).await? {
                Outcome::Ok(gated) => {
                    // Rows are encoded as their repos come in (see
                    // `RepoAccessWriter`); unfinished, the writer removes
                    // its file.
                    let writer = staged.map(StagedSnapshot::repo_access_writer).transpose()?;
                    let push = |rows: &[RepoAccess]| {
                        if let Some(w) = &writer {
                            w.push(rows);
                        }
                    };
                    let rows =
                        hub::collect::accepted_access(client, access, &gated, observer, &push)
                            .await?;
                    Ok((Some(gated), rows, writer))
                }
                Outcome::Unavailable(r) => Ok((None, Outcome::Unavailable(r), None)),
            }
        })
        .await
        .map_err(collector_error("repo_access"))?;
        let rows = match (rows, writer) {
            (Outcome::Ok((repo_access, unreadable)), Some(writer)) => {
                let path = writer.path().to_path_buf();
                tokio::task::spawn_blocking(move || writer.finish())
                    .await
                    .unwrap_or_else(|e| Err(Error::store(path, format!("writing failed: {e}"))))?;
                Outcome::Ok((repo_access, unreadable))
            }
            (rows, _) => rows,
        };
        Ok::<_, Error>((gated, rows))
    };
    let (overview, members, groups, events, tokens, service_accounts, pending, access_rows) = tokio::join!(
        overview,
        members,
        groups,
        events,
        tokens,
        service_accounts,
        pending,
        access_rows
    );
    let overview = overview.map_err(collector_error("overview"))?;
    let members = members?;
    let groups = groups?;
    let events = events?;
    let tokens = tokens?;
    let service_accounts = service_accounts?;
    let pending = pending.map_err(collector_error("invites"))?;
    let (gated, access_rows) = access_rows?;
    let invites = hub::collect::pending_invites(client, org, pending, &members, &events)
        .await
        .map_err(collector_error("invites"))?;

    let mut snap = Snapshot {
        org: org.to_string(),
        taken_at,
        endpoint: client.endpoint().as_str().trim_end_matches('/').to_string(),
        plan: access.plan.clone().or(overview.plan),
        gated_repos: gated.unwrap_or_default(),
        ..Snapshot::default()
    };
    snap.collectors
        .insert("members".into(), CollectorStatus::ok(members.len()));
    snap.members = members;
    snap.collectors.insert(
        "invites".into(),
        match invites {
            Outcome::Ok((invites, source)) => {
                let status = CollectorStatus::sourced(
                    invites.len() as u64,
                    Some(source.as_str().to_string()),
                );
                snap.invites = invites;
                status
            }
            Outcome::Unavailable(reason) => CollectorStatus::Unavailable { reason },
        },
    );
    let mut groups = record(groups, |(groups, group_members)| {
        let n = groups.len();
        snap.groups = groups;
        snap.group_members = group_members;
        n
    });
    // The Hub lists the groups the caller has access to: without admin
    // rights, maybe not all of them.
    if let CollectorStatus::Ok { partial, .. } = &mut groups
        && let Some(why) = access.read_limit("resource_groups")
    {
        *partial = Some(format!("groups visible to the token ({why})"));
    }
    snap.collectors.insert("resource_groups".into(), groups);
    let mut unreadable_repos = BTreeMap::new();
    let mut repo_access = record(access_rows, |(rows, unreadable)| {
        unreadable_repos = unreadable;
        let n = rows.len();
        snap.repo_access = rows;
        n
    });
    if let CollectorStatus::Ok { unreadable, .. } = &mut repo_access {
        *unreadable = unreadable_repos;
    }
    snap.collectors.insert("repo_access".into(), repo_access);
    snap.collectors.insert(
        "events".into(),
        record(events, |events| {
            let n = events.len();
            snap.events = events;
            n
        }),
    );
    snap.collectors.insert(
        "tokens".into(),
        record(tokens, |tokens| {
            let n = tokens.len();
            snap.tokens = tokens;
            n
        }),
    );
    snap.collectors.insert(
        "service_accounts".into(),
        record(service_accounts, |accounts| {
            let n = accounts.len();
            snap.service_accounts = accounts;
            n
        }),
    );
    for (name, status) in &mut snap.collectors {
        explain_unavailable(access, name, status);
    }
    Ok(snap)
}

/// Adds to an unavailable collector's reason what the token lacks for it,
/// when the pre-flight can tell (the Hub's own message rarely says).
/// The verdict's reason names what is missing (a permission, a role, a
/// plan), so it is appended as it is.
fn explain_unavailable(access: &OrgAccess, collector: &str, status: &mut CollectorStatus) {
    if let CollectorStatus::Unavailable { reason } = status
        && let hub::scope::Verdict::No(why) = access.check(collector)
        && !reason.contains(&why)
    {
        reason.push_str(&format!(" ({why})"));
    }
}

/// Writes the tables of one finished collector (`part` holds its rows) on a
/// blocking thread while the other collectors still fetch, and hands the
/// rows back. Without `staged`, only hands them back.
async fn stage(
    staged: Option<&StagedSnapshot>,
    collector: &'static str,
    part: Snapshot,
) -> Result<Snapshot> {
    let Some(staged) = staged.cloned() else {
        return Ok(part);
    };
    let dir = staged.dir().to_path_buf();
    // The clone moves into the task and is dropped when it ends, so once
    // every `stage` returned, the snapshot can be published.
    tokio::task::spawn_blocking(move || staged.write_tables(collector, &part).map(|()| part))
        .await
        .unwrap_or_else(|e| {
            Err(Error::store(
                dir,
                format!("writing the {collector} tables failed: {e}"),
            ))
        })
}

/// Logs how long one collector took (`-vv`).
async fn timed<T>(org: &str, what: &str, fut: impl std::future::Future<Output = T>) -> T {
    let started = Instant::now();
    let out = fut.await;
    tracing::debug!("{org}: {what} read in {} ms", started.elapsed().as_millis());
    out
}

fn record<T>(outcome: Outcome<T>, keep: impl FnOnce(T) -> usize) -> CollectorStatus {
    match outcome {
        Outcome::Ok(value) => CollectorStatus::ok(keep(value)),
        Outcome::Unavailable(reason) => CollectorStatus::Unavailable { reason },
    }
}
