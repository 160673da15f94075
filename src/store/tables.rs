//! The column layout of each Parquet file: one place that says which file
//! holds which collector's rows and what every column is.
//!
//! Every file starts with `org` and `snapshot_id` (so a whole history can be
//! scanned as one table), followed by one snake_case column per model field.
//! `Option` fields are nullable; required fields never hold nulls.
//! Timestamps are `Datetime(ms, "UTC")` (Parquet `TIMESTAMP(MILLIS,
//! isAdjustedToUTC=true)`); sub-millisecond precision is not kept.

use crate::model::Collector;
use polars::prelude::{DataType, TimeUnit, TimeZone};

/// What a column holds, which fixes its polars type and nullability.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Utf8, never null.
    Str,
    /// Utf8, nullable.
    OptStr,
    /// Boolean, never null.
    Bool,
    /// Boolean, nullable.
    OptBool,
    /// Datetime(ms, UTC), never null.
    Time,
    /// Datetime(ms, UTC), nullable.
    OptTime,
    /// List(Utf8), never null (an empty list for "none").
    StrList,
}

impl Kind {
    pub(crate) fn dtype(self) -> DataType {
        match self {
            Kind::Str | Kind::OptStr => DataType::String,
            Kind::Bool | Kind::OptBool => DataType::Boolean,
            Kind::Time | Kind::OptTime => {
                DataType::Datetime(TimeUnit::Milliseconds, Some(TimeZone::UTC))
            }
            Kind::StrList => DataType::List(Box::new(DataType::String)),
        }
    }

    pub(crate) fn nullable(self) -> bool {
        matches!(self, Kind::OptStr | Kind::OptBool | Kind::OptTime)
    }
}

/// One Parquet file of a snapshot.
#[derive(Debug)]
pub(crate) struct Table {
    pub file: &'static str,
    /// The collector whose `ok` status means this file exists.
    pub collector: Collector,
    pub columns: &'static [(&'static str, Kind)],
}

/// `members.parquet`: one row per member.
pub(crate) const MEMBERS: Table = Table {
    file: "members.parquet",
    collector: Collector::Members,
    columns: &[
        ("org", Kind::Str),
        ("snapshot_id", Kind::Str),
        ("hub_id", Kind::Str),
        ("username", Kind::Str),
        ("fullname", Kind::OptStr),
        ("role", Kind::OptStr),
        ("two_fa", Kind::OptBool),
        ("verified_email", Kind::OptStr),
        ("external", Kind::OptBool),
        ("is_pro", Kind::OptBool),
        ("resource_groups", Kind::StrList),
    ],
};

/// `invites.parquet`: one row per pending invite. `source` is the kebab-case
/// [`crate::model::InviteSource`] (`pending-members`, ...).
pub(crate) const INVITES: Table = Table {
    file: "invites.parquet",
    collector: Collector::Invites,
    columns: &[
        ("org", Kind::Str),
        ("snapshot_id", Kind::Str),
        ("invitee", Kind::Str),
        ("username", Kind::OptStr),
        ("email", Kind::OptStr),
        ("fullname", Kind::OptStr),
        ("role", Kind::OptStr),
        ("source", Kind::Str),
        ("invited_at", Kind::OptTime),
    ],
};

/// `resource_groups.parquet`: one row per resource group. Its resources are
/// four parallel lists, one item per resource: the kind (`other` for one
/// this version does not know), the type as sent, the key (repo id, slug,
/// job id) and the title (collection or blog title, job name; `""` if none).
pub(crate) const RESOURCE_GROUPS: Table = Table {
    file: "resource_groups.parquet",
    collector: Collector::ResourceGroups,
    columns: &[
        ("org", Kind::Str),
        ("snapshot_id", Kind::Str),
        ("id", Kind::Str),
        ("name", Kind::Str),
        ("description", Kind::OptStr),
        ("auto_join", Kind::Bool),
        ("repos", Kind::StrList),
        ("resource_types", Kind::StrList),
        ("resource_raw_types", Kind::StrList),
        ("resource_ids", Kind::StrList),
        ("resource_titles", Kind::StrList),
    ],
};

/// `resource_groups.parquet` as written before groups held more than repos
/// (no `resource_*` lists): still read, its resources taken from `repos`.
pub(crate) const RESOURCE_GROUPS_REPOS_ONLY: Table = Table {
    file: "resource_groups.parquet",
    collector: Collector::ResourceGroups,
    columns: RESOURCE_GROUPS.columns.split_at(7).0,
};

/// `group_members.parquet`: one row per (group, user).
pub(crate) const GROUP_MEMBERS: Table = Table {
    file: "group_members.parquet",
    collector: Collector::ResourceGroups,
    columns: &[
        ("org", Kind::Str),
        ("snapshot_id", Kind::Str),
        ("group_id", Kind::Str),
        ("group_name", Kind::Str),
        ("username", Kind::Str),
        ("fullname", Kind::OptStr),
        ("role", Kind::OptStr),
        ("added_by", Kind::OptStr),
    ],
};

/// `repo_access.parquet`: one row per (gated repo, user) accepted request.
pub(crate) const REPO_ACCESS: Table = Table {
    file: "repo_access.parquet",
    collector: Collector::RepoAccess,
    columns: &[
        ("org", Kind::Str),
        ("snapshot_id", Kind::Str),
        ("repo_type", Kind::Str),
        ("repo", Kind::Str),
        ("gated", Kind::Str),
        ("request_id", Kind::OptStr),
        ("username", Kind::OptStr),
        ("fullname", Kind::OptStr),
        ("email", Kind::OptStr),
        ("requested_at", Kind::OptTime),
        ("reviewed_at", Kind::OptTime),
        ("granted_by", Kind::OptStr),
    ],
};

/// `events.parquet`: one row per audit-log event; `data` is compact JSON.
pub(crate) const EVENTS: Table = Table {
    file: "events.parquet",
    collector: Collector::Events,
    columns: &[
        ("org", Kind::Str),
        ("snapshot_id", Kind::Str),
        ("id", Kind::Str),
        ("created_at", Kind::Time),
        ("kind", Kind::Str),
        ("message", Kind::OptStr),
        ("author", Kind::OptStr),
        ("author_type", Kind::OptStr),
        ("data", Kind::OptStr),
    ],
};

/// `tokens.parquet`: one row per member access token, revoked ones
/// included. No secret: the Hub returns only the last four characters.
/// `permissions` holds `entity_type/entity_id:permission` per permission of
/// a fine-grained token.
pub(crate) const TOKENS: Table = Table {
    file: "tokens.parquet",
    collector: Collector::Tokens,
    columns: &[
        ("org", Kind::Str),
        ("snapshot_id", Kind::Str),
        ("id", Kind::Str),
        ("owner_id", Kind::Str),
        ("owner", Kind::Str),
        ("owner_fullname", Kind::OptStr),
        ("display_name", Kind::Str),
        ("role", Kind::Str),
        ("last4", Kind::OptStr),
        ("created_at", Kind::Time),
        ("last_used_at", Kind::OptTime),
        ("status", Kind::OptStr),
        ("requested_at", Kind::OptTime),
        ("authorized_at", Kind::OptTime),
        ("authorizer", Kind::OptStr),
        ("permissions", Kind::StrList),
    ],
};

/// `service_accounts.parquet`: one row per service account (Enterprise).
pub(crate) const SERVICE_ACCOUNTS: Table = Table {
    file: "service_accounts.parquet",
    collector: Collector::ServiceAccounts,
    columns: &[
        ("org", Kind::Str),
        ("snapshot_id", Kind::Str),
        ("id", Kind::Str),
        ("username", Kind::Str),
        ("name", Kind::Str),
        ("email", Kind::Str),
        ("description", Kind::OptStr),
        ("created_at", Kind::Time),
    ],
};

/// Every table, in the order they are written.
pub(crate) const ALL: [&Table; 8] = [
    &MEMBERS,
    &INVITES,
    &RESOURCE_GROUPS,
    &GROUP_MEMBERS,
    &REPO_ACCESS,
    &EVENTS,
    &TOKENS,
    &SERVICE_ACCOUNTS,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_belongs_to_a_known_collector_and_names_are_unique() {
        for table in ALL {
            assert!(Collector::ALL.contains(&table.collector), "{}", table.file);
            assert_eq!(table.columns[0], ("org", Kind::Str));
            assert_eq!(table.columns[1], ("snapshot_id", Kind::Str));
            let mut names: Vec<_> = table.columns.iter().map(|(n, _)| *n).collect();
            names.sort_unstable();
            names.dedup();
            assert_eq!(names.len(), table.columns.len(), "{}", table.file);
        }
        for collector in Collector::ALL {
            assert!(ALL.iter().any(|t| t.collector == collector), "{collector}");
        }
    }
}
