//! A generated org's repos: gated models and datasets with their accepted
//! access requests, drawn mostly from members and partly from outsiders.

use super::super::fake_hub::{AccessGrant, AccessUser, OrgMember, Repo};
use super::OrgSpec;
use super::people::People;
use super::random::{DAY_MS, Rng, rfc3339_ms};

const REPO_STEMS: &[&str] = &[
    "secret-llm",
    "clinical-notes",
    "whisper-finetune",
    "support-tickets",
    "vision-encoder",
    "retrieval-bench",
    "code-assistant",
    "speech-corpus",
    "reward-model",
    "legal-contracts",
];
/// Where outsiders' and personal emails live.
const OTHER_DOMAINS: &[&str] = &[
    "gmail.example",
    "proton.example",
    "uni-lab.example",
    "outlook.example",
];

/// Who can be granted access, who grants it, and when "now" is.
pub(super) struct Grantors<'a> {
    /// The org's members, `auditor` first (never drawn).
    pub members: &'a [OrgMember],
    pub admins: &'a [String],
    pub now_ms: i64,
}

/// Gated repos alternating model/dataset and auto/auto/manual/manual, every
/// fifth hiding requester identities, plus one ungated model and dataset.
pub(super) fn repos(
    spec: &OrgSpec,
    from: &Grantors,
    rng: &mut Rng,
    people: &mut People,
) -> (Vec<Repo>, Vec<Repo>) {
    let (mut models, mut datasets) = (Vec::new(), Vec::new());
    for i in 0..spec.gated_repos {
        let stem = REPO_STEMS[i % REPO_STEMS.len()];
        let id = match i / REPO_STEMS.len() {
            0 => format!("{}/{stem}", spec.name),
            n => format!("{}/{stem}-v{}", spec.name, n + 1),
        };
        let mode = if (i / 2) % 2 == 0 { "auto" } else { "manual" };
        let mut repo = Repo::new(&id, i % 4 == 3, Some(mode));
        let hidden = i % 5 == 4;
        repo.accepted = grants(spec.accepted_per_repo, mode, hidden, from, rng, people);
        if i % 2 == 0 {
            models.push(repo)
        } else {
            datasets.push(repo)
        }
    }
    models.push(Repo::new(&format!("{}/base-model", spec.name), false, None));
    datasets.push(Repo::new(
        &format!("{}/public-samples", spec.name),
        false,
        None,
    ));
    (models, datasets)
}

/// Accepted requests, newest first: about 80% org members, the rest outsiders.
fn grants(
    count: usize,
    mode: &str,
    hidden: bool,
    from: &Grantors,
    rng: &mut Rng,
    people: &mut People,
) -> Vec<AccessGrant> {
    let pool = &from.members[1..];
    let wanted = (0..count).filter(|_| rng.chance(80)).count();
    let chosen = rng.sample(pool.len(), wanted);
    let mut users: Vec<AccessUser> = chosen
        .iter()
        .map(|&i| {
            let m = &pool[i];
            let personal = format!("{}@{}", m.user, rng.pick(OTHER_DOMAINS));
            let email = m.verified_email.clone().unwrap_or(personal);
            AccessUser {
                id: m.id.clone(),
                user: m.user.clone(),
                fullname: m.fullname.clone(),
                email: Some(email),
            }
        })
        .collect();
    while users.len() < count {
        let person = people.person(rng);
        let domain = rng.pick(OTHER_DOMAINS).to_string();
        let email = people.email(&person, &domain);
        users.push(AccessUser {
            id: rng.hex_id(),
            user: person.user,
            fullname: person.fullname,
            email: Some(email),
        });
    }
    let manual = mode == "manual";
    let mut grants: Vec<(i64, AccessGrant)> = users
        .into_iter()
        .map(|mut user| {
            let at = from.now_ms - rng.between(DAY_MS, 300 * DAY_MS);
            let reviewed = if manual {
                at + rng.between(60_000, 2 * DAY_MS)
            } else {
                at + rng.between(50, 2000)
            };
            if manual && rng.chance(30) {
                user.email = None;
            }
            // Once the request id (the Hub sends none); still drawn so that
            // generated orgs stay as they were.
            let _ = rng.hex_id();
            let grant = AccessGrant {
                reset_reason: None,
                user: (!hidden).then_some(user),
                timestamp: rfc3339_ms(at),
                reviewed_at: rfc3339_ms(reviewed),
                granted_by: if manual {
                    rng.pick(from.admins).clone()
                } else {
                    String::new()
                },
            };
            (at, grant)
        })
        .collect();
    grants.sort_by_key(|(at, _)| std::cmp::Reverse(*at));
    grants.into_iter().map(|(_, g)| g).collect()
}
