//! `hfaudit doctor`: what the token is, what it may read in each org, and
//! what every collector can see — a snapshot that is fetched but not kept.
//!
//! Per org it prints, for every collector, the role and permissions it
//! needs and whether the token has them (hfaudit's model of the Hub's
//! rules, [`hub::scope`]), then what each collector actually read (the
//! Hub's answer).

use crate::commands::snapshot::{fetch_org, runtime};
use crate::config::{HubSettings, Settings};
use crate::error::{Error, Result};
use crate::hub;
use crate::model::{Collector, CollectorStatus};
use crate::term::Term;

pub fn run(settings: &Settings, hub_settings: &HubSettings, term: &Term) -> Result<()> {
    let (token, origin) =
        hub::find_token(hub_settings.token_file.as_deref(), &hub_settings.token_env)?;
    let client = hub::HubClient::new(&hub_settings.endpoint, &token, hub_settings.client.clone())?;
    let mut report = Vec::new();
    report.push(format!("endpoint    {}", client.endpoint()));
    let result = runtime()?.block_on(async {
        let whoami = hub::whoami(&client).await?;
        let token = whoami.auth.as_ref().and_then(|a| a.access_token.as_ref());
        report.push(format!(
            "token       from {origin}: user {}, role {}{} (value not shown)",
            whoami.name,
            token.and_then(|t| t.role.as_deref()).unwrap_or("unknown"),
            token
                .and_then(|t| t.display_name.as_deref())
                .map(|n| format!(", named \"{n}\""))
                .unwrap_or_default(),
        ));
        let orgs: Vec<String> = if settings.orgs.is_empty() {
            whoami.orgs.iter().map(|o| o.name.clone()).collect()
        } else {
            settings.orgs.clone()
        };
        if orgs.is_empty() {
            report.push("orgs        the token's user belongs to no organization".into());
        }
        let mut failures = Vec::new();
        for org in &orgs {
            let access = match hub::check_org_access(&whoami, org) {
                Ok(a) => a,
                Err(e) => {
                    report.push(format!("{org}\n  cannot be read: {e}"));
                    if let Some(h) = e.hint() {
                        report.push(format!("  fix: {h}"));
                    }
                    failures.push(e);
                    continue;
                }
            };
            report.push(format!(
                "{org}\n  role {}, plan {}",
                access.role_in_org.as_deref().unwrap_or("unknown"),
                access.plan.as_deref().unwrap_or("free or unknown"),
            ));
            report.extend(needs(&access));
            let fetched = fetch_org(&client, &access, term).await;
            term.finish_org(org);
            match fetched {
                Ok(snap) => {
                    for name in Collector::ALL {
                        let line = match snap.collector(name) {
                            Some(status @ CollectorStatus::Ok { rows, source, .. }) => format!(
                                "ok, {rows} rows{}{}",
                                source
                                    .as_deref()
                                    .map(|s| format!(" (from {s})"))
                                    .unwrap_or_default(),
                                status
                                    .shortfall()
                                    .map(|s| format!(", incomplete: {s}"))
                                    .unwrap_or_default()
                            ),
                            Some(CollectorStatus::Unavailable { reason }) => {
                                format!("unavailable: {reason}")
                            }
                            None => "not run".into(),
                        };
                        report.push(format!("  {name:<16} {line}"));
                    }
                    report.push(format!(
                        "  {:<16} {}",
                        "gated repos",
                        snap.gated_repos.len()
                    ));
                }
                Err(e) => {
                    report.push(format!("  cannot be read completely: {e}"));
                    failures.push(e);
                }
            }
        }
        report.push(format!("requests    {}", client.request_count()));
        match failures.len() {
            0 => Ok(()),
            1 => Err(failures.remove(0)),
            _ => Err(Error::Many(failures)),
        }
    });
    term.output(&report.join("\n"));
    result
}

/// The token's rights in the org, then one line per collector: whether the
/// token has what it needs ("yes", "partly", "unknown", "no"), what that
/// is, and what is missing.
fn needs(access: &hub::OrgAccess) -> Vec<String> {
    let mut lines = vec![match &access.permissions {
        Some(p) if p.is_empty() => format!(
            "  token       fine-grained, no permission on {}",
            access.org
        ),
        Some(p) => format!(
            "  token       fine-grained, on {}: {}",
            access.org,
            p.join(", ")
        ),
        None => format!(
            "  token       {}: the user's own rights in the org",
            access.token_role.as_deref().unwrap_or("unknown role")
        ),
    }];
    lines.push("  needs (collector, has it, what it needs)".into());
    for need in hub::scope::NEEDS {
        let verdict = access.check(need.collector);
        let mut line = format!(
            "    {:<16} {:<8} {}",
            need.collector,
            verdict.label(),
            need.describe()
        );
        if let Some(reason) = verdict.reason() {
            line.push_str(&format!(" — {reason}"));
        }
        lines.push(line);
    }
    lines
}
