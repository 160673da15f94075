//! The text output of `hfaudit diff`: per org, one section per kind of
//! change with its count, only the kinds that changed, then a summary line.
//! Parts that could not be compared say so; Hub text is cleaned of control
//! and bidi characters before it reaches the terminal.

use std::collections::BTreeMap;

use super::access::user_label;
use super::{Diff, OrgDiff, Part};
use crate::text::clean_text;

/// One section: a label and its rows, each a name and a detail.
struct Section {
    label: &'static str,
    rows: Vec<(String, String)>,
}

/// Renders every org's outcome; `store` names the store when it is empty.
pub fn render(all: &BTreeMap<String, OrgDiff>, store: &str) -> String {
    if all.is_empty() {
        return format!("no snapshot in {}\n", clean_text(store));
    }
    let mut out = String::new();
    for (org, outcome) in all {
        match outcome {
            OrgDiff::NotCompared { reason, .. } => {
                out.push_str(&format!("{org}: {}\n", clean_text(reason)));
            }
            OrgDiff::Compared(diff) => render_diff(diff, &mut out),
        }
    }
    out
}

fn render_diff(diff: &Diff, out: &mut String) {
    out.push_str(&format!(
        "{}: {} → {}\n",
        diff.org, diff.from.snapshot_id, diff.to.snapshot_id
    ));
    for (part, reason) in unavailable(diff) {
        out.push_str(&format!(
            "  {part}: could not be compared: {}\n",
            clean_text(reason)
        ));
    }
    for note in &diff.notes {
        out.push_str(&format!("  note: {}\n", clean_text(note)));
    }
    let sections: Vec<Section> = sections(diff)
        .into_iter()
        .filter(|s| !s.rows.is_empty())
        .collect();
    if sections.is_empty() {
        out.push_str("  no changes\n");
        return;
    }
    for s in &sections {
        out.push_str(&format!("  {} ({})\n", s.label, s.rows.len()));
        let width = s
            .rows
            .iter()
            .map(|(name, _)| name.chars().count())
            .max()
            .unwrap_or(0)
            .min(40);
        for (name, detail) in &s.rows {
            let line = format!("    {name:<width$}  {detail}");
            out.push_str(line.trim_end());
            out.push('\n');
        }
    }
    let summary: Vec<String> = sections
        .iter()
        .map(|s| format!("{} {}", s.label, s.rows.len()))
        .collect();
    out.push_str(&format!("  changes: {}\n", summary.join(", ")));
}

fn unavailable(diff: &Diff) -> Vec<(&'static str, &str)> {
    [
        ("members", reason(&diff.members)),
        ("resource groups", reason(&diff.resource_groups)),
        ("invites", reason(&diff.invites)),
        ("gated access", reason(&diff.gated_access)),
    ]
    .into_iter()
    .filter_map(|(name, reason)| Some((name, reason?)))
    .collect()
}

fn reason<T>(part: &Part<T>) -> Option<&str> {
    match part {
        Part::Unavailable { reason } => Some(reason),
        Part::Compared(_) => None,
    }
}

fn text(s: &str) -> String {
    clean_text(s).into_owned()
}

fn role(r: &Option<String>) -> String {
    r.as_deref().map_or_else(|| "(no role)".to_string(), text)
}

fn role_change(from: &Option<String>, to: &Option<String>, up: bool, admin: bool) -> String {
    let mark = match (admin, up) {
        (true, _) => "  ESCALATION to admin",
        (false, true) => "  escalation",
        _ => "",
    };
    format!("{} → {}{mark}", role(from), role(to))
}

fn on_off(b: bool) -> &'static str {
    if b { "on" } else { "off" }
}

fn sections(diff: &Diff) -> Vec<Section> {
    let mut out = Vec::new();
    if let Some(m) = diff.members.compared() {
        let member = |r: &super::MemberRef| (text(&r.username), role(&r.role));
        out.push(Section {
            label: "joined",
            rows: m.joined.iter().map(member).collect(),
        });
        out.push(Section {
            label: "left",
            rows: m.left.iter().map(member).collect(),
        });
        out.push(Section {
            label: "renamed",
            rows: (m.renamed.iter())
                .map(|r| (text(&r.to), format!("was {}", text(&r.from))))
                .collect(),
        });
        out.push(Section {
            label: "role changes",
            rows: (m.role_changes.iter())
                .map(|r| {
                    let change = role_change(&r.from, &r.to, r.escalation, r.to_admin);
                    (text(&r.username), change)
                })
                .collect(),
        });
        out.push(Section {
            label: "2FA changes",
            rows: (m.two_fa_changes.iter())
                .map(|r| {
                    (
                        text(&r.username),
                        format!("{} → {}", on_off(r.from), on_off(r.to)),
                    )
                })
                .collect(),
        });
    }
    if let Some(g) = diff.resource_groups.compared() {
        let group = |r: &super::GroupRef| {
            let names: Vec<String> = r.members.iter().map(|n| text(n)).collect();
            let detail = match names.len() {
                0 => "no members".to_string(),
                n => format!("{n} member(s): {}", names.join(", ")),
            };
            (text(&r.name), detail)
        };
        let seat = |r: &super::GroupMemberRef| {
            (
                text(&r.username),
                format!("{} ({})", text(&r.group), role(&r.role)),
            )
        };
        out.push(Section {
            label: "groups created",
            rows: g.created.iter().map(group).collect(),
        });
        out.push(Section {
            label: "groups deleted",
            rows: g.deleted.iter().map(group).collect(),
        });
        out.push(Section {
            label: "groups renamed",
            rows: (g.renamed.iter())
                .map(|r| (text(&r.to), format!("was {}", text(&r.from))))
                .collect(),
        });
        out.push(Section {
            label: "added to groups",
            rows: g.added.iter().map(seat).collect(),
        });
        out.push(Section {
            label: "removed from groups",
            rows: g.removed.iter().map(seat).collect(),
        });
        out.push(Section {
            label: "group role changes",
            rows: (g.role_changes.iter())
                .map(|r| {
                    let change = role_change(&r.from, &r.to, r.escalation, r.to_admin);
                    (text(&r.username), format!("{}: {change}", text(&r.group)))
                })
                .collect(),
        });
    }
    if let Some(i) = diff.invites.compared() {
        let invite = |r: &super::InviteRef| (text(&r.invitee), role(&r.role));
        out.push(Section {
            label: "invites added",
            rows: i.added.iter().map(invite).collect(),
        });
        out.push(Section {
            label: "invites accepted",
            rows: (i.accepted.iter())
                .map(|r| {
                    let detail = format!("now member {} ({})", text(&r.member), role(&r.role));
                    (text(&r.invitee), detail)
                })
                .collect(),
        });
        out.push(Section {
            label: "invites withdrawn",
            rows: i.withdrawn.iter().map(invite).collect(),
        });
    }
    if let Some(a) = diff.gated_access.compared() {
        let repo = |r: &super::AccessRef| format!("{} ({})", text(&r.repo), text(&r.repo_type));
        out.push(Section {
            label: "gated access granted",
            rows: (a.granted.iter())
                .map(|r| {
                    let by = r.granted_by.as_deref().map_or_else(
                        || "auto-approved or grantor unknown".to_string(),
                        |b| format!("granted by {}", text(b)),
                    );
                    (text(&user_label(r)), format!("{}  {by}", repo(r)))
                })
                .collect(),
        });
        out.push(Section {
            label: "gated access gone",
            rows: (a.gone.iter())
                .map(|r| {
                    let why = match r.repo_still_gated {
                        Some(false) => "  (repo no longer gated or gone)",
                        _ => "",
                    };
                    (text(&user_label(r)), format!("{}{why}", repo(r)))
                })
                .collect(),
        });
    }
    out
}
