//! What changed in an org between two snapshots (`hfaudit diff`).
//!
//! A pure function of two [`Snapshot`]s: [`compare`] gives a [`Diff`], a
//! serializable tree whose JSON is `hfaudit diff --format json` and whose
//! [`table`] rendering is the default output. Each part (members, invites,
//! resource groups, gated access) is compared only when the collectors it
//! rests on were `ok` in both snapshots; otherwise the part says why it
//! could not be compared, so that an unavailable collector never shows up
//! as "everyone left" or "everything was granted".
//!
//! Submodules: `members`, `groups`, `access` (invites and gated access) do
//! the comparisons; `select` picks the two snapshots from `--from`/`--to`;
//! `table` renders the text output.

mod access;
mod groups;
mod members;
pub mod select;
pub mod table;

#[cfg(test)]
mod tests;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use crate::model::Collector;
use crate::model::{CollectorStatus, Snapshot};

pub use access::{AcceptedInvite, AccessChanges, AccessRef, InviteChanges, InviteRef};
pub use groups::{GroupChanges, GroupMemberRef, GroupRef, GroupRenamed, GroupRoleChange};
pub use members::{MemberChanges, MemberRef, Renamed, RoleChange, TwoFaChange};

/// One side of a comparison.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SnapshotRef {
    pub snapshot_id: String,
    /// RFC 3339, UTC, to the millisecond.
    pub taken_at: String,
}

impl SnapshotRef {
    pub fn new(id: &str, taken_at: DateTime<Utc>) -> SnapshotRef {
        SnapshotRef {
            snapshot_id: id.to_string(),
            taken_at: taken_at.to_rfc3339_opts(SecondsFormat::Millis, true),
        }
    }
}

/// A part of the diff: compared, or not comparable and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Part<T> {
    Compared(T),
    Unavailable { reason: String },
}

impl<T> Part<T> {
    pub fn compared(&self) -> Option<&T> {
        match self {
            Part::Compared(t) => Some(t),
            Part::Unavailable { .. } => None,
        }
    }
}

/// Everything that changed in one org from `from` to `to`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diff {
    pub org: String,
    pub from: SnapshotRef,
    pub to: SnapshotRef,
    pub members: Part<MemberChanges>,
    pub invites: Part<InviteChanges>,
    pub resource_groups: Part<GroupChanges>,
    pub gated_access: Part<AccessChanges>,
    /// Caveats about the comparison (e.g. invites read from another source).
    pub notes: Vec<String>,
}

/// The two snapshots to compare, with their ids.
#[derive(Debug, Clone, Copy)]
pub struct Sides<'a> {
    pub from: &'a Snapshot,
    pub from_id: &'a str,
    pub to: &'a Snapshot,
    pub to_id: &'a str,
}

/// Compares two snapshots of the same org (`from` older than `to`).
pub fn compare(sides: Sides<'_>) -> Diff {
    let Sides { from, to, .. } = sides;
    let mut notes = Vec::new();
    let members = match unavailable(sides, &[Collector::Members], &[Collector::Members]) {
        Some(reason) => Part::Unavailable { reason },
        None => Part::Compared(members::compare(&from.members, &to.members)),
    };
    let invites = match unavailable(
        sides,
        &[Collector::Invites],
        &[Collector::Invites, Collector::Members],
    ) {
        Some(reason) => Part::Unavailable { reason },
        None => {
            if let Some(note) = invite_source_note(sides) {
                notes.push(note);
            }
            Part::Compared(access::invites(&from.invites, &to.invites, &to.members))
        }
    };
    let resource_groups = match unavailable(
        sides,
        &[Collector::ResourceGroups],
        &[Collector::ResourceGroups],
    ) {
        Some(reason) => Part::Unavailable { reason },
        None => Part::Compared(groups::compare(from, to)),
    };
    let gated_access = match unavailable(sides, &[Collector::RepoAccess], &[Collector::RepoAccess])
    {
        Some(reason) => Part::Unavailable { reason },
        None => Part::Compared(access::gated(from, to)),
    };
    Diff {
        org: to.org.clone(),
        from: SnapshotRef::new(sides.from_id, from.taken_at),
        to: SnapshotRef::new(sides.to_id, to.taken_at),
        members,
        invites,
        resource_groups,
        gated_access,
        notes,
    }
}

impl Diff {
    /// Number of changes of each kind, in display order (zero counts included).
    pub fn counts(&self) -> Vec<(&'static str, usize)> {
        let mut out = Vec::new();
        if let Some(m) = self.members.compared() {
            out.extend([
                ("joined", m.joined.len()),
                ("left", m.left.len()),
                ("renamed", m.renamed.len()),
                ("role changes", m.role_changes.len()),
                ("2FA changes", m.two_fa_changes.len()),
            ]);
        }
        if let Some(g) = self.resource_groups.compared() {
            out.extend([
                ("groups created", g.created.len()),
                ("groups deleted", g.deleted.len()),
                ("groups renamed", g.renamed.len()),
                ("added to groups", g.added.len()),
                ("removed from groups", g.removed.len()),
                ("group role changes", g.role_changes.len()),
            ]);
        }
        if let Some(i) = self.invites.compared() {
            out.extend([
                ("invites added", i.added.len()),
                ("invites accepted", i.accepted.len()),
                ("invites withdrawn", i.withdrawn.len()),
            ]);
        }
        if let Some(a) = self.gated_access.compared() {
            out.extend([
                ("gated access granted", a.granted.len()),
                ("gated access gone", a.gone.len()),
            ]);
        }
        out
    }

    /// True when no compared part has any change.
    pub fn is_empty(&self) -> bool {
        self.counts().iter().all(|(_, n)| *n == 0)
    }
}

/// Why a part cannot be compared: a collector it needs was not `ok` in one
/// of the snapshots. `None` when it can be.
fn unavailable(sides: Sides<'_>, in_from: &[Collector], in_to: &[Collector]) -> Option<String> {
    let mut reasons = Vec::new();
    for (snap, id, names) in [
        (sides.from, sides.from_id, in_from),
        (sides.to, sides.to_id, in_to),
    ] {
        for name in names {
            match snap.collector(*name) {
                Some(CollectorStatus::Ok { .. }) => {}
                Some(CollectorStatus::Unavailable { reason }) => {
                    reasons.push(format!("{name} was unavailable in {id} ({reason})"));
                }
                None => reasons.push(format!("{name} was not recorded in {id}")),
            }
        }
    }
    (!reasons.is_empty()).then(|| reasons.join("; "))
}

/// A caveat when the two snapshots read invites from different sources.
fn invite_source_note(sides: Sides<'_>) -> Option<String> {
    let source = |s: &Snapshot| match s.collector(Collector::Invites) {
        Some(CollectorStatus::Ok {
            source: Some(source),
            ..
        }) => Some(source.clone()),
        _ => None,
    };
    match (source(sides.from), source(sides.to)) {
        (Some(a), Some(b)) if a != b => Some(format!(
            "invites were read from {a} in {} and from {b} in {}: some changes may come from the source, not the org",
            sides.from_id, sides.to_id
        )),
        _ => None,
    }
}

/// The outcome for one org: `hfaudit diff --format json` prints a map of
/// org → this.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum OrgDiff {
    Compared(Box<Diff>),
    /// Fewer than two snapshots to compare (not an error).
    NotCompared {
        snapshots: usize,
        reason: String,
    },
}
