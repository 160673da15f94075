//! `hfaudit plan` and `hfaudit apply` against the fake Hub: the plan of an
//! Enterprise org with three leavers, applied, re-applied (everything
//! already done), applied through failures (a 500, a 403, a 429 storm),
//! killed and resumed from the log, and refused when stale, changed, too
//! old, unconfirmed or for a token that may not write. The token's value
//! is never in the plan, the log or any output.

use std::path::{Path, PathBuf};

use crate::harness::{Case, Run, assert_code, files_below};
use crate::run::write_roster;
use crate::support::fake_hub::{
    AccessGrant, AccessUser, Endpoint, Fault, FaultKind, Group, GroupUser, MemberToken, Org,
    OrgMember, Repo, Scoped, TokenInfo, World, fake_id,
};
use crate::support::generate::{ADMIN_TOKEN, AUDITOR};

mod batches;
mod from_review;
#[cfg(target_os = "linux")]
mod tty;

const ORG: &str = "acme";
const LEAVERS: [&str; 3] = ["bob", "carol", "dave"];

fn group_user(user: &str, role: &str) -> GroupUser {
    GroupUser {
        id: fake_id(user),
        name: user.into(),
        fullname: user.into(),
        role: role.into(),
        added_by: AUDITOR.into(),
    }
}

fn grant(user: &str) -> AccessGrant {
    AccessGrant {
        user: Some(AccessUser {
            id: fake_id(user),
            user: user.into(),
            fullname: user.into(),
            email: Some(format!("{user}@acme.example")),
        }),
        timestamp: "2026-02-01T10:00:00.000Z".into(),
        reviewed_at: "2026-02-02T10:00:00.000Z".into(),
        granted_by: AUDITOR.into(),
        reset_reason: None,
    }
}

/// An Enterprise org: `auditor` (admin, the token's user), `alice` (write,
/// staying) and three leavers: `bob` (write; in research and infra; access
/// to a gated model and a gated dataset; two tokens), `carol` (read; in
/// research; the model; one token) and `dave` (a second admin; no groups).
fn world() -> World {
    let mut org = Org::new(ORG);
    org.plan = Some("enterprise".into());
    org.members = vec![
        OrgMember::new(AUDITOR, "admin"),
        OrgMember::new("alice", "write"),
        OrgMember::new("bob", "write"),
        OrgMember::new("carol", "read"),
        OrgMember::new("dave", "admin"),
    ];
    let group = |name: &str, users: Vec<GroupUser>| Group {
        id: fake_id(&format!("group:{name}")),
        name: name.into(),
        description: String::new(),
        auto_join: false,
        users,
        repos: vec![],
        legacy_repos_field: false,
    };
    org.resource_groups = Some(vec![
        group(
            "research",
            vec![
                group_user("alice", "write"),
                group_user("bob", "write"),
                group_user("carol", "read"),
            ],
        ),
        group("infra", vec![group_user("bob", "read")]),
    ]);
    let mut model = Repo::new("acme/secret-model", true, Some("manual"));
    model.accepted = vec![grant("bob"), grant("carol"), grant("alice")];
    let mut data = Repo::new("acme/secret-data", true, Some("manual"));
    data.accepted = vec![grant("bob")];
    org.models = vec![model];
    org.datasets = vec![data];
    org.tokens = Some(vec![
        MemberToken::new("bob", "ci", "write").used("2026-06-01T10:00:00.000Z"),
        MemberToken::new("bob", "laptop", "read"),
        MemberToken::new("carol", "notebook", "read"),
        MemberToken::new("alice", "ci", "write"),
    ]);
    World::single(org, ADMIN_TOKEN)
}

fn case() -> Case {
    let case = Case::new(world());
    assert_code(&case.snapshot(ORG, &[]), 0);
    case
}

fn plan(case: &Case, extra: &[&str]) -> (Run, PathBuf) {
    let roster = write_roster(case, &LEAVERS);
    let roster = roster.to_str().unwrap();
    let mut args = vec!["--roster", roster, "--as-of", "2026-07-01"];
    args.extend_from_slice(extra);
    plan_to(case, "plan.json", &args)
}

/// `hfaudit plan --org acme ARGS --out plans/NAME`: the run and the plan.
fn plan_to(case: &Case, name: &str, args: &[&str]) -> (Run, PathBuf) {
    let out = case.dir.path().join("plans").join(name);
    let mut all = vec!["plan", "--org", ORG];
    all.extend_from_slice(args);
    all.extend(["--out", out.to_str().unwrap()]);
    (case.run(&all), out)
}

fn apply(case: &Case, plan: &Path, extra: &[&str]) -> Run {
    let mut args = vec![
        "apply",
        plan.to_str().unwrap(),
        "--yes",
        "--backoff-ms",
        "10",
    ];
    args.extend_from_slice(extra);
    case.run(&args)
}

fn writes(case: &Case) -> Vec<(String, String)> {
    case.hub
        .requests()
        .into_iter()
        .filter(|r| r.method != "GET")
        .map(|r| (r.method, r.path))
        .collect()
}

fn role_of(case: &Case, user: &str) -> Option<String> {
    case.hub
        .with_world(|w| w.orgs[ORG].role_of(user).map(str::to_string))
}

fn groups_of(case: &Case, user: &str) -> Vec<(String, String)> {
    case.hub.with_world(|w| {
        w.orgs[ORG]
            .resource_groups
            .iter()
            .flatten()
            .filter_map(|g| {
                g.users
                    .iter()
                    .find(|u| u.name == user)
                    .map(|u| (g.name.clone(), u.role.clone()))
            })
            .collect()
    })
}

fn accepted_on_model(case: &Case) -> Vec<String> {
    case.hub.with_world(|w| {
        w.orgs[ORG].models[0]
            .accepted
            .iter()
            .filter(|g| g.reset_reason.is_none())
            .filter_map(|g| g.user.as_ref().map(|u| u.user.clone()))
            .collect()
    })
}

fn revoked_tokens(case: &Case) -> Vec<String> {
    case.hub.with_world(|w| {
        let mut owners: Vec<String> = w.orgs[ORG]
            .tokens
            .iter()
            .flatten()
            .filter(|t| t.status_value() == Some("revoked"))
            .map(|t| format!("{}/{}", t.owner, t.display_name))
            .collect();
        owners.sort();
        owners
    })
}

fn log_lines(case: &Case) -> Vec<serde_json::Value> {
    let path = case.store_dir().join(ORG).join("_remediation.jsonl");
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

#[test]
fn a_plan_lists_every_call_and_changes_nothing() {
    let case = case();
    let before = case.hub.request_count();
    let (run, out) = plan(&case, &[]);
    assert_code(&run, 0);
    // whoami only.
    assert_eq!(case.hub.request_count() - before, 1, "{:?}", writes(&case));
    assert!(writes(&case).is_empty());
    for text in [
        "reject_access",
        "revoke_token",
        "set_access",
        "POST /api/models/acme/secret-model/user-access-request/handle",
        "PUT /api/organizations/acme/members/bob/role",
        "remove bob from the org",
        "gated dataset acme/secret-data",
        "review it, then run `hfaudit apply",
    ] {
        assert!(run.stdout.contains(text), "{text}:\n{}", run.stdout);
    }
    let sealed = hfaudit::remediate::file::read(&out).expect("a valid plan");
    let kinds: Vec<&str> = sealed.plan.steps.iter().map(|s| s.action.kind()).collect();
    // bob's and carol's grants, bob's two tokens and carol's, three role calls.
    assert_eq!(
        kinds,
        [
            "reject_access",
            "reject_access",
            "revoke_token",
            "revoke_token",
            "revoke_token",
            "set_access",
            "set_access",
            "set_access"
        ]
    );
    assert!(
        !sealed
            .plan
            .steps
            .iter()
            .any(|s| s.call.path.contains("alice")),
        "alice stays"
    );
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let dir_mode = std::fs::metadata(out.parent().unwrap())
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(dir_mode, 0o700);
}

#[test]
fn apply_does_every_call_then_a_second_apply_finds_everything_done() {
    let case = case();
    let (run, out) = plan(&case, &[]);
    assert_code(&run, 0);

    let run = apply(&case, &out, &[]);
    assert_code(&run, 0);
    assert!(
        run.stdout.contains("8 done, 0 already done, 0 failed"),
        "{}",
        run.stdout
    );
    for leaver in LEAVERS {
        assert_eq!(
            role_of(&case, leaver).as_deref(),
            Some("no_access"),
            "{leaver}"
        );
        assert!(groups_of(&case, leaver).is_empty(), "{leaver}");
    }
    assert_eq!(role_of(&case, "alice").as_deref(), Some("write"));
    assert_eq!(
        groups_of(&case, "alice"),
        [("research".to_string(), "write".to_string())]
    );
    assert_eq!(role_of(&case, AUDITOR).as_deref(), Some("admin"));
    assert_eq!(accepted_on_model(&case), ["alice"]);
    assert_eq!(
        revoked_tokens(&case),
        ["bob/ci", "bob/laptop", "carol/notebook"]
    );
    // The closing snapshot shows the calls' findings closed; the member
    // findings stay open until the manual removal.
    assert!(
        run.stdout.contains("open: access removed, still a member"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("closed"), "{}", run.stdout);
    let latest = case.latest(ORG);
    assert!(
        latest
            .tokens
            .iter()
            .filter(|t| t.owner == "bob")
            .all(|t| t.is_revoked())
    );

    // The log: started and done for every call, then the closing snapshot.
    let log = log_lines(&case);
    let outcomes: Vec<&str> = log.iter().map(|l| l["outcome"].as_str().unwrap()).collect();
    assert_eq!(outcomes.iter().filter(|o| **o == "started").count(), 8);
    assert_eq!(outcomes.iter().filter(|o| **o == "done").count(), 9);
    assert!(
        log.iter()
            .all(|l| l["plan_sha256"].as_str().unwrap().len() == 64)
    );
    use std::os::unix::fs::PermissionsExt;
    let log_path = case.store_dir().join(ORG).join("_remediation.jsonl");
    assert_eq!(
        std::fs::metadata(&log_path).unwrap().permissions().mode() & 0o777,
        0o600
    );

    // Again: the plan is still fresh (the newer snapshot is its own), and
    // the log settles every step.
    case.hub.reset_requests();
    let again = apply(&case, &out, &[]);
    assert_code(&again, 0);
    assert!(
        again.stdout.contains("0 done, 8 already done, 0 failed"),
        "{}",
        again.stdout
    );
    assert!(writes(&case).is_empty(), "{:?}", writes(&case));
}

#[test]
fn a_role_call_keeps_the_groups_it_does_not_remove() {
    let case = case();
    let (run, out) = plan(
        &case,
        &[
            "--rule",
            "departed_group_access",
            "--subject",
            "bob@research",
        ],
    );
    assert_code(&run, 0);
    let run = apply(&case, &out, &[]);
    assert_code(&run, 0);
    assert_eq!(role_of(&case, "bob").as_deref(), Some("write"));
    assert_eq!(
        groups_of(&case, "bob"),
        [("infra".to_string(), "read".to_string())]
    );
    let sent: Vec<_> = case
        .hub
        .requests()
        .into_iter()
        .filter(|r| r.method == "PUT")
        .collect();
    assert_eq!(sent.len(), 1);
    let body: serde_json::Value = serde_json::from_slice(sent[0].body.as_deref().unwrap()).unwrap();
    assert_eq!(
        body,
        serde_json::json!({
            "role": "write",
            "resourceGroups": [{"id": fake_id("group:infra"), "role": "read"}]
        })
    );
}

#[test]
fn a_failed_call_does_not_stop_the_others_and_a_rerun_finishes() {
    let case = case();
    let (run, out) = plan(&case, &[]);
    assert_code(&run, 0);
    // The first revoke fails for good (403), the first role call gets 500s
    // through every retry, the first rejection gets a short 429 storm.
    case.hub
        .add_fault(Fault::new(Endpoint::RevokeToken, FaultKind::Status(403)).once());
    case.hub
        .add_fault(Fault::new(Endpoint::RoleChange, FaultKind::Status(500)).times(4));
    case.hub.add_fault(
        Fault::new(
            Endpoint::HandleAccessRequest,
            FaultKind::RateLimited { reset_secs: 0 },
        )
        .times(2),
    );
    // One call at a time, so that the four 500s meet the same role call.
    let run = apply(&case, &out, &["--retries", "3", "--concurrency", "1"]);
    assert_code(&run, 3);
    assert!(
        run.stdout.contains("6 done, 0 already done, 2 failed"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("FAILED"), "{}", run.stdout);
    assert!(run.stdout.contains("403"), "{}", run.stdout);
    assert_eq!(
        accepted_on_model(&case),
        ["alice"],
        "the 429s were waited out"
    );
    assert_eq!(revoked_tokens(&case).len(), 2);

    case.hub.clear_faults();
    let rerun = apply(&case, &out, &[]);
    assert_code(&rerun, 0);
    assert!(
        rerun.stdout.contains("2 done, 6 already done, 0 failed"),
        "{}",
        rerun.stdout
    );
    assert_eq!(revoked_tokens(&case).len(), 3);
    for leaver in LEAVERS {
        assert_eq!(
            role_of(&case, leaver).as_deref(),
            Some("no_access"),
            "{leaver}"
        );
    }
}

#[test]
fn a_killed_apply_is_resumed_from_its_log() {
    let case = case();
    let (run, out) = plan(&case, &[]);
    assert_code(&run, 0);
    let killed: Run = case
        .command(&[
            "apply",
            out.to_str().unwrap(),
            "--yes",
            "--concurrency",
            "1",
        ])
        .env("HFAUDIT_TEST_FAULT", "kill:apply-call#3")
        .output()
        .expect("run")
        .into();
    assert_ne!(killed.code, 0, "{}", killed.stderr);
    assert_eq!(writes(&case).len(), 3);
    let settled = log_lines(&case)
        .iter()
        .filter(|l| l["outcome"] == "done")
        .count();
    assert_eq!(settled, 3);

    case.hub.reset_requests();
    let resumed = apply(&case, &out, &[]);
    assert_code(&resumed, 0);
    assert!(
        resumed
            .stdout
            .contains("continuing an earlier run of this plan: 3 step(s)"),
        "{}",
        resumed.stdout
    );
    assert!(
        resumed.stdout.contains("5 done, 3 already done"),
        "{}",
        resumed.stdout
    );
    assert_eq!(
        writes(&case).len(),
        5,
        "the 3 done before are not sent again"
    );
    assert_eq!(revoked_tokens(&case).len(), 3);
}

#[test]
fn stale_changed_old_or_unconfirmed_plans_are_refused_and_nothing_is_sent() {
    let case = case();
    let (run, out) = plan(&case, &[]);
    assert_code(&run, 0);

    // Not on a terminal, without --yes.
    let unconfirmed = case.run(&["apply", out.to_str().unwrap()]);
    assert_code(&unconfirmed, 2);
    assert!(
        unconfirmed.stderr.contains("--yes"),
        "{}",
        unconfirmed.stderr
    );

    // Changed by hand.
    let text = std::fs::read_to_string(&out).unwrap();
    let edited = case.dir.path().join("edited.json");
    std::fs::write(&edited, text.replacen("\"bob\"", "\"alice\"", 1)).unwrap();
    let changed = apply(&case, &edited, &[]);
    assert_code(&changed, 2);
    assert!(
        changed.stderr.contains("changed after"),
        "{}",
        changed.stderr
    );

    // Too old: the same plan, dated two days ago and sealed again.
    let mut sealed = hfaudit::remediate::file::read(&out).unwrap();
    sealed.plan.created_at -= chrono::Duration::hours(48);
    let old = case.dir.path().join("old.json");
    std::fs::write(
        &old,
        hfaudit::remediate::file::seal(&sealed.plan).to_bytes(),
    )
    .unwrap();
    let too_old = apply(&case, &old, &[]);
    assert_code(&too_old, 2);
    assert!(
        too_old.stderr.contains("--max-age 24"),
        "{}",
        too_old.stderr
    );
    assert_code(
        &apply(&case, &old, &["--max-age", "72", "--retries", "0"]),
        0,
    );
    case.hub.reset_requests();

    // Stale: a snapshot taken since the plan.
    assert_code(&case.snapshot(ORG, &[]), 0);
    let (run, fresh) = plan(&case, &[]);
    assert_code(&run, 0);
    assert_code(&case.snapshot(ORG, &[]), 0);
    case.hub.reset_requests();
    let stale = apply(&case, &fresh, &[]);
    assert_code(&stale, 2);
    assert!(stale.stderr.contains("stale"), "{}", stale.stderr);
    assert!(writes(&case).is_empty());
}

#[test]
fn a_token_that_may_not_write_is_refused_before_any_call() {
    let case = case();
    let (run, out) = plan(&case, &[]);
    assert_code(&run, 0);
    // The same user, with a fine-grained token that only reads the org.
    let reader = "hf_fake_reader_token_0123456789";
    case.hub.with_world(|w| {
        let mut info = TokenInfo::new(AUDITOR, "fineGrained", &[ORG]);
        info.scoped = vec![Scoped {
            entity_type: "org".into(),
            entity_name: ORG.into(),
            permissions: vec!["org.read".into()],
        }];
        w.add_token(reader, info);
    });
    case.hub.reset_requests();
    let mut cmd = case.command(&["apply", out.to_str().unwrap(), "--yes"]);
    let refused: Run = cmd.env("HF_TOKEN", reader).output().unwrap().into();
    assert_code(&refused, 2);
    for text in [
        "org.members.write",
        "repo.access.write",
        "revoke_token needs",
    ] {
        assert!(refused.stderr.contains(text), "{text}: {}", refused.stderr);
    }
    assert!(writes(&case).is_empty());
}

#[test]
fn the_token_is_in_no_plan_log_or_output() {
    let case = case();
    let (planned, out) = plan(&case, &[]);
    let applied = apply(&case, &out, &[]);
    assert_code(&applied, 0);
    for run in [&planned, &applied] {
        assert!(!run.stdout.contains(ADMIN_TOKEN) && !run.stderr.contains(ADMIN_TOKEN));
    }
    for file in files_below(case.dir.path()) {
        let bytes = std::fs::read(&file).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains(ADMIN_TOKEN), "{}", file.display());
    }
}
