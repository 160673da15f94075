//! Joins, leaves, role changes, group moves, invites and gated access over
//! the four snapshots of [`story`]: the findings of the latest snapshot,
//! the leavers' time to revoke, and the history sections of `report.html`.

use serde_json::{Value, json};

use super::story::{AS_OF, ORG, SECRET};
use super::{History, assert_exit, strings};

#[test]
fn role_escalation_compares_the_last_two_snapshots_only() {
    let h = History::story();
    let out = h.report("default", AS_OF, &[]);
    // dave went up a week earlier, frank went down, gina joined as admin.
    assert_eq!(out.subjects("role_escalation"), strings(&["bob", "carol"]));
    let f = out.findings("role_escalation");
    let bob = &f["bob"];
    assert_eq!(bob["severity"], "medium");
    assert_eq!(bob["role"], "write");
    assert!(
        bob["detail"].contains(
            "role went from read to write between the snapshots of 2026-03-16 and 2026-03-23"
        ),
        "{}",
        bob["detail"]
    );
    assert!(
        !bob["detail"].contains("org.change_role"),
        "{}",
        bob["detail"]
    );
    assert_eq!(
        bob["first_seen"], "2026-03-23T08:00:00Z",
        "no event: the snapshot"
    );
    let carol = &f["carol"];
    assert_eq!(carol["severity"], "high");
    assert!(
        carol["detail"].contains("from read to admin")
            && carol["detail"].contains("(org.change_role by auditor on 2026-03-21 15:00 UTC)"),
        "{}",
        carol["detail"]
    );
    assert_eq!(
        carol["first_seen"], "2026-03-21T15:00:00Z",
        "from the event"
    );
    assert_eq!(carol["days_open"], "2");
}

#[test]
fn findings_follow_leaves_group_moves_invites_and_gated_access() {
    let h = History::story();
    let out = h.report("default", AS_OF, &[]);
    assert_exit(&out, 1);
    // Everything the latest snapshot and its history say, and nothing else.
    let mut all: Vec<String> = out
        .csv("findings.csv")
        .iter()
        .map(|r| format!("{} {} {}", r["rule"], r["subject"], r["severity"]))
        .collect();
    all.sort();
    assert_eq!(
        all,
        [
            "departed_gated_access mona@acme/secret-model high",
            "departed_gated_access pete@acme/secret-model high",
            "departed_group_access pete@infra high",
            "departed_member pete critical",
            "inactive_member bob low",
            "late_revocation lenny medium",
            "late_revocation mona medium",
            "role_escalation bob medium",
            "role_escalation carol high",
            "stale_invite late-lou low",
            "stale_invite old-otto low",
            "unmatched_member zed-bot medium",
        ]
    );
    let departed = out.findings("departed_member");
    assert_eq!(departed.keys().collect::<Vec<_>>(), ["pete"]);
    assert_eq!(departed["pete"]["severity"], "critical");
    // pete moved from research to infra before the third snapshot.
    assert_eq!(
        out.subjects("departed_group_access"),
        strings(&["pete@infra"])
    );
    // lenny's access was revoked before the last snapshot; mona kept hers
    // after leaving the org; the outsider is no leaver.
    assert_eq!(
        out.subjects("departed_gated_access"),
        strings(&[&format!("mona@{SECRET}"), &format!("pete@{SECRET}")])
    );
    // temp-x left before the second snapshot.
    assert_eq!(out.subjects("unmatched_member"), strings(&["zed-bot"]));
    // newbie accepted, ghost was withdrawn, fresh-fay is a week old;
    // late-lou shows up in the third snapshot only, but its org.invite_user
    // event is older than the first.
    assert_eq!(
        out.subjects("stale_invite"),
        strings(&["late-lou", "old-otto"])
    );
    let stale = out.findings("stale_invite");
    assert_eq!(stale["late-lou"]["first_seen"], "2026-02-10T10:00:00Z");
    assert_eq!(stale["late-lou"]["days_open"], "41");
    assert_eq!(stale["old-otto"]["first_seen"], "2026-03-02T08:00:00Z");
    assert_eq!(stale["old-otto"]["days_open"], "21");
    assert!(out.subjects("departed_invite").is_empty());

    // The same story, snapshot by snapshot, as `hfaudit diff` tells it.
    let diff = |from: &str, to: &str| -> Value {
        let run = h
            .case
            .run(&["diff", "--format", "json", "--from", from, "--to", to]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        serde_json::from_str::<Value>(&run.stdout).expect("diff json")[ORG].clone()
    };
    let names = |v: &Value, key: &str| -> Vec<String> {
        let mut out: Vec<String> = v
            .as_array()
            .expect("array")
            .iter()
            .map(|x| x[key].as_str().unwrap().to_string())
            .collect();
        out.sort();
        out
    };
    let d = diff("2026-03-02", "2026-03-09");
    assert_eq!(
        names(&d["members"]["left"], "username"),
        ["lenny", "temp-x"]
    );
    assert_eq!(names(&d["invites"]["withdrawn"], "invitee"), ["ghost"]);
    assert_eq!(names(&d["resource_groups"]["added"], "username"), ["bob"]);
    assert_eq!(names(&d["gated_access"]["granted"], "username"), ["pete"]);
    let d = diff("2026-03-09", "2026-03-16");
    assert_eq!(
        names(&d["members"]["left"], "username"),
        ["mona", "ned", "olga"]
    );
    assert_eq!(names(&d["members"]["joined"], "username"), ["newbie"]);
    assert_eq!(names(&d["invites"]["accepted"], "invitee"), ["newbie"]);
    let d = diff("2026-03-16", "2026-03-23");
    let changes = d["members"]["role_changes"].clone();
    assert_eq!(names(&changes, "username"), ["bob", "carol", "frank"]);
    assert_eq!(names(&d["gated_access"]["gone"], "username"), ["lenny"]);
}

/// The `revocations` entry of `user` in findings.json.
fn revocation(json: &Value, user: &str) -> Value {
    json["revocations"]
        .as_array()
        .expect("revocations")
        .iter()
        .find(|r| r["username"] == user)
        .unwrap_or_else(|| panic!("no revocation for {user}: {json:#}"))
        .clone()
}

#[test]
fn late_revocation_from_the_audit_log_else_the_first_snapshot_without_them() {
    let h = History::story();
    let out = h.report("default", AS_OF, &[]);
    // ned lost access 1 day after his last day (the SLA); olga's last day
    // is unknown.
    assert_eq!(out.subjects("late_revocation"), strings(&["lenny", "mona"]));
    let f = out.findings("late_revocation");
    let lenny = &f["lenny"];
    assert_eq!(lenny["severity"], "medium");
    assert_eq!(lenny["days_open"], "5");
    assert!(
        lenny["detail"].contains(
            "lost membership of acme 5 days after their last day (2026-03-03), on 2026-03-08 (audit log)"
        ),
        "{}",
        lenny["detail"]
    );
    let mona = &f["mona"];
    assert_eq!(mona["days_open"], "11");
    assert!(
        mona["detail"].contains("at most 11 days after their last day (2026-03-05)")
            && mona["detail"].contains("still a member on 2026-03-09, gone by 2026-03-16")
            && mona["detail"].contains("upper bound"),
        "{}",
        mona["detail"]
    );

    let json = out.json();
    let mut users: Vec<&str> = json["revocations"]
        .as_array()
        .expect("revocations")
        .iter()
        .map(|r| r["username"].as_str().unwrap())
        .collect();
    users.sort_unstable();
    assert_eq!(users, ["lenny", "mona", "ned", "olga", "pete"]);
    let pick = |r: Value| {
        json!({
            "last_day": r["last_day"], "revoked_at": r["revoked_at"], "evidence": r["evidence"],
            "last_seen": r["last_seen"], "days": r["days"], "still_member": r["still_member"],
        })
    };
    let expect = [
        (
            "lenny",
            json!({"last_day": "2026-03-03", "revoked_at": "2026-03-08T10:00:00Z",
            "evidence": "audit_log", "last_seen": "2026-03-02T08:00:00Z", "days": 5, "still_member": false}),
        ),
        (
            "mona",
            json!({"last_day": "2026-03-05", "revoked_at": "2026-03-16T08:00:00Z",
            "evidence": "snapshots", "last_seen": "2026-03-09T08:00:00Z", "days": 11, "still_member": false}),
        ),
        (
            "ned",
            json!({"last_day": "2026-03-15", "revoked_at": "2026-03-16T07:00:00Z",
            "evidence": "audit_log", "last_seen": "2026-03-09T08:00:00Z", "days": 1, "still_member": false}),
        ),
        (
            "olga",
            json!({"last_day": null, "revoked_at": "2026-03-16T08:00:00Z",
            "evidence": "snapshots", "last_seen": "2026-03-09T08:00:00Z", "days": null, "still_member": false}),
        ),
        (
            "pete",
            json!({"last_day": "2026-03-20", "revoked_at": null,
            "evidence": null, "last_seen": "2026-03-23T08:00:00Z", "days": 3, "still_member": true}),
        ),
    ];
    for (user, want) in expect {
        assert_eq!(pick(revocation(&json, user)), want, "{user}");
    }
    // Days 1, 5 and ≤ 11: olga's are unknown, pete still holds access.
    assert_eq!(
        json["orgs"][0]["time_to_revoke"],
        json!({"leavers": 3, "median_days": 5.0, "p90_days": 11, "worst_days": 11,
               "upper_bounds": 1, "still_members": 1})
    );

    // The SLA decides: 0 days makes ned late, 5 days clears lenny.
    let strict = h.report("sla0", AS_OF, &["--revoke-sla-days", "0"]);
    assert_eq!(
        strict.subjects("late_revocation"),
        strings(&["lenny", "mona", "ned"])
    );
    assert!(
        strict.findings("late_revocation")["ned"]["detail"].contains("the SLA is 0 day(s)"),
        "the detail names the SLA"
    );
    let lenient = h.report("sla5", AS_OF, &["--revoke-sla-days", "5"]);
    assert_eq!(lenient.subjects("late_revocation"), strings(&["mona"]));
}

/// The text of `<section id="ID">…</section>` in `html`.
fn section<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!("<section id=\"{id}\""))
        .unwrap_or_else(|| panic!("no section {id}"));
    let end = html[start..].find("</section>").expect("section end");
    &html[start..start + end]
}

/// The `<tr>` of `table_id` whose text mentions `<bdi>USER</bdi>`.
fn row<'a>(html: &'a str, table_id: &str, user: &str) -> &'a str {
    let start = html
        .find(&format!("id=\"{table_id}\""))
        .unwrap_or_else(|| panic!("no table {table_id}"));
    let table = &html[start..start + html[start..].find("</table>").expect("table end")];
    table
        .split("<tr")
        .find(|r| r.contains(&format!("<bdi>{user}</bdi>")))
        .unwrap_or_else(|| panic!("no row for {user} in {table_id}:\n{table}"))
}

#[test]
fn the_history_renders_in_report_html() {
    let h = History::story();
    let out = h.report("default", AS_OF, &[]);
    let html = out.text("report.html");
    let leavers = section(&html, "leavers");
    assert!(
        leavers.contains(
            "<td class=\"num\">3</td><td class=\"num\">≤ 5</td><td class=\"num\">≤ 11</td><td class=\"num\">≤ 11</td>"
        ),
        "time-to-revoke figures:\n{leavers}"
    );
    assert!(
        leavers.contains("acme</bdi>: 1 of 3."),
        "upper bounds:\n{leavers}"
    );
    let pete = row(leavers, "still-table", "pete");
    assert!(
        pete.contains("2026-03-20") && pete.contains(">3</td>"),
        "{pete}"
    );
    let lenny = row(leavers, "revoked-table", "lenny");
    assert!(
        lenny.contains("class=\"late\"") && lenny.contains(">5</strong>"),
        "{lenny}"
    );
    assert!(lenny.contains("audit-log event"), "{lenny}");
    let mona = row(leavers, "revoked-table", "mona");
    assert!(
        mona.contains("class=\"late\"") && mona.contains("≤ 11"),
        "{mona}"
    );
    assert!(mona.contains("upper bound"), "{mona}");
    let ned = row(leavers, "revoked-table", "ned");
    assert!(!ned.contains("late") && ned.contains(">1</td>"), "{ned}");
    let olga = row(leavers, "revoked-table", "olga");
    assert!(
        olga.matches(">unknown<").count() == 2,
        "last day and days: {olga}"
    );

    let activity = section(&html, "activity");
    assert!(
        activity.contains("activity from the audit log (events since 2025-12-01)"),
        "{activity}"
    );
    for user in ["dave", "gina", "zed-bot"] {
        row(activity, "never-table", user);
    }
    assert!(!activity.contains("<bdi>bob</bdi>"), "bob was active once");

    let seats = section(&html, "seats");
    let chart = &seats[seats.find("<figure class=\"trend\">").expect("a chart")..];
    assert!(chart.contains("<svg"), "an inline SVG chart");
}
