//! `hfaudit snapshot`: fetch every configured org and record one complete
//! snapshot per org.
//!
//! Per org: check the token can read it, take the org's lock, run the
//! collectors (independent ones at once), and hand the result to the store,
//! which publishes it atomically. Any failure of a collector other than
//! "not on this plan / token" leaves no snapshot behind. One org failing
//! does not stop the others; the worst failure decides the exit code.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use crate::config::{HubSettings, Settings};
use crate::error::{Error, Result};
use crate::hub::{self, HubClient, Observer, OrgAccess, Outcome};
use crate::model::Collector;
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
    let run = Run {
        org,
        taken_at,
        staged,
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
            Collector::Members.name(),
            hub::collect::members(client, org, observer, num_users),
        )
        .await
        .map_err(|e| run.error(Collector::Members, e))?;
        let part = stage(
            staged,
            Collector::Members,
            run.part_with(|p| p.members = members),
        )
        .await?;
        Ok::<_, Error>(part.members)
    };
    // The optional collectors whose rows are one part of the snapshot: a
    // new one is one line here (and its variant of `Collector`).
    let optional = futures_util::future::try_join_all([
        run.optional(
            Collector::ResourceGroups,
            hub::collect::resource_groups(client, org),
            |p, (groups, members)| {
                p.groups = groups;
                p.group_members = members;
            },
        ),
        run.optional(
            Collector::Events,
            hub::collect::audit_log(client, org),
            |p, events| p.events = events,
        ),
        run.optional(
            Collector::Tokens,
            hub::collect::member_tokens(client, org),
            |p, tokens| p.tokens = tokens,
        ),
        run.optional(
            Collector::ServiceAccounts,
            hub::collect::service_accounts(client, org),
            |p, accounts| p.service_accounts = accounts,
        ),
    ]);
    let pending = timed(
        org,
        "pending members",
        hub::collect::pending_members(client, org),
    );
    let access_rows = async {
        let (gated, rows, writer) = timed(org, Collector::RepoAccess.name(), async {
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
        .map_err(|e| run.error(Collector::RepoAccess, e))?;
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
    let (overview, members, optional, pending, access_rows) =
        tokio::join!(overview, members, optional, pending, access_rows);
    let overview = overview.map_err(|e| Error::Collector {
        org: org.to_string(),
        collector: "overview".into(),
        source: Box::new(e),
    })?;
    let members = members?;
    let optional = optional?;
    let pending = pending.map_err(|e| run.error(Collector::Invites, e))?;
    let (gated, access_rows) = access_rows?;
    let events = match optional.iter().find(|(c, _)| *c == Collector::Events) {
        Some((_, Outcome::Ok(part))) => Outcome::Ok(part.events.as_slice()),
        Some((_, Outcome::Unavailable(reason))) => Outcome::Unavailable(reason.clone()),
        None => unreachable!("the audit log is one of the optional collectors"),
    };
    let invites = hub::collect::pending_invites(client, org, pending, &members, &events)
        .await
        .map_err(|e| run.error(Collector::Invites, e))?;

    let mut snap = Snapshot {
        org: org.to_string(),
        taken_at,
        endpoint: client.endpoint().as_str().trim_end_matches('/').to_string(),
        plan: access.plan.clone().or(overview.plan),
        gated_repos: gated.unwrap_or_default(),
        ..Snapshot::default()
    };
    snap.collectors.insert(
        Collector::Members.name().into(),
        CollectorStatus::ok(members.len()),
    );
    snap.members = members;
    snap.collectors.insert(
        Collector::Invites.name().into(),
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
    for (collector, part) in optional {
        let status = match part {
            Outcome::Ok(part) => {
                let status = CollectorStatus::ok(part.rows(collector));
                snap.take_rows(collector, part);
                status
            }
            Outcome::Unavailable(reason) => CollectorStatus::Unavailable { reason },
        };
        snap.collectors.insert(collector.name().into(), status);
    }
    // The Hub lists the groups the caller has access to: without admin
    // rights, maybe not all of them.
    if let Some(CollectorStatus::Ok { partial, .. }) =
        snap.collectors.get_mut(Collector::ResourceGroups.name())
        && let Some(why) = access.read_limit(Collector::ResourceGroups)
    {
        *partial = Some(format!("groups visible to the token ({why})"));
    }
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
    snap.collectors
        .insert(Collector::RepoAccess.name().into(), repo_access);
    for (name, status) in &mut snap.collectors {
        if let Some(c) = Collector::from_name(name) {
            explain_unavailable(access, c, status);
        }
    }
    Ok(snap)
}

/// One org's collection: what every collector's part shares.
struct Run<'a> {
    org: &'a str,
    taken_at: DateTime<Utc>,
    staged: Option<&'a StagedSnapshot>,
}

/// A collector's future: its rows as a part of the snapshot, or why the
/// plan or the token cannot read them.
type Part<'a> = Pin<Box<dyn Future<Output = Result<(Collector, Outcome<Snapshot>)>> + 'a>>;

impl<'a> Run<'a> {
    /// An empty snapshot of this org and time, filled by `fill`.
    fn part_with(&self, fill: impl FnOnce(&mut Snapshot)) -> Snapshot {
        let mut part = Snapshot {
            org: self.org.to_string(),
            taken_at: self.taken_at,
            ..Snapshot::default()
        };
        fill(&mut part);
        part
    }

    /// `e` as the failure of collector `c` of this org.
    fn error(&self, c: Collector, e: Error) -> Error {
        Error::Collector {
            org: self.org.to_string(),
            collector: c.name().to_string(),
            source: Box::new(e),
        }
    }

    /// An optional collector: `fetch` read, its rows put into a part by
    /// `fill`, the part staged (written while the others still run).
    fn optional<T: 'a>(
        &'a self,
        c: Collector,
        fetch: impl Future<Output = Result<Outcome<T>>> + 'a,
        fill: fn(&mut Snapshot, T),
    ) -> Part<'a> {
        Box::pin(async move {
            let outcome = timed(self.org, c.name(), fetch)
                .await
                .map_err(|e| self.error(c, e))?;
            Ok((
                c,
                match outcome {
                    Outcome::Ok(rows) => {
                        let part = self.part_with(|p| fill(p, rows));
                        Outcome::Ok(stage(self.staged, c, part).await?)
                    }
                    Outcome::Unavailable(reason) => Outcome::Unavailable(reason),
                },
            ))
        })
    }
}

/// Adds to an unavailable collector's reason what the token lacks for it,
/// when the pre-flight can tell (the Hub's own message rarely says).
/// The verdict's reason names what is missing (a permission, a role, a
/// plan), so it is appended as it is.
fn explain_unavailable(access: &OrgAccess, collector: Collector, status: &mut CollectorStatus) {
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
    collector: Collector,
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
