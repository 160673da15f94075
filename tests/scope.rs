//! What a token may read: fine-grained scopes matched by `_id`, the finer
//! permissions, `hfaudit doctor`'s per-collector needs, groups visible to a
//! non-admin, lists of deployments that ignore `offset`, and gated repos
//! that one by one refuse their access requests.

use hfaudit::model::CollectorStatus;

use crate::harness::{Case, assert_code};
use crate::support::fake_hub::{Org, Scoped, TokenInfo};
use crate::support::generate::{AUDITOR, OrgSpec, generate_org, world_for};
use hfaudit::model::Collector;

const FINE: &str = "hf_fine_grained_scope_test_token";

fn org() -> Org {
    generate_org(&OrgSpec {
        groups: 3,
        gated_repos: 4,
        accepted_per_repo: 3,
        ..OrgSpec::new("acme", 12)
    })
}

/// A case whose token is a fine-grained token of the org's admin with
/// `permissions` on acme.
fn fine_grained(permissions: &[&str]) -> Case {
    let mut case = Case::new(world_for(vec![org()]));
    let mut info = TokenInfo::new(AUDITOR, "fineGrained", &["acme"]);
    info.scoped = vec![Scoped {
        entity_type: "org".into(),
        entity_name: "acme".into(),
        permissions: permissions.iter().map(|p| p.to_string()).collect(),
    }];
    case.hub.with_world(|w| w.add_token(FINE, info));
    case.token = FINE.into();
    case
}

fn reason(status: Option<&CollectorStatus>) -> String {
    match status {
        Some(CollectorStatus::Unavailable { reason }) => reason.clone(),
        other => panic!("expected unavailable, got {other:?}"),
    }
}

#[test]
fn fine_grained_scope_named_by_id_only_is_accepted() {
    // The fake sends the scope's entity as `{_id, type}`: no name.
    let case = fine_grained(&["org.read", "org.write"]);
    let whoami = case.hub.with_world(|w| w.scoped_entity_names);
    assert!(!whoami, "the default is the Hub's shape, without name");
    let run = case.snapshot("acme", &[]);
    assert_code(&run, 0);
    let snap = case.latest("acme");
    for name in Collector::ALL {
        // Service accounts are Enterprise-only: this Team org answers 402.
        if matches!(name, Collector::Invites | Collector::ServiceAccounts) {
            continue;
        }
        assert!(snap.collector(name).unwrap().is_ok(), "{name}: {snap:?}");
    }
    assert_eq!(snap.members.len(), 12);
}

#[test]
fn finer_permissions_read_what_they_cover() {
    let case = fine_grained(&["org.members.read", "resourceGroup.read", "repo.access.read"]);
    let run = case.snapshot("acme", &[]);
    assert_code(&run, 0);
    let snap = case.latest("acme");
    assert_eq!(snap.members.len(), 12);
    assert!(snap.collector(Collector::Members).unwrap().is_ok());
    assert!(snap.collector(Collector::ResourceGroups).unwrap().is_ok());
    assert_eq!(snap.groups.len(), 3);
    assert!(snap.collector(Collector::RepoAccess).unwrap().is_ok());
    assert_eq!(snap.repo_access.len(), 12, "4 gated repos, 3 grants each");
    // The audit log needs org.read: unavailable, and the reason says what
    // the token lacks.
    let events = reason(snap.collector(Collector::Events));
    assert!(
        events.contains("the fine-grained token has none of org.read or org.write on acme")
            && events.contains("it has: org.members.read, resourceGroup.read, repo.access.read"),
        "{events}"
    );
}

#[test]
fn a_token_that_cannot_read_members_is_refused_before_any_fetch() {
    let case = fine_grained(&["repo.access.read"]);
    let run = case.snapshot("acme", &[]);
    assert_code(&run, 3);
    assert!(
        run.stderr.contains("cannot read the org's members")
            && run.stderr.contains("org.members.read or org.read")
            && run.stderr.contains("has only repo.access.read on the org"),
        "{}",
        run.stderr
    );
    assert!(case.complete("acme").is_empty());
    // Only whoami was asked.
    let asked: Vec<String> = case.hub.requests().iter().map(|r| r.path.clone()).collect();
    assert_eq!(asked, vec!["/api/whoami-v2"], "{asked:?}");
}

/// The `needs` line of `collector` in doctor's output: (verdict, rest).
fn need_line<'a>(stdout: &'a str, collector: &str) -> (&'a str, &'a str) {
    let line = stdout
        .lines()
        .filter(|l| l.starts_with("    "))
        .map(str::trim_start)
        .find(|l| l.split_whitespace().next() == Some(collector))
        .unwrap_or_else(|| panic!("no needs line for {collector}:\n{stdout}"));
    let rest = line[collector.len()..].trim_start();
    let (verdict, rest) = rest.split_once(' ').unwrap_or((rest, ""));
    (verdict, rest.trim_start())
}

#[test]
fn doctor_needs_an_admin_token_has_everything() {
    let case = Case::new(world_for(vec![org()]));
    let run = case.run(&["doctor", "--org", "acme"]);
    assert_code(&run, 0);
    assert!(
        run.stdout
            .contains("  token       write: the user's own rights in the org"),
        "{}",
        run.stdout
    );
    for c in Collector::ALL {
        let name = c.name();
        // A Team org has no service accounts: the plan is what it lacks.
        let expected = if c == Collector::ServiceAccounts {
            "no"
        } else {
            "yes"
        };
        assert_eq!(
            need_line(&run.stdout, name).0,
            expected,
            "{name}\n{}",
            run.stdout
        );
    }
    let (_, accounts) = need_line(&run.stdout, "service_accounts");
    assert!(
        accounts.contains("acme is on the team plan; this needs Enterprise"),
        "{accounts}"
    );
    let (_, members) = need_line(&run.stdout, "members");
    assert!(
        members.starts_with("any role in the org; fine-grained: org.members.read, org.read"),
        "{members}"
    );
    let (_, access) = need_line(&run.stdout, "repo_access");
    assert!(
        access.starts_with(
            "role admin or write; a token that is not read-only; fine-grained: repo.access.read"
        ),
        "{access}"
    );
}

#[test]
fn doctor_needs_one_missing_permission() {
    let case = fine_grained(&["org.read"]);
    let run = case.run(&["doctor", "--org", "acme"]);
    assert_code(&run, 0);
    assert!(
        run.stdout
            .contains("  token       fine-grained, on acme: org.read"),
        "{}",
        run.stdout
    );
    for name in ["members", "resource_groups", "events", "tokens", "invites"] {
        assert_eq!(
            need_line(&run.stdout, name).0,
            "yes",
            "{name}\n{}",
            run.stdout
        );
    }
    let (verdict, rest) = need_line(&run.stdout, "repo_access");
    assert_eq!(verdict, "no", "{}", run.stdout);
    assert!(
        rest.ends_with(
            "— the fine-grained token has none of repo.access.read, repo.access.write, \
             repo.write or org.write on acme (it has: org.read)"
        ),
        "{rest}"
    );
    // And the Hub agrees: the collector could not read the access requests.
    assert!(
        run.stdout.contains("  repo_access      unavailable: "),
        "{}",
        run.stdout
    );
}

#[test]
fn doctor_needs_many_missing_for_a_read_member_with_a_read_token() {
    let mut o = org();
    o.members
        .push(crate::support::fake_hub::OrgMember::new("reader", "read"));
    let mut case = Case::new(world_for(vec![o]));
    case.hub.with_world(|w| {
        w.add_token(
            "hf_reader_token_x",
            TokenInfo::new("reader", "read", &["acme"]),
        )
    });
    case.token = "hf_reader_token_x".into();
    let run = case.run(&["doctor", "--org", "acme"]);
    assert_code(&run, 0);
    assert_eq!(need_line(&run.stdout, "members").0, "yes", "{}", run.stdout);
    let (verdict, rest) = need_line(&run.stdout, "resource_groups");
    assert_eq!(verdict, "partly", "{}", run.stdout);
    assert!(
        rest.ends_with("— role read in acme: only the groups the user is in"),
        "{rest}"
    );
    let (verdict, rest) = need_line(&run.stdout, "repo_access");
    assert_eq!(verdict, "no");
    assert!(
        rest.ends_with(
            "— the user's role in acme is read, admin or write is needed; the token is read-only"
        ),
        "{rest}"
    );
    for name in ["events", "tokens", "invites"] {
        let (verdict, rest) = need_line(&run.stdout, name);
        assert_eq!(verdict, "no", "{name}");
        assert!(
            rest.contains("the user's role in acme is read, admin is needed"),
            "{rest}"
        );
    }
}

/// A deployment that ignores `offset` (and the page size) and sends whole
/// lists: a full first page makes the client probe by offset, the probe
/// returns the first page again, and the list is complete.
fn whole_lists(members: usize, models: usize) -> Case {
    // As many tokens and accepted requests (on one gated dataset) as members.
    let mut o = generate_org(&OrgSpec {
        tokens_per_member: 1,
        ..OrgSpec::new("acme", members)
    });
    o.models.clear();
    o.datasets = vec![crate::support::fake_hub::Repo::new(
        "acme/data",
        false,
        Some("auto"),
    )];
    let grants = generate_org(&OrgSpec {
        gated_repos: 1,
        accepted_per_repo: members,
        ..OrgSpec::new("acme", members)
    });
    let grants = grants
        .models
        .iter()
        .chain(&grants.datasets)
        .find(|r| r.gated.is_some());
    o.datasets[0].accepted = grants.expect("a gated repo").accepted.clone();
    for i in 0..models {
        let gated = (i % 50 == 0).then_some("manual");
        o.models.push(crate::support::fake_hub::Repo::new(
            &format!("acme/model-{i:03}"),
            false,
            gated,
        ));
    }
    let mut world = world_for(vec![o]);
    world.ignore_offset = true;
    Case::new(world)
}

fn requests_to(case: &Case, path: &str) -> Vec<String> {
    case.hub
        .requests()
        .iter()
        .filter(|r| r.path == path)
        .map(|r| r.query.clone())
        .collect()
}

#[test]
fn a_deployment_that_ignores_offset_with_99_100_101_members() {
    for (members, requests) in [(99, 1), (100, 2), (101, 1)] {
        let case = whole_lists(members, 0);
        let run = case.snapshot("acme", &[]);
        assert_code(&run, 0);
        let snap = case.latest("acme");
        assert_eq!(snap.members.len(), members, "{members}");
        assert_eq!(snap.tokens.len(), members, "{members} tokens");
        let grants = case
            .hub
            .with_world(|w| w.orgs["acme"].datasets[0].accepted.len());
        assert_eq!(snap.repo_access.len(), grants, "{members} grants");
        let asked = requests_to(&case, "/api/organizations/acme/members");
        assert_eq!(asked.len(), requests, "{members}: {asked:?}");
        if requests == 2 {
            assert!(asked[1].contains("offset=100"), "{asked:?}");
        }
    }
}

#[test]
fn a_deployment_that_ignores_offset_with_100_or_500_repos() {
    for (models, requests) in [(99, 1), (100, 2), (500, 2), (501, 1)] {
        let case = whole_lists(3, models);
        let run = case.snapshot("acme", &[]);
        assert_code(&run, 0);
        let snap = case.latest("acme");
        let gated = models.div_ceil(50) + 1;
        assert_eq!(snap.gated_repos.len(), gated, "{models}");
        let asked = requests_to(&case, "/api/models");
        assert_eq!(asked.len(), requests, "{models}: {asked:?}");
    }
}

/// The report's `findings.json`.
fn findings_json(case: &Case) -> serde_json::Value {
    let text = std::fs::read_to_string(case.dir.path().join("out/findings.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn report_html(case: &Case) -> String {
    std::fs::read_to_string(case.dir.path().join("out/report.html")).unwrap()
}

fn manifest_collector(case: &Case, name: &str) -> serde_json::Value {
    let id = &case.complete("acme")[0].snapshot_id;
    let path = case.store_dir().join("acme").join(id).join("manifest.json");
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    manifest["collectors"][name].clone()
}

/// acme with three groups; `writer` (role write) is in `in_groups` of them.
fn groups_case(in_groups: usize, role: &str) -> Case {
    use crate::support::fake_hub::{GroupUser, OrgMember};
    let mut o = org();
    o.members.push(OrgMember::new("writer", role));
    for g in o
        .resource_groups
        .as_mut()
        .unwrap()
        .iter_mut()
        .take(in_groups)
    {
        g.users.push(GroupUser {
            id: "64b7e3f2a1c9d8e7f6a50000".into(),
            name: "writer".into(),
            fullname: "Writer".into(),
            role: "write".into(),
            added_by: AUDITOR.into(),
        });
    }
    let mut case = Case::new(world_for(vec![o]));
    case.hub.with_world(|w| {
        w.add_token(
            "hf_writer_token_x",
            TokenInfo::new("writer", "write", &["acme"]),
        )
    });
    case.token = "hf_writer_token_x".into();
    case
}

#[test]
fn groups_read_by_an_admin_are_complete() {
    let case = Case::new(world_for(vec![org()]));
    assert_code(&case.snapshot("acme", &[]), 0);
    let groups = manifest_collector(&case, "resource_groups");
    assert_eq!(groups, serde_json::json!({"status": "ok", "rows": 3}));
    let roster = crate::report::write_roster(&case, &[]);
    crate::report::report(&case, &roster, &[]);
    assert!(findings_json(&case)["orgs"][0].get("incomplete").is_none());
    assert!(!report_html(&case).contains("(incomplete)"));
}

#[test]
fn groups_read_without_admin_rights_are_partial() {
    for in_groups in [0, 1, 3] {
        let case = groups_case(in_groups, "write");
        assert_code(&case.snapshot("acme", &[]), 0);
        let snap = case.latest("acme");
        assert_eq!(
            snap.groups.len(),
            in_groups,
            "the Hub lists the user's own groups"
        );
        let why =
            "groups visible to the token (role write in acme: only the groups the user is in)";
        assert_eq!(
            manifest_collector(&case, "resource_groups"),
            serde_json::json!({"status": "ok", "rows": in_groups, "partial": why})
        );
        assert!(
            case.complete("acme")[0]
                .completeness()
                .contains("incomplete resource_groups")
        );

        let roster = crate::report::write_roster(&case, &[]);
        crate::report::report(&case, &roster, &[]);
        let expected = format!("{why}: group findings may be incomplete");
        let json = findings_json(&case);
        assert_eq!(
            json["orgs"][0]["incomplete"],
            serde_json::json!([{"collector": "resource_groups", "reason": expected}]),
            "{in_groups}"
        );
        let html = report_html(&case);
        assert!(
            html.contains(
                "<code>resource_groups</code> (incomplete): <bdi>groups visible to the token"
            ),
            "{in_groups}"
        );
        assert!(html.contains("group findings may be incomplete"));
    }
}

/// acme with `repos` gated models, one grant each (to a different member);
/// the repos numbered in `refused` answer 403 (the first of them 404 when
/// `with_404`).
fn gated_case(repos: usize, refused: &[usize], with_404: bool) -> (Case, Vec<String>) {
    use crate::support::fake_hub::{AccessGrant, AccessUser, Repo};
    let mut o = org();
    o.models.clear();
    o.datasets.clear();
    let mut grantees = Vec::new();
    for i in 0..repos {
        let member = o.members[1 + i % (o.members.len() - 1)].clone();
        let mut repo = Repo::new(&format!("acme/gated-{i}"), true, Some("manual"));
        repo.accepted.push(AccessGrant {
            user: Some(AccessUser {
                id: member.id.clone(),
                user: member.user.clone(),
                fullname: member.fullname.clone(),
                email: None,
            }),
            timestamp: "2026-01-02T09:14:53.828Z".into(),
            reviewed_at: "2026-01-02T10:00:00.000Z".into(),
            granted_by: AUDITOR.into(),
            reset_reason: None,
        });
        if let Some(k) = refused.iter().position(|r| *r == i) {
            repo.access_status = Some(if with_404 && k == 0 { 404 } else { 403 });
        }
        grantees.push(member.user);
        o.models.push(repo);
    }
    (Case::new(world_for(vec![o])), grantees)
}

#[test]
fn gated_repos_that_refuse_are_unreadable_one_by_one() {
    for (refused, with_404) in [(vec![], false), (vec![2], false), (vec![0, 3, 4], true)] {
        let (case, grantees) = gated_case(5, &refused, with_404);
        let run = case.snapshot("acme", &[]);
        assert_code(&run, 0);
        let snap = case.latest("acme");
        // The readable repos' grants are all there.
        let mut got: Vec<&str> = snap.repo_access.iter().map(|r| r.repo.as_str()).collect();
        got.sort();
        let want: Vec<String> = (0..5)
            .filter(|i| !refused.contains(i))
            .map(|i| format!("acme/gated-{i}"))
            .collect();
        assert_eq!(got, want, "{refused:?}");
        // The manifest lists the others, each with the Hub's reason.
        let status = manifest_collector(&case, "repo_access");
        assert_eq!(status["status"], "ok");
        assert_eq!(status["rows"], 5 - refused.len());
        let listed: Vec<String> = status
            .get("unreadable")
            .and_then(|u| u.as_object())
            .map(|u| u.keys().cloned().collect())
            .unwrap_or_default();
        let expected: Vec<String> = refused
            .iter()
            .map(|i| format!("model/acme/gated-{i}"))
            .collect();
        assert_eq!(listed, expected, "{refused:?}");
        for (k, i) in refused.iter().enumerate() {
            let reason = status["unreadable"][format!("model/acme/gated-{i}")]
                .as_str()
                .unwrap();
            let code = if with_404 && k == 0 { "404" } else { "403" };
            assert!(reason.contains(code), "{reason}");
        }

        // Every grantee departed: gated-access findings for the readable
        // repos only, and the report says how many could not be read.
        let departed: Vec<&str> = grantees.iter().map(String::as_str).collect();
        let roster = crate::report::write_roster(&case, &departed);
        assert_code(&crate::report::report(&case, &roster, &[]), 1);
        let json = findings_json(&case);
        let mut gated: Vec<String> = json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == "departed_gated_access")
            .map(|f| {
                f["subject"]
                    .as_str()
                    .unwrap()
                    .split('@')
                    .nth(1)
                    .unwrap()
                    .to_string()
            })
            .collect();
        gated.sort();
        assert_eq!(gated, want, "{refused:?}");
        let incomplete = &json["orgs"][0]["incomplete"];
        let html = report_html(&case);
        if refused.is_empty() {
            assert!(incomplete.is_null(), "{incomplete}");
            assert!(!html.contains("gated repos could not be read"));
        } else {
            let reason = incomplete[0]["reason"].as_str().unwrap();
            let head = format!(
                "access to {} of 5 gated repos could not be read",
                refused.len()
            );
            assert_eq!(incomplete[0]["collector"], "repo_access");
            assert!(reason.starts_with(&head), "{reason}");
            assert!(
                reason.ends_with(": gated-access findings may be incomplete"),
                "{reason}"
            );
            assert!(html.contains(&head), "{head}");
        }
    }
}

#[test]
fn when_no_gated_repo_can_be_read_the_collector_is_unavailable() {
    let (case, _) = gated_case(2, &[0, 1], false);
    assert_code(&case.snapshot("acme", &[]), 0);
    let reason = reason(case.latest("acme").collector(Collector::RepoAccess));
    assert!(
        reason.starts_with("the access requests of none of the 2 gated repos could be read"),
        "{reason}"
    );
}
