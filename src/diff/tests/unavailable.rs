//! Parts resting on a collector that was unavailable in either snapshot.

use std::collections::BTreeMap;

use super::*;

#[test]
fn unavailable_collectors_are_not_compared_in_either_snapshot() {
    let mut a = snap(1);
    a.members = vec![member("alice", "admin")];
    a.repo_access = vec![grant("acme/m", "eve")];
    let g = group("g1", "research");
    a.group_members = vec![seat(&g, "bob", "read")];
    a.groups = vec![g];
    a.invites = vec![invite("ghost", "read")];
    let mut b = snap(2);
    b.members = a.members.clone();
    // The newer snapshot could not read repo access or groups: empty lists
    // that must not turn into "gone"/"removed".
    lacks(&mut b, "repo_access");
    lacks(&mut b, "resource_groups");
    // The older one could not read invites: the newer invite is not "added".
    lacks(&mut a, "invites");
    b.invites = vec![invite("newbie", "read")];
    let d = diff(&a, &b);
    assert_eq!(
        d.gated_access,
        Part::Unavailable {
            reason: "repo_access was unavailable in B (the plan lacks it)".into()
        }
    );
    assert!(matches!(d.resource_groups, Part::Unavailable { .. }));
    assert_eq!(
        d.invites,
        Part::Unavailable {
            reason: "invites was unavailable in A (the plan lacks it)".into()
        }
    );
    assert!(d.members.compared().is_some());
    assert!(d.is_empty());

    let json = serde_json::to_value(&d).unwrap();
    assert_eq!(json["gated_access"]["status"], "unavailable");
    assert_eq!(json["members"]["status"], "compared");
    assert_eq!(json["members"]["joined"], serde_json::json!([]));

    let text = table::render(
        &BTreeMap::from([("acme".into(), OrgDiff::Compared(Box::new(d)))]),
        "s",
    );
    assert_eq!(
        text,
        "acme: A → B\n\
         \x20 resource groups: could not be compared: resource_groups was unavailable in B (the plan lacks it)\n\
         \x20 invites: could not be compared: invites was unavailable in A (the plan lacks it)\n\
         \x20 gated access: could not be compared: repo_access was unavailable in B (the plan lacks it)\n\
         \x20 no changes\n"
    );

    // Missing in both: both named; a collector not recorded at all too.
    let mut c = snap(3);
    lacks(&mut c, "repo_access");
    c.collectors.remove("members");
    let mut a2 = a.clone();
    lacks(&mut a2, "repo_access");
    let d = diff(&a2, &c);
    assert_eq!(
        d.gated_access,
        Part::Unavailable {
            reason: "repo_access was unavailable in A (the plan lacks it); \
                     repo_access was unavailable in B (the plan lacks it)"
                .into()
        }
    );
    assert_eq!(
        d.members,
        Part::Unavailable {
            reason: "members was not recorded in B".into()
        }
    );
    assert!(
        matches!(d.invites, Part::Unavailable { ref reason } if reason.contains("members was not recorded in B"))
    );
}

#[test]
fn a_change_of_invite_source_is_noted() {
    let mut a = snap(1);
    let mut b = snap(2);
    a.collectors.insert(
        "invites".into(),
        CollectorStatus::sourced(0, Some("pending-members".into())),
    );
    b.collectors.insert(
        "invites".into(),
        CollectorStatus::sourced(0, Some("audit-log".into())),
    );
    let d = diff(&a, &b);
    assert_eq!(d.notes.len(), 1);
    assert!(d.notes[0].contains("pending-members in A and from audit-log in B"));
    assert!(diff(&a, &a).notes.is_empty());
}
