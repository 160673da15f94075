//! A generated org's resource groups.

use super::super::fake_hub::{Group, GroupRepo, GroupUser, OrgMember, Repo, fake_id};
use super::random::Rng;
use super::{OrgSpec, capitalize};

const GROUP_NAMES: &[&str] = &[
    "research",
    "ml-platform",
    "data-eng",
    "safety",
    "applied-ai",
    "infra",
    "partners",
    "legal-review",
    "evaluation",
    "speech",
];
/// Groups sharing the members (about 1.5 groups per member on average), each
/// with one to three of the org's repos and a private Space of its own.
pub(super) fn groups(
    spec: &OrgSpec,
    members: &[OrgMember],
    admins: &[String],
    models: &[Repo],
    datasets: &[Repo],
    rng: &mut Rng,
) -> Vec<Group> {
    let pool = members.len() - 1;
    let repos: Vec<(&str, &Repo)> = models
        .iter()
        .map(|r| ("model", r))
        .chain(datasets.iter().map(|r| ("dataset", r)))
        .collect();
    (0..spec.groups)
        .map(|g| {
            let base = GROUP_NAMES[g % GROUP_NAMES.len()];
            let name = match g / GROUP_NAMES.len() {
                0 => base.to_string(),
                n => format!("{base}-{}", n + 1),
            };
            let average = (pool * 3 / (2 * spec.groups)).max(1);
            let size = (average / 2 + rng.below(average + 1))
                .clamp(1, pool.max(1))
                .min(pool);
            let mut picked = rng.sample(pool, size);
            picked.sort_unstable();
            let users = picked
                .iter()
                .map(|&i| {
                    let m = &members[i + 1];
                    let role = match rng.below(10) {
                        0..5 => "read",
                        5..9 => "write",
                        _ => "admin",
                    };
                    let added_by = rng.pick(admins).clone();
                    GroupUser {
                        id: m.id.clone(),
                        name: m.user.clone(),
                        fullname: m.fullname.clone(),
                        role: role.into(),
                        added_by,
                    }
                })
                .collect();
            let repo_count = 1 + rng.below(3);
            let mut group_repos: Vec<GroupRepo> = rng
                .sample(repos.len(), repo_count)
                .into_iter()
                .map(|i| {
                    let (kind, repo) = repos[i];
                    let by: &String = rng.pick(admins);
                    GroupRepo::repo(kind, &repo.id, repo.private, by)
                })
                .collect();
            let space = format!("{}/{name}-demo", spec.name);
            let by: &String = rng.pick(admins);
            group_repos.push(GroupRepo::repo("space", &space, true, by));
            // What groups hold besides repos, by turns (no draw of `rng`,
            // so the rest of the org is as before).
            group_repos.extend(other_resources(&spec.name, &name, g));
            Group {
                id: rng.hex_id(),
                description: format!("{} team repositories", capitalize(&name)),
                name,
                auto_join: g % 4 == 3,
                users,
                repos: group_repos,
                legacy_repos_field: false,
            }
        })
        .collect()
}

/// A collection and a bucket, a blog post and a job, or a scheduled job.
fn other_resources(org: &str, group: &str, g: usize) -> Vec<GroupRepo> {
    let title = capitalize(group);
    let job_id = |kind: &str| fake_id(&format!("{kind}:{org}:{group}"));
    match g % 3 {
        0 => vec![
            GroupRepo::titled(
                "collection",
                &format!("{org}/{group}-picks-{}", &job_id("c")[..6]),
                &format!("{title} picks"),
                false,
            ),
            GroupRepo::repo("bucket", &format!("{org}/{group}-artifacts"), true, ""),
        ],
        1 => vec![
            GroupRepo::titled(
                "blog",
                &format!("{org}/{group}-launch"),
                &format!("Launching {title}"),
                true,
            ),
            GroupRepo::job("job", &job_id("job"), ""),
        ],
        _ => vec![GroupRepo::job(
            "scheduled-job",
            &job_id("scheduled-job"),
            &format!("{group}-nightly-eval"),
        )],
    }
}
