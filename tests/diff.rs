//! `hfaudit diff` end to end: the fake Hub's world changes between two
//! `hfaudit snapshot` runs, and the diff reports exactly those changes.
//! Choosing snapshots with `--from`/`--to` is in `select`.

mod select;

use chrono::SecondsFormat;
use hfaudit::store::Manifest;
use serde_json::{Value, json};

use crate::harness::{Case, Run, assert_code};
use crate::support::fake_hub::{
    AccessGrant, AccessUser, Group, GroupUser, Org, OrgMember, Pending, Repo, fake_id,
};
use crate::support::generate::world_for;

fn group_user(user: &str, role: &str) -> GroupUser {
    GroupUser {
        id: fake_id(user),
        name: user.into(),
        fullname: user.into(),
        role: role.into(),
        added_by: "auditor".into(),
    }
}

fn grant(user: &str) -> AccessGrant {
    AccessGrant {
        reset_reason: None,
        user: Some(AccessUser {
            id: fake_id(user),
            user: user.into(),
            fullname: user.into(),
            email: None,
        }),
        timestamp: "2026-01-05T10:00:00.000Z".into(),
        reviewed_at: "2026-01-05T11:00:00.000Z".into(),
        granted_by: "auditor".into(),
    }
}

/// acme: alice (write), bob (read), eve (write); invites for newbie and
/// ghost; groups research (bob, eve) and infra (alice); eve holds access
/// to the gated model acme/secret-model.
pub(super) fn acme() -> Org {
    let mut org = Org::new("acme");
    org.members = vec![
        OrgMember::new("alice", "write"),
        OrgMember::new("bob", "read"),
        OrgMember::new("eve", "write"),
    ];
    org.pending_members = Some(vec![
        Pending {
            user: "newbie".into(),
            role: "read".into(),
        },
        Pending {
            user: "ghost".into(),
            role: "write".into(),
        },
    ]);
    org.resource_groups = Some(vec![
        Group {
            id: fake_id("research"),
            name: "research".into(),
            users: vec![group_user("bob", "read"), group_user("eve", "write")],
            ..Group::default()
        },
        Group {
            id: fake_id("infra"),
            name: "infra".into(),
            users: vec![group_user("alice", "write")],
            ..Group::default()
        },
    ]);
    let mut model = Repo::new("acme/secret-model", true, Some("manual"));
    model.accepted = vec![grant("eve")];
    org.models = vec![model];
    org
}

/// Between the snapshots: eve leaves (and loses her group seat and her
/// gated access), carol joins and is granted access, newbie accepts the
/// invite, ghost's is withdrawn, later is invited, bob becomes admin and
/// moves from research to infra, alice turns 2FA off.
fn change(org: &mut Org) {
    org.members.retain(|m| m.user != "eve");
    org.members.push(OrgMember::new("carol", "read"));
    org.members.push(OrgMember::new("newbie", "read"));
    for m in &mut org.members {
        match m.user.as_str() {
            "bob" => m.role = Some("admin".into()),
            "alice" => m.two_fa = Some(false),
            _ => {}
        }
    }
    org.pending_members = Some(vec![Pending {
        user: "later".into(),
        role: "write".into(),
    }]);
    let groups = org.resource_groups.as_mut().unwrap();
    groups[0].users.clear();
    groups[1].users.push(group_user("bob", "write"));
    org.models[0].accepted = vec![grant("carol")];
}

/// Two snapshots of acme, before and after [`change`].
pub(super) fn changed_case() -> (Case, Vec<Manifest>) {
    let case = Case::new(world_for(vec![acme()]));
    assert_code(&case.snapshot("acme", &[]), 0);
    case.hub.with_world(|w| change(w.org_mut("acme")));
    assert_code(&case.snapshot("acme", &[]), 0);
    let manifests = case.complete("acme");
    assert_eq!(manifests.len(), 2);
    (case, manifests)
}

pub(super) fn json_of(run: &Run) -> Value {
    assert_code(run, 0);
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout))
}

fn side(m: &Manifest) -> Value {
    json!({
        "snapshot_id": m.snapshot_id,
        "taken_at": m.taken_at.to_rfc3339_opts(SecondsFormat::Millis, true),
    })
}

#[test]
fn json_reports_exactly_what_changed() {
    let (case, m) = changed_case();
    let got = json_of(&case.run(&["diff", "--format", "json"]));
    let research = fake_id("research");
    let infra = fake_id("infra");
    let want = json!({
        "acme": {
            "status": "compared",
            "org": "acme",
            "from": side(&m[0]),
            "to": side(&m[1]),
            "members": {
                "status": "compared",
                "joined": [
                    {"username": "carol", "fullname": "Carol", "role": "read"},
                    {"username": "newbie", "fullname": "Newbie", "role": "read"},
                ],
                "left": [{"username": "eve", "fullname": "Eve", "role": "write"}],
                "renamed": [],
                "role_changes": [{
                    "username": "bob", "from": "read", "to": "admin",
                    "escalation": true, "to_admin": true,
                }],
                "two_fa_changes": [{"username": "alice", "from": true, "to": false}],
            },
            "invites": {
                "status": "compared",
                "added": [{"invitee": "later", "role": "write"}],
                "accepted": [{
                    "invitee": "newbie", "invited_role": "read",
                    "member": "newbie", "role": "read",
                }],
                "withdrawn": [{"invitee": "ghost", "role": "write"}],
            },
            "resource_groups": {
                "status": "compared",
                "created": [],
                "deleted": [],
                "renamed": [],
                "added": [{"group_id": infra, "group": "infra", "username": "bob", "role": "write"}],
                "removed": [
                    {"group_id": research, "group": "research", "username": "bob", "role": "read"},
                    {"group_id": research, "group": "research", "username": "eve", "role": "write"},
                ],
                "role_changes": [],
            },
            "gated_access": {
                "status": "compared",
                "granted": [{
                    "repo_type": "model", "repo": "acme/secret-model", "username": "carol",
                    "request_id": null, "granted_by": "auditor",
                }],
                "gone": [{
                    "repo_type": "model", "repo": "acme/secret-model", "username": "eve",
                    "request_id": null, "granted_by": "auditor", "repo_still_gated": true,
                }],
            },
            "notes": [],
        }
    });
    assert_eq!(got, want, "{}", serde_json::to_string_pretty(&got).unwrap());
}

#[test]
fn table_groups_changes_by_kind_with_counts() {
    let (case, m) = changed_case();
    let run = case.run(&["diff"]);
    assert_code(&run, 0);
    for line in [
        "  joined (2)",
        "  left (1)",
        "    bob  read → admin  ESCALATION to admin",
        "    alice  on → off",
        "    bob  infra (write)",
        "  removed from groups (2)",
        "    later  write",
        "    newbie  now member newbie (read)",
        "    ghost  write",
        "    carol  acme/secret-model (model)  granted by auditor",
        "    eve  acme/secret-model (model)",
    ] {
        assert!(
            run.stdout.lines().any(|l| l == line),
            "missing {line:?} in\n{}",
            run.stdout
        );
    }
    let text = run
        .stdout
        .replace(&m[0].snapshot_id, "[FROM]")
        .replace(&m[1].snapshot_id, "[TO]");
    insta::assert_snapshot!("diff_table", text);
}

#[test]
fn nothing_changed_and_too_few_snapshots_are_not_errors() {
    let case = Case::new(world_for(vec![acme()]));
    // No snapshot at all.
    let run = case.run(&["diff"]);
    assert_code(&run, 0);
    assert!(run.stdout.starts_with("no snapshot in "), "{}", run.stdout);
    let run = case.run(&["diff", "--org", "acme", "--format", "json"]);
    assert_eq!(
        json_of(&run),
        json!({"acme": {"status": "not_compared", "snapshots": 0, "reason": "no snapshot yet"}})
    );
    // One snapshot.
    assert_code(&case.snapshot("acme", &[]), 0);
    let run = case.run(&["diff"]);
    assert_code(&run, 0);
    let first = &case.complete("acme")[0].snapshot_id;
    assert_eq!(
        run.stdout,
        format!("acme: only one snapshot ({first}); nothing to compare\n")
    );
    // Two identical snapshots.
    assert_code(&case.snapshot("acme", &[]), 0);
    let run = case.run(&["diff"]);
    assert_code(&run, 0);
    assert!(run.stdout.ends_with("\n  no changes\n"), "{}", run.stdout);
}

/// Hub text in `diff --format json` (a new group's name here) never
/// carries raw C1 controls or bidi overrides to a terminal or a log: they
/// are `\uXXXX` escapes, and a JSON reader gets the exact name back.
#[test]
fn json_escapes_control_and_bidi_characters_in_hub_text() {
    let hostile = "ops\u{9B}31m\u{85}x\u{202E}gnp.exe\u{7F}";
    let case = Case::new(world_for(vec![acme()]));
    assert_code(&case.snapshot("acme", &[]), 0);
    case.hub.with_world(|w| {
        w.org_mut("acme")
            .resource_groups
            .as_mut()
            .unwrap()
            .push(Group {
                id: fake_id("hostile"),
                name: hostile.into(),
                users: vec![group_user("alice", "read")],
                ..Group::default()
            })
    });
    assert_code(&case.snapshot("acme", &[]), 0);
    let run = case.run(&["diff", "--format", "json"]);
    for c in ['\u{9B}', '\u{85}', '\u{202E}', '\u{7F}'] {
        assert!(
            !run.stdout.contains(c),
            "raw U+{:04X} in {}",
            c as u32,
            run.stdout
        );
    }
    for escape in ["\\u009b", "\\u0085", "\\u202e", "\\u007f"] {
        assert!(
            run.stdout.to_lowercase().contains(escape),
            "{escape} in {}",
            run.stdout
        );
    }
    let json = json_of(&run);
    assert!(
        find_string(&json, hostile),
        "the exact name survives a JSON reader: {json}"
    );
}

fn find_string(v: &Value, needle: &str) -> bool {
    match v {
        Value::String(s) => s == needle,
        Value::Array(a) => a.iter().any(|x| find_string(x, needle)),
        Value::Object(o) => o.iter().any(|(k, x)| k == needle || find_string(x, needle)),
        _ => false,
    }
}
