//! Regenerates `fixtures/demo`: five weekly snapshots of a generated org,
//! fetched from the fake Hub by hfaudit's own client while the org changes
//! between them (people join, leave, get promoted; access is granted and
//! revoked), plus the roster, identities and exceptions that go with them.
//!
//! `cargo run --example make_demo [-- --out fixtures/demo]`
//!
//! The output is deterministic: the same code writes the same files.

#![allow(clippy::disallowed_macros)] // a program whose output is its point

use hfaudit_testkit as support;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use hfaudit::hub::{self, ClientOptions, HubClient, Token};
use hfaudit::store::Store;
use hfaudit::term::Term;
use support::fake_hub::{
    AccessGrant, AccessUser, AuditEvent, FakeHub, MemberToken, Org, OrgMember, ServiceAccount,
    TokenApproval, fake_id,
};
use support::generate::{ADMIN_TOKEN, OrgSpec, generate_org_at, rfc3339_ms, world_for};

const ORG: &str = "acme-ai";
const WEEKS: i64 = 5;

fn first_day() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 10, 19, 7, 30, 0).unwrap()
}

fn main() {
    let out = std::env::args()
        .skip_while(|a| a != "--out")
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo"));
    let store_dir = out.join("store");
    if store_dir.exists() {
        std::fs::remove_dir_all(&store_dir).expect("remove the old demo store");
    }
    std::fs::create_dir_all(&out).expect("create the demo directory");

    let spec = OrgSpec {
        groups: 4,
        gated_repos: 6,
        accepted_per_repo: 8,
        pending: 3,
        // Invites come from the audit log, as on the current Hub.
        // Enterprise, so that service accounts are listed.
        plan: Some("enterprise".into()),
        seed: 42,
        ..OrgSpec::new(ORG, 48)
    };
    let mut org = generate_org_at(&spec, first_day().timestamp_millis());
    stage_week_zero(&mut org);
    let hub = FakeHub::start(world_for(vec![org]));
    let client = HubClient::new(
        &hub.url(),
        &Token::new(ADMIN_TOKEN).expect("token"),
        ClientOptions::default(),
    )
    .expect("client");
    let store = Store::new(&store_dir);
    let term = Term::new(true);
    let runtime = tokio::runtime::Runtime::new().expect("runtime");

    for week in 0..WEEKS {
        let taken_at = first_day() + chrono::Duration::days(7 * week);
        hub.with_world(|w| change(w.org_mut(ORG), week, taken_at));
        let mut snap = runtime.block_on(async {
            let whoami = hub::whoami(&client).await.expect("whoami");
            let access = hub::check_org_access(&whoami, ORG).expect("access");
            hfaudit::commands::snapshot::fetch_org(&client, &access, &term)
                .await
                .expect("fetch")
        });
        snap.taken_at = taken_at;
        snap.endpoint = "https://huggingface.co".into();
        let lock = store.lock_org(ORG, Duration::ZERO).expect("lock");
        let m = store
            .write_snapshot(&lock, &snap, env!("CARGO_PKG_VERSION"))
            .expect("write");
        println!(
            "{}  {} members, {} invites",
            m.snapshot_id,
            snap.members.len(),
            snap.invites.len()
        );
    }
    let last_day = (first_day() + chrono::Duration::days(7 * (WEEKS - 1))).date_naive();
    let members: Vec<OrgMember> = hub.with_world(|w| w.orgs[ORG].members.clone());
    write(&out.join("roster.csv"), &roster(&members));
    write(&out.join("identities.csv"), IDENTITIES);
    write(&out.join("exceptions.toml"), EXCEPTIONS);
    write(
        &out.join("demo.toml"),
        &format!(
            "# The date `hfaudit demo` reports as of: the day of the newest snapshot.\nas_of = \"{last_day}\"\n"
        ),
    );
    println!("wrote {}", out.display());
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

/// Named people the story needs, added to the generated org.
fn stage_week_zero(org: &mut Org) {
    let add =
        |org: &mut Org, user: &str, name: &str, role: &str, two_fa: bool, email: Option<&str>| {
            org.members.push(OrgMember {
                id: fake_id(user),
                user: user.into(),
                fullname: name.into(),
                role: Some(role.into()),
                two_fa: Some(two_fa),
                verified_email: email.map(str::to_string),
                external: Some(false),
                is_pro: false,
            });
        };
    // Leavers still in the org (the roster says they left).
    add(
        org,
        "dmitri-v",
        "Dmitri Volkov",
        "admin",
        true,
        Some("dmitri.volkov@acme-ai.example"),
    );
    add(org, "sarah.k", "Sarah Kim", "write", true, None);
    add(org, "tomasz", "Tomasz Nowak", "read", false, None);
    add(org, "priya_r", "Priya Raman", "read", true, None);
    // Accounts nobody on the roster owns.
    add(org, "ci-bot", "CI Bot", "write", false, None);
    add(org, "contractor-jl", "J. L.", "read", true, None);
    // A stranger's idea of a display name: must render as text.
    add(
        org,
        "mallory",
        "<script>alert(\"pwned\")</script>",
        "read",
        true,
        None,
    );
    add(
        org,
        "eve-sheets",
        "=HYPERLINK(\"http://evil.example\",\"Eve\")",
        "contributor",
        true,
        None,
    );
    // Matched by heuristic only (no handle, no verified email on the roster).
    add(org, "k.tanaka", "Kenji Tanaka", "read", true, None);
    // Dmitri is in a resource group and holds gated access.
    if let Some(group) = org.resource_groups.as_mut().and_then(|g| g.first_mut()) {
        group.users.push(support::fake_hub::GroupUser {
            id: fake_id("dmitri-v"),
            name: "dmitri-v".into(),
            fullname: "Dmitri Volkov".into(),
            role: "admin".into(),
            added_by: "auditor".into(),
        });
    }
    grant(
        org,
        "dmitri-v",
        "Dmitri Volkov",
        Some("dmitri.volkov@acme-ai.example"),
        0,
    );
    grant(org, "sarah.k", "Sarah Kim", None, 1);
    // Two service accounts: one runs the nightly evaluation (in a resource
    // group); the other fed a pipeline retired in the spring, and its token
    // is still approved (a stale_token finding, never an unmatched one).
    let mut eval = ServiceAccount::new("acme-ai-eval");
    eval.name = "Nightly evaluation".into();
    eval.description = Some("Runs the benchmark suite every night".into());
    eval.created_at = "2026-02-02T09:00:00.000Z".into();
    let mut ingest = ServiceAccount::new("acme-ai-ingest");
    ingest.name = "Data ingest (retired)".into();
    ingest.created_at = "2025-12-01T09:00:00.000Z".into();
    if let Some(group) = org.resource_groups.as_mut().and_then(|g| g.first_mut()) {
        group.users.push(support::fake_hub::GroupUser {
            id: eval.id.clone(),
            name: eval.user.clone(),
            fullname: eval.name.clone(),
            role: "read".into(),
            added_by: "auditor".into(),
        });
    }
    org.service_accounts = Some(vec![eval, ingest]);
}

fn grant(org: &mut Org, user: &str, fullname: &str, email: Option<&str>, repo: usize) {
    let day = rfc3339_ms(first_day().timestamp_millis() - 40 * 86_400_000);
    let gated: Vec<&mut support::fake_hub::Repo> = org
        .models
        .iter_mut()
        .chain(org.datasets.iter_mut())
        .filter(|r| r.gated.is_some())
        .collect();
    let n = gated.len();
    if let Some(r) = gated.into_iter().nth(repo % n) {
        r.accepted.push(AccessGrant {
            reset_reason: None,
            user: Some(AccessUser {
                id: fake_id(user),
                user: user.into(),
                fullname: fullname.into(),
                email: email.map(str::to_string),
            }),
            timestamp: day.clone(),
            reviewed_at: day,
            granted_by: "auditor".into(),
        });
    }
}

/// What happens in the org before the snapshot of `week`.
fn change(org: &mut Org, week: i64, at: DateTime<Utc>) {
    match week {
        1 => {
            // Two hires join; a leaver who left on time is removed.
            for (user, name) in [("lena-h", "Lena Hoffmann"), ("omar.f", "Omar Farouk")] {
                org.members.push(OrgMember {
                    id: fake_id(user),
                    user: user.into(),
                    fullname: name.into(),
                    role: Some("read".into()),
                    two_fa: Some(true),
                    verified_email: None,
                    external: Some(false),
                    is_pro: false,
                });
            }
            org.members.retain(|m| m.user != "priya_r");
        }
        2 => {
            // Someone is promoted to write; an invitation is accepted.
            if let Some(m) = org
                .members
                .iter_mut()
                .find(|m| m.role.as_deref() == Some("read") && m.user != "auditor")
            {
                m.role = Some("write".into());
            }
            if let Some(user) = pending_invitee(org) {
                org.members.push(OrgMember {
                    id: fake_id(&user),
                    user: user.clone(),
                    fullname: user.clone(),
                    role: Some("read".into()),
                    two_fa: Some(true),
                    verified_email: None,
                    external: Some(false),
                    is_pro: false,
                });
                log(
                    org,
                    at - chrono::Duration::days(1),
                    "org.invite.accept",
                    serde_json::json!({"user": user, "role": "read"}),
                );
            }
        }
        3 => {
            // Sarah is removed from the org (the audit log says when), but
            // keeps her gated access.
            org.members.retain(|m| m.user != "sarah.k");
            log(
                org,
                at - chrono::Duration::days(4),
                "org.remove_user",
                serde_json::json!({"user": "sarah.k"}),
            );
            log(
                org,
                at - chrono::Duration::days(3),
                "org.invite_user",
                serde_json::json!({
                    "user": "former-intern",
                    "email": "former-intern@acme-ai.example",
                    "role": "read",
                }),
            );
        }
        4 => {
            // A new outsider is granted access to a gated repo; a reader
            // becomes admin; the token listing shows who uses what.
            grant_stranger(org, at);
            org.tokens = Some(demo_tokens());
            let promoted = org
                .members
                .iter_mut()
                .rev()
                .find(|m| m.role.as_deref() == Some("read") && m.user != "auditor")
                .map(|m| {
                    m.role = Some("admin".into());
                    m.user.clone()
                });
            if let Some(user) = promoted {
                log(
                    org,
                    at - chrono::Duration::days(2),
                    "org.change_role",
                    serde_json::json!({"user": user, "oldRole": "read", "newRole": "admin"}),
                );
            }
        }
        _ => {}
    }
}

/// Members' access tokens in the last week: a leaver's token used after
/// their last day (dmitri-v: departed_token_used), a leaver's token still
/// valid (tomasz: departed_token), tokens unused for months or never used
/// (stale_token), a revoked one, and everyday ones.
fn demo_tokens() -> Vec<MemberToken> {
    let token = |n: u32, owner: &str, name: &str, role: &str, created: &str, used: Option<&str>| {
        let id = format!("6540{n:020x}");
        MemberToken {
            last4: Some(id[20..].to_string()),
            id,
            owner: owner.into(),
            display_name: name.into(),
            role: role.into(),
            created_at: created.into(),
            last_used_at: used.map(str::to_string),
            authorization: None,
            scoped: Vec::new(),
        }
    };
    let mut revoked = token(
        9,
        "f.zhang",
        "old-laptop",
        "write",
        "2025-11-02T10:00:00.000Z",
        Some("2026-02-11T08:00:00.000Z"),
    );
    revoked.authorization = Some(TokenApproval {
        status: "revoked".into(),
        requested_at: "2025-11-02T10:00:00.000Z".into(),
        authorized_at: Some("2025-11-02T12:00:00.000Z".into()),
        authorizer: Some("auditor".into()),
    });
    let approved = |mut t: MemberToken| {
        t.authorization = Some(TokenApproval {
            status: "approved".into(),
            requested_at: t.created_at.clone(),
            authorized_at: Some(t.created_at.clone()),
            authorizer: Some("auditor".into()),
        });
        t
    };
    vec![
        approved(token(
            11,
            "acme-ai-eval",
            "nightly",
            "read",
            "2026-02-02T09:30:00.000Z",
            Some("2026-11-16T02:00:00.000Z"),
        )),
        approved(token(
            12,
            "acme-ai-ingest",
            "ingest",
            "write",
            "2025-12-01T09:30:00.000Z",
            Some("2026-04-30T23:00:00.000Z"),
        )),
        token(
            1,
            "dmitri-v",
            "ci-deploy",
            "write",
            "2026-05-04T09:12:00.000Z",
            Some("2026-11-12T03:14:27.000Z"),
        ),
        token(
            2,
            "tomasz",
            "laptop",
            "read",
            "2026-03-02T14:00:00.000Z",
            Some("2026-11-02T16:41:05.000Z"),
        ),
        token(
            3,
            "felixdubois",
            "notebook",
            "read",
            "2026-01-20T10:00:00.000Z",
            Some("2026-05-02T11:20:00.000Z"),
        ),
        token(
            4,
            "tanakaf",
            "eval",
            "write",
            "2026-02-11T10:00:00.000Z",
            Some("2026-06-15T07:45:00.000Z"),
        ),
        token(
            5,
            "amartin",
            "upload",
            "write",
            "2026-03-01T09:00:00.000Z",
            None,
        ),
        token(
            6,
            "auditor",
            "hfaudit",
            "read",
            "2026-09-01T09:00:00.000Z",
            Some("2026-11-16T07:29:00.000Z"),
        ),
        token(
            7,
            "ci-bot",
            "ci",
            "write",
            "2026-06-01T09:00:00.000Z",
            Some("2026-11-15T23:10:00.000Z"),
        ),
        token(
            8,
            "f.zhang",
            "laptop",
            "fineGrained",
            "2026-02-11T08:00:00.000Z",
            Some("2026-11-13T17:02:00.000Z"),
        ),
        revoked,
        token(
            10,
            "elenawong",
            "inference",
            "read",
            "2026-08-20T09:00:00.000Z",
            Some("2026-11-10T12:00:00.000Z"),
        ),
    ]
}

/// Appends an event by `auditor` to the org's audit log.
fn log(org: &mut Org, at: DateTime<Utc>, kind: &str, data: serde_json::Value) {
    if let Some(events) = org.audit_log.as_mut() {
        events.push(AuditEvent {
            id: format!("{:024x}", at.timestamp_millis()),
            created_at: rfc3339_ms(at.timestamp_millis()),
            kind: kind.into(),
            message: format!("{kind} by auditor"),
            author: "auditor".into(),
            data,
        });
    }
}

/// The oldest invitation in the audit log that nobody accepted yet: its
/// invitee's username.
fn pending_invitee(org: &Org) -> Option<String> {
    let events = org.audit_log.as_ref()?;
    let user_of = |e: &AuditEvent| e.data.get("user")?.as_str().map(str::to_string);
    let mut invites: Vec<&AuditEvent> = events
        .iter()
        .filter(|e| e.kind == "org.invite_user")
        .collect();
    invites.sort_by(|a, b| a.created_at.cmp(&b.created_at));
    invites.into_iter().find_map(|invite| {
        let user = user_of(invite)?;
        let joined = org.members.iter().any(|m| m.user == user)
            || events.iter().any(|e| {
                matches!(e.kind.as_str(), "org.invite.accept" | "org.add_user")
                    && user_of(e).as_deref() == Some(user.as_str())
            });
        (!joined).then_some(user)
    })
}

fn grant_stranger(org: &mut Org, at: DateTime<Utc>) {
    if let Some(r) = org.datasets.iter_mut().find(|r| r.gated.is_some()) {
        let t = rfc3339_ms(at.timestamp_millis() - 86_400_000);
        r.accepted.push(AccessGrant {
            reset_reason: None,
            user: Some(AccessUser {
                id: fake_id("researcher"),
                user: "uni-researcher".into(),
                fullname: "Visiting Researcher".into(),
                email: Some("researcher@university.example".into()),
            }),
            timestamp: t.clone(),
            reviewed_at: t,
            granted_by: "auditor".into(),
        });
    }
}

/// An HRIS export with the headers such exports really have, a BOM and CRLF.
fn roster(members: &[OrgMember]) -> String {
    let mut out = String::from(
        "\u{feff}Employee Number,Legal Name,Work Email,Worker Status,Last Day of Work,Hugging Face Username,Dept,Cost Centre,Manager Email\r\n",
    );
    let centers = ["CC-100 Research", "CC-200 Platform", "CC-300 Go-to-market"];
    let departed: [(&str, &str, &str); 4] = [
        ("dmitri-v", "Terminated", "2026-10-31"),
        ("sarah.k", "Terminated", "2026-10-09"),
        ("tomasz", "Terminated", "2026-11-06"),
        ("priya_r", "Terminated", "2026-10-23"),
    ];
    let skip = ["ci-bot", "contractor-jl", "mallory", "eve-sheets"];
    let mut all: Vec<OrgMember> = members.to_vec();
    for (user, name) in [("sarah.k", "Sarah Kim"), ("priya_r", "Priya Raman")] {
        if !all.iter().any(|m| m.user == user) {
            all.push(OrgMember {
                user: user.into(),
                fullname: name.into(),
                ..OrgMember::default()
            });
        }
    }
    for (i, m) in all.iter().enumerate() {
        if skip.contains(&m.user.as_str()) {
            continue;
        }
        let id = 1000 + i;
        let name = if m.fullname.is_empty() || m.fullname == m.user {
            m.user.replace(['-', '_', '.'], " ")
        } else {
            m.fullname.clone()
        };
        let (status, last_day) = departed
            .iter()
            .find(|(u, _, _)| *u == m.user)
            .map(|(_, s, d)| (s.to_string(), d.to_string()))
            .unwrap_or_else(|| {
                if i % 17 == 5 {
                    ("Leave of Absence".into(), String::new())
                } else {
                    ("Active".into(), String::new())
                }
            });
        // Matching variety: most have their handle on the roster; some are
        // found by the verified email the Hub reports, one by an identities
        // mapping, one by heuristic only.
        let local = name.to_lowercase().replace(' ', ".");
        let (email, handle) = match (i % 7, &m.verified_email, m.user.as_str()) {
            (_, _, "k.tanaka") => ("ktanaka@acme-ai.example".to_string(), String::new()),
            (_, _, "lena-h") => ("lena.hoffmann@acme-ai.example".to_string(), String::new()),
            (0 | 3, Some(v), _) => (v.clone(), String::new()),
            _ => (format!("{local}@acme-ai.example"), m.user.clone()),
        };
        let manager = if i % 5 == 0 {
            ""
        } else {
            "ada.lovelace@acme-ai.example"
        };
        let _ = write!(
            out,
            "E{id},{},{email},{status},{last_day},{handle},{},{},{manager}\r\n",
            quote(&name),
            ["Research", "Platform", "Sales"][i % 3],
            centers[i % 3],
        );
    }
    // An intern whose contract ended while an invitation was still pending.
    let _ = write!(
        out,
        "E4001,Former Intern,former.intern@acme-ai.example,Terminated,2026-08-31,former-intern,Research,{},\r\n",
        centers[0]
    );
    // Employees with no Hub account, and people who left long ago.
    for (i, (name, status, day)) in [
        ("Ada Lovelace", "Active", ""),
        ("Grace Hopper", "Active", ""),
        ("Alan Turing", "Terminated", "2025-12-19"),
        ("Barbara Liskov", "Active", "2027-01-31"),
    ]
    .iter()
    .enumerate()
    {
        let email = format!("{}@acme-ai.example", name.to_lowercase().replace(' ', "."));
        let _ = write!(
            out,
            "E{},{name},{email},{status},{day},,Research,{},\r\n",
            5000 + i,
            centers[0]
        );
    }
    out
}

fn quote(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

const IDENTITIES: &str = "hf_username,email\nlena-h,lena.hoffmann@acme-ai.example\n";

const EXCEPTIONS: &str = r#"# Findings the security team has reviewed and accepted.

[[exception]]
rule = "unmatched_member"
subject = "ci-bot"
reason = "CI service account owned by the platform team (ticket SEC-1412)"

[[exception]]
rule = "member_without_2fa"
subject = "ci-bot"
reason = "Service account: token-only, no interactive login"
expires = "2027-03-31"

[[exception]]
rule = "unmatched_member"
subject = "contractor-jl"
reason = "Contractor, agreement ended"
expires = "2026-11-01"
"#;
