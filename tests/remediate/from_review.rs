//! `hfaudit plan --review ID`: the revoke and change decisions of a closed
//! access review, planned and applied against the fake Hub of the parent
//! module. A revoke gets a leaver's calls; a change to a lower role keeps
//! every group; what is done already, raises a role, is the token's own
//! user or is muted by an exception is no call. An open or unknown review,
//! or `--rule` with `--review`, is exit 2 with nothing written.

use std::path::{Path, PathBuf};

use super::{ORG, apply, groups_of, revoked_tokens, role_of, writes};
use crate::harness::{Case, Run, assert_code};
use crate::review::sheet::{Dialect, Sheet};
use crate::run::write_roster;
use crate::support::fake_hub::fake_id;
use crate::support::generate::AUDITOR;

const REVIEWER: &str = "sec@acme.example";

/// The parent's world, snapshotted, with a review started on it (every
/// line to one reviewer; `dave` is a leaver whose departed_member finding
/// an exception accepts); returns the case, the roster, the exceptions
/// file and the review id.
fn started() -> (Case, PathBuf, PathBuf, String) {
    let case = super::case();
    let roster = write_roster(&case, &["dave"]);
    let exceptions = case.dir.path().join("exceptions.toml");
    std::fs::write(
        &exceptions,
        "[[exception]]\nrule = \"departed_member\"\nsubject = \"dave\"\nreason = \"on loan to the lab\"\n",
    )
    .unwrap();
    let (run, id) = crate::review::start(&case, &roster, &["--reviewers", REVIEWER]);
    assert_code(&run, 0);
    (case, roster, exceptions, id)
}

/// The reviewer's worksheet filled in and imported: alice revoked, bob
/// changed to read, carol revoked (she leaves the org before the plan),
/// dave changed to read (muted), the auditor changed to read (the token's
/// own user); the rest undecided.
fn decide(case: &Case, id: &str) {
    let dir = case
        .store_dir()
        .join("_reviews")
        .join(id)
        .join("worksheets");
    let mut sheet = Sheet::read(&dir.join(format!("{REVIEWER}.csv")));
    sheet
        .decide("acme:alice", "revoke", "", "left the project")
        .decide("acme:bob", "change", "read", "")
        .decide("acme:carol", "revoke", "", "")
        .decide("acme:dave", "change", "read", "")
        .decide(&format!("acme:{AUDITOR}"), "change", "read", "");
    let saved = sheet.save(&case.dir.path().join("returned/sec.csv"), Dialect::Plain);
    assert_code(
        &case.run(&["review", "import", "--review", id, saved.to_str().unwrap()]),
        0,
    );
}

fn close(case: &Case, id: &str) {
    assert_code(
        &case.run(&["review", "close", "--review", id, "--allow-undecided"]),
        0,
    );
}

fn plan_review(
    case: &Case,
    roster: &Path,
    exceptions: &Path,
    id: &str,
    extra: &[&str],
) -> (Run, PathBuf) {
    let mut args = vec![
        "--roster",
        roster.to_str().unwrap(),
        "--exceptions",
        exceptions.to_str().unwrap(),
        "--review",
        id,
    ];
    args.extend_from_slice(extra);
    super::plan_to(case, "review.json", &args)
}

/// carol leaves the org (and loses her grant and token with it), then a
/// snapshot: the plan is made from one where she is gone.
fn carol_leaves(case: &Case) {
    case.hub.with_world(|w| {
        let org = w.orgs.get_mut(ORG).unwrap();
        org.members.retain(|m| m.user != "carol");
        for g in org.resource_groups.iter_mut().flatten() {
            g.users.retain(|u| u.name != "carol");
        }
        for r in org.models.iter_mut() {
            r.accepted
                .retain(|a| a.user.as_ref().is_none_or(|u| u.user != "carol"));
        }
        if let Some(tokens) = org.tokens.as_mut() {
            tokens.retain(|t| t.owner != "carol");
        }
    });
    assert_code(&case.snapshot(ORG, &[]), 0);
}

#[test]
fn an_open_or_unknown_review_and_rule_with_review_are_refused_with_nothing_written() {
    let (case, roster, exceptions, id) = started();
    decide(&case, &id);
    let (open, out) = plan_review(&case, &roster, &exceptions, &id, &[]);
    assert_code(&open, 2);
    assert!(open.stderr.contains("is open"), "{}", open.stderr);
    assert!(!out.exists(), "nothing written");
    let (unknown, out) = plan_review(&case, &roster, &exceptions, "20200101T000000.000Z", &[]);
    assert_code(&unknown, 2);
    assert!(unknown.stderr.contains("no review"), "{}", unknown.stderr);
    assert!(!out.exists());
    close(&case, &id);
    let (with_rule, out) = plan_review(
        &case,
        &roster,
        &exceptions,
        &id,
        &["--rule", "departed_member"],
    );
    assert_code(&with_rule, 2);
    assert!(with_rule.stderr.contains("--rule"), "{}", with_rule.stderr);
    assert!(!out.exists());

    // A record of decisions changed after the close is not planned.
    let record = case
        .store_dir()
        .join("_reviews")
        .join(&id)
        .join("decisions.jsonl");
    let text = std::fs::read_to_string(&record).unwrap();
    std::fs::write(&record, text.replacen("\"read\"", "\"contributor\"", 1)).unwrap();
    let (tampered, out) = plan_review(&case, &roster, &exceptions, &id, &[]);
    assert_code(&tampered, 2);
    assert!(tampered.stderr.contains("sealed"), "{}", tampered.stderr);
    assert!(!out.exists());
    assert!(writes(&case).is_empty());
}

#[test]
fn a_closed_reviews_decisions_become_the_calls_and_apply_carries_them_out() {
    let (case, roster, exceptions, id) = started();
    decide(&case, &id);
    close(&case, &id);
    carol_leaves(&case);

    let (run, out) = plan_review(&case, &roster, &exceptions, &id, &[]);
    assert_code(&run, 0);
    assert!(writes(&case).is_empty());
    let sealed = hfaudit::remediate::file::read(&out).expect("a valid plan");
    let plan = &sealed.plan;
    assert_eq!(plan.review.as_deref(), Some(id.as_str()));
    let calls: Vec<(&str, &str)> = plan
        .steps
        .iter()
        .map(|s| (s.action.kind(), s.call.path.as_str()))
        .collect();
    // alice's grant, alice's token, then the role calls of alice and bob.
    assert_eq!(calls.len(), 4, "{calls:?}");
    assert_eq!(
        calls[0],
        (
            "reject_access",
            "/api/models/acme/secret-model/user-access-request/handle"
        )
    );
    assert_eq!(calls[1].0, "revoke_token");
    assert_eq!(
        calls[2],
        ("set_access", "/api/organizations/acme/members/alice/role")
    );
    assert_eq!(
        calls[3],
        ("set_access", "/api/organizations/acme/members/bob/role")
    );
    // Each step names the review line and who decided.
    for step in &plan.steps {
        assert!(step.findings.is_empty());
        let [d] = step.decisions.as_slice() else {
            panic!("{step:?}")
        };
        assert_eq!(d.review_id, id);
        assert_eq!(d.reviewer, REVIEWER);
        assert_eq!(d.worksheet, "sec.csv");
        assert!(d.worksheet_line > 1);
    }
    assert_eq!(plan.steps[0].decisions[0].line_id, "acme:alice");
    assert_eq!(plan.steps[3].decisions[0].line_id, "acme:bob");
    // alice: no_access and out of every group; bob: read, keeping both.
    assert_eq!(
        plan.steps[2].call.body,
        Some(serde_json::json!({"role": "no_access", "resourceGroups": []}))
    );
    let body = plan.steps[3].call.body.clone().unwrap();
    assert_eq!(body["role"], "read");
    let mut kept: Vec<String> = body["resourceGroups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            format!(
                "{}={}",
                g["id"].as_str().unwrap(),
                g["role"].as_str().unwrap()
            )
        })
        .collect();
    kept.sort();
    let mut want = vec![
        format!("{}=write", fake_id("group:research")),
        format!("{}=read", fake_id("group:infra")),
    ];
    want.sort();
    assert_eq!(kept, want);
    // alice's removal from the org is the manual step.
    assert_eq!(plan.manual.len(), 1, "{:?}", plan.manual);
    assert!(plan.manual[0].what.contains("remove alice from the org"));
    // carol is gone: already done; dave is muted; the auditor is the token's.
    assert_eq!(plan.already_done.len(), 1, "{:?}", plan.already_done);
    assert_eq!(plan.already_done[0].decisions[0].line_id, "acme:carol");
    let refused: Vec<(&str, &str)> = plan
        .refused
        .iter()
        .map(|r| (r.decisions[0].line_id.as_str(), r.reason.as_str()))
        .collect();
    assert_eq!(refused.len(), 2, "{refused:?}");
    assert!(
        refused
            .iter()
            .any(|(l, r)| *l == "acme:dave" && r.contains("on loan to the lab")),
        "{refused:?}"
    );
    assert!(
        refused
            .iter()
            .any(|(l, r)| *l == format!("acme:{AUDITOR}") && r.contains("token's own user")),
        "{refused:?}"
    );
    for text in [
        format!("for review {id}"),
        format!("review {id} line acme:bob: change to read (by {REVIEWER}, sec.csv line"),
        "already done".to_string(),
        "on loan to the lab".to_string(),
    ] {
        assert!(run.stdout.contains(&text), "{text}:\n{}", run.stdout);
    }

    let applied = apply(&case, &out, &[]);
    assert_code(&applied, 0);
    assert!(
        applied.stdout.contains("4 done, 0 already done, 0 failed"),
        "{}",
        applied.stdout
    );
    assert_eq!(role_of(&case, "alice").as_deref(), Some("no_access"));
    assert!(groups_of(&case, "alice").is_empty());
    assert_eq!(role_of(&case, "bob").as_deref(), Some("read"));
    assert_eq!(
        groups_of(&case, "bob"),
        [
            ("research".to_string(), "write".to_string()),
            ("infra".to_string(), "read".to_string())
        ]
    );
    assert_eq!(role_of(&case, "dave").as_deref(), Some("admin"));
    assert_eq!(role_of(&case, AUDITOR).as_deref(), Some("admin"));
    assert_eq!(revoked_tokens(&case), ["alice/ci"]);
    assert!(
        applied.stdout.contains(&format!(
            "review {id} line acme:bob: change to read (by {REVIEWER}, sec.csv line"
        )),
        "{}",
        applied.stdout
    );
    assert!(
        applied
            .stdout
            .contains("open: access removed, still a member"),
        "{}",
        applied.stdout
    );
    // The decisions with no call are in the closing report too.
    for (line, why) in [
        ("acme:dave", "on loan to the lab"),
        (
            &format!("acme:{AUDITOR}") as &str,
            "it is the token's own user",
        ),
    ] {
        let shown = applied.stdout.lines().find(|l| {
            l.contains(&format!("review {id} line {line}: change to read"))
                && l.contains(": refused, not applied: ")
        });
        assert!(
            shown.is_some_and(|l| l.contains(why)),
            "{line}:\n{}",
            applied.stdout
        );
    }
    assert!(
        applied
            .stdout
            .contains("2 decision(s) manual or refused (snapshot"),
        "{}",
        applied.stdout
    );
}

#[test]
fn subject_narrows_a_review_plan_to_one_account() {
    let (case, roster, exceptions, id) = started();
    decide(&case, &id);
    close(&case, &id);
    let (run, out) = plan_review(&case, &roster, &exceptions, &id, &["--subject", "acme:bob"]);
    assert_code(&run, 0);
    let plan = hfaudit::remediate::file::read(&out).unwrap().plan;
    let paths: Vec<&str> = plan.steps.iter().map(|s| s.call.path.as_str()).collect();
    assert_eq!(paths, ["/api/organizations/acme/members/bob/role"]);
    assert!(plan.refused.is_empty() && plan.manual.is_empty() && plan.already_done.is_empty());
    let (run, out) = plan_review(&case, &roster, &exceptions, &id, &["--subject", "nobody"]);
    assert_code(&run, 0);
    assert!(run.stdout.contains("no calls"), "{}", run.stdout);
    assert!(
        hfaudit::remediate::file::read(&out)
            .unwrap()
            .plan
            .steps
            .is_empty()
    );
}
