//! Pending invitations against the fake Hub, from each source the real API
//! offers: SCIM provisioning with the org's own SCIM token (Basic SSO;
//! `active: false` is a deactivated invitation), Managed SSO (whose SCIM
//! lists members only), and the audit log, whose `data` has no promised
//! shape and which cannot show a cancelled invitation (the report says so).

use serde_json::{Value, json};

use crate::harness::{Case, Run, assert_code};
use crate::support::fake_hub::{AuditEvent, Org, OrgMember, ScimUser, fake_id};
use crate::support::generate::{ADMIN_TOKEN, world_for};
use hfaudit::model::Collector;

const SCIM_TOKEN: &str = "scim_fake_org_token_0123456789";
const PROVISIONING: &str = "/api/organizations/acme/scim-provisioning/v2/Users";
const MANAGED: &str = "/api/organizations/acme/scim/v2/Users";

fn scim_user(user: &str, active: bool, member: bool) -> ScimUser {
    ScimUser {
        id: fake_id(&format!("scim:{user}")),
        user_name: user.into(),
        display_name: format!("{user} Person"),
        email: format!("{user}@acme.example"),
        active,
        member,
    }
}

/// An Enterprise org of three members, no `pending-members` endpoint, an
/// empty audit log, and SCIM (Basic SSO, the org's SCIM token) listing its
/// members plus `invited` (active) and `deactivated` (`active: false`).
fn org(invited: &[&str], deactivated: &[&str]) -> Org {
    let mut org = Org::new("acme");
    org.plan = Some("enterprise".into());
    org.members = ["alice", "bob", "carol"]
        .iter()
        .map(|u| OrgMember::new(u, "read"))
        .collect();
    let mut scim: Vec<ScimUser> = org
        .members
        .iter()
        .map(|m| scim_user(&m.user, true, true))
        .collect();
    scim.extend(invited.iter().map(|u| scim_user(u, true, false)));
    scim.extend(deactivated.iter().map(|u| scim_user(u, false, false)));
    org.scim_users = Some(scim);
    org.scim_token = Some(SCIM_TOKEN.into());
    org
}

/// The SCIM token in a 0600 file of the case; its path.
fn token_file(case: &Case, mode: u32) -> String {
    use std::os::unix::fs::PermissionsExt;
    let path = case.dir.path().join("scim-token");
    std::fs::write(&path, format!("{SCIM_TOKEN}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    path.to_str().unwrap().to_string()
}

fn invitees(case: &Case) -> Vec<String> {
    let mut names: Vec<String> = case
        .latest("acme")
        .invites
        .iter()
        .filter_map(|i| i.username.clone())
        .collect();
    names.sort();
    names
}

fn source(case: &Case) -> Option<String> {
    match case.latest("acme").collector(Collector::Invites) {
        Some(hfaudit::model::CollectorStatus::Ok { source, .. }) => source.clone(),
        other => panic!("invites: {other:?}"),
    }
}

/// Every SCIM request carried the SCIM token; none carried the user token.
fn assert_scim_saw_only_the_scim_token(case: &Case) {
    for r in case.hub.requests() {
        let auth = r.authorization.as_deref().unwrap_or("");
        if r.path.contains("/scim") {
            assert_eq!(auth, format!("Bearer {SCIM_TOKEN}"), "{}", r.path);
        } else {
            assert!(!auth.contains(SCIM_TOKEN), "{} got the SCIM token", r.path);
        }
    }
}

fn no_secret(run: &Run) {
    for text in [&run.stdout, &run.stderr] {
        assert!(
            !text.contains(SCIM_TOKEN) && !text.contains(ADMIN_TOKEN),
            "{text}"
        );
    }
}

#[test]
fn scim_with_the_orgs_token_lists_active_invitations_zero_one_many() {
    let cases: [(&[&str], &[&str], &[&str]); 3] = [
        (&[], &["gone"], &[]),
        (&["newbie"], &[], &["newbie"]),
        (
            &["dan", "erin", "frank"],
            &["x1", "x2"],
            &["dan", "erin", "frank"],
        ),
    ];
    for (invited, deactivated, want) in cases {
        let case = Case::new(world_for(vec![org(invited, deactivated)]));
        let file = token_file(&case, 0o600);
        let run = case.snapshot("acme", &["--scim-token-file", &file]);
        assert_code(&run, 0);
        no_secret(&run);
        assert_eq!(invitees(&case), want, "{invited:?} {deactivated:?}");
        assert_eq!(source(&case).as_deref(), Some("scim-provisioning"));
        assert_scim_saw_only_the_scim_token(&case);
        assert!(case.hub.requests_to(MANAGED).is_empty());
        assert!(!run.stderr.contains("readable by group"), "{}", run.stderr);
    }
}

#[test]
fn the_scim_token_comes_from_the_env_too_and_a_readable_file_is_warned_about() {
    let case = Case::new(world_for(vec![org(&["newbie"], &[])]));
    let run: Run = case
        .command(&["snapshot", "--org", "acme", "--backoff-ms", "10"])
        .env("HF_SCIM_TOKEN", SCIM_TOKEN)
        .output()
        .unwrap()
        .into();
    assert_code(&run, 0);
    assert_eq!(source(&case).as_deref(), Some("scim-provisioning"));
    assert_eq!(invitees(&case), vec!["newbie"]);

    let file = token_file(&case, 0o644);
    let run = case.snapshot("acme", &["--scim-token-file", &file]);
    assert_code(&run, 0);
    no_secret(&run);
    assert!(
        run.stderr.contains("readable by group or others") && run.stderr.contains("chmod 600"),
        "{}",
        run.stderr
    );
    // Nothing of the token in the store either.
    for path in crate::harness::files_below(&case.store_dir()) {
        let bytes = std::fs::read(&path).unwrap();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(SCIM_TOKEN),
            "{}",
            path.display()
        );
    }
}

/// Without a SCIM token SCIM is not asked (the user token never goes
/// there); with a wrong one it answers 401. Either way the audit log is
/// the source, and the manifest says so.
#[test]
fn without_the_scim_token_the_audit_log_is_the_source() {
    let mut o = org(&["newbie"], &[]);
    o.audit_log = Some(vec![invite_event(1, json!({"user": "logged"}))]);
    let case = Case::new(world_for(vec![o.clone()]));
    assert_code(&case.snapshot("acme", &[]), 0);
    assert!(case.hub.requests_to(PROVISIONING).is_empty());
    assert!(case.hub.requests_to(MANAGED).is_empty());
    assert_eq!(source(&case).as_deref(), Some("audit-log"));
    assert_eq!(invitees(&case), vec!["logged"]);

    o.scim_token = Some("scim_some_other_token".into());
    let case = Case::new(world_for(vec![o]));
    let file = token_file(&case, 0o600);
    assert_code(&case.snapshot("acme", &["--scim-token-file", &file]), 0);
    let scim = case.hub.requests_to(PROVISIONING);
    assert_eq!(scim.iter().map(|r| r.status).collect::<Vec<_>>(), vec![401]);
    assert_eq!(source(&case).as_deref(), Some("audit-log"));
    assert_eq!(invitees(&case), vec!["logged"]);
}

/// Managed SSO: `scim-provisioning` is 404 and `scim/v2` answers with
/// members only, so the invitations come from the audit log.
#[test]
fn managed_sso_scim_lists_no_invitations_so_the_audit_log_is_read() {
    let mut o = org(&[], &[]);
    o.scim_managed = true;
    o.audit_log = Some(vec![invite_event(1, json!({"email": "new@acme.example"}))]);
    let case = Case::new(world_for(vec![o]));
    let file = token_file(&case, 0o600);
    assert_code(&case.snapshot("acme", &["--scim-token-file", &file]), 0);
    let statuses = |path| {
        case.hub
            .requests_to(path)
            .iter()
            .map(|r| r.status)
            .collect::<Vec<_>>()
    };
    assert_eq!(statuses(PROVISIONING), vec![404]);
    assert_eq!(statuses(MANAGED), vec![200]);
    assert_scim_saw_only_the_scim_token(&case);
    assert_eq!(source(&case).as_deref(), Some("audit-log"));
    let snap = case.latest("acme");
    assert_eq!(snap.invites.len(), 1);
    assert_eq!(snap.invites[0].email.as_deref(), Some("new@acme.example"));
}

fn invite_event(day: u32, data: Value) -> AuditEvent {
    AuditEvent {
        id: fake_id(&format!("event:{day}:{data}")),
        created_at: format!("2026-01-{day:02}T09:00:00.000Z"),
        kind: "org.invite_user".into(),
        message: "invited".into(),
        author: "auditor".into(),
        data,
    }
}

/// Invitation events whose `data` is missing, a string, or objects with
/// other keys: each that names someone is an invitation; the report says
/// what the audit log cannot show.
#[test]
fn audit_log_invitations_in_several_data_shapes_and_what_the_report_says() {
    let mut o = org(&[], &[]);
    o.scim_users = None;
    o.audit_log = Some(vec![
        invite_event(1, Value::Null),
        invite_event(2, json!("plain")),
        invite_event(3, json!({"username": "other-key", "role": "write"})),
        invite_event(
            4,
            json!({"invitee": {"name": "nested", "email": "n@x.example"}}),
        ),
        invite_event(5, json!({"something": "else"})),
        invite_event(6, json!("mail@x.example")),
    ]);
    let case = Case::new(world_for(vec![o]));
    let run = case.snapshot("acme", &[]);
    assert_code(&run, 0);
    assert_eq!(source(&case).as_deref(), Some("audit-log"));
    let snap = case.latest("acme");
    let mut got: Vec<&str> = snap.invites.iter().map(|i| i.invitee.as_str()).collect();
    got.sort();
    assert_eq!(got, vec!["mail@x.example", "nested", "other-key", "plain"]);
    let role = snap.invites.iter().find(|i| i.invitee == "other-key");
    assert_eq!(role.unwrap().role.as_deref(), Some("write"));
    assert!(
        run.stderr.contains("2 invitation event(s)"),
        "the unreadable ones are counted: {}",
        run.stderr
    );

    let roster = case.dir.path().join("roster.csv");
    std::fs::write(
        &roster,
        "email,status,hf_username\nauditor@acme.example,active,auditor\n",
    )
    .unwrap();
    let out = case.dir.path().join("out");
    let run = case.run(&[
        "report",
        "--roster",
        roster.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--fail-on",
        "critical",
    ]);
    assert_code(&run, 0);
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("findings.json")).unwrap()).unwrap();
    let caveats = json["orgs"][0]["caveats"].as_array().expect("caveats");
    assert_eq!(caveats.len(), 1, "{caveats:?}");
    assert_eq!(caveats[0]["collector"], "invites");
    let reason = caveats[0]["reason"].as_str().unwrap();
    assert!(
        reason.contains("an invitation cancelled in Settings leaves no event")
            && reason.contains("confirm in Settings → Members"),
        "{reason}"
    );
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("an invitation cancelled in Settings leaves no event"));
    // Seats keep invites as their own column, and say where the rule is from.
    let seats = std::fs::read_to_string(out.join("seats.csv")).unwrap();
    assert!(seats.lines().next().unwrap().contains("pending_invites"));
    assert!(html.contains("Stitchflow"));
}
