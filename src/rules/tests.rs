//! Every rule with zero, one and many subjects, plus the edges SPEC.md
//! names (heuristic matches, future termination dates, exceptions).

use super::exceptions::Exceptions;
use super::*;
use crate::model::*;

use super::testkit::*;

fn of(findings: &[Finding], rule: Rule) -> Vec<&Finding> {
    findings.iter().filter(|f| f.rule == rule).collect()
}

#[test]
fn departed_member_zero_one_many() {
    let people = vec![active("alice"), gone("bob"), gone("carol"), gone("dave")];
    let zero = run(&snapshot(vec![member("alice", "admin")]), &people);
    assert!(of(&zero, Rule::DepartedMember).is_empty());

    let one = run(
        &snapshot(vec![member("alice", "admin"), member("bob", "read")]),
        &people,
    );
    let d = of(&one, Rule::DepartedMember);
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].subject, "bob");
    assert_eq!(d[0].severity, Severity::High, "read role is high");
    assert_eq!(d[0].match_method, MatchMethod::Roster);
    assert_eq!(
        d[0].days_open,
        Some(91),
        "from the last day 2026-03-31 to 2026-06-30"
    );
    assert!(
        d[0].detail.contains("left on 2026-03-31"),
        "{}",
        d[0].detail
    );
    assert!(d[0].fix.contains("settings/members"), "{}", d[0].fix);

    let many = run(
        &snapshot(vec![
            member("bob", "read"),
            member("carol", "admin"),
            member("dave", "write"),
        ]),
        &people,
    );
    let d = of(&many, Rule::DepartedMember);
    assert_eq!(d.len(), 3);
    let sev: Vec<(&str, Severity)> = d.iter().map(|f| (f.subject.as_str(), f.severity)).collect();
    assert!(sev.contains(&("carol", Severity::Critical)));
    assert!(sev.contains(&("dave", Severity::Critical)));
    assert!(sev.contains(&("bob", Severity::High)));
    // Most severe first.
    assert_eq!(many[0].severity, Severity::Critical);
}

#[test]
fn future_termination_is_not_departed_and_past_date_is() {
    let people = vec![
        person("soon", EmploymentStatus::Active, Some("2026-07-15")),
        person("past", EmploymentStatus::Active, Some("2026-06-01")),
        person("leave", EmploymentStatus::Leave, None),
        person("today", EmploymentStatus::Active, Some("2026-06-30")),
    ];
    let f = run(
        &snapshot(vec![
            member("soon", "read"),
            member("past", "read"),
            member("leave", "read"),
            member("today", "read"),
        ]),
        &people,
    );
    let subjects: Vec<&str> = of(&f, Rule::DepartedMember)
        .iter()
        .map(|f| f.subject.as_str())
        .collect();
    assert_eq!(
        subjects,
        vec!["past"],
        "only a last day before the report date counts"
    );
}

#[test]
fn departed_group_access_zero_one_many() {
    let people = vec![active("alice"), gone("bob"), gone("carol")];
    let mut snap = snapshot(vec![
        member("alice", "read"),
        member("bob", "read"),
        member("carol", "read"),
    ]);
    snap.groups.push(ResourceGroup {
        id: "g1".into(),
        name: "research".into(),
        description: None,
        auto_join: false,
        repos: vec!["model/acme/secret".into()],
        resources: vec![],
    });
    let gm = |u: &str, g: &str| GroupMember {
        group_id: "g1".into(),
        group_name: g.into(),
        username: u.into(),
        fullname: None,
        role: Some("write".into()),
        added_by: None,
    };
    snap.group_members = vec![gm("alice", "research")];
    assert!(of(&run(&snap, &people), Rule::DepartedGroupAccess).is_empty());
    snap.group_members.push(gm("bob", "research"));
    let one = run(&snap, &people);
    let d = of(&one, Rule::DepartedGroupAccess);
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].subject, "bob@research");
    assert_eq!(d[0].severity, Severity::High);
    assert_eq!(d[0].repos, vec!["model/acme/secret"]);
    snap.group_members.push(gm("carol", "research"));
    snap.group_members.push(gm("carol", "ops"));
    assert_eq!(of(&run(&snap, &people), Rule::DepartedGroupAccess).len(), 3);
}

fn grant(user: Option<&str>, email: Option<&str>, repo: &str) -> RepoAccess {
    RepoAccess {
        repo_type: "model".into(),
        repo: repo.into(),
        gated: "manual".into(),
        request_id: Some(format!("r-{repo}-{user:?}")),
        username: user.map(str::to_string),
        fullname: None,
        email: email.map(str::to_string),
        requested_at: None,
        reviewed_at: Some(now() - chrono::Duration::days(200)),
        granted_by: Some("alice".into()),
    }
}

#[test]
fn departed_gated_access_zero_one_many() {
    let people = vec![active("alice"), gone("bob"), gone("carol")];
    let mut snap = snapshot(vec![member("alice", "admin")]);
    snap.repo_access = vec![
        grant(Some("alice"), None, "acme/llm"),
        grant(Some("outsider"), None, "acme/llm"),
    ];
    let zero = run(&snap, &people);
    assert!(of(&zero, Rule::DepartedGatedAccess).is_empty());
    // A gated-repo user matching nobody is a stranger, not a finding.
    assert!(zero.iter().all(|f| f.subject != "outsider"));

    // Bob left the org already but kept his accepted access.
    snap.repo_access.push(grant(Some("bob"), None, "acme/llm"));
    let one = run(&snap, &people);
    let d = of(&one, Rule::DepartedGatedAccess);
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].subject, "bob@acme/llm");
    assert_eq!(d[0].severity, Severity::High);
    assert!(
        d[0].fix.contains("user-access-request/handle"),
        "{}",
        d[0].fix
    );

    // Matched through the email the Hub reports, and with a hidden username.
    snap.repo_access
        .push(grant(Some("c4rol"), Some("carol@acme.com"), "acme/llm"));
    snap.repo_access
        .push(grant(None, Some("bob@acme.com"), "acme/data"));
    let many = run(&snap, &people);
    let d = of(&many, Rule::DepartedGatedAccess);
    assert_eq!(d.len(), 3);
    assert!(
        d.iter()
            .any(|f| f.subject == "c4rol@acme/llm" && f.match_method == MatchMethod::HubEmail)
    );
    assert!(d.iter().any(|f| f.subject == "bob@acme.com@acme/data"));
}

#[test]
fn departed_and_stale_invites_zero_one_many() {
    let people = vec![
        active("alice"),
        gone("bob"),
        gone("carol"),
        active("newbie"),
    ];
    let mut snap = snapshot(vec![member("alice", "admin")]);
    snap.invites = vec![invite("newbie", 3)];
    let zero = run(&snap, &people);
    assert!(of(&zero, Rule::DepartedInvite).is_empty());
    assert!(
        of(&zero, Rule::StaleInvite).is_empty(),
        "3 days is not stale"
    );

    snap.invites = vec![invite("newbie", 20), invite("bob", 1)];
    let one = run(&snap, &people);
    let d = of(&one, Rule::DepartedInvite);
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].severity, Severity::Medium);
    let s = of(&one, Rule::StaleInvite);
    assert_eq!(s.len(), 1);
    assert_eq!(s[0].subject, "newbie");
    assert_eq!(s[0].severity, Severity::Low);
    assert_eq!(s[0].days_open, Some(20));

    snap.invites = vec![
        invite("newbie", 30),
        invite("stranger", 15),
        invite("bob", 40),
        invite("carol", 2),
    ];
    let many = run(&snap, &people);
    assert_eq!(of(&many, Rule::DepartedInvite).len(), 2);
    let stale: Vec<&str> = of(&many, Rule::StaleInvite)
        .iter()
        .map(|f| f.subject.as_str())
        .collect();
    assert_eq!(
        stale,
        vec!["newbie", "stranger"],
        "a departed invite is not also stale"
    );
}

#[test]
fn invite_age_counts_from_the_first_snapshot_that_shows_it() {
    let people = vec![active("alice")];
    let mut snap = snapshot(vec![member("alice", "admin")]);
    let mut inv = invite("newbie", 0);
    inv.invited_at = None;
    snap.invites = vec![inv];
    let mut history = AuditHistory::default();
    history
        .org
        .first_seen
        .invites
        .insert("newbie".into(), now() - chrono::Duration::days(30));
    let f = with_history(&snap, &people, &history, None, evaluate);
    let s = of(&f, Rule::StaleInvite);
    assert_eq!(s.len(), 1);
    assert_eq!(s[0].days_open, Some(30));
}

#[test]
fn unmatched_member_zero_one_many() {
    let mut people = vec![active("alice")];
    let zero = run(&snapshot(vec![member("alice", "admin")]), &people);
    assert!(of(&zero, Rule::UnmatchedMember).is_empty());

    let one = run(
        &snapshot(vec![member("alice", "admin"), member("ghost", "write")]),
        &people,
    );
    let u = of(&one, Rule::UnmatchedMember);
    assert_eq!(u.len(), 1);
    assert_eq!(u[0].subject, "ghost");
    assert_eq!(u[0].match_method, MatchMethod::Unmatched);
    assert_eq!(u[0].severity, Severity::Medium);

    // A heuristic match to someone employed does not clear a member.
    let mut p = active("x");
    p.hf_username = None;
    p.email = Some("maria.lopez@acme.com".into());
    people.push(p);
    let many = run(
        &snapshot(vec![
            member("ghost", "write"),
            member("spook", "read"),
            member("Maria_Lopez", "read"),
        ]),
        &people,
    );
    let u = of(&many, Rule::UnmatchedMember);
    assert_eq!(u.len(), 3);
    let probable = u.iter().find(|f| f.subject == "Maria_Lopez").unwrap();
    assert_eq!(probable.match_method, MatchMethod::Heuristic);
    assert!(
        probable.detail.starts_with("Probable match"),
        "{}",
        probable.detail
    );
}

#[test]
fn heuristic_departed_match_says_probable() {
    let mut p = gone("x");
    p.hf_username = None;
    p.email = Some("j.smith@acme.com".into());
    let f = run(&snapshot(vec![member("jsmith", "write")]), &[p]);
    let d = of(&f, Rule::DepartedMember);
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].match_method, MatchMethod::Heuristic);
    assert!(
        d[0].detail.starts_with("Probable match (heuristic)"),
        "{}",
        d[0].detail
    );
    assert!(of(&f, Rule::UnmatchedMember).is_empty());
}

#[test]
fn member_without_2fa_zero_one_many() {
    let people = vec![active("a"), active("b"), active("c"), active("d")];
    let mut m = vec![member("a", "admin"), member("b", "read")];
    m[1].two_fa = None; // the Hub did not say: not a finding
    assert!(of(&run(&snapshot(m.clone()), &people), Rule::MemberWithout2fa).is_empty());
    m[1].two_fa = Some(false);
    let one = run(&snapshot(m.clone()), &people);
    let t = of(&one, Rule::MemberWithout2fa);
    assert_eq!(t.len(), 1);
    assert_eq!(t[0].severity, Severity::Medium);
    m[0].two_fa = Some(false);
    m.push(member("c", "write"));
    m[2].two_fa = Some(false);
    let many = run(&snapshot(m), &people);
    let t = of(&many, Rule::MemberWithout2fa);
    assert_eq!(t.len(), 3);
    assert_eq!(
        t.iter().find(|f| f.subject == "a").unwrap().severity,
        Severity::High,
        "admin is high"
    );
}

#[test]
fn exceptions_mute_until_they_expire() {
    let people = vec![active("alice")];
    let snap = snapshot(vec![
        member("alice", "admin"),
        member("ci-bot", "write"),
        member("old-bot", "read"),
    ]);
    let text = r#"
[[exception]]
rule = "unmatched_member"
subject = "CI-BOT"
reason = "CI service account"

[[exception]]
rule = "unmatched_member"
subject = "old-bot"
org = "acme"
reason = "legacy"
expires = "2026-06-01"
"#;
    let ex = Exceptions::parse(text, std::path::Path::new("ex.toml")).unwrap();
    assert_eq!(ex.len(), 2);
    let mut f = run(&snap, &people);
    let warnings = ex.apply(&mut f, as_of());
    let bot = f.iter().find(|f| f.subject == "ci-bot").unwrap();
    assert_eq!(bot.muted.as_deref(), Some("CI service account"));
    let old = f.iter().find(|f| f.subject == "old-bot").unwrap();
    assert_eq!(old.muted, None, "expired");
    assert_eq!(warnings.len(), 1);
    assert!(
        warnings[0].contains("expired on 2026-06-01"),
        "{warnings:?}"
    );
}

#[test]
fn exceptions_file_errors_name_the_place() {
    let p = std::path::Path::new("ex.toml");
    let err = Exceptions::parse(
        "[[exception]]\nrule = \"nope\"\nsubject = \"x\"\nreason = \"y\"\n",
        p,
    )
    .unwrap_err();
    assert!(err.to_string().starts_with("ex.toml:2:"), "{err}");
    assert!(err.to_string().contains("unknown rule"), "{err}");
    let err = Exceptions::parse(
        "[[exception]]\nrule = \"stale_invite\"\nsubject = \"x\"\nreason = \"y\"\nwhen = 1\n",
        p,
    )
    .unwrap_err();
    assert!(err.to_string().contains("when"), "{err}");
    assert_eq!(err.exit_code(), 2);
    let err = Exceptions::parse(
        "[[exception]]\nrule = \"stale_invite\"\nsubject = \"x\"\nreason = \"y\"\nexpires = \"soon\"\n",
        p,
    )
    .unwrap_err();
    assert!(err.to_string().starts_with("ex.toml:5:"), "{err}");
}

#[test]
fn one_finding_per_rule_org_and_subject() {
    let people = vec![gone("bob")];
    let mut snap = snapshot(vec![member("bob", "write"), member("BOB", "write")]);
    snap.members[1].hub_id = "other".into();
    let f = run(&snap, &people);
    assert_eq!(of(&f, Rule::DepartedMember).len(), 1);
}

#[test]
fn rule_codes_are_stable() {
    // Renaming a code breaks users' exception files and dashboards: make it
    // deliberate.
    let codes: Vec<&str> = Rule::ALL.iter().map(|r| r.code()).collect();
    assert_eq!(
        codes,
        vec![
            "departed_member",
            "departed_group_access",
            "departed_gated_access",
            "departed_invite",
            "stale_invite",
            "unmatched_member",
            "inactive_member",
            "role_escalation",
            "late_revocation",
            "member_without_2fa",
            "departed_token_used",
            "departed_token",
            "stale_token",
        ]
    );
    for r in Rule::ALL {
        assert_eq!(r.code().parse::<Rule>().unwrap(), r);
        assert_eq!(serde_json::to_value(r).unwrap(), r.code());
    }
    assert!(Severity::Critical > Severity::High && Severity::Low > Severity::Info);
}
