//! The table output.

use std::collections::BTreeMap;

use super::*;

#[test]
fn hostile_names_are_cleaned_in_the_table_but_kept_in_json() {
    let a = snap(1);
    let mut b = snap(2);
    b.members = vec![member("evil\u{1b}[2J\u{202e}x", "read")];
    let d = diff(&a, &b);
    let json = serde_json::to_string(&d).unwrap();
    assert!(json.contains("evil\\u001b[2J\u{202e}x"), "{json}");
    let text = table::render(
        &BTreeMap::from([("acme".into(), OrgDiff::Compared(Box::new(d)))]),
        "s",
    );
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{202e}'),
        "{text}"
    );
    assert!(text.contains("evil\u{fffd}[2J\u{fffd}x"), "{text}");
}

#[test]
fn table_lists_each_kind_with_counts_and_a_summary() {
    let mut a = snap(1);
    a.members = vec![
        member("alice", "admin"),
        member("bob", "read"),
        member("eve", "write"),
    ];
    let mut b = snap(2);
    b.members = vec![
        member("alice", "admin"),
        member("bob", "admin"),
        member("carol", "read"),
    ];
    b.members.push(member("dave", "contributor"));
    let outcomes = BTreeMap::from([
        (
            "acme".to_string(),
            OrgDiff::Compared(Box::new(diff(&a, &b))),
        ),
        (
            "beta".to_string(),
            OrgDiff::NotCompared {
                snapshots: 1,
                reason: "only one snapshot (X); nothing to compare".into(),
            },
        ),
    ]);
    assert_eq!(
        table::render(&outcomes, "s"),
        "acme: A → B\n\
         \x20 joined (2)\n\
         \x20   carol  read\n\
         \x20   dave   contributor\n\
         \x20 left (1)\n\
         \x20   eve  write\n\
         \x20 role changes (1)\n\
         \x20   bob  read → admin  ESCALATION to admin\n\
         \x20 changes: joined 2, left 1, role changes 1\n\
         beta: only one snapshot (X); nothing to compare\n"
    );
    assert_eq!(table::render(&BTreeMap::new(), "/x"), "no snapshot in /x\n");
}
