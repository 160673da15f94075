//! The org's gated repositories and who holds accepted access to them.
//!
//! Removing someone from the org does not revoke their accepted access
//! requests, so this is where leavers keep access unnoticed. One listing per
//! repo type, then one paged call per gated repo, a bounded number at once.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::task::JoinSet;

use crate::error::{Error, Result};
use crate::hub::auth::OrgAccess;
use crate::hub::client::HubClient;
use crate::hub::collect::{Observer, Outcome, UNAVAILABLE, optional, parse_time};
use crate::hub::wire;
use crate::model::RepoAccess;

/// Page size for repo listings.
const LISTING_PAGE: usize = 500;
/// Page size for access requests (the Hub's maximum).
pub const ACCESS_PAGE: usize = 1000;

/// `type/namespace/name` → gating mode, for every gated model and dataset.
pub async fn gated_repos(c: &HubClient, org: &str) -> Result<Outcome<BTreeMap<String, String>>> {
    let (models, datasets) = tokio::try_join!(list(c, org, "models"), list(c, org, "datasets"))?;
    let mut gated = BTreeMap::new();
    for (kind, listing) in [("model", models), ("dataset", datasets)] {
        match listing {
            Outcome::Unavailable(r) => return Ok(Outcome::Unavailable(format!("{kind}s: {r}"))),
            Outcome::Ok(repos) => {
                for repo in repos {
                    if let Some(mode) = repo.gated_mode() {
                        gated.insert(format!("{kind}/{}", repo.id), mode);
                    }
                }
            }
        }
    }
    Ok(Outcome::Ok(gated))
}

async fn list(c: &HubClient, org: &str, kind: &str) -> Result<Outcome<Vec<wire::RepoListing>>> {
    let limit = LISTING_PAGE.to_string();
    let url = c.url(
        &["api", kind],
        &[
            ("author", org),
            ("expand", "private"),
            ("expand", "gated"),
            ("limit", &limit),
        ],
    );
    let listed = c
        .get_all(
            &url,
            LISTING_PAGE,
            |r: &wire::RepoListing| r.id.clone(),
            &|_| {},
            std::future::ready(None),
        )
        .await;
    optional(listed, &UNAVAILABLE)
}

/// What [`accepted_access`] read: the rows, and the repos whose access
/// requests could not be read (`type/namespace/name` → the Hub's reason).
pub type AccessRead = (Vec<RepoAccess>, BTreeMap<String, String>);

/// Accepted access requests of every gated repo. Needs write or admin on the
/// org; with less, the collector is unavailable and no call is made.
///
/// A repo that answers 402/403/404 is one repo the token cannot read, not
/// proof about the others: it is listed as unreadable and the others are
/// read. Only when no repo at all could be read is the collector
/// unavailable.
///
/// `rows_done` gets the rows as they come, in the order of the result (each
/// repo's once every repo before it is in), so they can be written while
/// the other repos are read.
pub async fn accepted_access(
    c: &HubClient,
    access: &OrgAccess,
    gated: &BTreeMap<String, String>,
    observer: &dyn Observer,
    rows_done: &(dyn Fn(&[RepoAccess]) + Sync),
) -> Result<Outcome<AccessRead>> {
    let org = access.org.as_str();
    if !access.can_read_access_requests() {
        return Ok(Outcome::Unavailable(format!(
            "accepted access requests need a write or admin role on {org} and a token that is not \
             read-only (role in org: {}, token: {})",
            access.role_in_org.as_deref().unwrap_or("unknown"),
            access.token_role.as_deref().unwrap_or("unknown"),
        )));
    }
    observer.repos_found(org, gated.len());
    let repos: Arc<Vec<(String, String)>> = Arc::new(
        gated
            .iter()
            .map(|(key, mode)| (key.clone(), mode.clone()))
            .collect(),
    );
    // `concurrency` tasks on the runtime's workers, each taking the next repo
    // as soon as its previous one is done: always that many requests in
    // flight, and a response is handled where it arrived, without a round
    // trip through the thread that drives the snapshot. Dropping the set
    // (an error, or this future dropped) cancels them all.
    let next = Arc::new(AtomicUsize::new(0));
    let (done, mut results) = tokio::sync::mpsc::unbounded_channel();
    let mut tasks = JoinSet::new();
    for _ in 0..c.options().concurrency.max(1).min(repos.len()) {
        let (c, repos, next, done) = (c.clone(), repos.clone(), next.clone(), done.clone());
        tasks.spawn(async move {
            while let Some((key, mode)) = repos.get(next.fetch_add(1, Ordering::Relaxed)) {
                let result = repo_access(&c, key, mode).await;
                let failed = result.is_err();
                if done.send((key.clone(), result)).is_err() || failed {
                    break;
                }
            }
        });
    }
    drop(done);
    let mut by_key: BTreeMap<String, Outcome<Vec<RepoAccess>>> = BTreeMap::new();
    // Repos (in order) whose rows went to `rows_done`.
    let mut handed = 0;
    while let Some((key, result)) = results.recv().await {
        observer.repo_scanned(org);
        by_key.insert(key, result?);
        while let Some(outcome) = repos.get(handed).and_then(|(key, _)| by_key.get(key)) {
            if let Outcome::Ok(rows) = outcome {
                rows_done(rows);
            }
            handed += 1;
        }
    }
    if by_key.len() != repos.len() {
        // A task ended without reporting (it panicked).
        return Err(Error::Hub {
            url: c.endpoint().to_string(),
            status: None,
            message: format!(
                "only {} of {} gated repos were read",
                by_key.len(),
                repos.len()
            ),
        });
    }
    // Back in listing order (the keys of `gated`).
    let mut all = Vec::new();
    let mut unreadable = BTreeMap::new();
    for (key, r) in by_key {
        match r {
            Outcome::Ok(rows) => all.extend(rows),
            Outcome::Unavailable(reason) => {
                unreadable.insert(key, reason);
            }
        }
    }
    if !repos.is_empty() && unreadable.len() == repos.len() {
        let (first, reason) = unreadable.iter().next().expect("not empty");
        return Ok(Outcome::Unavailable(format!(
            "the access requests of none of the {} gated repos could be read ({first}: {reason})",
            repos.len()
        )));
    }
    if !unreadable.is_empty() {
        tracing::warn!(
            "{org}: access to {} of {} gated repos could not be read",
            unreadable.len(),
            repos.len()
        );
    }
    Ok(Outcome::Ok((all, unreadable)))
}

/// One repo's accepted requests; a repo that stopped being gated since the
/// listing (400) has none.
async fn repo_access(c: &HubClient, key: &str, mode: &str) -> Result<Outcome<Vec<RepoAccess>>> {
    let (kind, repo) = key.split_once('/').expect("keys are type/namespace/name");
    let (namespace, name) = repo.split_once('/').unwrap_or((repo, ""));
    // URL libraries drop `.` and `..` segments: such a name would read
    // another path. The Hub never allows them; a listing that has one is
    // not trusted for this collector.
    if [namespace, name]
        .iter()
        .any(|s| s.is_empty() || *s == "." || *s == "..")
    {
        return Ok(Outcome::Unavailable(format!(
            "the Hub listed a repo with an invalid name ({key:?}); accepted access requests were \
             not read"
        )));
    }
    let listed = accepted_requests(c, kind, namespace, name).await;
    let requests = match listed {
        Err(Error::Hub {
            status: Some(400), ..
        }) => {
            tracing::debug!(repo = key, "no longer gated; no accepted requests");
            return Ok(Outcome::Ok(Vec::new()));
        }
        other => match optional(other, &UNAVAILABLE)? {
            Outcome::Ok(r) => r,
            Outcome::Unavailable(reason) => return Ok(Outcome::Unavailable(reason)),
        },
    };
    Ok(Outcome::Ok(
        requests
            .into_iter()
            .filter(|r| r.status.as_deref().is_none_or(|s| s == "accepted"))
            .map(|r| RepoAccess {
                repo_type: kind.to_string(),
                repo: repo.to_string(),
                gated: mode.to_string(),
                request_id: r.request_id,
                username: r.user.as_ref().map(|u| u.user.clone()),
                fullname: r.user.as_ref().and_then(|u| u.fullname.clone()),
                email: r.user.as_ref().and_then(|u| u.email.clone()),
                requested_at: r.timestamp.as_deref().and_then(parse_time),
                reviewed_at: r.reviewed_at.as_deref().and_then(parse_time),
                granted_by: r.granted_by.and_then(|g| g.user),
            })
            .collect(),
    ))
}

/// Every accepted request on the gated repo `namespace/name` of `kind`
/// (`model` or `dataset`), paged at the Hub's maximum.
pub(crate) async fn accepted_requests(
    c: &HubClient,
    kind: &str,
    namespace: &str,
    name: &str,
) -> Result<Vec<wire::AccessRequest>> {
    let limit = ACCESS_PAGE.to_string();
    let url = c.url(
        &[
            "api",
            &format!("{kind}s"),
            namespace,
            name,
            "user-access-request",
            "accepted",
        ],
        &[("limit", &limit)],
    );
    // The Hub sends no request id: a request is its requester. One whose
    // requester is hidden cannot be told from another, so each is its own
    // (a repeat of it across pages goes unnoticed, but none is lost).
    let hidden = AtomicUsize::new(0);
    let key_of = |r: &wire::AccessRequest| match &r.user {
        Some(u) => format!("user:{}", u.user.to_lowercase()),
        None => format!("hidden:{}", hidden.fetch_add(1, Ordering::Relaxed)),
    };
    c.get_all(&url, ACCESS_PAGE, key_of, &|_| {}, std::future::ready(None))
        .await
}
