//! A realistic [`Report`] for the output tests: two orgs (one whose plan
//! hides the audit log and gated-repo requests), every rule, severity and
//! match method, muted findings, several cost centers, strangers, warnings,
//! and hostile Hub text (markup, attribute breakers, `javascript:`,
//! spreadsheet formulas, leading tab/CR, bidi overrides and other control
//! characters) in names, groups, repos and details.

use chrono::{DateTime, NaiveDate, Utc};

use crate::model::{InviteSource, MatchMethod};
use crate::report::{AccessRow, OrgSummary, Report, RosterSummary, SeatRow, Stranger, Unchecked};
use crate::rules::{Finding, Rule, Severity};

mod history;

pub const SCRIPT: &str = "<script>alert(1)</script>";
pub const ATTRIBUTE: &str = "\" onmouseover=\"x";
pub const JS_URL: &str = "javascript:alert(1)";
pub const HYPERLINK: &str = "=HYPERLINK(\"http://evil\")";
pub const RLO: char = '\u{202E}';

const ML: &str = "acme-ml";
const LABS: &str = "acme-labs";
const ML_SNAPSHOT: &str = "20261123T025751.123Z";
const LABS_SNAPSHOT: &str = "20261123T025812.456Z";

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("valid test time")
        .with_timezone(&Utc)
}

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("valid test date")
}

fn s(v: &str) -> Option<String> {
    Some(v.to_owned())
}

fn finding(severity: Severity, rule: Rule, org: &str, subject: &str) -> Finding {
    let (snapshot_id, taken_at) = if org == ML {
        (ML_SNAPSHOT, t("2026-11-23T02:57:51.123Z"))
    } else {
        (LABS_SNAPSHOT, t("2026-11-23T02:58:12.456Z"))
    };
    let username = subject.split('@').next().filter(|u| !u.is_empty());
    Finding {
        severity,
        rule,
        org: org.into(),
        subject: subject.into(),
        username: username.map(str::to_owned),
        fullname: None,
        employee_id: None,
        email: None,
        match_method: MatchMethod::Roster,
        role: None,
        detail: String::new(),
        first_seen: None,
        days_open: None,
        last_active: None,
        muted: None,
        snapshot_id: snapshot_id.into(),
        taken_at,
        groups: vec![],
        repos: vec![],
        resources: vec![],
        fix: String::new(),
        cost_center: None,
    }
}

fn remove_member(org: &str, user: &str) -> String {
    format!(
        "Settings › Members › {user} › Remove from organization\nDELETE /api/organizations/{org}/members/{user}"
    )
}

fn findings() -> Vec<Finding> {
    let mut v = Vec::new();

    let mut f = finding(Severity::Critical, Rule::DepartedMember, ML, "jdoe");
    f.fullname = s("Jane Doe");
    f.employee_id = s("E1001");
    f.email = s("jane.doe@acme.example");
    f.role = s("admin");
    f.detail = "Jane Doe left on 2026-10-31 and is still an admin of acme-ml.".into();
    f.first_seen = Some(t("2026-11-02T03:00:00Z"));
    f.days_open = Some(21);
    f.last_active = Some(t("2026-11-18T09:12:44Z"));
    f.groups = vec!["research".into()];
    f.repos = vec!["model/acme-ml/llm-7b".into()];
    f.fix = remove_member(ML, "jdoe");
    f.cost_center = s("CC-100 Research");
    v.push(f);

    let mut f = finding(Severity::Critical, Rule::DepartedMember, ML, "mallory");
    f.fullname = s(SCRIPT);
    f.employee_id = s("E1002");
    f.email = s("mallory@acme.example");
    f.match_method = MatchMethod::Heuristic;
    f.role = s("write");
    f.detail = format!(
        "probable match: {SCRIPT} (mallory@acme.example) left on 2026-09-30 and can still write to acme-ml."
    );
    f.first_seen = Some(t("2026-10-01T03:00:00Z"));
    f.days_open = Some(53);
    f.fix = remove_member(ML, "mallory");
    f.cost_center = s("@SUM(A1)");
    v.push(f);

    let mut f = finding(Severity::Critical, Rule::DepartedMember, ML, "svc-old");
    f.fullname = s("Old Service Account");
    f.email = s("svc-old@acme.example");
    f.match_method = MatchMethod::Mapping;
    f.role = s("admin");
    f.detail = "The owner of svc-old left on 2026-08-15; the account is still an admin.".into();
    f.first_seen = Some(t("2026-08-16T03:00:00Z"));
    f.days_open = Some(99);
    f.muted = s("Break-glass account kept until the migration ends (SEC-1234)");
    f.fix = remove_member(ML, "svc-old");
    f.cost_center = s("CC-200 Platform");
    v.push(f);

    let mut f = finding(Severity::High, Rule::DepartedMember, ML, "rtl");
    f.fullname = Some(format!("Eve {RLO}gnp.exe"));
    f.employee_id = s("+1");
    f.email = s("eve@acme.example");
    f.match_method = MatchMethod::Scim;
    f.role = s("read");
    f.detail =
        format!("Eve {RLO}gnp.exe left on 2026-11-10 and can still read acme-ml's private repos.");
    f.first_seen = Some(t("2026-11-11T03:00:00Z"));
    f.days_open = Some(12);
    f.fix = remove_member(ML, "rtl");
    f.cost_center = s("CC-200 Platform");
    v.push(f);

    let group = format!("{ATTRIBUTE} \u{1b}[31mred\u{1b}[0m");
    let mut f = finding(
        Severity::High,
        Rule::DepartedGroupAccess,
        ML,
        &format!("jdoe@{group}"),
    );
    f.username = s("jdoe");
    f.fullname = s("Jane Doe");
    f.employee_id = s("E1001");
    f.email = s("jane.doe@acme.example");
    f.role = s("write");
    f.detail = format!("Jane Doe left on 2026-10-31 and is still in the resource group {group}.");
    f.first_seen = Some(t("2026-11-02T03:00:00Z"));
    f.days_open = Some(21);
    f.groups = vec![group.clone()];
    f.fix = "Settings › Resource groups › remove jdoe".into();
    f.cost_center = s("CC-100 Research");
    v.push(f);

    let mut f = finding(
        Severity::High,
        Rule::DepartedGatedAccess,
        ML,
        "kim@acme-ml/-2+3",
    );
    f.fullname = s("-2+3");
    f.employee_id = s("E1003");
    f.email = s("kim.lee@acme.example");
    f.match_method = MatchMethod::Heuristic;
    f.detail =
        "probable match: Kim Lee left on 2026-10-01 and still holds access to acme-ml/-2+3.".into();
    f.first_seen = Some(t("2026-10-02T03:00:00Z"));
    f.days_open = Some(52);
    f.repos = vec![
        "dataset/acme-ml/-2+3".into(),
        format!("model/acme-ml/{JS_URL}"),
    ];
    f.fix = "Repo settings › Gated user access › kim › Reject".into();
    f.cost_center = s("CC-100 Research");
    v.push(f);

    let mut f = finding(Severity::High, Rule::MemberWithout2fa, ML, "tabby");
    f.fullname = s("\tTabby Cat");
    f.email = s("tabby@acme.example");
    f.match_method = MatchMethod::HubEmail;
    f.role = s("admin");
    f.detail = "tabby is an admin of acme-ml without two-factor authentication.".into();
    f.first_seen = Some(t("2026-11-16T03:00:00Z"));
    f.days_open = Some(7);
    f.last_active = Some(t("2026-11-22T17:40:03Z"));
    f.fix =
        "Ask tabby to enable 2FA (Settings › Authentication), or require 2FA for acme-ml".into();
    f.cost_center = s("CC-200 Platform");
    v.push(f);

    let mut f = finding(Severity::High, Rule::RoleEscalation, ML, "promo");
    f.fullname = s(HYPERLINK);
    f.employee_id = s("E1010");
    f.email = s("promo@acme.example");
    f.role = s("admin");
    f.detail = "promo went from write to admin since snapshot 20261116T025700.000Z.".into();
    f.first_seen = Some(t("2026-11-23T02:57:51Z"));
    f.days_open = Some(0);
    f.last_active = Some(t("2026-11-22T08:00:00Z"));
    f.muted = s("Promoted on purpose: new org owner (CHG-778)");
    f.fix = "If unintended: Settings › Members › promo › Role › write".into();
    f.cost_center = s("CC-200 Platform");
    v.push(f);

    let mut f = finding(
        Severity::Medium,
        Rule::DepartedInvite,
        ML,
        "ex.employee@acme.example",
    );
    f.username = None;
    f.fullname = s("Ex Employee");
    f.employee_id = s("E0999");
    f.email = s("ex.employee@acme.example");
    f.match_method = MatchMethod::Scim;
    f.role = s("read");
    f.detail = "A pending invite for Ex Employee, who left on 2026-11-01.".into();
    f.first_seen = Some(t("2026-10-20T03:00:00Z"));
    f.days_open = Some(34);
    f.fix = "Settings › Members › Pending invitations › ex.employee@acme.example › Cancel".into();
    f.cost_center = s("CC-100 Research");
    v.push(f);

    let mut f = finding(Severity::Medium, Rule::UnmatchedMember, ML, "ghost-42");
    f.fullname = s("@SUM(A1)");
    f.match_method = MatchMethod::Unmatched;
    f.role = s("contributor");
    f.detail = "ghost-42 matches nobody in the roster.\u{7}\u{0}".into();
    f.first_seen = Some(t("2026-09-01T03:00:00Z"));
    f.days_open = Some(83);
    f.fix = "Identify ghost-42 (add to --identities) or remove: DELETE /api/organizations/acme-ml/members/ghost-42".into();
    v.push(f);

    let mut f = finding(Severity::Medium, Rule::RoleEscalation, ML, "alice");
    f.fullname = s("Alice Martin");
    f.employee_id = s("E1004");
    f.email = s("alice.martin@acme.example");
    f.role = s("write");
    f.detail = "alice went from read to write since snapshot 20261116T025700.000Z.".into();
    f.first_seen = Some(t("2026-11-23T02:57:51Z"));
    f.days_open = Some(0);
    f.last_active = Some(t("2026-11-21T11:30:00Z"));
    f.fix = "If unintended: Settings › Members › alice › Role › read".into();
    f.cost_center = s("CC-100 Research");
    v.push(f);

    let mut f = finding(Severity::Medium, Rule::MemberWithout2fa, ML, "promo");
    f.fullname = s(HYPERLINK);
    f.employee_id = s("E1010");
    f.email = s("promo@acme.example");
    f.role = s("admin");
    f.detail = "promo has no two-factor authentication.".into();
    f.first_seen = Some(t("2026-11-16T03:00:00Z"));
    f.days_open = Some(7);
    f.muted = s("");
    f.fix = "Ask promo to enable 2FA (Settings › Authentication)".into();
    f.cost_center = s("CC-200 Platform");
    v.push(f);

    let mut f = finding(Severity::Medium, Rule::LateRevocation, LABS, "dana");
    f.fullname = s("Dana Scully");
    f.employee_id = s("E2001");
    f.email = s("dana@acme.example");
    f.role = s("write");
    f.detail =
        "Dana Scully's last day was 2026-10-05; access was removed 9 days later (SLA: 1 day)."
            .into();
    f.first_seen = Some(t("2026-10-06T03:00:00Z"));
    f.days_open = Some(9);
    f.fix = "No action on the Hub: review the offboarding checklist with IT.".into();
    f.cost_center = s("CC-300 Labs");
    v.push(f);

    let mut f = finding(Severity::Medium, Rule::UnmatchedMember, LABS, "carrie-x");
    f.fullname = s("\rCarrie\u{85}X \u{2066}isolated\u{2069} \u{200F}");
    f.match_method = MatchMethod::Unmatched;
    f.role = s("read");
    f.detail = "carrie-x matches nobody in the roster.".into();
    f.first_seen = Some(t("2026-11-09T03:00:00Z"));
    f.days_open = Some(14);
    f.fix = "Identify carrie-x (add to --identities) or remove from acme-labs".into();
    v.push(f);

    let mut f = finding(
        Severity::Low,
        Rule::StaleInvite,
        LABS,
        "newhire@acme.example",
    );
    f.username = None;
    f.fullname = s("New Hire");
    f.employee_id = s("E2010");
    f.email = s("newhire@acme.example");
    f.role = s("read");
    f.detail = "An invite pending for 37 days (stale after 14).".into();
    f.first_seen = Some(t("2026-10-17T03:00:00Z"));
    f.days_open = Some(37);
    f.fix = "Resend or cancel: Settings › Members › Pending invitations".into();
    f.cost_center = s("CC-300 Labs");
    v.push(f);

    let mut f = finding(Severity::Low, Rule::InactiveMember, ML, "bob");
    f.fullname = s("Bob Stone");
    f.employee_id = s("E1005");
    f.email = s("bob.stone@acme.example");
    f.role = s("read");
    f.detail = "bob has not been active since 2026-06-01 (174 days; threshold 90).".into();
    f.first_seen = Some(t("2026-08-30T03:00:00Z"));
    f.days_open = Some(85);
    f.last_active = Some(t("2026-06-01T10:20:30Z"));
    f.fix = "Confirm with bob's manager, then remove the seat".into();
    f.cost_center = s("CC-100 Research");
    v.push(f);

    let mut f = finding(Severity::Info, Rule::InactiveMember, LABS, "erin");
    f.fullname = s("Erin Partner");
    f.email = s("erin@partner.example");
    f.match_method = MatchMethod::Mapping;
    f.role = s("read");
    f.detail = format!("External collaborator erin has no IdP login for 95 days. {JS_URL}");
    f.first_seen = Some(t("2026-11-09T03:00:00Z"));
    f.days_open = Some(14);
    f.last_active = Some(t("2026-08-20T12:00:00Z"));
    f.fix = "Review with the partner's sponsor".into();
    f.cost_center = s("CC-300 Labs");
    v.push(f);

    v.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.org.cmp(&b.org))
            .then_with(|| a.rule.code().cmp(b.rule.code()))
            .then_with(|| a.subject.cmp(&b.subject))
    });
    v
}

#[allow(clippy::too_many_arguments)]
fn seat(
    org: &str,
    cost_center: &str,
    members: u64,
    pending_invites: u64,
    departed: u64,
    unmatched: u64,
    inactive: u64,
) -> SeatRow {
    let (plan, seat_price) = if org == ML {
        ("enterprise", 50.0)
    } else {
        ("team", 20.0)
    };
    let billable_seats = members + pending_invites;
    let reclaimable_seats = departed + unmatched + inactive;
    SeatRow {
        org: org.into(),
        cost_center: cost_center.into(),
        plan: plan.into(),
        seat_price,
        billable_seats,
        members,
        pending_invites,
        departed,
        unmatched,
        inactive,
        reclaimable_seats,
        monthly_cost: billable_seats as f64 * seat_price,
        reclaimable_monthly_cost: reclaimable_seats as f64 * seat_price,
    }
}

fn seats() -> Vec<SeatRow> {
    vec![
        seat(ML, "@SUM(A1)", 1, 0, 1, 0, 0),
        seat(ML, "CC-100 Research", 4, 1, 3, 0, 1),
        seat(ML, "CC-200 Platform", 4, 0, 2, 0, 0),
        seat(ML, "(none)", 1, 1, 0, 2, 0),
        seat(ML, "ALL", 10, 2, 6, 2, 1),
        seat(LABS, "CC-300 Labs", 3, 1, 0, 0, 0),
        seat(LABS, "(none)", 1, 0, 0, 1, 0),
        seat(LABS, "ALL", 4, 1, 0, 1, 0),
    ]
}

struct Who<'a> {
    org: &'a str,
    username: &'a str,
    fullname: Option<&'a str>,
    kind: &'a str,
    role: &'a str,
    match_method: MatchMethod,
    email: Option<&'a str>,
    employee_id: Option<&'a str>,
    status: Option<&'a str>,
}

#[allow(clippy::too_many_arguments)]
fn who<'a>(
    org: &'a str,
    username: &'a str,
    fullname: Option<&'a str>,
    kind: &'a str,
    role: &'a str,
    match_method: MatchMethod,
    email: Option<&'a str>,
    employee_id: Option<&'a str>,
    status: Option<&'a str>,
) -> Who<'a> {
    Who {
        org,
        username,
        fullname,
        kind,
        role,
        match_method,
        email,
        employee_id,
        status,
    }
}

fn access_row(w: Who<'_>) -> AccessRow {
    let member = w.kind == "member";
    AccessRow {
        org: w.org.into(),
        username: w.username.into(),
        fullname: w.fullname.map(str::to_owned),
        kind: w.kind.into(),
        role: s(w.role),
        two_fa: member.then_some(true),
        external: member.then_some(false),
        groups: vec![],
        gated_repos: vec![],
        match_method: w.match_method,
        employee_id: w.employee_id.map(str::to_owned),
        email: w.email.map(str::to_owned),
        person_status: w.status.map(str::to_owned),
        termination_date: None,
        last_active: None,
        activity_source: (member && w.org == ML).then(|| "audit_log".to_owned()),
        // The ML org's tokens were listed; the other org's were not.
        tokens: (member && w.org == ML).then_some(2),
        token_last_used: (member && w.org == ML).then(|| t("2026-11-20T08:14:00Z")),
    }
}

fn access() -> Vec<AccessRow> {
    use MatchMethod::*;
    let group = format!("{ATTRIBUTE} \u{1b}[31mred\u{1b}[0m");
    let eve = format!("Eve {RLO}gnp.exe");

    let mut jdoe = access_row(who(
        ML,
        "jdoe",
        Some("Jane Doe"),
        "member",
        "admin",
        Roster,
        Some("jane.doe@acme.example"),
        Some("E1001"),
        Some("departed"),
    ));
    jdoe.groups = vec!["research".into(), group.clone()];
    jdoe.gated_repos = vec!["model/acme-ml/llm-7b".into()];
    jdoe.termination_date = Some(d("2026-10-31"));
    jdoe.last_active = Some(t("2026-11-18T09:12:44Z"));

    let mut alice = access_row(who(
        ML,
        "alice",
        Some("Alice Martin"),
        "member",
        "write",
        Roster,
        Some("alice.martin@acme.example"),
        Some("E1004"),
        Some("active"),
    ));
    alice.groups = vec!["research".into()];
    alice.last_active = Some(t("2026-11-21T11:30:00Z"));

    let mut bob = access_row(who(
        ML,
        "bob",
        Some("Bob Stone"),
        "member",
        "read",
        Roster,
        Some("bob.stone@acme.example"),
        Some("E1005"),
        Some("active"),
    ));
    bob.last_active = Some(t("2026-06-01T10:20:30Z"));

    let mut ghost = access_row(who(
        ML,
        "ghost-42",
        Some("@SUM(A1)"),
        "member",
        "contributor",
        Unmatched,
        None,
        None,
        None,
    ));
    ghost.two_fa = Some(false);
    ghost.external = None;

    let mut kim = access_row(who(
        ML,
        "kim",
        Some("-2+3"),
        "member",
        "read",
        Heuristic,
        Some("kim.lee@acme.example"),
        Some("E1003"),
        Some("departed"),
    ));
    kim.gated_repos = vec![
        "dataset/acme-ml/-2+3".into(),
        format!("model/acme-ml/{JS_URL}"),
    ];
    kim.termination_date = Some(d("2026-10-01"));

    let mut mallory = access_row(who(
        ML,
        "mallory",
        Some(SCRIPT),
        "member",
        "write",
        Heuristic,
        Some("mallory@acme.example"),
        Some("E1002"),
        Some("departed"),
    ));
    mallory.termination_date = Some(d("2026-09-30"));
    mallory.groups = vec![format!("{JS_URL}"), "=1+1".into()];

    let mut promo = access_row(who(
        ML,
        "promo",
        Some(HYPERLINK),
        "member",
        "admin",
        Roster,
        Some("promo@acme.example"),
        Some("E1010"),
        Some("active"),
    ));
    promo.two_fa = Some(false);
    promo.last_active = Some(t("2026-11-22T08:00:00Z"));

    let mut rtl = access_row(who(
        ML,
        "rtl",
        Some(&eve),
        "member",
        "read",
        Scim,
        Some("eve@acme.example"),
        Some("+1"),
        Some("departed"),
    ));
    rtl.termination_date = Some(d("2026-11-10"));

    let mut svc = access_row(who(
        ML,
        "svc-old",
        Some("Old Service Account"),
        "member",
        "admin",
        Mapping,
        Some("svc-old@acme.example"),
        None,
        Some("departed"),
    ));
    svc.termination_date = Some(d("2026-08-15"));

    let mut tabby = access_row(who(
        ML,
        "tabby",
        Some("\tTabby Cat"),
        "member",
        "admin",
        HubEmail,
        Some("tabby@acme.example"),
        None,
        Some("leave"),
    ));
    tabby.two_fa = Some(false);
    tabby.last_active = Some(t("2026-11-22T17:40:03Z"));

    let mut ex = access_row(who(
        ML,
        "ex.employee@acme.example",
        Some("Ex Employee"),
        "invite",
        "read",
        Scim,
        Some("ex.employee@acme.example"),
        Some("E0999"),
        Some("departed"),
    ));
    ex.termination_date = Some(d("2026-11-01"));
    let contractor = access_row(who(
        ML,
        "contractor@partner.example",
        None,
        "invite",
        "read",
        Unmatched,
        None,
        None,
        None,
    ));

    let carol = access_row(who(
        LABS,
        "carol",
        Some("Carol Danvers"),
        "member",
        "admin",
        Roster,
        Some("carol@acme.example"),
        Some("E2002"),
        Some("active"),
    ));
    let mut carrie = access_row(who(
        LABS,
        "carrie-x",
        Some("\rCarrie\u{85}X \u{2066}isolated\u{2069} \u{200F}"),
        "member",
        "read",
        Unmatched,
        None,
        None,
        None,
    ));
    carrie.two_fa = None;
    let dave = access_row(who(
        LABS,
        "dave",
        Some("Dave Null"),
        "member",
        "write",
        Roster,
        Some("dave@acme.example"),
        Some("E2003"),
        Some("unknown"),
    ));
    let mut erin = access_row(who(
        LABS,
        "erin",
        Some("Erin Partner"),
        "member",
        "read",
        Mapping,
        Some("erin@partner.example"),
        None,
        Some("active"),
    ));
    erin.external = Some(true);
    erin.activity_source = s("idp");
    erin.last_active = Some(t("2026-08-20T12:00:00Z"));
    let mut newhire = access_row(who(
        LABS,
        "newhire@acme.example",
        Some("New Hire"),
        "invite",
        "read",
        Roster,
        Some("newhire@acme.example"),
        Some("E2010"),
        Some("active"),
    ));
    newhire.termination_date = Some(d("2027-01-31"));
    let mut never = access_row(who(
        LABS,
        "frank",
        Some("Frank Idle"),
        "member",
        "read",
        Roster,
        Some("frank@acme.example"),
        Some("E2004"),
        Some("active"),
    ));
    never.activity_source = s("idp");

    // A service account: not a person, so no match, no status, no seat;
    // its tokens are listed.
    let mut bot = access_row(who(
        ML,
        "acme-ml-ci",
        Some("=CI bot"),
        "service_account",
        "",
        Unmatched,
        Some("acme-ml-ci@service.example"),
        None,
        None,
    ));
    bot.role = None;
    bot.groups = vec!["research".into()];
    bot.tokens = Some(1);
    bot.token_last_used = Some(t("2026-07-01T03:00:00Z"));
    bot.last_active = bot.token_last_used;
    bot.activity_source = s("token");

    vec![
        alice, bob, ghost, jdoe, kim, mallory, promo, rtl, svc, tabby, contractor, ex, bot, carol,
        carrie, dave, erin, never, newhire,
    ]
}

fn strangers() -> Vec<Stranger> {
    vec![
        Stranger {
            org: ML.into(),
            username: s("randomdev"),
            fullname: s("Random Dev"),
            email: None,
            repo: "model/acme-ml/llm-7b".into(),
        },
        Stranger {
            org: ML.into(),
            username: None,
            fullname: None,
            email: None,
            repo: "dataset/acme-ml/eval-set".into(),
        },
        Stranger {
            org: ML.into(),
            username: s("hax0r"),
            fullname: s("<img src=x onerror=alert(1)>"),
            email: s(JS_URL),
            repo: format!("model/acme-ml/{SCRIPT}"),
        },
    ]
}

/// The report every output test renders; `generated_at` is fixed so that
/// snapshots are stable.
pub fn report() -> Report {
    Report {
        tool_version: "0.1.0".into(),
        generated_at: t("2026-11-23T03:00:00Z"),
        as_of: d("2026-11-23"),
        fail_on: Severity::High,
        roster: RosterSummary {
            path: "fixtures/demo/roster.csv".into(),
            people: 1234,
            departed: 6,
        },
        orgs: vec![
            OrgSummary {
                org: ML.into(),
                snapshot_id: ML_SNAPSHOT.into(),
                taken_at: t("2026-11-23T02:57:51.123Z"),
                plan: s("enterprise"),
                seat_price: 50.0,
                members: 10,
                pending_invites: 2,
                snapshots_in_store: 12,
                unavailable: vec![],
                caveats: vec![],
                incomplete: vec![],
                activity: history::activity(ML),
                time_to_revoke: history::revoke_stats(ML),
                skipped_snapshots: vec![],
            },
            OrgSummary {
                org: LABS.into(),
                snapshot_id: LABS_SNAPSHOT.into(),
                taken_at: t("2026-11-23T02:58:12.456Z"),
                plan: s("team"),
                seat_price: 20.0,
                members: 5,
                pending_invites: 1,
                snapshots_in_store: 3,
                unavailable: vec![
                    Unchecked {
                        collector: "events".into(),
                        reason: "the plan does not include the audit log (403): activity is unknown, inactive members and late revocations from the log cannot be checked".into(),
                    },
                    Unchecked {
                        collector: "repo_access".into(),
                        reason: "gated-repo access requests are not visible to this token (404)".into(),
                    },
                ],
                caveats: vec![Unchecked {
                    collector: "invites".into(),
                    reason: crate::reconcile::invite_caveat(LABS, InviteSource::AuditLog)
                        .unwrap(),
                }],
                incomplete: vec![],
                activity: history::activity(LABS),
                time_to_revoke: history::revoke_stats(LABS),
                skipped_snapshots: vec![],
            },
        ],
        findings: findings(),
        seats: seats(),
        access: access(),
        strangers: strangers(),
        revocations: history::revocations(),
        never_active: history::never_active(),
        seat_history: history::seat_history(),
        warnings: vec![
            "fixtures/demo/roster.csv:17: jane.doe@acme.example appears twice (also line 4); the later row wins".into(),
            format!("fixtures/demo/roster.csv:23: unknown status 'garden leave {RLO}' read as unknown <b>check</b>"),
        ],
    }
}

/// Report with nothing to say: no findings, nothing unavailable.
pub fn empty_report() -> Report {
    let mut r = report();
    r.findings.clear();
    r.strangers.clear();
    r.warnings.clear();
    for o in &mut r.orgs {
        o.unavailable.clear();
        o.caveats.clear();
        o.incomplete.clear();
    }
    r
}

/// An insta snapshot named `report__NAME` in `src/report/snapshots/` whatever
/// the crate is called (the module path is left out of the file name).
pub fn snapshot(name: &str, content: &str) {
    let name = format!("report__{}", name.replace('.', "_"));
    insta::with_settings!({ prepend_module_to_snapshot => false, omit_expression => true }, {
        insta::assert_snapshot!(name, content);
    });
}
