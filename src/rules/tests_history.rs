//! The history rules (role_escalation, late_revocation, inactive_member)
//! and the time-to-revoke and never-active lists, with zero, one and many
//! subjects, from hand-built histories.

use chrono::{DateTime, Utc};

use super::testkit::*;
use super::*;
use crate::activity::{Activity, ActivitySource, IdpActivity};
use crate::history::{AuthorActivity, MembershipEvent, OrgHistory, Presence, SnapshotInfo};
use crate::model::*;

fn of(findings: &[Finding], rule: Rule) -> Vec<&Finding> {
    findings.iter().filter(|f| f.rule == rule).collect()
}

fn info(days_ago_: i64, events: bool) -> SnapshotInfo {
    let t = days_ago(days_ago_);
    SnapshotInfo {
        id: crate::store::snapshot_id(t),
        taken_at: t,
        members: Some(1),
        invites: Some(0),
        events,
    }
}

/// A history of weekly snapshots 21, 14, 7 days ago (plus the latest).
fn weekly(events: bool) -> OrgHistory {
    OrgHistory {
        snapshots: vec![info(21, events), info(14, events), info(7, events)],
        ..OrgHistory::default()
    }
}

fn previous(roles: &[(&str, &str)]) -> PreviousRoles {
    PreviousRoles {
        snapshot_id: crate::store::snapshot_id(days_ago(7)),
        taken_at: days_ago(7),
        roles: roles
            .iter()
            .map(|(u, r)| (u.to_string(), Some(r.to_string())))
            .collect(),
    }
}

fn event(days: i64, kind: &str, author: &str, data: &str) -> MembershipEvent {
    MembershipEvent {
        id: format!("{kind}-{author}-{days}"),
        at: days_ago(days),
        kind: kind.into(),
        author: Some(author.into()),
        data: Some(data.into()),
    }
}

fn presence(user: &str, first: i64, last: i64) -> Presence {
    Presence {
        username: user.into(),
        fullname: Some(format!("Person {user}")),
        verified_email: None,
        first: days_ago(first),
        last: days_ago(last),
    }
}

fn left_on(user: &str, day: &str) -> Person {
    person(user, EmploymentStatus::Departed, Some(day))
}

fn history_findings(
    snap: &Snapshot,
    people: &[Person],
    history: &AuditHistory,
    idp: Option<&IdpActivity>,
) -> Vec<Finding> {
    with_history(snap, people, history, idp, |a| {
        let mut f = evaluate(a);
        label_probable(&mut f);
        f
    })
}

#[test]
fn role_escalation_zero_one_many() {
    let people = vec![
        active("alice"),
        active("bob"),
        active("carol"),
        active("dave"),
    ];
    let snap = snapshot(vec![
        member("alice", "read"),
        member("bob", "admin"),
        member("carol", "write"),
        member("dave", "admin"),
    ]);
    // No previous snapshot: nothing to compare.
    let none = history_findings(&snap, &people, &AuditHistory::default(), None);
    assert!(of(&none, Rule::RoleEscalation).is_empty());

    // Zero: same roles, a demotion, a newcomer who joined as admin.
    let h = AuditHistory {
        org: weekly(false),
        previous: Some(previous(&[
            ("alice", "write"),
            ("bob", "admin"),
            ("carol", "write"),
        ])),
    };
    assert!(
        of(
            &history_findings(&snap, &people, &h, None),
            Rule::RoleEscalation
        )
        .is_empty()
    );

    // One, to admin: high.
    let h = AuditHistory {
        org: weekly(false),
        previous: Some(previous(&[
            ("alice", "read"),
            ("bob", "read"),
            ("carol", "write"),
        ])),
    };
    let one = history_findings(&snap, &people, &h, None);
    let e = of(&one, Rule::RoleEscalation);
    assert_eq!(e.len(), 1);
    assert_eq!(
        (e[0].subject.as_str(), e[0].severity),
        ("bob", Severity::High)
    );
    assert!(
        e[0].detail.contains("from read to admin"),
        "{}",
        e[0].detail
    );

    // Many, with the change_role event naming who did it.
    let mut org = weekly(true);
    org.membership_events = vec![event(
        3,
        "org.change_role",
        "root",
        r#"{"user":"Carol","oldRole":"contributor","newRole":"write"}"#,
    )];
    let h = AuditHistory {
        org,
        previous: Some(previous(&[
            ("alice", "read"),
            ("bob", "write"),
            ("carol", "contributor"),
            ("dave", "read"),
        ])),
    };
    let many = history_findings(&snap, &people, &h, None);
    let e = of(&many, Rule::RoleEscalation);
    let got: Vec<(&str, Severity)> = e.iter().map(|f| (f.subject.as_str(), f.severity)).collect();
    assert_eq!(
        got,
        vec![
            ("bob", Severity::High),
            ("dave", Severity::High),
            ("carol", Severity::Medium)
        ]
    );
    let carol = e.iter().find(|f| f.subject == "carol").unwrap();
    assert!(
        carol.detail.contains("org.change_role by root"),
        "{}",
        carol.detail
    );
    assert_eq!(carol.first_seen, Some(days_ago(3)));
    assert_eq!(carol.days_open, Some(3));
}

#[test]
fn unknown_roles_are_never_escalations() {
    let people = vec![active("alice")];
    let snap = snapshot(vec![member("alice", "superuser")]);
    let h = AuditHistory {
        org: weekly(false),
        previous: Some(previous(&[("alice", "read")])),
    };
    assert!(
        of(
            &history_findings(&snap, &people, &h, None),
            Rule::RoleEscalation
        )
        .is_empty()
    );
}

/// The rule and `hfaudit diff` share one role order: no_access ranks below
/// read, and a change to admin from a role nobody knows is an escalation
/// (`diff` showed no_access → admin and the report missed it).
#[test]
fn no_access_and_unknown_roles_to_admin_are_escalations() {
    let people = vec![active("alice"), active("bob"), active("carol")];
    let snap = snapshot(vec![
        member("alice", "admin"),
        member("bob", "read"),
        member("carol", "admin"),
    ]);
    let h = AuditHistory {
        org: weekly(false),
        previous: Some(previous(&[
            ("alice", "no_access"),
            ("bob", "no_access"),
            ("carol", "superuser"),
        ])),
    };
    let f = history_findings(&snap, &people, &h, None);
    let got: Vec<(&str, Severity)> = of(&f, Rule::RoleEscalation)
        .iter()
        .map(|f| (f.subject.as_str(), f.severity))
        .collect();
    assert_eq!(
        got,
        vec![
            ("alice", Severity::High),
            ("carol", Severity::High),
            ("bob", Severity::Medium)
        ]
    );
    for (from, to) in [
        ("no_access", "admin"),
        ("no_access", "read"),
        ("superuser", "admin"),
    ] {
        let (up, _) = crate::model::Role::escalation(Some(from), Some(to));
        assert!(up, "{from} -> {to}: the same answer as hfaudit diff");
    }
}

/// Last days relative to the fixed report date 2026-06-30.
fn leavers_history(events: Vec<MembershipEvent>) -> AuditHistory {
    let mut org = weekly(!events.is_empty());
    // Seen 21 and 14 days ago, gone 7 days ago.
    for user in ["lenny", "mona", "ned", "olga"] {
        org.accounts.insert(user.into(), presence(user, 21, 14));
    }
    org.membership_events = events;
    AuditHistory {
        org,
        previous: None,
    }
}

#[test]
fn late_revocation_zero_one_many() {
    let snap = snapshot(vec![member("alice", "read")]);
    // Zero: nobody left.
    let zero = history_findings(&snap, &[active("alice")], &AuditHistory::default(), None);
    assert!(of(&zero, Rule::LateRevocation).is_empty());

    // One: lenny's last day was 2026-06-05; removed 2026-06-18 by the log.
    let people = vec![active("alice"), left_on("lenny", "2026-06-05")];
    let h = leavers_history(vec![event(
        12,
        "org.remove_user",
        "root",
        r#"{"user":"lenny"}"#,
    )]);
    let one = history_findings(&snap, &people, &h, None);
    let l = of(&one, Rule::LateRevocation);
    assert_eq!(l.len(), 1);
    assert_eq!(l[0].severity, Severity::Medium);
    assert_eq!(l[0].days_open, Some(13));
    assert!(
        l[0].detail
            .contains("13 days after their last day (2026-06-05)"),
        "{}",
        l[0].detail
    );
    assert!(l[0].detail.contains("(audit log)"), "{}", l[0].detail);

    // Many: mona without any event (upper bound: the snapshot 7 days ago,
    // 2026-06-23, 18 days after 2026-06-05); ned left within the SLA by
    // org.leave; olga has no last day; alice is no leaver.
    let people = vec![
        active("alice"),
        left_on("lenny", "2026-06-05"),
        left_on("mona", "2026-06-05"),
        left_on("ned", "2026-06-17"),
        person("olga", EmploymentStatus::Departed, None),
    ];
    let h = leavers_history(vec![
        event(12, "org.remove_user", "root", r#"{"user":"lenny"}"#),
        event(12, "org.leave", "ned", "{}"),
    ]);
    let many = history_findings(&snap, &people, &h, None);
    let mut l = of(&many, Rule::LateRevocation);
    l.sort_by(|a, b| a.subject.cmp(&b.subject));
    let got: Vec<(&str, Option<i64>)> = l
        .iter()
        .map(|f| (f.subject.as_str(), f.days_open))
        .collect();
    assert_eq!(got, vec![("lenny", Some(13)), ("mona", Some(18))]);
    assert!(l[1].detail.contains("at most 18 days"), "{}", l[1].detail);
    assert!(l[1].detail.contains("upper bound"), "{}", l[1].detail);

    // The SLA decides: 15 days clears lenny (13), not mona (18).
    let sla = Thresholds {
        revoke_sla_days: 15,
        ..Thresholds::default()
    };
    let late = with_thresholds(&snap, &people, &h, None, sla, history::late_revocation);
    let got: Vec<&str> = late.iter().map(|f| f.subject.as_str()).collect();
    assert_eq!(got, vec!["mona"]);
}

#[test]
fn revocations_and_time_to_revoke() {
    let snap = snapshot(vec![member("alice", "read"), member("pete", "write")]);
    let people = vec![
        active("alice"),
        left_on("pete", "2026-06-20"),
        left_on("lenny", "2026-06-05"),
        left_on("mona", "2026-06-05"),
        left_on("ned", "2026-06-17"),
        person("olga", EmploymentStatus::Departed, None),
    ];
    let h = leavers_history(vec![
        event(12, "org.remove_user", "root", r#"{"user":"lenny"}"#),
        event(12, "org.leave", "ned", "{}"),
    ]);
    let revs = with_history(&snap, &people, &h, None, revocations);
    let got: Vec<(&str, Option<i64>, bool, Option<&str>)> = revs
        .iter()
        .map(|r| {
            (
                r.username.as_str(),
                r.days,
                r.still_member,
                r.evidence.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("pete", Some(10), true, None),
            ("mona", Some(18), false, Some("snapshots")),
            ("lenny", Some(13), false, Some("audit_log")),
            ("ned", Some(1), false, Some("audit_log")),
            ("olga", None, false, Some("snapshots")),
        ]
    );
    let stats = crate::reconcile::revoke_stats(&revs).expect("stats");
    assert_eq!(stats.leavers, 3);
    assert_eq!(stats.median_days, 13.0);
    assert_eq!((stats.p90_days, stats.worst_days), (18, 18));
    assert_eq!((stats.upper_bounds, stats.still_members), (1, 1));

    assert_eq!(crate::reconcile::revoke_stats(&[]), None);
    let even = &revs[1..3];
    assert_eq!(
        crate::reconcile::revoke_stats(even).unwrap().median_days,
        15.5
    );
}

fn log_activity(entries: &[(&str, i64, bool)]) -> OrgHistory {
    let mut org = weekly(true);
    for (user, days, sso) in entries {
        org.activity.insert(
            user.to_string(),
            AuthorActivity {
                last: days_ago(*days),
                last_sso_login: sso.then(|| days_ago(*days)),
            },
        );
    }
    org.audit_log_since = Some(days_ago(400));
    org
}

#[test]
fn inactive_member_zero_one_many() {
    let people = vec![
        active("alice"),
        active("bob"),
        active("carol"),
        active("dave"),
    ];
    let snap = snapshot(vec![
        member("alice", "read"),
        member("bob", "read"),
        member("carol", "read"),
        member("dave", "read"),
        member("stranger", "read"),
    ]);
    // No source: unknown, never inactive.
    let unknown = history_findings(&snap, &people, &AuditHistory::default(), None);
    assert!(of(&unknown, Rule::InactiveMember).is_empty());
    with_history(&snap, &people, &AuditHistory::default(), None, |a| {
        assert_eq!(a.activity_of("alice"), Activity::Unknown);
        assert!(never_active(a).is_empty());
    });

    // Zero: everyone active within 90 days.
    let h = AuditHistory {
        org: log_activity(&[
            ("alice", 5, true),
            ("bob", 89, false),
            ("carol", 1, false),
            ("dave", 2, true),
        ]),
        previous: None,
    };
    assert!(
        of(
            &history_findings(&snap, &people, &h, None),
            Rule::InactiveMember
        )
        .is_empty()
    );

    // One, and the unmatched stranger with no activity is never active,
    // not inactive.
    let h = AuditHistory {
        org: log_activity(&[
            ("alice", 5, true),
            ("bob", 91, false),
            ("carol", 1, false),
            ("dave", 2, true),
        ]),
        previous: None,
    };
    let one = history_findings(&snap, &people, &h, None);
    let i = of(&one, Rule::InactiveMember);
    assert_eq!(i.len(), 1);
    assert_eq!((i[0].subject.as_str(), i[0].days_open), ("bob", Some(91)));
    assert_eq!(i[0].last_active, Some(days_ago(91)));
    assert!(i[0].detail.contains("(audit_log)"), "{}", i[0].detail);
    with_history(&snap, &people, &h, None, |a| {
        let never: Vec<String> = never_active(a).into_iter().map(|n| n.username).collect();
        assert_eq!(never, vec!["stranger"]);
        assert_eq!(
            a.activity_of("alice"),
            Activity::Last {
                at: days_ago(5),
                source: ActivitySource::SsoLogin
            }
        );
    });
    // Every finding about a member carries their last activity.
    let unmatched = of(&one, Rule::UnmatchedMember);
    assert_eq!(unmatched[0].last_active, None);

    // Many: a person on leave and a departed person are not "inactive".
    let mut people = people;
    people.push(person("erin", EmploymentStatus::Leave, None));
    people.push(left_on("fred", "2026-01-01"));
    let mut snap = snap;
    snap.members.push(member("erin", "read"));
    snap.members.push(member("fred", "read"));
    let h = AuditHistory {
        org: log_activity(&[
            ("alice", 100, true),
            ("bob", 91, false),
            ("carol", 300, false),
            ("dave", 2, true),
            ("erin", 200, false),
            ("fred", 200, false),
        ]),
        previous: None,
    };
    let many = history_findings(&snap, &people, &h, None);
    let mut got: Vec<&str> = of(&many, Rule::InactiveMember)
        .iter()
        .map(|f| f.subject.as_str())
        .collect();
    got.sort_unstable();
    assert_eq!(got, vec!["alice", "bob", "carol"]);
}

#[test]
fn the_idp_export_and_the_audit_log_combine() {
    let people = vec![active("alice"), active("bob"), active("carol")];
    let snap = snapshot(vec![
        member("alice", "read"),
        member("bob", "read"),
        member("carol", "read"),
    ]);
    let idp = IdpActivity::parse(
        b"email,last_login\nalice@acme.com,2026-06-29T08:00:00Z\nbob@acme.com,\n",
        std::path::Path::new("idp.csv"),
    )
    .unwrap();
    // IdP only: alice active, bob never, carol (not listed) unknown.
    with_history(&snap, &people, &AuditHistory::default(), Some(&idp), |a| {
        assert_eq!(a.activity_of("alice").source(), Some(ActivitySource::Idp));
        assert!(a.activity_of("bob").is_never());
        assert_eq!(a.activity_of("carol"), Activity::Unknown);
    });
    // With an old audit-log event for alice, the later IdP login wins; bob's
    // 200-day-old event beats the IdP's "never".
    let h = AuditHistory {
        org: log_activity(&[("alice", 30, false), ("bob", 200, false)]),
        previous: None,
    };
    let f = history_findings(&snap, &people, &h, Some(&idp));
    let got: Vec<&str> = of(&f, Rule::InactiveMember)
        .iter()
        .map(|f| f.subject.as_str())
        .collect();
    assert_eq!(got, vec!["bob"]);
    with_history(&snap, &people, &h, Some(&idp), |a| {
        assert_eq!(
            a.activity_of("alice").last(),
            Some("2026-06-29T08:00:00Z".parse::<DateTime<Utc>>().unwrap())
        );
        assert!(
            a.activity_of("carol").is_never(),
            "the audit log is a source for carol"
        );
    });
}
