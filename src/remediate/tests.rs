//! Plans built from findings of real rule runs: zero, one and many leavers,
//! the refusals (last admin, the token's own user), manual steps, and the
//! sealed file.

use super::file;
use super::plan::*;
use crate::model::{GroupMember, RepoAccess, ResourceGroup, Snapshot};
use crate::report::Report;
use crate::rules::testkit::*;
use crate::rules::{Finding, Rule};

const RESEARCH: &str = "6771d4700000000000000001";
const INFRA: &str = "6771d4700000000000000002";

fn group(id: &str, name: &str) -> ResourceGroup {
    ResourceGroup {
        id: id.into(),
        name: name.into(),
        description: None,
        auto_join: false,
        repos: vec![],
        resources: vec![],
    }
}

fn in_group(snap: &mut Snapshot, user: &str, id: &str, role: &str) {
    let name = snap
        .groups
        .iter()
        .find(|g| g.id == id)
        .unwrap()
        .name
        .clone();
    snap.group_members.push(GroupMember {
        group_id: id.into(),
        group_name: name.clone(),
        username: user.into(),
        fullname: None,
        role: Some(role.into()),
        added_by: None,
    });
    let m = snap
        .members
        .iter_mut()
        .find(|m| m.username == user)
        .unwrap();
    m.resource_groups.push(name);
}

fn grant(snap: &mut Snapshot, user: &str, kind: &str, repo: &str) {
    snap.repo_access.push(RepoAccess {
        repo_type: kind.into(),
        repo: repo.into(),
        gated: "manual".into(),
        request_id: None,
        username: Some(user.into()),
        fullname: None,
        email: None,
        requested_at: Some(days_ago(100)),
        reviewed_at: Some(days_ago(99)),
        granted_by: None,
    });
}

/// An Enterprise org: `boss` (admin, active) and the given members.
fn org(members: Vec<crate::model::Member>) -> Snapshot {
    let mut all = vec![member("boss", "admin")];
    all.extend(members);
    let mut s = with_tokens(snapshot(all), vec![]);
    s.plan = Some("enterprise".into());
    s.groups = vec![group(RESEARCH, "research"), group(INFRA, "infra")];
    s
}

fn report_of(findings: Vec<Finding>) -> Report {
    let mut r = crate::report::testdata::empty_report();
    r.findings = findings;
    r
}

fn plan_for(snap: &Snapshot, people: &[crate::model::Person], selection: &Selection) -> Plan {
    plan_as(snap, people, selection, "boss")
}

fn plan_as(
    snap: &Snapshot,
    people: &[crate::model::Person],
    selection: &Selection,
    principal: &str,
) -> Plan {
    plan_of_findings(snap, run(snap, people), selection, principal)
}

/// The plan of `findings` in `snap`, for a token of `principal`.
fn plan_of_findings(
    snap: &Snapshot,
    findings: Vec<Finding>,
    selection: &Selection,
    principal: &str,
) -> Plan {
    build(
        &report_of(findings),
        &Basis {
            snapshots: &[snap],
            snapshot_ids: &["20260630T110000.000Z".to_string()],
            principal,
            endpoint: "https://huggingface.co",
            now: now(),
        },
        selection,
    )
}

fn kinds(plan: &Plan) -> Vec<&'static str> {
    plan.steps.iter().map(|s| s.action.kind()).collect()
}

/// A leaver `bob` (write) in both groups, with a model grant, a dataset
/// grant and two tokens.
fn bob_everywhere() -> (Snapshot, Vec<crate::model::Person>) {
    let mut s = org(vec![member("bob", "write")]);
    in_group(&mut s, "bob", RESEARCH, "write");
    in_group(&mut s, "bob", INFRA, "read");
    grant(&mut s, "bob", "model", "acme/secret-model");
    grant(&mut s, "bob", "dataset", "acme/secret-data");
    s = with_tokens(
        s,
        vec![
            token("bob", "t-bob-1", Some(10)),
            token("bob", "t-bob-2", None),
        ],
    );
    (s, vec![active("boss"), gone("bob")])
}

#[test]
fn nothing_to_fix_is_an_empty_plan() {
    let s = org(vec![member("alice", "write")]);
    let plan = plan_for(
        &s,
        &[active("boss"), active("alice")],
        &Selection::default(),
    );
    assert!(plan.steps.is_empty());
    assert!(plan.manual.is_empty());
    assert!(plan.refused.is_empty());
    assert_eq!(plan.orgs[0].snapshot_id, "20260630T110000.000Z");
}

#[test]
fn one_leaver_gets_every_call_in_order_and_the_removal_as_a_manual_step() {
    let (s, people) = bob_everywhere();
    let plan = plan_for(&s, &people, &Selection::default());
    assert_eq!(
        kinds(&plan),
        [
            "reject_access",
            "revoke_token",
            "revoke_token",
            "set_access"
        ]
    );
    let ids: Vec<&str> = plan.steps.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["acme#1", "acme#2", "acme#3", "acme#4"]);

    let reject = &plan.steps[0];
    assert_eq!(reject.call.method, "POST");
    assert_eq!(
        reject.call.path,
        "/api/models/acme/secret-model/user-access-request/handle"
    );
    let body = reject.call.body.as_ref().unwrap();
    assert_eq!(body["user"], "bob");
    assert_eq!(body["status"], "rejected");
    assert!(body["rejectionReason"].as_str().unwrap().len() <= 200);

    let revoke = &plan.steps[1];
    assert_eq!(
        revoke.call.path,
        "/api/organizations/acme/settings/tokens/t-bob-1/revoke"
    );
    assert!(revoke.call.body.is_none());
    let rules: Vec<Rule> = revoke.findings.iter().map(|f| f.rule).collect();
    assert!(rules.contains(&Rule::DepartedToken), "{rules:?}");

    // One role call: no_access and no group left, answering the member
    // finding and both group findings.
    let role = &plan.steps[3];
    assert_eq!(role.call.method, "PUT");
    assert_eq!(role.call.path, "/api/organizations/acme/members/bob/role");
    assert_eq!(
        role.call.body.as_ref().unwrap(),
        &serde_json::json!({"role": "no_access", "resourceGroups": []})
    );
    let mut answered: Vec<Rule> = role.findings.iter().map(|f| f.rule).collect();
    answered.sort();
    assert_eq!(
        answered,
        [
            Rule::DepartedMember,
            Rule::DepartedGroupAccess,
            Rule::DepartedGroupAccess
        ]
    );
    match &role.action {
        Action::SetAccess {
            role_from,
            remove,
            groups_before,
            ..
        } => {
            assert_eq!(role_from.as_deref(), Some("write"));
            assert_eq!(remove.len(), 2);
            assert_eq!(groups_before.len(), 2);
        }
        other => panic!("{other:?}"),
    }

    // Removing from the org and the dataset rejection have no documented call.
    let manual: Vec<&str> = plan.manual.iter().map(|m| m.what.as_str()).collect();
    assert!(
        manual.iter().any(|m| m.contains("remove bob from the org")),
        "{manual:?}"
    );
    assert!(
        manual
            .iter()
            .any(|m| m.contains("dataset acme/secret-data")),
        "{manual:?}"
    );
    assert!(plan.refused.is_empty());
}

#[test]
fn a_group_finding_alone_keeps_the_role_and_the_other_groups() {
    let (s, people) = bob_everywhere();
    let selection = Selection {
        rules: vec![Rule::DepartedGroupAccess],
        subjects: vec!["bob@research".into()],
    };
    let plan = plan_for(&s, &people, &selection);
    assert_eq!(kinds(&plan), ["set_access"]);
    assert_eq!(
        plan.steps[0].call.body.as_ref().unwrap(),
        &serde_json::json!({"role": "write", "resourceGroups": [{"id": INFRA, "role": "read"}]})
    );
    assert_eq!(
        plan.steps[0].action.describe(),
        "remove bob from resource group(s) research"
    );
}

#[test]
fn many_leavers_are_planned_each_with_their_own_calls() {
    let mut s = org(vec![
        member("bob", "write"),
        member("carol", "read"),
        member("dave", "contributor"),
        member("alice", "write"),
    ]);
    in_group(&mut s, "carol", RESEARCH, "read");
    grant(&mut s, "dave", "model", "acme/m1");
    grant(&mut s, "dave", "model", "acme/m2");
    let people = [
        active("boss"),
        active("alice"),
        gone("bob"),
        gone("carol"),
        gone("dave"),
    ];
    let plan = plan_for(&s, &people, &Selection::default());
    assert_eq!(
        kinds(&plan),
        [
            "reject_access",
            "reject_access",
            "set_access",
            "set_access",
            "set_access"
        ]
    );
    let users: Vec<String> = plan
        .steps
        .iter()
        .filter_map(|s| match &s.action {
            Action::SetAccess { username, .. } => Some(username.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(users, ["bob", "carol", "dave"]);
    assert_eq!(plan.manual.len(), 3, "{:?}", plan.manual);
    // Nobody active is touched.
    assert!(plan.steps.iter().all(|s| !s.call.path.contains("alice")));
}

#[test]
fn the_last_admin_is_never_demoted() {
    // boss (the token's user) stays admin; ann, the only other admin,
    // leaves: demoting her leaves boss, so it is planned. Alone, it is not.
    let s = org(vec![member("ann", "admin")]);
    let people = [active("boss"), gone("ann")];
    let plan = plan_for(&s, &people, &Selection::default());
    assert_eq!(kinds(&plan), ["set_access"]);

    let plan = last_admin_leaving();
    assert!(plan.steps.is_empty(), "{:?}", plan.steps);
    assert_eq!(plan.refused.len(), 1);
    assert!(
        plan.refused[0].reason.contains("last admin"),
        "{:?}",
        plan.refused
    );

    // Two leaving admins and no other: one is demoted, the other refused.
    let mut two = snapshot(vec![
        member("ann", "admin"),
        member("ben", "admin"),
        member("zed", "read"),
    ]);
    two.plan = Some("enterprise".into());
    let plan = plan_as(
        &two,
        &[gone("ann"), gone("ben"), active("zed")],
        &Selection::default(),
        "zed",
    );
    assert_eq!(kinds(&plan), ["set_access"]);
    assert_eq!(plan.refused.len(), 1);
}

#[test]
fn the_tokens_own_user_is_never_acted_on() {
    let (s, _) = bob_everywhere();
    let people = [active("boss"), gone("bob")];
    let plan = plan_as(&s, &people, &Selection::default(), "bob");
    assert!(plan.steps.is_empty(), "{:?}", kinds(&plan));
    assert!(!plan.refused.is_empty());
    assert!(
        plan.refused
            .iter()
            .all(|r| r.reason == "it is the token's own user")
    );
}

#[test]
fn tokens_on_a_team_plan_are_a_manual_step() {
    let (mut s, people) = bob_everywhere();
    s.plan = Some("team".into());
    let plan = plan_for(&s, &people, &Selection::default());
    assert!(!kinds(&plan).contains(&"revoke_token"));
    assert!(
        plan.manual
            .iter()
            .any(|m| m.how.contains("needs Enterprise")),
        "{:?}",
        plan.manual
    );
}

#[test]
fn muted_and_unselected_findings_are_not_planned() {
    let (s, people) = bob_everywhere();
    let mut findings = run(&s, &people);
    for f in &mut findings {
        if f.rule == Rule::DepartedGatedAccess {
            f.muted = Some("accepted until the audit".into());
        }
    }
    let plan = plan_of_findings(&s, findings, &Selection::default(), "boss");
    assert!(!kinds(&plan).contains(&"reject_access"));

    let only_tokens = Selection {
        rules: vec![Rule::DepartedToken],
        subjects: vec![],
    };
    assert_eq!(
        kinds(&plan_for(&s, &people, &only_tokens)),
        ["revoke_token", "revoke_token"]
    );
    let someone_else = Selection {
        rules: vec![],
        subjects: vec!["carol".into()],
    };
    assert!(plan_for(&s, &people, &someone_else).steps.is_empty());
}

#[test]
fn a_sealed_plan_reads_back_and_any_change_is_refused() {
    let (s, people) = bob_everywhere();
    let plan = plan_for(&s, &people, &Selection::default());
    let sealed = file::seal(&plan);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plan.json");
    std::fs::write(&path, sealed.to_bytes()).unwrap();
    let read = file::read(&path).unwrap();
    assert_eq!(read.plan, plan);
    assert_eq!(read.sha256, sealed.sha256);

    // Layout may change; meaning may not.
    let text = String::from_utf8(sealed.to_bytes()).unwrap();
    let compact: serde_json::Value = serde_json::from_str(&text).unwrap();
    std::fs::write(&path, serde_json::to_vec(&compact).unwrap()).unwrap();
    assert_eq!(file::read(&path).unwrap().sha256, sealed.sha256);

    for (from, to) in [
        ("\"bob\"", "\"boss\""),
        ("\"no_access\"", "\"admin\""),
        ("\"version\": 1", "\"version\": 1, \"extra\": 2"),
    ] {
        assert!(text.contains(from), "{from}");
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
        let err = file::read(&path).unwrap_err();
        assert_eq!(err.exit_code(), 2, "{err}");
    }
    std::fs::write(&path, &text[..text.len() / 2]).unwrap();
    let err = file::read(&path).unwrap_err().to_string();
    assert!(err.contains("plan.json:"), "{err}");
    assert!(err.contains("not a plan"), "{err}");
}

#[test]
fn a_leaver_already_without_access_gets_no_call_but_still_the_removal() {
    let s = org(vec![member("bob", "no_access")]);
    let plan = plan_for(&s, &[active("boss"), gone("bob")], &Selection::default());
    assert!(plan.steps.is_empty(), "{:?}", plan.steps);
    assert_eq!(plan.manual.len(), 1);
    assert!(plan.manual[0].what.contains("remove bob from the org"));
}

#[test]
fn invites_and_judgement_calls_are_manual_steps() {
    let mut s = org(vec![member("alice", "write")]);
    s.invites = vec![invite("eve", 3), invite("zoe", 90)];
    s = with_tokens(s, vec![token("alice", "t-alice", Some(400))]);
    let people = [active("boss"), active("alice"), gone("eve"), active("zoe")];

    // By default: the leaver's invitation only.
    let plan = plan_for(&s, &people, &Selection::default());
    assert!(plan.steps.is_empty());
    let what: Vec<&str> = plan.manual.iter().map(|m| m.what.as_str()).collect();
    assert_eq!(what, ["cancel the invitation of eve"]);
    assert!(
        plan.manual[0].how.contains("Invitations"),
        "{:?}",
        plan.manual
    );

    // Named: the stale invite (manual) and the stale token (a call).
    let named = Selection {
        rules: vec![Rule::StaleInvite, Rule::StaleToken],
        subjects: vec![],
    };
    let plan = plan_for(&s, &people, &named);
    assert_eq!(kinds(&plan), ["revoke_token"]);
    assert!(
        plan.steps[0]
            .call
            .path
            .ends_with("/settings/tokens/t-alice/revoke")
    );
    assert_eq!(plan.manual.len(), 1, "{:?}", plan.manual);
    assert!(plan.manual[0].what.contains("zoe"));

    // A rule no call fixes is a decision for a person.
    let judgement = Selection {
        rules: vec![Rule::MemberWithout2fa],
        subjects: vec![],
    };
    let mut no_2fa = s.clone();
    no_2fa.members[1].two_fa = Some(false);
    let plan = plan_for(&no_2fa, &people, &judgement);
    assert!(plan.steps.is_empty());
    assert_eq!(plan.manual.len(), 1);
    assert!(
        plan.manual[0].what.starts_with("decide on alice"),
        "{:?}",
        plan.manual
    );
}

mod review {
    //! Plans of a closed review's decisions ([`build_review`]).

    use super::*;
    use crate::review::Population;
    use crate::review::decisions::{Decision, Verdict};

    const REVIEW: &str = "20260701T090000.000Z";

    fn decision(user: &str, verdict: Verdict, new_role: Option<&str>, line: u64) -> Decision {
        Decision {
            line_id: format!("acme:{user}"),
            org: "acme".into(),
            username: user.into(),
            decision: verdict,
            new_role: new_role.map(str::to_string),
            note: None,
            reviewer: "sec@acme.example".into(),
            recorded_at: now(),
            worksheet: "sec.csv".into(),
            worksheet_sha256: "00".repeat(32),
            worksheet_line: line,
        }
    }

    fn plan_of(snap: &Snapshot, findings: Vec<Finding>, decisions: &[Decision]) -> Plan {
        plan_with(snap, findings, decisions, Vec::new())
    }

    fn plan_with(
        snap: &Snapshot,
        findings: Vec<Finding>,
        decisions: &[Decision],
        lines: Vec<crate::review::Line>,
    ) -> Plan {
        let population = Population {
            schema_version: 1,
            review_id: REVIEW.into(),
            lines,
        };
        build_review(
            &report_of(findings),
            &Basis {
                snapshots: &[snap],
                snapshot_ids: &["20260630T110000.000Z".to_string()],
                principal: "boss",
                endpoint: "https://huggingface.co",
                now: now(),
            },
            &Review {
                review_id: REVIEW,
                population: &population,
                decisions,
                subjects: &[],
            },
        )
    }

    #[test]
    fn no_acting_decision_is_an_empty_plan() {
        let (s, _) = bob_everywhere();
        for decisions in [vec![], vec![decision("bob", Verdict::Keep, None, 2)]] {
            let plan = plan_of(&s, vec![], &decisions);
            assert_eq!(plan.review.as_deref(), Some(REVIEW));
            assert!(plan.steps.is_empty() && plan.manual.is_empty());
            assert!(plan.refused.is_empty() && plan.already_done.is_empty());
        }
    }

    #[test]
    fn a_revoke_gets_every_call_a_leaver_gets_named_by_its_decision() {
        let (s, people) = bob_everywhere();
        let from_findings = plan_for(&s, &people, &Selection::default());
        let plan = plan_of(&s, vec![], &[decision("bob", Verdict::Revoke, None, 7)]);
        // The same calls, in the same order, as bob's findings get.
        let calls = |p: &Plan| -> Vec<Call> { p.steps.iter().map(|s| s.call.clone()).collect() };
        let mut want = calls(&from_findings);
        // The rejection reason names the review instead of the rule.
        want[0].body = Some(crate::hub::remediate::reject_body(
            "bob",
            &format!("hfaudit: access review {REVIEW}"),
        ));
        assert_eq!(calls(&plan), want);
        for step in &plan.steps {
            assert!(step.findings.is_empty());
            assert_eq!(step.decisions.len(), 1);
            assert_eq!(step.decisions[0].worksheet_line, 7);
            assert!(
                step.why[0].contains("sec@acme.example decided revoke"),
                "{:?}",
                step.why
            );
        }
        // The dataset rejection and the removal from the org are manual.
        let manual: Vec<&str> = plan.manual.iter().map(|m| m.what.as_str()).collect();
        assert_eq!(manual.len(), 2, "{manual:?}");
        assert!(manual.iter().any(|m| m.contains("gated dataset")));
        assert!(manual.iter().any(|m| m.contains("remove bob from the org")));
    }

    #[test]
    fn a_change_lowers_the_role_and_keeps_every_group() {
        let (s, _) = bob_everywhere();
        let plan = plan_of(
            &s,
            vec![],
            &[decision("bob", Verdict::Change, Some("read"), 3)],
        );
        assert_eq!(kinds(&plan), ["set_access"]);
        assert_eq!(
            plan.steps[0].call.body,
            Some(crate::hub::remediate::role_body(
                "read",
                &[
                    (RESEARCH.to_string(), "write".to_string()),
                    (INFRA.to_string(), "read".to_string())
                ]
            ))
        );
        let Action::SetAccess { remove, .. } = &plan.steps[0].action else {
            panic!()
        };
        assert!(remove.is_empty());
        assert!(plan.manual.is_empty());
    }

    #[test]
    fn gone_same_raised_muted_and_self_are_no_call() {
        let mut s = org(vec![
            member("bob", "write"),
            member("carol", "read"),
            member("erin", "read"),
        ]);
        grant(&mut s, "erin", "model", "acme/secret-model");
        // erin left; an exception accepts her access to the model.
        let people = [active("boss"), active("bob"), active("carol"), gone("erin")];
        let mut findings = run(&s, &people);
        for f in &mut findings {
            if f.rule == Rule::DepartedGatedAccess {
                f.muted = Some("the auditors asked for it".into());
            }
        }
        assert!(findings.iter().any(Finding::is_muted));
        let plan = plan_of(
            &s,
            findings,
            &[
                // Gone from the snapshot: nothing to do.
                decision("zoe", Verdict::Revoke, None, 2),
                decision("yan", Verdict::Change, Some("read"), 3),
                // Already so.
                decision("carol", Verdict::Change, Some("read"), 4),
                // A raise is no plan's business.
                decision("bob", Verdict::Change, Some("admin"), 5),
                // The token's own user, and the last admin.
                decision("boss", Verdict::Change, Some("read"), 6),
                // Muted grant: refused; the role call goes ahead.
                decision("erin", Verdict::Revoke, None, 8),
            ],
        );
        let done: Vec<&str> = plan
            .already_done
            .iter()
            .map(|d| d.decisions[0].line_id.as_str())
            .collect();
        assert_eq!(done, ["acme:zoe", "acme:yan", "acme:carol"]);
        let refused: Vec<(&str, &str)> = plan
            .refused
            .iter()
            .map(|r| (r.decisions[0].line_id.as_str(), r.reason.as_str()))
            .collect();
        assert_eq!(refused.len(), 3, "{refused:?}");
        assert!(refused[0].0 == "acme:bob" && refused[0].1.contains("raises the role"));
        assert!(refused[1].0 == "acme:erin" && refused[1].1.contains("the auditors asked for it"));
        assert!(refused[2].0 == "acme:boss" && refused[2].1.contains("token's own user"));
        let paths: Vec<&str> = plan.steps.iter().map(|s| s.call.path.as_str()).collect();
        assert_eq!(paths, ["/api/organizations/acme/members/erin/role"]);
    }

    #[test]
    fn the_last_admin_is_not_demoted_by_a_review_either() {
        let decisions = [decision("ann", Verdict::Change, Some("write"), 2)];
        // Two admins (boss and ann): ann may go.
        let s = org(vec![member("ann", "admin")]);
        assert_eq!(kinds(&plan_of(&s, vec![], &decisions)), ["set_access"]);
        // ann alone: refused.
        let mut alone = s.clone();
        alone.members.retain(|m| m.username != "boss");
        let plan = plan_of(&alone, vec![], &decisions);
        assert!(plan.steps.is_empty());
        assert!(
            plan.refused[0].reason.contains("last admin of acme"),
            "{:?}",
            plan.refused
        );
    }

    #[test]
    fn a_refused_revoke_plans_no_removal_from_the_org() {
        // The token's own user (boss, with ann a second admin).
        let s = org(vec![member("ann", "admin")]);
        let plan = plan_of(&s, vec![], &[decision("boss", Verdict::Revoke, None, 2)]);
        super::nothing_for(&plan, "boss");
        assert!(
            plan.refused[0]
                .what
                .ends_with("and remove boss from the org")
                && plan.refused[0].reason == "it is the token's own user",
            "{:?}",
            plan.refused
        );

        // The last admin.
        let mut alone = s.clone();
        alone.members.retain(|m| m.username != "boss");
        let plan = plan_of(&alone, vec![], &[decision("ann", Verdict::Revoke, None, 2)]);
        super::nothing_for(&plan, "ann");
        assert!(
            plan.refused[0].reason.contains("last admin of acme"),
            "{:?}",
            plan.refused
        );

        // An exception on the account: its role call and removal refused.
        let (s, findings) = super::bob_on_loan();
        let plan = plan_of(&s, findings, &[decision("bob", Verdict::Revoke, None, 2)]);
        assert!(!kinds(&plan).contains(&"set_access"), "{:?}", kinds(&plan));
        assert!(
            super::removals(&plan, "bob").is_empty(),
            "{:?}",
            plan.manual
        );
        assert!(
            plan.refused
                .iter()
                .any(|r| r.what.ends_with("remove bob from the org")
                    && r.reason.contains("on loan to the lab")),
            "{:?}",
            plan.refused
        );
    }

    #[test]
    fn revoking_a_service_account_is_a_manual_deletion() {
        let s = with_service_accounts(org(vec![]), vec![service_account("ci-bot")]);
        let mut line = crate::review::worksheet::tests_line();
        line.line_id = "acme:ci-bot".into();
        line.kind = "service_account".into();
        let decisions = [decision("ci-bot", Verdict::Revoke, None, 2)];
        let plan = plan_with(&s, vec![], &decisions, vec![line]);
        assert!(plan.steps.is_empty());
        let [m] = plan.manual.as_slice() else {
            panic!("{:?}", plan.manual)
        };
        assert!(m.what.contains("delete the service account ci-bot"));
        assert_eq!(m.decisions[0].line_id, "acme:ci-bot");
        // Not listed (any more): already done.
        let gone = plan_with(&org(vec![]), vec![], &decisions, vec![]);
        assert_eq!(gone.already_done.len(), 1);
    }
}

/// [`bob_everywhere`]'s findings, with bob's departed_member muted by an
/// exception ("on loan to the lab").
fn bob_on_loan() -> (Snapshot, Vec<Finding>) {
    let (s, people) = bob_everywhere();
    let mut findings = run(&s, &people);
    for f in &mut findings {
        if f.rule == Rule::DepartedMember {
            f.muted = Some("on loan to the lab".into());
        }
    }
    (s, findings)
}

/// The plan of an org whose one admin, ann, leaves (the token is zed's, a
/// reader).
fn last_admin_leaving() -> Plan {
    let mut alone = snapshot(vec![member("ann", "admin"), member("zed", "read")]);
    alone.plan = Some("enterprise".into());
    plan_as(
        &alone,
        &[gone("ann"), active("zed")],
        &Selection::default(),
        "zed",
    )
}

/// `plan` sends no call and plans no removal of `user` from the org.
fn nothing_for(plan: &Plan, user: &str) {
    assert!(plan.steps.is_empty(), "{:?}", plan.steps);
    assert!(removals(plan, user).is_empty(), "{:?}", plan.manual);
}

/// The manual steps removing `user` from the org.
fn removals<'p>(plan: &'p Plan, user: &str) -> Vec<&'p Manual> {
    let what = format!("remove {user} from the org");
    plan.manual
        .iter()
        .filter(|m| m.what.starts_with(&what))
        .collect()
}

#[test]
fn a_refused_role_call_plans_no_removal_from_the_org() {
    // The token's own user leaving: the role call and the removal refused.
    let (s, people) = bob_everywhere();
    let plan = plan_as(&s, &people, &Selection::default(), "bob");
    assert!(removals(&plan, "bob").is_empty(), "{:?}", plan.manual);
    assert!(
        plan.refused
            .iter()
            .any(|r| r.what.ends_with("and remove bob from the org")
                && r.reason == "it is the token's own user"),
        "{:?}",
        plan.refused
    );

    // The last admin leaving: refused, and no removal either.
    let plan = last_admin_leaving();
    assert!(removals(&plan, "ann").is_empty(), "{:?}", plan.manual);
    assert!(
        plan.refused[0]
            .what
            .ends_with("and remove ann from the org")
            && plan.refused[0].reason.contains("last admin"),
        "{:?}",
        plan.refused
    );

    // A leaver whose departed_member finding an exception accepts: the
    // group findings are planned, the removal is not.
    let (s, findings) = bob_on_loan();
    let plan = plan_of_findings(&s, findings, &Selection::default(), "boss");
    assert!(kinds(&plan).contains(&"set_access"));
    assert!(removals(&plan, "bob").is_empty(), "{:?}", plan.manual);

    // Not refused: the removal is planned, once, for the member finding.
    let (s, people) = bob_everywhere();
    let plan = plan_for(&s, &people, &Selection::default());
    let [removal] = removals(&plan, "bob")[..] else {
        panic!("{:?}", plan.manual)
    };
    assert_eq!(removal.findings.len(), 1);
    assert_eq!(removal.findings[0].rule, Rule::DepartedMember);
}
