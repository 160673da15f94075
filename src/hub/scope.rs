//! What each collector needs from the token, and whether this one has it.
//!
//! Three things decide what a token reads in an org: the user's role there
//! (`roleInOrg`), the token's own role (`read` tokens cannot do what needs
//! write rights) and, for a fine-grained token, the permissions scoped to
//! the org. The Hub has both the older coarse permissions (`org.read`,
//! `org.write`) and finer ones (`org.members.read`, `resourceGroup.read`,
//! `repo.access.read`, …); either kind counts, and a write permission
//! includes its read form. This is hfaudit's model of the Hub's rules, used
//! for `hfaudit doctor` and to explain a refusal: the Hub's answer to each
//! request stays the judge.

use crate::model::Collector;
use std::fmt;

/// What one collector needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Need {
    pub collector: Collector,
    /// Roles in the org that read everything; empty: any role.
    pub roles: &'static [&'static str],
    /// What a user with a lower role still reads (`None`: nothing).
    pub below: Option<&'static str>,
    /// Whether a `read` token suffices.
    pub read_token: bool,
    /// Fine-grained permissions on the org; any one of them suffices.
    pub permissions: &'static [&'static str],
    /// A fine-grained scope on a single entity of this type (with one of
    /// `permissions`) reads part of the data.
    pub entity_scope: Option<&'static str>,
    /// The plan it needs (`None`: any).
    pub plan: Option<&'static str>,
    /// Where the data comes from, when that is not obvious.
    pub note: Option<&'static str>,
}

const MEMBERS_READ: &[&str] = &[
    "org.members.read",
    "org.read",
    "org.members.write",
    "org.write",
];

/// One entry per collector, in [`Collector::ALL`] order.
pub const NEEDS: &[Need] = &[
    Need {
        collector: Collector::Members,
        roles: &[],
        below: None,
        read_token: true,
        permissions: MEMBERS_READ,
        entity_scope: None,
        plan: None,
        note: Some("emails and 2FA only for admins"),
    },
    Need {
        collector: Collector::Invites,
        roles: &["admin"],
        below: None,
        read_token: false,
        permissions: &["org.read", "org.write"],
        entity_scope: None,
        plan: Some("Team or Enterprise"),
        note: Some("from the audit log (or SCIM with the org's SCIM token)"),
    },
    Need {
        collector: Collector::ResourceGroups,
        roles: &["admin"],
        below: Some("only the groups the user is in"),
        read_token: true,
        permissions: &[
            "resourceGroup.read",
            "org.read",
            "resourceGroup.write",
            "org.write",
        ],
        entity_scope: Some("resource-group"),
        plan: Some("Team or Enterprise"),
        note: None,
    },
    Need {
        collector: Collector::RepoAccess,
        roles: &["admin", "write"],
        below: None,
        read_token: false,
        permissions: &[
            "repo.access.read",
            "repo.access.write",
            "repo.write",
            "org.write",
        ],
        entity_scope: None,
        plan: None,
        note: None,
    },
    Need {
        collector: Collector::Events,
        roles: &["admin"],
        below: None,
        read_token: false,
        permissions: &["org.read", "org.write"],
        entity_scope: None,
        plan: Some("Team or Enterprise"),
        note: None,
    },
    Need {
        collector: Collector::Tokens,
        roles: &["admin"],
        below: None,
        read_token: false,
        permissions: &["org.read", "org.write"],
        entity_scope: None,
        plan: Some("Team or Enterprise"),
        note: None,
    },
    Need {
        collector: Collector::ServiceAccounts,
        roles: &["admin"],
        below: None,
        read_token: false,
        permissions: &["org.serviceAccounts.read", "org.read", "org.write"],
        entity_scope: None,
        plan: Some("Enterprise"),
        note: None,
    },
];

/// The need of `collector`, if it is one.
pub fn need(collector: Collector) -> Option<&'static Need> {
    NEEDS.iter().find(|n| n.collector == collector)
}

/// Whether `granted` includes `wanted`: the same permission, or its write
/// form (`org.members.write` includes `org.members.read`).
fn includes(granted: &str, wanted: &str) -> bool {
    granted == wanted
        || wanted
            .strip_suffix(".read")
            .is_some_and(|base| granted.strip_suffix(".write") == Some(base))
}

/// What one kind of `hfaudit apply` call needs: the Hub's docs say the
/// role call needs write or admin (and a paid plan), the access-request
/// call write or admin, revoking a member's token admin (and Enterprise).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteNeed {
    /// The plan's step kind (`set_access`, `reject_access`, `revoke_token`).
    pub kind: &'static str,
    pub roles: &'static [&'static str],
    /// Fine-grained permissions on the org; any one of them suffices.
    pub permissions: &'static [&'static str],
}

pub const WRITES: &[WriteNeed] = &[
    WriteNeed {
        kind: "set_access",
        roles: &["admin", "write"],
        permissions: &["org.members.write", "org.write"],
    },
    WriteNeed {
        kind: "reject_access",
        roles: &["admin", "write"],
        permissions: &["repo.access.write", "repo.write", "org.write"],
    },
    WriteNeed {
        kind: "revoke_token",
        roles: &["admin"],
        permissions: &["org.write"],
    },
];

impl WriteNeed {
    /// The need of a step kind.
    pub fn of(kind: &str) -> Option<&'static WriteNeed> {
        WRITES.iter().find(|w| w.kind == kind)
    }

    /// What the token lacks for this kind of call, if anything.
    pub fn missing(&self, s: &Standing) -> Option<String> {
        let mut lacks = Vec::new();
        match s.role_in_org {
            Some(role) if self.roles.contains(&role) => {}
            role => lacks.push(format!(
                "the role {} in {} (the user's is {})",
                self.roles.join(" or "),
                s.org,
                role.unwrap_or("unknown")
            )),
        }
        if s.token_role == Some("read") {
            lacks.push("a token that is not read-only".into());
        }
        if let Some(granted) = s.permissions
            && !holds_any(granted, self.permissions)
        {
            lacks.push(format!(
                "the fine-grained permission {} on {}",
                or_list(self.permissions.iter().copied()),
                s.org
            ));
        }
        (!lacks.is_empty()).then(|| format!("{} needs {}", self.kind, lacks.join(" and ")))
    }
}

/// Whether `granted` holds one of `wanted`.
pub fn holds_any(granted: &[String], wanted: &[&str]) -> bool {
    wanted
        .iter()
        .any(|w| granted.iter().any(|g| includes(g, w)))
}

/// What the token may read for one collector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Yes,
    /// Part of it; why.
    Partly(String),
    /// The Hub did not say enough to tell; why.
    Unknown(String),
    /// Nothing; why.
    No(String),
}

impl Verdict {
    pub fn label(&self) -> &'static str {
        match self {
            Verdict::Yes => "yes",
            Verdict::Partly(_) => "partly",
            Verdict::Unknown(_) => "unknown",
            Verdict::No(_) => "no",
        }
    }

    pub fn reason(&self) -> Option<&str> {
        match self {
            Verdict::Yes => None,
            Verdict::Partly(r) | Verdict::Unknown(r) | Verdict::No(r) => Some(r),
        }
    }

    fn rank(&self) -> u8 {
        match self {
            Verdict::Yes => 0,
            Verdict::Partly(_) => 1,
            Verdict::Unknown(_) => 2,
            Verdict::No(_) => 3,
        }
    }
}

/// What the pre-flight knows about the token in one org.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Standing<'a> {
    pub org: &'a str,
    pub plan: Option<&'a str>,
    pub role_in_org: Option<&'a str>,
    pub token_role: Option<&'a str>,
    /// A fine-grained token's permissions on the org; `None` for other tokens.
    pub permissions: Option<&'a [String]>,
    /// A fine-grained token's scopes on single entities: (type, permissions).
    pub entity_scopes: &'a [(String, Vec<String>)],
}

impl Need {
    /// "role admin; a token that is not read-only; fine-grained: …; Team or
    /// Enterprise plan".
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        parts.push(match self.roles {
            [] => "any role in the org".to_string(),
            roles => format!("role {}", roles.join(" or ")),
        });
        if !self.read_token {
            parts.push("a token that is not read-only".into());
        }
        parts.push(format!(
            "fine-grained: {}",
            or_list(self.permissions.iter().copied())
        ));
        if let Some(plan) = self.plan {
            parts.push(format!("{plan} plan"));
        }
        if let Some(note) = self.note {
            parts.push(note.to_string());
        }
        parts.join("; ")
    }

    /// Whether the token has what this collector needs.
    pub fn check(&self, s: &Standing) -> Verdict {
        let mut verdicts = vec![Verdict::Yes];
        match s.role_in_org {
            _ if self.roles.is_empty() => {}
            Some(role) if self.roles.contains(&role) => {}
            Some(role) => verdicts.push(match self.below {
                Some(below) => Verdict::Partly(format!("role {role} in {}: {below}", s.org)),
                None => Verdict::No(format!(
                    "the user's role in {} is {role}, {} is needed",
                    s.org,
                    self.roles.join(" or ")
                )),
            }),
            None => verdicts.push(Verdict::Unknown(format!(
                "the Hub did not report the user's role in {}",
                s.org
            ))),
        }
        if !self.read_token && s.token_role == Some("read") {
            verdicts.push(Verdict::No("the token is read-only".into()));
        }
        if let Some(granted) = s.permissions
            && !holds_any(granted, self.permissions)
        {
            let on_entities = self.entity_scope.is_some_and(|kind| {
                s.entity_scopes
                    .iter()
                    .any(|(k, p)| k == kind && holds_any(p, self.permissions))
            });
            let wanted = or_list(self.permissions.iter().copied());
            verdicts.push(if on_entities {
                Verdict::Partly(format!(
                    "the fine-grained token has {wanted} only on single {}s, not on {}",
                    self.entity_scope.unwrap_or_default(),
                    s.org
                ))
            } else {
                Verdict::No(format!(
                    "the fine-grained token has none of {wanted} on {} (it has: {})",
                    s.org,
                    if granted.is_empty() {
                        "nothing".to_string()
                    } else {
                        granted.join(", ")
                    }
                ))
            });
        }
        if let Some(plan) = self.plan {
            match s.plan {
                None => verdicts.push(Verdict::Unknown(format!(
                    "needs a {plan} plan; the Hub reported no plan for {}",
                    s.org
                ))),
                // "Team or Enterprise" admits team, enterprise and the
                // enterprise tiers the Hub names after it.
                Some(has)
                    if !plan
                        .to_ascii_lowercase()
                        .split(" or ")
                        .any(|p| has.to_ascii_lowercase().starts_with(p)) =>
                {
                    verdicts.push(Verdict::No(format!(
                        "{} is on the {has} plan; this needs {plan}",
                        s.org
                    )));
                }
                Some(_) => {}
            }
        }
        let worst = verdicts.iter().map(Verdict::rank).max().unwrap_or(0);
        let reasons: Vec<&str> = verdicts
            .iter()
            .filter(|v| v.rank() == worst)
            .filter_map(Verdict::reason)
            .collect();
        let reason = reasons.join("; ");
        match worst {
            0 => Verdict::Yes,
            1 => Verdict::Partly(reason),
            2 => Verdict::Unknown(reason),
            _ => Verdict::No(reason),
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.reason() {
            None => f.write_str(self.label()),
            Some(r) => write!(f, "{}: {r}", self.label()),
        }
    }
}

/// "a, b or c".
fn or_list<'a>(items: impl Iterator<Item = &'a str>) -> String {
    let items: Vec<&str> = items.collect();
    match items.split_last() {
        None => String::new(),
        Some((last, [])) => last.to_string(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn perms(p: &[&str]) -> Vec<String> {
        p.iter().map(|s| s.to_string()).collect()
    }

    fn admin<'a>(permissions: Option<&'a [String]>) -> Standing<'a> {
        Standing {
            org: "acme",
            plan: Some("enterprise"),
            role_in_org: Some("admin"),
            token_role: Some(if permissions.is_some() {
                "fineGrained"
            } else {
                "write"
            }),
            permissions,
            entity_scopes: &[],
        }
    }

    #[test]
    fn every_collector_has_a_need() {
        for c in Collector::ALL {
            assert!(need(c).is_some(), "{c}");
        }
    }

    #[test]
    fn the_plan_counts() {
        let sa = need(Collector::ServiceAccounts).unwrap();
        let events = need(Collector::Events).unwrap();
        let on = |plan| Standing {
            plan,
            ..admin(None)
        };
        assert_eq!(sa.check(&on(Some("enterprise"))), Verdict::Yes);
        assert_eq!(sa.check(&on(Some("enterprise_plus"))), Verdict::Yes);
        assert_eq!(
            sa.check(&on(Some("team"))),
            Verdict::No("acme is on the team plan; this needs Enterprise".into())
        );
        assert_eq!(events.check(&on(Some("team"))), Verdict::Yes);
        assert!(matches!(events.check(&on(Some("free"))), Verdict::No(_)));
        assert!(matches!(sa.check(&on(None)), Verdict::Unknown(_)));
        assert_eq!(
            need(Collector::Members).unwrap().check(&on(Some("free"))),
            Verdict::Yes
        );
    }

    #[test]
    fn write_forms_include_read_forms() {
        assert!(includes("org.members.write", "org.members.read"));
        assert!(includes("org.write", "org.read"));
        assert!(includes("repo.access.read", "repo.access.read"));
        assert!(!includes("org.read", "org.write"));
        assert!(!includes("org.members.write", "org.read"));
        assert!(!includes("repo.write", "repo.access.read"));
    }

    #[test]
    fn a_classic_token_of_an_admin_reads_everything() {
        for n in NEEDS {
            assert_eq!(n.check(&admin(None)), Verdict::Yes, "{}", n.collector);
        }
    }

    #[test]
    fn finer_permissions_count() {
        let fine = perms(&["org.members.read", "resourceGroup.read", "repo.access.read"]);
        let s = admin(Some(&fine));
        let check = |c| need(c).unwrap().check(&s);
        assert_eq!(check(Collector::Members), Verdict::Yes);
        assert_eq!(check(Collector::ResourceGroups), Verdict::Yes);
        assert_eq!(check(Collector::RepoAccess), Verdict::Yes);
        // The audit log and the token listing need the coarse org.read.
        let events = check(Collector::Events);
        assert!(
            matches!(&events, Verdict::No(r) if r.contains("org.read or org.write")
            && r.contains("it has: org.members.read, resourceGroup.read, repo.access.read")),
            "{events:?}"
        );
        let writes = perms(&["org.members.write", "repo.access.write"]);
        let s = admin(Some(&writes));
        assert_eq!(need(Collector::Members).unwrap().check(&s), Verdict::Yes);
        assert_eq!(need(Collector::RepoAccess).unwrap().check(&s), Verdict::Yes);
    }

    #[test]
    fn none_one_or_several_shortfalls() {
        // None: an admin with org.read on a fine-grained token.
        let coarse = perms(&["org.read"]);
        assert_eq!(
            need(Collector::Events)
                .unwrap()
                .check(&admin(Some(&coarse))),
            Verdict::Yes
        );
        // One: a read-only token.
        let s = Standing {
            token_role: Some("read"),
            ..admin(None)
        };
        assert_eq!(
            need(Collector::RepoAccess).unwrap().check(&s),
            Verdict::No("the token is read-only".into())
        );
        // Several: a read member on a read-only token.
        let s = Standing {
            role_in_org: Some("read"),
            token_role: Some("read"),
            ..admin(None)
        };
        let v = need(Collector::RepoAccess).unwrap().check(&s);
        assert_eq!(
            v,
            Verdict::No(
                "the user's role in acme is read, admin or write is needed; the token is read-only"
                    .into()
            )
        );
    }

    #[test]
    fn groups_below_admin_are_partial() {
        let s = Standing {
            role_in_org: Some("write"),
            ..admin(None)
        };
        let v = need(Collector::ResourceGroups).unwrap().check(&s);
        assert_eq!(
            v,
            Verdict::Partly("role write in acme: only the groups the user is in".into())
        );
        // A fine-grained token scoped to single groups only.
        let none: Vec<String> = Vec::new();
        let scopes = vec![("resource-group".to_string(), perms(&["resourceGroup.read"]))];
        let s = Standing {
            entity_scopes: &scopes,
            ..admin(Some(&none))
        };
        assert!(matches!(
            need(Collector::ResourceGroups).unwrap().check(&s),
            Verdict::Partly(r) if r.contains("single resource-groups")
        ));
        // Unknown role: not claimed complete.
        let s = Standing {
            role_in_org: None,
            ..admin(None)
        };
        assert!(matches!(
            need(Collector::ResourceGroups).unwrap().check(&s),
            Verdict::Unknown(_)
        ));
    }

    #[test]
    fn needs_are_described() {
        assert_eq!(
            need(Collector::RepoAccess).unwrap().describe(),
            "role admin or write; a token that is not read-only; fine-grained: repo.access.read, \
             repo.access.write, repo.write or org.write"
        );
        assert!(need(Collector::Members).unwrap().describe().starts_with(
            "any role in the org; fine-grained: org.members.read, org.read, org.members.write or org.write"
        ));
    }
}
