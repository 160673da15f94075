//! A simulated 10,000-member org, one step per day: joins (by invite or
//! direct), departures (removed on the day, days or weeks late, a few
//! never), role changes, resource-group moves, invites (accepted,
//! withdrawn, stale), gated-repo grants, and an audit log whose export is
//! the last 100,000 events. Deterministic for a seed.

use std::collections::{BTreeMap, HashMap, VecDeque};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use hfaudit::model::*;

pub const ORG: &str = "bench-org";
pub const MEMBERS: usize = 10_000;
pub const GROUPS: usize = 20;
pub const GATED_REPOS: usize = 100;
pub const GRANTS_PER_REPO: usize = 30;
/// The Hub's audit-log export: the last 100,000 events (HUB_API.md).
pub const EXPORT_CAP: usize = 100_000;
/// Every IT admin: performs removals, invites and role changes; never leaves.
const ADMINS: usize = 8;

const FIRST: [&str; 16] = [
    "alice", "bruno", "chen", "dana", "emeka", "fatima", "gus", "hana", "ivan", "jules", "kofi",
    "lena", "mateo", "nora", "omar", "priya",
];
const LAST: [&str; 12] = [
    "ng", "silva", "okafor", "muller", "tanaka", "haddad", "rossi", "kim", "novak", "diaz",
    "larsen", "cohen",
];
const ROLES: [&str; 4] = ["read", "contributor", "write", "admin"];
const WORK_KINDS: [&str; 5] = [
    "repo.create",
    "repo.update",
    "repo.delete",
    "collection.create",
    "repo.settings_update",
];

/// The tests' seeded SplitMix64 (stable across crate versions), with the
/// draws this world uses: inclusive ranges and float probabilities.
pub struct Rng(crate::support::generate::Rng);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(crate::support::generate::Rng::new(seed))
    }
    pub fn next(&mut self) -> u64 {
        self.0.next_u64()
    }
    pub fn below(&mut self, n: usize) -> usize {
        self.0.below(n)
    }
    pub fn chance(&mut self, p: f64) -> bool {
        ((self.next() >> 11) as f64 / (1u64 << 53) as f64) < p
    }
    /// Uniform in `lo..=hi`.
    pub fn between(&mut self, lo: i64, hi: i64) -> i64 {
        self.0.between(lo, hi + 1)
    }
}

/// Everyone who ever had a Hub account in the org, plus roster-only people.
pub struct Person {
    pub first: &'static str,
    pub last: &'static str,
    pub username: String,
    /// On the HR roster (contractors with Hub accounts are not).
    pub on_roster: bool,
    /// The roster gives the HF username (else only the work email matches).
    pub handle_on_roster: bool,
    pub email_verified_on_hub: bool,
    pub last_day: Option<NaiveDate>,
    pub cost_center: usize,
    pub ever_member: bool,
    /// Chance of an SSO login on a weekday.
    activity: f64,
    role: &'static str,
    groups: Vec<usize>,
    leaving: bool,
    admin_staff: bool,
}

impl Person {
    pub fn email(&self, i: usize) -> String {
        format!("{}.{}{i}@acme.example", self.first, self.last)
    }
    fn hub_id(i: usize) -> String {
        format!("64{i:022x}")
    }
}

struct PendingInvite {
    person: usize,
    at: DateTime<Utc>,
}

enum Fate {
    Accept(usize),
    Withdraw(usize),
    Remove(usize),
    Leave(usize),
}

struct Raw {
    at: DateTime<Utc>,
    kind: &'static str,
    author: Option<String>,
    system: bool,
    message: String,
    data: Option<String>,
}

pub struct World {
    rng: Rng,
    pub people: Vec<Person>,
    members: Vec<usize>,
    member_pos: HashMap<usize, usize>,
    invites: Vec<PendingInvite>,
    /// Day index → what happens that day (accepts, withdrawals, removals).
    scheduled: BTreeMap<i64, Vec<Fate>>,
    /// (repo, username or outsider name, granted at, request id).
    grants: Vec<(usize, String, DateTime<Utc>, u64)>,
    next_request: u64,
    events: VecDeque<Event>,
    next_event: u64,
    /// Events generated, for the figures.
    pub events_total: u64,
    pub days: i64,
}

fn json(pairs: &[(&str, &str)]) -> String {
    let fields: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("\"{k}\":\"{v}\""))
        .collect();
    format!("{{{}}}", fields.join(","))
}

impl World {
    /// The org on day 0 (at `start`): members, groups, grants, no events.
    pub fn new(seed: u64, start: DateTime<Utc>) -> World {
        let mut w = World {
            rng: Rng::new(seed),
            people: Vec::new(),
            members: Vec::new(),
            member_pos: HashMap::new(),
            invites: Vec::new(),
            scheduled: BTreeMap::new(),
            grants: Vec::new(),
            next_request: 0,
            events: VecDeque::with_capacity(EXPORT_CAP + 10_000),
            next_event: 0,
            events_total: 0,
            days: 0,
        };
        for i in 0..MEMBERS {
            let p = w.new_person(true);
            if i < ADMINS {
                w.people[p].role = "admin";
                w.people[p].admin_staff = true;
                w.people[p].activity = 0.9;
            }
            w.add_member(p);
        }
        for k in 0..GATED_REPOS * GRANTS_PER_REPO {
            let at = start - Duration::days(w.rng.between(1, 700));
            w.grant(k / GRANTS_PER_REPO, at);
        }
        w
    }

    fn new_person(&mut self, hub: bool) -> usize {
        let i = self.people.len();
        let r = &mut self.rng;
        let first = FIRST[r.below(FIRST.len())];
        let last = LAST[r.below(LAST.len())];
        let mut username = format!("{first}-{last}{i}");
        if r.chance(0.05) {
            username = format!("{}{}", first[..1].to_uppercase(), &username[1..]);
        }
        let on_roster = !hub || !r.chance(0.03);
        let role = match r.below(100) {
            0..55 => "read",
            55..70 => "contributor",
            70..99 => "write",
            _ => "admin",
        };
        let activity = match r.below(100) {
            0..20 => 0.7,
            20..50 => 0.3,
            50..80 => 0.08,
            80..95 => 0.01,
            _ => 0.0,
        };
        let mut groups = vec![r.below(GROUPS)];
        if r.chance(0.1) {
            groups.push((groups[0] + 1 + r.below(GROUPS - 1)) % GROUPS);
        }
        let handle_on_roster = !r.chance(0.1);
        self.people.push(Person {
            first,
            last,
            username,
            on_roster,
            handle_on_roster,
            email_verified_on_hub: !handle_on_roster || r.chance(0.25),
            last_day: None,
            cost_center: r.below(12),
            ever_member: false,
            activity,
            role,
            groups,
            leaving: false,
            admin_staff: false,
        });
        i
    }

    /// People on the roster who never had a Hub account.
    pub fn add_roster_only(&mut self, n: usize, end: NaiveDate) {
        for _ in 0..n {
            let p = self.new_person(false);
            if self.rng.chance(0.1) {
                let back = self.rng.between(1, 900);
                self.people[p].last_day = Some(end - Duration::days(back));
            }
        }
    }

    fn add_member(&mut self, p: usize) {
        self.member_pos.insert(p, self.members.len());
        self.members.push(p);
        self.people[p].ever_member = true;
    }

    fn remove_member(&mut self, p: usize) {
        if let Some(pos) = self.member_pos.remove(&p) {
            self.members.swap_remove(pos);
            if let Some(&moved) = self.members.get(pos) {
                self.member_pos.insert(moved, pos);
            }
        }
    }

    fn grant(&mut self, repo: usize, at: DateTime<Utc>) {
        let who = if self.rng.chance(0.85) {
            let p = self.members[self.rng.below(self.members.len())];
            self.people[p].username.clone()
        } else {
            format!("outsider{}", self.rng.below(1_000_000))
        };
        self.next_request += 1;
        self.grants.push((repo, who, at, self.next_request));
    }

    fn admin(&mut self) -> String {
        self.people[self.rng.below(ADMINS)].username.clone()
    }

    /// One day: everything between the previous snapshot time and `to`.
    pub fn step(&mut self, day: i64, to: DateTime<Utc>) {
        let from = to - Duration::days(1);
        let weekend = matches!(
            chrono::Datelike::weekday(&to.date_naive()),
            chrono::Weekday::Sat | chrono::Weekday::Sun
        );
        let mut raw: Vec<Raw> = Vec::with_capacity(3_000);
        let at = |r: &mut Rng| from + Duration::milliseconds(r.between(0, 86_399_999));

        // Scheduled fates: invite answers, late removals.
        for fate in self.scheduled.remove(&day).unwrap_or_default() {
            let t = at(&mut self.rng);
            match fate {
                Fate::Accept(p) => {
                    self.invites.retain(|i| i.person != p);
                    self.add_member(p);
                    let user = self.people[p].username.clone();
                    raw.push(Raw {
                        at: t,
                        kind: "org.invite.accept",
                        message: format!("{user} accepted the invitation"),
                        data: Some(json(&[("user", &user)])),
                        author: Some(user),
                        system: false,
                    });
                    self.join_groups(p, t, to, &mut raw);
                }
                Fate::Withdraw(p) => self.invites.retain(|i| i.person != p),
                Fate::Remove(p) | Fate::Leave(p) if !self.member_pos.contains_key(&p) => {}
                Fate::Remove(p) => {
                    self.remove_member(p);
                    let user = self.people[p].username.clone();
                    raw.push(Raw {
                        at: t,
                        kind: "org.remove_user",
                        message: format!("Removed {user} from the organization"),
                        data: Some(json(&[("user", &user)])),
                        author: Some(self.admin()),
                        system: false,
                    });
                }
                Fate::Leave(p) => {
                    self.remove_member(p);
                    let user = self.people[p].username.clone();
                    raw.push(Raw {
                        at: t,
                        kind: "org.leave",
                        message: format!("{user} left the organization"),
                        data: None,
                        author: Some(user),
                        system: false,
                    });
                }
            }
        }

        // Departures (~1.5% a month): last day today; removal on the day,
        // days or weeks late, or never; contractors just go.
        let leavers = self.rng.between(2, 8);
        for _ in 0..leavers {
            let p = self.members[self.rng.below(self.members.len())];
            if self.people[p].leaving || self.people[p].admin_staff {
                continue;
            }
            self.people[p].leaving = true;
            if self.people[p].on_roster {
                self.people[p].last_day = Some(to.date_naive());
            }
            let fate = match self.rng.below(100) {
                0..12 => Some((0, Fate::Leave(p))),
                12..60 => Some((self.rng.between(0, 1), Fate::Remove(p))),
                60..85 => Some((self.rng.between(2, 14), Fate::Remove(p))),
                85..97 => Some((self.rng.between(15, 60), Fate::Remove(p))),
                _ => None,
            };
            if let Some((delay, fate)) = fate {
                self.scheduled
                    .entry(day + 1 + delay)
                    .or_default()
                    .push(fate);
            }
        }

        // Joins: invitations (most accepted, some withdrawn, a few left
        // stale) and direct additions, steering back to ~10,000 members.
        let gap = MEMBERS as i64 - self.members.len() as i64 - self.invites.len() as i64 / 4;
        let joins = (self.rng.between(2, 6) + gap / 10).clamp(0, 20);
        for _ in 0..joins {
            let p = self.new_person(true);
            let t = at(&mut self.rng);
            let user = self.people[p].username.clone();
            if self.rng.chance(0.6) {
                self.invites.push(PendingInvite { person: p, at: t });
                raw.push(Raw {
                    at: t,
                    kind: "org.invite_user",
                    message: format!("Invited {user}"),
                    data: Some(json(&[("user", &user), ("role", self.people[p].role)])),
                    author: Some(self.admin()),
                    system: false,
                });
                let fate = match self.rng.below(100) {
                    0..85 => Some((self.rng.between(1, 6), Fate::Accept(p))),
                    85..95 => Some((self.rng.between(3, 30), Fate::Withdraw(p))),
                    95..98 => Some((self.rng.between(60, 150), Fate::Withdraw(p))),
                    _ => None,
                };
                if let Some((delay, fate)) = fate {
                    self.scheduled.entry(day + delay).or_default().push(fate);
                }
            } else {
                self.add_member(p);
                raw.push(Raw {
                    at: t,
                    kind: "org.add_user",
                    message: format!("Added {user} to the organization"),
                    data: Some(json(&[("user", &user), ("role", self.people[p].role)])),
                    author: Some(self.admin()),
                    system: false,
                });
                self.join_groups(p, t, to, &mut raw);
            }
        }

        // Role changes (a couple a week), a fifth of them to admin.
        if self.rng.chance(0.3) {
            let p = self.members[self.rng.below(self.members.len())];
            if !self.people[p].admin_staff {
                let role = if self.rng.chance(0.2) {
                    "admin"
                } else {
                    ROLES[self.rng.below(3)]
                };
                self.people[p].role = role;
                let user = self.people[p].username.clone();
                raw.push(Raw {
                    at: at(&mut self.rng),
                    kind: "org.change_role",
                    message: format!("Changed the role of {user} to {role}"),
                    data: Some(json(&[("user", &user), ("role", role)])),
                    author: Some(self.admin()),
                    system: false,
                });
            }
        }

        // Resource-group moves.
        for _ in 0..self.rng.between(1, 6) {
            let p = self.members[self.rng.below(self.members.len())];
            let to_group = self.rng.below(GROUPS);
            let from_group = self.people[p].groups[0];
            self.people[p].groups[0] = to_group;
            let user = self.people[p].username.clone();
            let t = at(&mut self.rng);
            for (kind, g) in [
                ("resource_group.remove_users", from_group),
                ("resource_group.add_users", to_group),
            ] {
                raw.push(Raw {
                    at: t,
                    kind,
                    message: format!("team-{g}: {user}"),
                    data: Some(json(&[
                        ("user", &user),
                        ("resource_group", &format!("team-{g}")),
                    ])),
                    author: Some(self.admin()),
                    system: false,
                });
            }
        }

        // Gated-repo access: a few grants a day, slightly fewer expire.
        for _ in 0..self.rng.between(0, 4) {
            let repo = self.rng.below(GATED_REPOS);
            let t = at(&mut self.rng);
            self.grant(repo, t);
        }
        for _ in 0..self.rng.between(0, 3) {
            let k = self.rng.below(self.grants.len());
            self.grants.swap_remove(k);
        }

        // Activity: SSO logins (a quarter of members on a weekday, fewer at
        // weekends), some work events, a few system events.
        let factor = if weekend { 0.25 } else { 1.0 };
        for k in 0..self.members.len() {
            let p = self.members[k];
            let person = &self.people[p];
            if person.leaving || !self.rng.chance(person.activity * factor) {
                continue;
            }
            let user = person.username.clone();
            let t = at(&mut self.rng);
            if self.rng.chance(0.12) {
                let kind = WORK_KINDS[self.rng.below(WORK_KINDS.len())];
                raw.push(Raw {
                    at: (t + Duration::minutes(5)).min(to - Duration::milliseconds(1)),
                    kind,
                    message: format!("{kind} by {user}"),
                    data: Some(json(&[("repo", &format!("acme/project-{}", p % 500))])),
                    author: Some(user.clone()),
                    system: false,
                });
            }
            raw.push(Raw {
                at: t,
                kind: "org.sso_login",
                message: "Logged in with SSO".into(),
                data: None,
                author: Some(user),
                system: false,
            });
        }
        for _ in 0..self.rng.between(2, 10) {
            raw.push(Raw {
                at: at(&mut self.rng),
                kind: "org.join.automatic",
                message: "Automatic join rule evaluated".into(),
                data: None,
                author: Some("huggingface".into()),
                system: true,
            });
        }

        raw.sort_by_key(|r| r.at);
        let process = self.rng.next() & 0xff_ffff_ffff;
        for r in raw {
            self.next_event += 1;
            let id = format!(
                "{:08x}{process:010x}{:06x}",
                r.at.timestamp(),
                self.next_event & 0xff_ffff
            );
            self.events.push_back(Event {
                id,
                created_at: r.at,
                kind: r.kind.into(),
                message: Some(r.message),
                author: r.author,
                author_type: Some(if r.system { "system" } else { "user" }.into()),
                data: r.data,
            });
            self.events_total += 1;
        }
        while self.events.len() > EXPORT_CAP {
            self.events.pop_front();
        }
        self.days += 1;
    }

    fn join_groups(&mut self, p: usize, t: DateTime<Utc>, to: DateTime<Utc>, raw: &mut Vec<Raw>) {
        let user = self.people[p].username.clone();
        for &g in &self.people[p].groups {
            raw.push(Raw {
                at: (t + Duration::seconds(30)).min(to - Duration::milliseconds(1)),
                kind: "resource_group.add_users",
                message: format!("team-{g}: {user}"),
                data: Some(json(&[
                    ("user", &user),
                    ("resource_group", &format!("team-{g}")),
                ])),
                author: Some("huggingface".into()),
                system: true,
            });
        }
    }

    /// The snapshot taken at `taken_at` (the end of the last step).
    pub fn snapshot(&self, taken_at: DateTime<Utc>) -> Snapshot {
        let mut ids = self.members.clone();
        ids.sort_unstable();
        let group_name = |g: usize| format!("team-{g}");
        let members: Vec<Member> = ids
            .iter()
            .map(|&i| {
                let p = &self.people[i];
                Member {
                    hub_id: Person::hub_id(i),
                    username: p.username.clone(),
                    fullname: Some(format!("{} {}", cap(p.first), cap(p.last))),
                    role: Some(p.role.into()),
                    two_fa: Some(i % 11 != 0),
                    verified_email: p.email_verified_on_hub.then(|| p.email(i)),
                    external: Some(!p.on_roster),
                    is_pro: Some(i % 17 == 0),
                    resource_groups: p.groups.iter().map(|&g| group_name(g)).collect(),
                }
            })
            .collect();
        let group_members = ids
            .iter()
            .flat_map(|&i| {
                let p = &self.people[i];
                p.groups.iter().map(move |&g| GroupMember {
                    group_id: format!("rg{g:02}"),
                    group_name: group_name(g),
                    username: p.username.clone(),
                    fullname: None,
                    role: Some(if p.role == "read" { "read" } else { "write" }.into()),
                    added_by: Some("huggingface".into()),
                })
            })
            .collect();
        let groups = (0..GROUPS)
            .map(|g| ResourceGroup {
                id: format!("rg{g:02}"),
                name: group_name(g),
                description: Some(format!("Team {g}")),
                auto_join: g == 0,
                repos: (0..5)
                    .map(|r| format!("model/acme/team{g}-repo{r}"))
                    .collect(),
                resources: Vec::new(),
            })
            .collect();
        let repo = |r: usize| format!("acme/gated-{r}");
        let repo_access = self
            .grants
            .iter()
            .map(|(r, who, at, req)| RepoAccess {
                repo_type: if r % 4 == 0 { "dataset" } else { "model" }.into(),
                repo: repo(*r),
                gated: if r % 3 == 0 { "auto" } else { "manual" }.into(),
                request_id: Some(format!("{req:024x}")),
                username: Some(who.clone()),
                fullname: None,
                email: who
                    .starts_with("outsider")
                    .then(|| format!("{who}@university.example")),
                requested_at: Some(*at - Duration::hours(5)),
                reviewed_at: Some(*at),
                granted_by: Some("admin".into()),
            })
            .collect();
        let gated_repos = (0..GATED_REPOS)
            .map(|r| {
                let kind = if r % 4 == 0 { "dataset" } else { "model" };
                let gated = if r % 3 == 0 { "auto" } else { "manual" };
                (format!("{kind}/{}", repo(r)), gated.to_string())
            })
            .collect();
        let invites = self
            .invites
            .iter()
            .map(|i| {
                let p = &self.people[i.person];
                Invite {
                    invitee: p.username.clone(),
                    username: Some(p.username.clone()),
                    email: None,
                    fullname: None,
                    role: Some(p.role.into()),
                    source: InviteSource::AuditLog,
                    invited_at: Some(i.at),
                }
            })
            .collect();
        let mut s = Snapshot {
            org: ORG.into(),
            taken_at,
            endpoint: "https://huggingface.co".into(),
            plan: Some("enterprise".into()),
            members,
            invites,
            groups,
            group_members,
            repo_access,
            gated_repos,
            events: self.events.iter().cloned().collect(),
            ..Snapshot::default()
        };
        crate::support::all_collectors_ok(&mut s);
        s
    }

    pub fn members(&self) -> usize {
        self.members.len()
    }
}

fn cap(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}
