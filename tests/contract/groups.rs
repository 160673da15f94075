//! Resource groups hold more than repos: every kind the Hub's description
//! lists is recorded with its type, and a kind it does not list yet is
//! kept as `other`, never a failed snapshot. Zero, one and many.

use hfaudit::model::GroupResource;

use crate::harness::{Case, assert_code};
use crate::support::fake_hub::{Endpoint, Group, GroupRepo, Org, OrgMember, World};
use crate::support::generate::world_for;

fn group(id: &str, resources: Vec<GroupRepo>) -> Group {
    Group {
        id: crate::support::fake_hub::fake_id(id),
        name: id.into(),
        description: format!("{id} team"),
        repos: resources,
        ..Group::default()
    }
}

fn world(groups: Vec<Group>) -> World {
    let mut org = Org::new("acme");
    org.members.push(OrgMember::new("alice", "write"));
    org.resource_groups = Some(groups);
    world_for(vec![org])
}

fn resources(case: &Case) -> Vec<(String, Vec<GroupResource>)> {
    assert_code(&case.snapshot("acme", &[]), 0);
    let snap = case.latest("acme");
    snap.groups
        .into_iter()
        .map(|g| (g.name, g.resources))
        .collect()
}

fn kinds(list: &[GroupResource]) -> Vec<(&str, &str, Option<&str>)> {
    list.iter()
        .map(|r| (r.kind.as_str(), r.id.as_str(), r.title.as_deref()))
        .collect()
}

#[test]
fn a_group_with_no_resources_has_none() {
    let case = Case::new(world(vec![group("empty", vec![])]));
    let got = resources(&case);
    assert_eq!(got.len(), 1);
    assert!(got[0].1.is_empty());
}

#[test]
fn one_resource_of_each_kind_is_recorded_with_its_type() {
    let each = [
        GroupRepo::repo("model", "acme/llm", true, "alice"),
        GroupRepo::repo("dataset", "acme/data", false, ""),
        GroupRepo::repo("space", "acme/demo", true, ""),
        GroupRepo::repo("bucket", "acme/artifacts", true, ""),
        GroupRepo::repo("kernel", "acme/kern", false, ""),
        GroupRepo::titled("collection", "acme/picks-66aa01", "Our picks", false),
        GroupRepo::titled("blog", "acme/launch", "Launch post", true),
        GroupRepo::job("job", "687f00aa11", ""),
        GroupRepo::job("scheduled-job", "687f00bb22", "nightly-eval"),
    ];
    let groups = each
        .iter()
        .map(|r| group(&format!("g-{}", r.kind), vec![r.clone()]))
        .collect();
    let case = Case::new(world(groups));
    let got = resources(&case);
    assert_eq!(got.len(), each.len());
    let want = [
        ("model", "acme/llm", None),
        ("dataset", "acme/data", None),
        ("space", "acme/demo", None),
        ("bucket", "acme/artifacts", None),
        ("kernel", "acme/kern", None),
        ("collection", "acme/picks-66aa01", Some("Our picks")),
        ("blog", "acme/launch", Some("Launch post")),
        ("job", "687f00aa11", None),
        ("scheduled-job", "687f00bb22", Some("nightly-eval")),
    ];
    for (want, (name, list)) in want.iter().zip(&got) {
        assert_eq!(kinds(list), vec![*want], "{name}");
        assert_eq!(list[0].raw_type, want.0);
    }
    // `repos` keeps the repos only, as before.
    let snap = case.latest("acme");
    let repos: Vec<&String> = snap.groups.iter().flat_map(|g| &g.repos).collect();
    assert_eq!(repos.len(), 5, "{repos:?}");
    assert!(repos.contains(&&"bucket/acme/artifacts".to_string()));
}

#[test]
fn many_resources_of_mixed_kinds_keep_their_order() {
    let mixed = vec![
        GroupRepo::titled("collection", "acme/a", "A", true),
        GroupRepo::repo("model", "acme/m1", true, "alice"),
        GroupRepo::job("job", "j1", "train"),
        GroupRepo::repo("model", "acme/m2", false, ""),
        GroupRepo::titled("blog", "acme/b", "B", false),
    ];
    let case = Case::new(world(vec![group("mixed", mixed), group("empty", vec![])]));
    let got = resources(&case);
    assert_eq!(
        kinds(&got[0].1),
        [
            ("collection", "acme/a", Some("A")),
            ("model", "acme/m1", None),
            ("job", "j1", Some("train")),
            ("model", "acme/m2", None),
            ("blog", "acme/b", Some("B")),
        ]
    );
    assert!(got[1].1.is_empty());
}

/// A kind the description does not know yet: kept as `other` with its raw
/// type; the snapshot does not fail.
#[test]
fn an_unknown_kind_is_kept_as_other() {
    let future = GroupRepo {
        kind: "notebook".into(),
        id: "nb-42".into(),
        ..GroupRepo::default()
    };
    let case = Case::new(world(vec![group(
        "future",
        vec![future, GroupRepo::repo("model", "acme/llm", true, "")],
    )]));
    case.hub.expect_off_contract(
        Endpoint::ResourceGroups,
        "a resource kind the description lacks",
    );
    let got = resources(&case);
    let list = &got[0].1;
    assert_eq!(
        kinds(list),
        [("other", "nb-42", None), ("model", "acme/llm", None)]
    );
    assert_eq!(list[0].raw_type, "notebook");
    assert_eq!(case.hub.exempt_violations().len(), 1);
}

/// The HTML report lists the other resources of a group a leaver is still in.
#[test]
fn the_report_lists_a_groups_other_resources() {
    let mut g = group(
        "research",
        vec![
            GroupRepo::repo("model", "acme/llm", true, ""),
            GroupRepo::titled("collection", "acme/picks-66aa01", "Our picks", false),
            GroupRepo::job("scheduled-job", "687f00bb22", "nightly-eval"),
        ],
    );
    g.users = vec![crate::support::fake_hub::GroupUser {
        id: crate::support::fake_hub::fake_id("alice"),
        name: "alice".into(),
        fullname: "Alice".into(),
        role: "write".into(),
        added_by: "auditor".into(),
    }];
    let case = Case::new(world(vec![g]));
    assert_code(&case.snapshot("acme", &[]), 0);
    let roster = crate::report::write_roster(&case, &["alice"]);
    assert_code(&crate::report::report(&case, &roster, &[]), 1);
    let html = std::fs::read_to_string(case.dir.path().join("out/report.html")).unwrap();
    assert!(
        html.contains("Other resources"),
        "no Other resources in the report"
    );
    assert!(html.contains("collection acme&#x2f;picks-66aa01 (Our picks)"));
    assert!(html.contains("scheduled-job 687f00bb22 (nightly-eval)"));
    assert!(
        !html.contains("model acme/llm ("),
        "repos are listed as repos"
    );
}
