//! How old an invitation is, when the history knows of an earlier one.

use chrono::Duration;
use serde_json::json;

use super::story::{at, event};
use super::{History, strings};
use crate::support::fake_hub::{Org, OrgMember, Pending};

/// comeback: invited in June 2025 and pending in the first snapshot,
/// a member in the second, gone in the third, invited again (20 March)
/// and pending in the fourth. old-ivy: pending throughout, invited on 1
/// February. No one else is invited.
fn invites_org(org: &mut Org, week: i64) {
    let pending = |user: &str| Pending {
        user: user.into(),
        role: "read".into(),
    };
    let log = org.audit_log.as_mut().expect("audit log");
    match week {
        0 => {
            log.push(event(
                "2025-06-01T10:00:00Z",
                "org.invite_user",
                "auditor",
                json!({"user": "comeback", "role": "read"}),
            ));
            log.push(event(
                "2026-02-01T10:00:00Z",
                "org.invite_user",
                "auditor",
                json!({"user": "old-ivy", "role": "read"}),
            ));
            org.pending_members = Some(vec![pending("comeback"), pending("old-ivy")]);
        }
        1 => {
            org.members.push(OrgMember::new("comeback", "read"));
            org.pending_members = Some(vec![pending("old-ivy")]);
        }
        2 => org.members.retain(|m| m.user != "comeback"),
        3 => {
            log.push(event(
                "2026-03-20T10:00:00Z",
                "org.invite_user",
                "auditor",
                json!({"user": "comeback", "role": "read"}),
            ));
            org.pending_members = Some(vec![pending("comeback"), pending("old-ivy")]);
        }
        _ => {}
    }
}

#[test]
fn a_re_invitation_is_aged_from_after_the_last_membership() {
    let mut org = Org::new("again");
    org.members = vec![OrgMember::new("amy", "read")];
    let h = History::build(
        org,
        4,
        |w| at("2026-03-02T08:00:00Z") + Duration::days(7 * w),
        invites_org,
        "email,status,hf_username\n\
         auditor@x.example,active,auditor\n\
         amy@x.example,active,amy\n\
         comeback@x.example,active,comeback\n",
    );
    let out = h.report("default", "2026-03-23", &[]);
    // comeback's June 2025 invitation and first sighting were for the
    // membership that ended; this one is at most a week old.
    assert_eq!(out.subjects("stale_invite"), strings(&["old-ivy"]));
    let ivy = &out.findings("stale_invite")["old-ivy"];
    assert_eq!(ivy["first_seen"], "2026-02-01T10:00:00Z");
    assert_eq!(ivy["days_open"], "50");
}
