//! Service accounts and the rules: their tokens count for `stale_token`;
//! they are never people, so no rule about people (unmatched, inactive,
//! departed) fires on them, even when a roster row names them.

use super::*;
use crate::model::*;

use super::testkit::*;

fn subjects(findings: &[Finding], rule: Rule) -> Vec<String> {
    let mut s: Vec<String> = findings
        .iter()
        .filter(|f| f.rule == rule)
        .map(|f| f.subject.clone())
        .collect();
    s.sort();
    s
}

fn members() -> Vec<Member> {
    vec![member("alice", "write")]
}

fn in_group(username: &str) -> GroupMember {
    GroupMember {
        group_id: "g1".into(),
        group_name: "research".into(),
        username: username.into(),
        fullname: None,
        role: Some("write".into()),
        added_by: None,
    }
}

#[test]
fn stale_service_account_tokens_zero_one_many() {
    let people = [active("alice")];
    // Zero: no service account at all, then one whose token is in use.
    let none = with_service_accounts(
        with_tokens(snapshot(members()), vec![token("alice", "a001", Some(3))]),
        vec![],
    );
    assert!(subjects(&run(&none, &people), Rule::StaleToken).is_empty());
    let fresh = with_service_accounts(
        with_tokens(snapshot(members()), vec![token("ci-bot", "s001", Some(5))]),
        vec![service_account("ci-bot")],
    );
    assert!(subjects(&run(&fresh, &people), Rule::StaleToken).is_empty());

    // One: a service account's token unused for 120 days.
    let one = with_service_accounts(
        with_tokens(
            snapshot(members()),
            vec![token("ci-bot", "s001", Some(120))],
        ),
        vec![service_account("ci-bot")],
    );
    let f = run(&one, &people);
    assert_eq!(subjects(&f, Rule::StaleToken), vec!["ci-bot#s001"]);
    let stale = f.iter().find(|f| f.rule == Rule::StaleToken).unwrap();
    assert!(
        stale.detail.contains("of service account ci-bot"),
        "{}",
        stale.detail
    );
    assert_eq!(stale.fullname.as_deref(), Some("Bot ci-bot"));
    assert_eq!(stale.role, None);
    assert!(
        stale.fix.contains("service account ci-bot"),
        "{}",
        stale.fix
    );
    assert!(
        stale.fix.contains("/settings/tokens/s001/revoke"),
        "{}",
        stale.fix
    );

    // Many: two accounts, a never-used old token, a revoked one (not
    // stale), and a member's stale token beside them.
    let mut revoked = token("eval-bot", "e002", Some(400));
    revoked.status = Some("revoked".into());
    let many = with_service_accounts(
        with_tokens(
            snapshot(members()),
            vec![
                token("ci-bot", "s001", Some(120)),
                token("ci-bot", "s002", Some(1)),
                token("eval-bot", "e001", None),
                revoked,
                token("alice", "a001", Some(100)),
            ],
        ),
        vec![service_account("ci-bot"), service_account("eval-bot")],
    );
    let f = run(&many, &people);
    assert_eq!(
        subjects(&f, Rule::StaleToken),
        vec!["alice#a001", "ci-bot#s001", "eval-bot#e001"]
    );
    let member_token = f.iter().find(|f| f.subject == "alice#a001").unwrap();
    assert!(
        !member_token.detail.contains("service account"),
        "{}",
        member_token.detail
    );
}

/// A roster row that claims a service account's username (a departed
/// person's old handle, or a heuristic look-alike) does not make it a
/// person: no departed, unmatched or inactive finding names it.
#[test]
fn service_accounts_are_never_people() {
    let people = [active("alice"), gone("ci-bot")];
    let mut snap = with_service_accounts(
        with_tokens(
            snapshot(members()),
            // Used after ci-bot's "last day" (2026-03-31).
            vec![token("ci-bot", "s001", Some(1))],
        ),
        vec![service_account("ci-bot")],
    );
    snap.groups.push(ResourceGroup {
        id: "g1".into(),
        name: "research".into(),
        description: None,
        auto_join: false,
        repos: vec![],
        resources: vec![],
    });
    snap.group_members = vec![in_group("ci-bot")];
    let f = run(&snap, &people);
    assert!(
        f.iter().all(|f| !f.subject.starts_with("ci-bot")),
        "{:#?}",
        f.iter()
            .map(|f| (f.rule, f.subject.as_str()))
            .collect::<Vec<_>>()
    );
    // The same username as a plain group member (not a listed service
    // account) is a departed person in a group: the guard is the listing.
    let mut person = snap.clone();
    person.service_accounts.clear();
    let f = run(&person, &people);
    assert_eq!(
        subjects(&f, Rule::DepartedGroupAccess),
        vec!["ci-bot@research"]
    );
    assert_eq!(subjects(&f, Rule::DepartedTokenUsed), vec!["ci-bot#s001"]);
}
