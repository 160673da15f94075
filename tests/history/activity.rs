//! Unknown, inactive, never active and active: from the audit log when the
//! plan has one, from an IdP export (`--activity`), or from nothing.

use chrono::{DateTime, Duration, Utc};

use super::story::{self, AS_OF};
use super::{History, Outputs, strings};
use crate::support::fake_hub::{Org, OrgMember};

const BETA_AS_OF: &str = "2026-03-23";

/// beta: a Team org whose audit-log export and token listing answer 402,
/// with two weekly snapshots; amy, ben, cat and dan are all active on the
/// roster.
fn beta() -> History {
    let mut org = Org::new("beta");
    org.audit_log = None;
    org.tokens = None;
    org.members = ["amy", "ben", "cat", "dan"]
        .iter()
        .map(|u| OrgMember::new(u, "read"))
        .collect();
    let when = |week: i64| -> DateTime<Utc> {
        story::at("2026-03-16T08:00:00Z") + Duration::days(7 * week)
    };
    let mut roster = String::from("email,status,hf_username\n");
    for user in ["auditor", "amy", "ben", "cat", "dan"] {
        roster.push_str(&format!("{user}@beta.example,active,{user}\n"));
    }
    let h = History::build(org, 2, when, |_, _| {}, &roster);
    let exports = h
        .case
        .hub
        .requests_to("/api/organizations/beta/audit-log/export");
    assert_eq!(exports.len(), 2, "one export per snapshot");
    assert!(exports.iter().all(|r| r.status == 402), "{exports:?}");
    h
}

/// (last_active, activity_source) of member `user` in access.csv.
fn activity(out: &Outputs, user: &str) -> (String, String) {
    let row = out.access(user);
    (row["last_active"].clone(), row["activity_source"].clone())
}

fn never_active(out: &Outputs) -> Vec<String> {
    let json = out.json();
    json["never_active"]
        .as_array()
        .expect("never_active")
        .iter()
        .map(|n| n["username"].as_str().expect("username").to_string())
        .collect()
}

fn pair(a: &str, b: &str) -> (String, String) {
    (a.to_string(), b.to_string())
}

#[test]
fn without_audit_log_or_idp_export_activity_is_unknown() {
    let h = beta();
    let out = h.report("none", BETA_AS_OF, &[]);
    for user in ["auditor", "amy", "ben", "cat", "dan"] {
        assert_eq!(activity(&out, user), pair("", ""), "{user}");
    }
    assert!(out.subjects("inactive_member").is_empty());
    assert!(never_active(&out).is_empty());
    let json = out.json();
    let org = &json["orgs"][0];
    assert_eq!(org["activity"]["audit_log_since"], serde_json::Value::Null);
    assert_eq!(org["activity"]["idp"], serde_json::Value::Null);
    let unavailable: Vec<&str> = org["unavailable"]
        .as_array()
        .expect("unavailable")
        .iter()
        .map(|u| u["collector"].as_str().unwrap())
        .collect();
    assert!(unavailable.contains(&"events"), "{unavailable:?}");
    assert!(unavailable.contains(&"tokens"), "{unavailable:?}");
    let html = out.text("report.html");
    assert!(
        html.contains("activity unknown: no audit log, no token listing and no --activity export"),
        "the HTML says activity is unknown"
    );
    assert!(html.contains("no activity source exists, so activity is unknown"));
}

#[test]
fn idp_export_alone_tells_active_inactive_never_and_unknown() {
    let h = beta();
    // cat is listed by email without a login; dan is not listed at all.
    let idp = h.file(
        "idp.csv",
        "username,email,last_login\n\
         amy,,2026-03-20T08:15:00Z\n\
         ben,,2025-10-01\n\
         ,CAT@beta.example,\n\
         auditor,,2026-03-22 09:00:00\n",
    );
    let out = h.report("idp", BETA_AS_OF, &["--activity", &idp]);
    assert_eq!(activity(&out, "amy"), pair("2026-03-20T08:15:00Z", "idp"));
    assert_eq!(activity(&out, "ben"), pair("2025-10-01T00:00:00Z", "idp"));
    // Never active: the source is named, last_active stays empty;
    // unknown: both empty.
    assert_eq!(activity(&out, "cat"), pair("", "idp"));
    assert_eq!(activity(&out, "dan"), pair("", ""));
    assert_eq!(out.subjects("inactive_member"), strings(&["ben"]));
    let ben = &out.findings("inactive_member")["ben"];
    assert_eq!(ben["severity"], "low");
    assert_eq!(ben["days_open"], "173");
    assert_eq!(ben["last_active"], "2025-10-01T00:00:00Z");
    assert!(
        ben["detail"].contains("for 173 days (more than 90)"),
        "{}",
        ben["detail"]
    );
    assert_eq!(
        never_active(&out),
        ["cat"],
        "dan is unknown, not never active"
    );
    let json = out.json();
    assert!(
        json["orgs"][0]["activity"]["idp"]
            .as_str()
            .is_some_and(|p| p.ends_with("idp.csv")),
        "{}",
        json["orgs"][0]["activity"]
    );
    assert!(
        out.text("report.html")
            .contains("activity from the IdP export")
    );

    let lenient = h.report(
        "idp200",
        BETA_AS_OF,
        &["--activity", &idp, "--inactive-days", "200"],
    );
    assert!(lenient.subjects("inactive_member").is_empty());
    assert_eq!(never_active(&lenient), ["cat"]);
}

#[test]
fn audit_log_tells_active_inactive_and_never_active() {
    let h = History::story();
    let out = h.report("default", AS_OF, &[]);
    assert_eq!(
        activity(&out, "alice"),
        pair("2026-03-20T09:00:00Z", "sso_login")
    );
    assert_eq!(
        activity(&out, "carol"),
        pair("2026-03-10T11:00:00Z", "audit_log")
    );
    assert_eq!(
        activity(&out, "newbie"),
        pair("2026-03-14T09:00:00Z", "audit_log")
    );
    assert_eq!(
        activity(&out, "bob"),
        pair("2025-12-01T09:00:00Z", "sso_login")
    );
    assert_eq!(activity(&out, "dave"), pair("", "audit_log"));
    // pete left (a departed_member, not an inactive one); zed-bot matches
    // nobody; dave and gina never did anything.
    assert_eq!(out.subjects("inactive_member"), strings(&["bob"]));
    let bob = &out.findings("inactive_member")["bob"];
    assert_eq!(bob["days_open"], "112");
    assert_eq!(bob["last_active"], "2025-12-01T09:00:00Z");
    assert!(
        bob["detail"].contains("last seen 2025-12-01 (sso_login)"),
        "{}",
        bob["detail"]
    );
    assert_eq!(
        never_active(&out),
        ["dave", "zed-bot", "gina"],
        "oldest member first"
    );
    let json = out.json();
    assert_eq!(
        json["orgs"][0]["activity"]["audit_log_since"],
        "2025-12-01T09:00:00Z"
    );
    let seats = out.csv("seats.csv");
    let all = seats
        .iter()
        .find(|r| r["cost_center"] == "ALL")
        .expect("ALL");
    assert_eq!(all["inactive"], "1");

    let lenient = h.report("inactive120", AS_OF, &["--inactive-days", "120"]);
    assert!(lenient.subjects("inactive_member").is_empty());
    let seats = lenient.csv("seats.csv");
    let all = seats
        .iter()
        .find(|r| r["cost_center"] == "ALL")
        .expect("ALL");
    assert_eq!(all["inactive"], "0");
}
