//! Deterministic, realistic orgs for the tests, the bench and the
//! `fake_hub` example.
//!
//! The same `OrgSpec` (seed included) and the same "now" always give the
//! same org. `generate_org` takes "now" as midnight UTC today, so that ages
//! (stale invites, inactivity) stay meaningful whenever the tests run;
//! `generate_org_at` pins it for byte-exact snapshots.
//!
//! The first member of every org is `auditor`, an admin, owner of
//! `ADMIN_TOKEN` in `world_for`.

mod audit;
mod groups;
mod people;
mod random;
mod repos;
mod tokens;

use serde_json::json;

use super::fake_hub::{
    Org, OrgMember, Pending, ScimUser, ServiceAccount, TokenInfo, World, fake_id,
};
use people::{People, Person};
pub use random::{DAY_MS, Rng, rfc3339_ms, start_of_today_ms};

/// The token tests use; it looks like a real one so leaks are easy to grep.
pub const ADMIN_TOKEN: &str = "hf_fake_admin_token_0123456789";
/// The admin member every generated org starts with.
pub const AUDITOR: &str = "auditor";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrgSpec {
    pub name: String,
    /// `team`, `enterprise` or `None` (free: no resource groups, no audit log).
    pub plan: Option<String>,
    /// Members, `auditor` included (at least 1).
    pub members: usize,
    pub groups: usize,
    pub gated_repos: usize,
    pub accepted_per_repo: usize,
    /// Pending invitations: `org.invite_user` events (and `pending_members`
    /// entries on an older deployment).
    pub pending: usize,
    /// An older deployment that serves `pending-members` (the real API has
    /// no such endpoint).
    pub legacy_pending_members: bool,
    pub audit_log: bool,
    /// Access tokens per member (paid plans only; enterprise orgs require
    /// their approval).
    pub tokens_per_member: usize,
    /// Service accounts (enterprise orgs only; other plans answer 402),
    /// each holding `tokens_per_member` tokens too.
    pub service_accounts: usize,
    pub seed: u64,
}

impl OrgSpec {
    /// A Team org: no groups, repos or invitations; with an audit log; seed 1.
    pub fn new(name: &str, members: usize) -> OrgSpec {
        OrgSpec {
            name: name.into(),
            plan: Some("team".into()),
            members,
            groups: 0,
            gated_repos: 0,
            accepted_per_repo: 0,
            pending: 0,
            legacy_pending_members: false,
            audit_log: true,
            tokens_per_member: 0,
            service_accounts: 0,
            seed: 1,
        }
    }
}

/// An invitation nobody accepted yet.
#[derive(Clone, Debug)]
struct Invite {
    person: Person,
    email: String,
    role: String,
    at_ms: i64,
    by: String,
}

/// The org for `spec`, with "now" at midnight UTC today.
pub fn generate_org(spec: &OrgSpec) -> Org {
    generate_org_at(spec, start_of_today_ms())
}

/// The org for `spec` as of `now_ms` (milliseconds since the epoch).
pub fn generate_org_at(spec: &OrgSpec, now_ms: i64) -> Org {
    let mut rng = Rng::new(spec.seed ^ random::fnv(&spec.name));
    let mut people = People::default();
    people.reserve(AUDITOR);
    let domain = format!("{}.example", spec.name);
    let members = members(spec, &domain, &mut rng, &mut people);
    let admins: Vec<String> = members
        .iter()
        .filter(|m| m.role.as_deref() == Some("admin"))
        .map(|m| m.user.clone())
        .collect();
    let grantors = repos::Grantors {
        members: &members,
        admins: &admins,
        now_ms,
    };
    let (models, datasets) = repos::repos(spec, &grantors, &mut rng, &mut people);
    let groups = groups::groups(spec, &members, &admins, &models, &datasets, &mut rng);
    let invites: Vec<Invite> = (0..spec.pending)
        .map(|_| {
            let person = people.person(&mut rng);
            let email = people.email(&person, &domain);
            let role = if rng.chance(60) { "read" } else { "write" };
            let at_ms = now_ms - rng.between(DAY_MS / 24, 60 * DAY_MS);
            let by = rng.pick(&admins).clone();
            Invite {
                person,
                email,
                role: role.into(),
                at_ms,
                by,
            }
        })
        .collect();
    let paid = spec.plan.is_some();
    let audit_log = (paid && spec.audit_log).then(|| {
        let facts = audit::Facts {
            org: &spec.name,
            domain: &domain,
            members: &members,
            admins: &admins,
            groups: &groups,
            invites: &invites,
            now_ms,
        };
        audit::audit_log(&facts, &mut rng, &mut people)
    });
    let enterprise = spec.plan.as_deref() == Some("enterprise");
    let service_accounts = enterprise.then(|| {
        (1..=spec.service_accounts)
            .map(|i| {
                let mut a = ServiceAccount::new(&format!("{}-bot-{i}", spec.name));
                a.description = (i % 2 == 1).then(|| format!("pipeline {i}"));
                a
            })
            .collect::<Vec<_>>()
    });
    let tokens = paid.then(|| {
        let mut rng = Rng::new(spec.seed ^ random::fnv(&format!("tokens:{}", spec.name)));
        let org_id = fake_id(&format!("org:{}", spec.name));
        // Service accounts hold tokens like members do.
        let bots: Vec<OrgMember> = service_accounts
            .iter()
            .flatten()
            .map(|a| OrgMember::new(&a.user, "read"))
            .collect();
        let owners: Vec<OrgMember> = members.iter().cloned().chain(bots).collect();
        tokens::tokens(
            spec.tokens_per_member,
            enterprise,
            &owners,
            &admins,
            &org_id,
            now_ms,
            &mut rng,
        )
    });
    let pending = invites.iter().map(|i| Pending {
        user: i.person.user.clone(),
        role: i.role.clone(),
    });
    Org {
        name: spec.name.clone(),
        fullname: format!("{} Corp", capitalize(&spec.name)),
        plan: spec.plan.clone(),
        members,
        resource_groups: paid.then_some(groups),
        pending_members: (spec.pending > 0 && spec.legacy_pending_members)
            .then(|| pending.collect()),
        scim_users: None,
        scim_token: None,
        scim_managed: false,
        audit_log,
        models,
        datasets,
        tokens,
        service_accounts,
    }
}

/// A world serving `orgs`, where `ADMIN_TOKEN` (a `write` token) belongs to
/// `auditor`, added as the first admin of any org that lacks one.
pub fn world_for(orgs: Vec<Org>) -> World {
    let mut world = World::new();
    let mut names = Vec::new();
    for mut org in orgs {
        if org.member(AUDITOR).is_none() {
            let mut auditor = OrgMember::new(AUDITOR, "admin");
            auditor.fullname = "Hub Auditor".into();
            org.members.insert(0, auditor);
        }
        names.push(org.name.clone());
        world.add_org(org);
    }
    let info = TokenInfo {
        user: AUDITOR.into(),
        fullname: "Hub Auditor".into(),
        role: "write".into(),
        scoped: Vec::new(),
        orgs: names,
    };
    world.add_token(ADMIN_TOKEN, info);
    world
}

/// SCIM users for an org on Basic SSO: every member with a verified email,
/// then every pending member (`member: false`) with a work email. Assign it
/// to `org.scim_users` (and clear `pending_members` to make SCIM the source).
pub fn scim_users_for(org: &Org) -> Vec<ScimUser> {
    let domain = format!("{}.example", org.name);
    let members = org.members.iter().filter_map(|m| {
        let email = m.verified_email.clone()?;
        Some(scim_user(&m.user, &m.fullname, email, true))
    });
    let pending = org.pending_members.iter().flatten().map(|p| {
        let email = format!("{}@{domain}", p.user.replace(['.', '_'], "-"));
        scim_user(&p.user, &capitalize(&p.user), email, false)
    });
    members.chain(pending).collect()
}

fn scim_user(user: &str, display_name: &str, email: String, member: bool) -> ScimUser {
    ScimUser {
        id: fake_id(&format!("scim:{user}")),
        user_name: user.into(),
        display_name: display_name.into(),
        email,
        active: true,
        member,
    }
}

fn capitalize(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|c| c.to_ascii_uppercase())
        .into_iter()
        .chain(chars)
        .collect()
}

fn members(spec: &OrgSpec, domain: &str, rng: &mut Rng, people: &mut People) -> Vec<OrgMember> {
    let auditor = OrgMember {
        id: rng.hex_id(),
        user: AUDITOR.into(),
        fullname: "Hub Auditor".into(),
        role: Some("admin".into()),
        two_fa: Some(true),
        verified_email: Some(format!("{AUDITOR}@{domain}")),
        external: Some(false),
        is_pro: false,
    };
    let mut members = vec![auditor];
    for _ in 1..spec.members.max(1) {
        let person = people.person(rng);
        let role = match rng.below(100) {
            0..5 => "admin",
            5..45 => "write",
            45..90 => "read",
            _ => "contributor",
        };
        let external = rng.chance(3);
        let email = (!external && rng.chance(70)).then(|| people.email(&person, domain));
        members.push(OrgMember {
            id: rng.hex_id(),
            user: person.user,
            fullname: person.fullname,
            role: Some(role.into()),
            two_fa: Some(!rng.chance(10)),
            verified_email: email,
            external: Some(external),
            is_pro: rng.chance(8),
        });
    }
    members
}

/// The audit log's `data` for an invitation.
fn invite_data(invite: &Invite) -> serde_json::Value {
    json!({"user": invite.person.user, "email": invite.email, "role": invite.role})
}

/// A member with only a Hub id, a username and the `read` role, for store
/// fixtures written without the fake Hub.
pub fn read_member(hub_id: String, username: String) -> hfaudit::model::Member {
    hfaudit::model::Member {
        hub_id,
        username,
        fullname: None,
        role: Some("read".into()),
        two_fa: None,
        verified_email: None,
        external: None,
        is_pro: None,
        resource_groups: vec![],
    }
}
