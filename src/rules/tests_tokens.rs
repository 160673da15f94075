//! The token rules with zero, one and many subjects, and tokens as an
//! activity source (`inactive_member`, never active, unknown).

use super::*;
use crate::activity::{Activity, ActivitySource};
use crate::model::*;

use super::testkit::*;

fn of(findings: &[Finding], rule: Rule) -> Vec<&Finding> {
    findings.iter().filter(|f| f.rule == rule).collect()
}

fn subjects(findings: &[Finding], rule: Rule) -> Vec<String> {
    let mut s: Vec<String> = of(findings, rule)
        .iter()
        .map(|f| f.subject.clone())
        .collect();
    s.sort();
    s
}

/// `t` last used at `y-m-d h:00` UTC.
fn used_at(mut t: MemberToken, ymd_h: (i32, u32, u32, u32)) -> MemberToken {
    use chrono::TimeZone;
    let (y, m, d, h) = ymd_h;
    t.last_used_at = Some(chrono::Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap());
    t
}

fn status(mut t: MemberToken, s: &str) -> MemberToken {
    t.status = Some(s.into());
    t
}

fn people() -> Vec<Person> {
    // bob and carol left on 2026-03-31; dave is "terminated" with no date.
    vec![
        active("alice"),
        gone("bob"),
        gone("carol"),
        person("dave", EmploymentStatus::Departed, None),
    ]
}

fn members() -> Vec<Member> {
    ["alice", "bob", "carol", "dave"]
        .iter()
        .map(|u| member(u, "write"))
        .collect()
}

#[test]
fn departed_token_used_zero_one_many() {
    let zero = with_tokens(
        snapshot(members()),
        vec![
            // Used on the last day itself: not after it.
            used_at(token("bob", "b001", None), (2026, 3, 31, 23)),
            // An active person's token.
            token("alice", "a001", Some(1)),
            // Left without a date: nothing says when the last day was.
            token("dave", "d001", Some(1)),
        ],
    );
    assert!(of(&run(&zero, &people()), Rule::DepartedTokenUsed).is_empty());

    let one = with_tokens(
        snapshot(members()),
        vec![used_at(token("bob", "b001", None), (2026, 4, 1, 0))],
    );
    let f = run(&one, &people());
    let d = of(&f, Rule::DepartedTokenUsed);
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].subject, "bob#b001");
    assert_eq!(d[0].severity, Severity::Critical);
    assert_eq!(d[0].username.as_deref(), Some("bob"));
    assert_eq!(d[0].role.as_deref(), Some("write"));
    let detail = &d[0].detail;
    assert!(detail.contains("'bob-b001' (…b001)"), "{detail}");
    assert!(detail.contains("used on 2026-04-01 00:00 UTC"), "{detail}");
    assert!(detail.contains("1 day(s) after the last day"), "{detail}");
    assert!(detail.contains("left on 2026-03-31"), "{detail}");
    assert!(
        d[0].fix
            .contains("POST /api/organizations/acme/settings/tokens/b001/revoke"),
        "{}",
        d[0].fix
    );
    assert_eq!(d[0].days_open, Some(91), "from the last day");

    // Revoked since: still evidence, and said so. Owners who are no longer
    // members count too (the listing may still show them).
    let many = with_tokens(
        snapshot(members()),
        vec![
            token("bob", "b001", Some(10)),
            status(token("bob", "b002", Some(40)), "revoked"),
            token("carol", "c001", Some(2)),
            token("bob", "b003", Some(120)),
        ],
    );
    let f = run(&many, &people());
    assert_eq!(
        subjects(&f, Rule::DepartedTokenUsed),
        vec!["bob#b001", "bob#b002", "carol#c001"]
    );
    let revoked = of(&f, Rule::DepartedTokenUsed)
        .into_iter()
        .find(|f| f.subject == "bob#b002")
        .unwrap();
    assert!(
        revoked.detail.contains("since been revoked"),
        "{}",
        revoked.detail
    );
}

#[test]
fn departed_token_zero_one_many() {
    let zero = with_tokens(
        snapshot(members()),
        vec![
            status(token("bob", "b001", Some(100)), "revoked"),
            token("alice", "a001", Some(1)),
        ],
    );
    assert!(of(&run(&zero, &people()), Rule::DepartedToken).is_empty());
    // Not a member any more: departed_token is about members.
    let gone_member = with_tokens(
        snapshot(vec![member("alice", "write")]),
        vec![token("bob", "b001", None)],
    );
    assert!(of(&run(&gone_member, &people()), Rule::DepartedToken).is_empty());

    let one = with_tokens(
        snapshot(members()),
        vec![status(token("bob", "b001", None), "approved")],
    );
    let f = run(&one, &people());
    let d = of(&f, Rule::DepartedToken);
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].subject, "bob#b001");
    assert_eq!(d[0].severity, Severity::High);
    assert!(
        d[0].detail.contains("'bob-b001' (…b001)"),
        "{}",
        d[0].detail
    );
    assert!(d[0].detail.contains("status approved"), "{}", d[0].detail);
    assert!(d[0].detail.contains("never used"), "{}", d[0].detail);
    assert!(
        d[0].fix
            .contains("POST /api/organizations/acme/settings/tokens/b001/revoke"),
        "{}",
        d[0].fix
    );

    let many = with_tokens(
        snapshot(members()),
        vec![
            token("bob", "b001", Some(100)),
            status(token("bob", "b002", None), "pending"),
            token("carol", "c001", None),
            token("dave", "d001", Some(3)),
            status(token("dave", "d002", None), "revoked"),
        ],
    );
    assert_eq!(
        subjects(&run(&many, &people()), Rule::DepartedToken),
        vec!["bob#b001", "bob#b002", "carol#c001", "dave#d001"]
    );
}

#[test]
fn stale_token_zero_one_many() {
    let zero = with_tokens(
        snapshot(members()),
        vec![
            token("alice", "a001", Some(10)),
            // Exactly the threshold is not beyond it.
            token("alice", "a002", Some(90)),
            // Pending, denied and revoked tokens cannot act on the org.
            status(token("alice", "a003", None), "pending"),
            status(token("alice", "a004", None), "denied"),
            status(token("alice", "a005", Some(300)), "revoked"),
        ],
    );
    assert!(of(&run(&zero, &people()), Rule::StaleToken).is_empty());

    let one = with_tokens(
        snapshot(members()),
        vec![status(token("alice", "a001", Some(100)), "approved")],
    );
    let f = run(&one, &people());
    let d = of(&f, Rule::StaleToken);
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].subject, "alice#a001");
    assert_eq!(d[0].severity, Severity::Low);
    assert_eq!(d[0].days_open, Some(100));
    assert!(
        d[0].detail.contains("'alice-a001' (…a001)"),
        "{}",
        d[0].detail
    );
    assert!(
        d[0].detail.contains("last used on 2026-03-22"),
        "{}",
        d[0].detail
    );
    assert!(d[0].detail.contains("more than 90"), "{}", d[0].detail);

    // Never used and older than the threshold counts; one used recently
    // does not.
    let tokens = vec![
        token("alice", "a001", Some(91)),
        token("alice", "a002", None),
        token("carol", "c001", Some(400)),
        token("alice", "a003", Some(5)),
    ];
    let many = with_tokens(snapshot(members()), tokens);
    let f = run(&many, &people());
    assert_eq!(
        subjects(&f, Rule::StaleToken),
        vec!["alice#a001", "alice#a002", "carol#c001"]
    );
    let never = of(&f, Rule::StaleToken)
        .into_iter()
        .find(|f| f.subject == "alice#a002")
        .unwrap();
    assert!(never.detail.contains("never used"), "{}", never.detail);

    // The threshold is configurable.
    let lenient = Thresholds {
        stale_token_days: 500,
        ..Thresholds::default()
    };
    let none = with_thresholds(
        &many,
        &people(),
        &AuditHistory::default(),
        None,
        lenient,
        evaluate,
    );
    assert!(of(&none, Rule::StaleToken).is_empty());
}

#[test]
fn tokens_are_an_activity_source() {
    let snap = snapshot(vec![
        member("alice", "write"),
        member("erin", "read"),
        member("frank", "read"),
        member("gina", "read"),
    ]);
    let people = vec![
        active("alice"),
        active("erin"),
        active("frank"),
        active("gina"),
    ];

    // Without the tokens collector (and no audit log, no IdP): unknown.
    let f = run(&snap, &people);
    assert!(of(&f, Rule::InactiveMember).is_empty());
    with_audit(&snap, &people, |a| {
        assert_eq!(a.activity_of("alice"), Activity::Unknown);
        assert!(a.activity.values().all(|x| *x == Activity::Unknown));
        assert!(never_active(a).is_empty());
    });

    let snap = with_tokens(
        snap,
        vec![
            // alice: the latest use of any of her tokens, revoked included.
            token("alice", "a001", Some(300)),
            status(token("alice", "a002", Some(120)), "revoked"),
            // erin: used yesterday.
            token("erin", "e001", Some(1)),
            // frank: a token never used.
            token("frank", "f001", None),
            // gina: no token at all.
        ],
    );
    with_audit(&snap, &people, |a| {
        assert_eq!(
            a.activity_of("alice"),
            Activity::Last {
                at: days_ago(120),
                source: ActivitySource::Token
            }
        );
        assert_eq!(a.activity_of("erin").source(), Some(ActivitySource::Token));
        assert_eq!(
            a.activity_of("frank"),
            Activity::Never {
                source: ActivitySource::Token
            }
        );
        // Owning no token, gina is not seen by this source: unknown, not
        // never active (she may work in the browser only).
        assert_eq!(a.activity_of("gina"), Activity::Unknown);
        let never: Vec<String> = never_active(a).into_iter().map(|n| n.username).collect();
        assert_eq!(never, vec!["frank"]);
    });
    let f = run(&snap, &people);
    let inactive = of(&f, Rule::InactiveMember);
    assert_eq!(inactive.len(), 1);
    assert_eq!(inactive[0].subject, "alice");
    assert!(
        inactive[0].detail.contains("(token)"),
        "{}",
        inactive[0].detail
    );
    assert_eq!(inactive[0].last_active, Some(days_ago(120)));
}

#[test]
fn an_idp_login_later_than_any_token_use_wins() {
    let snap = with_tokens(
        snapshot(vec![member("alice", "write")]),
        vec![token("alice", "a001", Some(200))],
    );
    let csv = format!("username,last_login\nalice,{}\n", days_ago(3).to_rfc3339());
    let idp = crate::activity::IdpActivity::parse(csv.as_bytes(), "idp.csv".as_ref()).unwrap();
    with_history(
        &snap,
        &[active("alice")],
        &AuditHistory::default(),
        Some(&idp),
        |a| {
            assert_eq!(a.activity_of("alice").source(), Some(ActivitySource::Idp));
        },
    );
}
