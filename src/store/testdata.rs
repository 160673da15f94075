//! Snapshots for the store's unit tests: one with every field set, one with
//! every `Option` empty, one with no rows at all, one with collectors the
//! plan does not offer.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, TimeZone, Utc};

use crate::model::*;

pub(crate) fn at(secs: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 2, 57, 51).unwrap()
        + Duration::seconds(secs)
        + Duration::milliseconds(123)
}

fn all_ok(snap: &Snapshot) -> BTreeMap<String, CollectorStatus> {
    [
        ("members", CollectorStatus::ok(snap.members.len())),
        (
            "invites",
            CollectorStatus::sourced(snap.invites.len() as u64, Some("pending-members".into())),
        ),
        ("resource_groups", CollectorStatus::ok(snap.groups.len())),
        ("repo_access", CollectorStatus::ok(snap.repo_access.len())),
        ("events", CollectorStatus::ok(snap.events.len())),
        ("tokens", CollectorStatus::ok(snap.tokens.len())),
        (
            "service_accounts",
            CollectorStatus::ok(snap.service_accounts.len()),
        ),
    ]
    .into_iter()
    .map(|(name, status)| (name.to_string(), status))
    .collect()
}

fn s(text: &str) -> Option<String> {
    Some(text.to_string())
}

/// Every field of every row set, with awkward text.
pub(crate) fn full() -> Snapshot {
    let mut snap = Snapshot {
        org: "acme".into(),
        taken_at: at(0),
        endpoint: "https://huggingface.co".into(),
        plan: s("team"),
        members: vec![
            Member {
                hub_id: "64a0000000000000000000a1".into(),
                username: "alice".into(),
                fullname: s("Alice Ärger, \"the admin\""),
                role: s("admin"),
                two_fa: Some(true),
                verified_email: s("alice@acme.example"),
                external: Some(false),
                is_pro: Some(true),
                resource_groups: vec!["research".into(), "prod, \"eu\"".into()],
            },
            Member {
                hub_id: "64a0000000000000000000a2".into(),
                username: "bob".into(),
                fullname: s("=cmd|' /C calc'!A0"),
                role: s("superuser-from-the-future"),
                two_fa: Some(false),
                verified_email: s("bob@acme.example"),
                external: Some(true),
                is_pro: Some(false),
                resource_groups: vec![],
            },
        ],
        invites: vec![
            Invite {
                invitee: "carol@acme.example".into(),
                username: s("carol"),
                email: s("carol@acme.example"),
                fullname: s("Carol 🚀"),
                role: s("write"),
                source: InviteSource::PendingMembers,
                invited_at: Some(at(-86_400)),
            },
            Invite {
                invitee: "dave".into(),
                username: s("dave"),
                email: s("dave@acme.example"),
                fullname: s("Dave"),
                role: s("read"),
                source: InviteSource::AuditLog,
                invited_at: Some(Utc.timestamp_millis_opt(0).unwrap()),
            },
        ],
        groups: vec![ResourceGroup {
            id: "rg1".into(),
            name: "research".into(),
            description: s("line one\nline two"),
            auto_join: true,
            repos: vec!["model/acme/secret-llm".into(), "dataset/acme/pii".into()],
            resources: vec![
                resource("model", "model", "acme/secret-llm", None),
                resource("dataset", "dataset", "acme/pii", None),
                resource(
                    "collection",
                    "collection",
                    "acme/evals-66aa01",
                    Some("Evals, \"v2\""),
                ),
                resource("job", "job", "687f0000aa", None),
                resource("other", "notebook", "nb-1", Some("Scratch")),
            ],
        }],
        group_members: vec![GroupMember {
            group_id: "rg1".into(),
            group_name: "research".into(),
            username: "alice".into(),
            fullname: s("Alice"),
            role: s("admin"),
            added_by: s("root"),
        }],
        repo_access: vec![RepoAccess {
            repo_type: "model".into(),
            repo: "acme/secret-llm".into(),
            gated: "manual".into(),
            request_id: s("req-1"),
            username: s("eve"),
            fullname: s("Eve"),
            email: s("eve@elsewhere.example"),
            requested_at: Some(at(-7 * 86_400)),
            reviewed_at: Some(at(-6 * 86_400)),
            granted_by: s("alice"),
        }],
        gated_repos: [
            ("model/acme/secret-llm".to_string(), "manual".to_string()),
            ("dataset/acme/open-ish".to_string(), "auto".to_string()),
        ]
        .into(),
        events: vec![Event {
            id: "ev1".into(),
            created_at: at(-3600),
            kind: "org.sso_login".into(),
            message: s("Alice logged in"),
            author: s("alice"),
            author_type: s("user"),
            data: s(r#"{"ip":"10.0.0.1"}"#),
        }],
        tokens: vec![MemberToken {
            id: "66f0aaaaaaaaaaaaaaaaaaaa".into(),
            owner_id: "64b7aaaaaaaaaaaaaaaaaaaa".into(),
            owner: "alice".into(),
            owner_fullname: s("Alice \"Ali\" Martin, Jr."),
            display_name: "ci-upload; =cmd|' /C calc'!A0".into(),
            role: "fineGrained".into(),
            last4: s("x9Qa"),
            created_at: at(-90 * 86_400),
            last_used_at: Some(at(-600)),
            status: s("approved"),
            requested_at: Some(at(-90 * 86_400)),
            authorized_at: Some(at(-89 * 86_400)),
            authorizer: s("bob"),
            permissions: vec![
                "org/6500aaaaaaaaaaaaaaaaaaaa:repo.content.read".into(),
                "model/6500bbbbbbbbbbbbbbbbbbbb:repo.write".into(),
            ],
        }],
        service_accounts: vec![ServiceAccount {
            id: "6700aaaaaaaaaaaaaaaaaaaa".into(),
            username: "acme-ci".into(),
            name: "CI \"bot\", nightly".into(),
            email: "acme-ci@service.example".into(),
            description: s("=uploads checkpoints"),
            created_at: at(-200 * 86_400),
        }],
        collectors: BTreeMap::new(),
    };
    snap.collectors = all_ok(&snap);
    snap
}

/// Every `Option` in every row is `None` (and `plan` too).
pub(crate) fn all_none() -> Snapshot {
    let mut snap = Snapshot {
        org: "acme".into(),
        taken_at: at(60),
        endpoint: "http://127.0.0.1:9999".into(),
        plan: None,
        members: vec![Member {
            hub_id: "id".into(),
            username: "nobody".into(),
            fullname: None,
            role: None,
            two_fa: None,
            verified_email: None,
            external: None,
            is_pro: None,
            resource_groups: vec![],
        }],
        invites: vec![Invite {
            invitee: "x@y.example".into(),
            username: None,
            email: None,
            fullname: None,
            role: None,
            source: InviteSource::ScimProvisioning,
            invited_at: None,
        }],
        groups: vec![ResourceGroup {
            id: "rg".into(),
            name: "".into(),
            description: None,
            auto_join: false,
            repos: vec![],
            resources: vec![],
        }],
        group_members: vec![GroupMember {
            group_id: "rg".into(),
            group_name: "".into(),
            username: "nobody".into(),
            fullname: None,
            role: None,
            added_by: None,
        }],
        repo_access: vec![RepoAccess {
            repo_type: "dataset".into(),
            repo: "acme/d".into(),
            gated: "auto".into(),
            request_id: None,
            username: None,
            fullname: None,
            email: None,
            requested_at: None,
            reviewed_at: None,
            granted_by: None,
        }],
        gated_repos: BTreeMap::new(),
        events: vec![Event {
            id: "e".into(),
            created_at: at(0),
            kind: "repo.create".into(),
            message: None,
            author: None,
            author_type: None,
            data: None,
        }],
        tokens: vec![MemberToken {
            id: "t".into(),
            owner_id: "id".into(),
            owner: "nobody".into(),
            owner_fullname: None,
            display_name: "".into(),
            role: "read".into(),
            last4: None,
            created_at: at(0),
            last_used_at: None,
            status: None,
            requested_at: None,
            authorized_at: None,
            authorizer: None,
            permissions: vec![],
        }],
        service_accounts: vec![ServiceAccount {
            id: "sa".into(),
            username: "bot".into(),
            name: "".into(),
            email: "".into(),
            description: None,
            created_at: at(0),
        }],
        collectors: BTreeMap::new(),
    };
    snap.collectors = all_ok(&snap);
    snap
}

/// Every collector ran and found nothing.
pub(crate) fn empty() -> Snapshot {
    let mut snap = Snapshot {
        org: "acme".into(),
        taken_at: at(120),
        endpoint: "https://huggingface.co".into(),
        ..Snapshot::default()
    };
    snap.collectors = all_ok(&snap);
    snap
}

/// Members and invites only: the plan offers no resource groups, gated-repo
/// access or audit log.
pub(crate) fn partial() -> Snapshot {
    let mut snap = full();
    snap.taken_at = at(180);
    snap.groups.clear();
    snap.group_members.clear();
    snap.repo_access.clear();
    snap.events.clear();
    snap.tokens.clear();
    snap.service_accounts.clear();
    for name in [
        "resource_groups",
        "repo_access",
        "events",
        "tokens",
        "service_accounts",
    ] {
        snap.collectors.insert(
            name.to_string(),
            CollectorStatus::Unavailable {
                reason: format!("402 Payment Required: {name} needs Enterprise"),
            },
        );
    }
    snap
}

fn resource(kind: &str, raw_type: &str, id: &str, title: Option<&str>) -> GroupResource {
    GroupResource {
        kind: kind.into(),
        raw_type: raw_type.into(),
        id: id.into(),
        title: title.map(str::to_string),
    }
}
