//! `hfaudit history`: the snapshots of each org, newest last, with member
//! and invite counts and what each collector could read. Damaged snapshots
//! are listed with the file at fault, never silently dropped.

use std::collections::BTreeMap;

use chrono::SecondsFormat;
use serde::Serialize;

use crate::cli::Format;
use crate::config::Settings;
use crate::error::Result;
use crate::model::{Collector, CollectorStatus};
use crate::store::{Listed, Store};
use crate::term::Term;

#[derive(Debug, Serialize)]
struct Row {
    snapshot_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    taken_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    members: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    invites: Option<u64>,
    /// Collector → "ok" | "unavailable".
    collectors: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    damaged: Option<String>,
}

impl Row {
    fn from(listed: Listed) -> Row {
        match listed {
            Listed::Complete(m) => Row {
                taken_at: Some(m.taken_at.to_rfc3339_opts(SecondsFormat::Millis, true)),
                members: m.members(),
                invites: m.invites(),
                collectors: m
                    .collectors
                    .iter()
                    .map(|(k, v)| (k.clone(), status_label(v)))
                    .collect(),
                snapshot_id: m.snapshot_id,
                damaged: None,
            },
            Listed::Damaged { id, reason } => Row {
                snapshot_id: id,
                taken_at: None,
                members: None,
                invites: None,
                collectors: BTreeMap::new(),
                damaged: Some(reason),
            },
        }
    }
}

fn status_label(s: &CollectorStatus) -> String {
    match s {
        CollectorStatus::Ok {
            source: Some(source),
            ..
        } => format!("ok({source})"),
        other => other.label().to_string(),
    }
}

pub fn run(settings: &Settings, format: Format, term: &Term) -> Result<()> {
    let store = Store::new(&settings.store);
    let orgs = if settings.orgs.is_empty() {
        store.orgs()?
    } else {
        settings.orgs.clone()
    };
    let mut all: BTreeMap<String, Vec<Row>> = BTreeMap::new();
    for org in orgs {
        let rows = store.list(&org)?.into_iter().map(Row::from).collect();
        all.insert(org, rows);
    }
    let text = match format {
        Format::Json => crate::report::json::pretty_string(&all)?,
        Format::Table => table(&all, &settings.store.display().to_string()),
    };
    term.output(&text);
    Ok(())
}

fn table(all: &BTreeMap<String, Vec<Row>>, store: &str) -> String {
    if all.is_empty() {
        return format!("no snapshot in {store}");
    }
    let mut out = String::new();
    for (org, rows) in all {
        out.push_str(&format!("{org}\n"));
        if rows.is_empty() {
            out.push_str("  no snapshot yet\n");
            continue;
        }
        out.push_str(&format!(
            "  {:<21} {:<24} {:>7} {:>7}  {}\n",
            "SNAPSHOT", "TAKEN_AT", "MEMBERS", "INVITES", "COLLECTORS"
        ));
        for r in rows {
            if let Some(reason) = &r.damaged {
                out.push_str(&format!("  {:<21} damaged: {reason}\n", r.snapshot_id));
                continue;
            }
            let count = |n: Option<u64>| n.map_or("-".to_string(), |n| n.to_string());
            let collectors: Vec<String> = Collector::ALL
                .iter()
                .filter_map(|c| r.collectors.get(c.name()).map(|s| format!("{c}={s}")))
                .collect();
            out.push_str(&format!(
                "  {:<21} {:<24} {:>7} {:>7}  {}\n",
                r.snapshot_id,
                r.taken_at.as_deref().unwrap_or(""),
                count(r.members),
                count(r.invites),
                collectors.join(" ")
            ));
        }
    }
    out
}
