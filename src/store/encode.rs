//! Model → polars: builds the `DataFrame` of each table from a [`Snapshot`].
//!
//! Columns are built directly from typed iterators (no `AnyValue` rows), so
//! a 0-row table still gets its exact types. [`FrameBuilder::finish`] checks
//! the columns against the layout declared in `tables`.

use chrono::{DateTime, Utc};
use polars::prelude::*;

use super::tables::{self, Kind, Table};
use crate::model::{GroupResource, ResourceGroup, Snapshot};

/// The `DataFrame` for `table` holding `snap`'s rows of it.
pub(crate) fn encode(table: &'static Table, snap: &Snapshot, id: &str) -> PolarsResult<DataFrame> {
    match table.file {
        f if f == tables::MEMBERS.file => members(snap, id),
        f if f == tables::INVITES.file => invites(snap, id),
        f if f == tables::RESOURCE_GROUPS.file => resource_groups(snap, id),
        f if f == tables::GROUP_MEMBERS.file => group_members(snap, id),
        f if f == tables::REPO_ACCESS.file => repo_access(snap, id),
        f if f == tables::EVENTS.file => events(snap, id),
        f if f == tables::TOKENS.file => tokens(snap, id),
        f if f == tables::SERVICE_ACCOUNTS.file => service_accounts(snap, id),
        other => polars_bail!(ComputeError: "no encoder for {other}"),
    }
}

fn members(snap: &Snapshot, id: &str) -> PolarsResult<DataFrame> {
    let rows = &snap.members;
    FrameBuilder::new(&tables::MEMBERS, rows.len(), &snap.org, id)
        .str("hub_id", rows.iter().map(|m| m.hub_id.as_str()))
        .str("username", rows.iter().map(|m| m.username.as_str()))
        .opt_str("fullname", rows.iter().map(|m| m.fullname.as_deref()))
        .opt_str("role", rows.iter().map(|m| m.role.as_deref()))
        .opt_bool("two_fa", rows.iter().map(|m| m.two_fa))
        .opt_str(
            "verified_email",
            rows.iter().map(|m| m.verified_email.as_deref()),
        )
        .opt_bool("external", rows.iter().map(|m| m.external))
        .opt_bool("is_pro", rows.iter().map(|m| m.is_pro))
        .str_list(
            "resource_groups",
            rows.iter().map(|m| m.resource_groups.as_slice()),
        )
        .finish()
}

fn invites(snap: &Snapshot, id: &str) -> PolarsResult<DataFrame> {
    let rows = &snap.invites;
    FrameBuilder::new(&tables::INVITES, rows.len(), &snap.org, id)
        .str("invitee", rows.iter().map(|i| i.invitee.as_str()))
        .opt_str("username", rows.iter().map(|i| i.username.as_deref()))
        .opt_str("email", rows.iter().map(|i| i.email.as_deref()))
        .opt_str("fullname", rows.iter().map(|i| i.fullname.as_deref()))
        .opt_str("role", rows.iter().map(|i| i.role.as_deref()))
        .str("source", rows.iter().map(|i| i.source.as_str()))
        .opt_time("invited_at", rows.iter().map(|i| i.invited_at))
        .finish()
}

fn resource_groups(snap: &Snapshot, id: &str) -> PolarsResult<DataFrame> {
    let rows = &snap.groups;
    let lists = |field: fn(&GroupResource) -> &String| -> Vec<Vec<String>> {
        let list = |g: &ResourceGroup| g.resources.iter().map(|r| field(r).clone()).collect();
        rows.iter().map(list).collect()
    };
    let titles: Vec<Vec<String>> = rows
        .iter()
        .map(|g| {
            let title = |r: &GroupResource| r.title.clone().unwrap_or_default();
            g.resources.iter().map(title).collect()
        })
        .collect();
    FrameBuilder::new(&tables::RESOURCE_GROUPS, rows.len(), &snap.org, id)
        .str("id", rows.iter().map(|g| g.id.as_str()))
        .str("name", rows.iter().map(|g| g.name.as_str()))
        .opt_str("description", rows.iter().map(|g| g.description.as_deref()))
        .bool("auto_join", rows.iter().map(|g| g.auto_join))
        .str_list("repos", rows.iter().map(|g| g.repos.as_slice()))
        .str_list(
            "resource_types",
            lists(|r| &r.kind).iter().map(Vec::as_slice),
        )
        .str_list(
            "resource_raw_types",
            lists(|r| &r.raw_type).iter().map(Vec::as_slice),
        )
        .str_list("resource_ids", lists(|r| &r.id).iter().map(Vec::as_slice))
        .str_list("resource_titles", titles.iter().map(Vec::as_slice))
        .finish()
}

fn group_members(snap: &Snapshot, id: &str) -> PolarsResult<DataFrame> {
    let rows = &snap.group_members;
    FrameBuilder::new(&tables::GROUP_MEMBERS, rows.len(), &snap.org, id)
        .str("group_id", rows.iter().map(|g| g.group_id.as_str()))
        .str("group_name", rows.iter().map(|g| g.group_name.as_str()))
        .str("username", rows.iter().map(|g| g.username.as_str()))
        .opt_str("fullname", rows.iter().map(|g| g.fullname.as_deref()))
        .opt_str("role", rows.iter().map(|g| g.role.as_deref()))
        .opt_str("added_by", rows.iter().map(|g| g.added_by.as_deref()))
        .finish()
}

fn repo_access(snap: &Snapshot, id: &str) -> PolarsResult<DataFrame> {
    let rows = &snap.repo_access;
    FrameBuilder::new(&tables::REPO_ACCESS, rows.len(), &snap.org, id)
        .str("repo_type", rows.iter().map(|r| r.repo_type.as_str()))
        .str("repo", rows.iter().map(|r| r.repo.as_str()))
        .str("gated", rows.iter().map(|r| r.gated.as_str()))
        .opt_str("request_id", rows.iter().map(|r| r.request_id.as_deref()))
        .opt_str("username", rows.iter().map(|r| r.username.as_deref()))
        .opt_str("fullname", rows.iter().map(|r| r.fullname.as_deref()))
        .opt_str("email", rows.iter().map(|r| r.email.as_deref()))
        .opt_time("requested_at", rows.iter().map(|r| r.requested_at))
        .opt_time("reviewed_at", rows.iter().map(|r| r.reviewed_at))
        .opt_str("granted_by", rows.iter().map(|r| r.granted_by.as_deref()))
        .finish()
}

fn events(snap: &Snapshot, id: &str) -> PolarsResult<DataFrame> {
    let rows = &snap.events;
    FrameBuilder::new(&tables::EVENTS, rows.len(), &snap.org, id)
        .str("id", rows.iter().map(|e| e.id.as_str()))
        .time("created_at", rows.iter().map(|e| e.created_at))
        .str("kind", rows.iter().map(|e| e.kind.as_str()))
        .opt_str("message", rows.iter().map(|e| e.message.as_deref()))
        .opt_str("author", rows.iter().map(|e| e.author.as_deref()))
        .opt_str("author_type", rows.iter().map(|e| e.author_type.as_deref()))
        .opt_str("data", rows.iter().map(|e| e.data.as_deref()))
        .finish()
}

fn tokens(snap: &Snapshot, id: &str) -> PolarsResult<DataFrame> {
    let rows = &snap.tokens;
    FrameBuilder::new(&tables::TOKENS, rows.len(), &snap.org, id)
        .str("id", rows.iter().map(|t| t.id.as_str()))
        .str("owner_id", rows.iter().map(|t| t.owner_id.as_str()))
        .str("owner", rows.iter().map(|t| t.owner.as_str()))
        .opt_str(
            "owner_fullname",
            rows.iter().map(|t| t.owner_fullname.as_deref()),
        )
        .str("display_name", rows.iter().map(|t| t.display_name.as_str()))
        .str("role", rows.iter().map(|t| t.role.as_str()))
        .opt_str("last4", rows.iter().map(|t| t.last4.as_deref()))
        .time("created_at", rows.iter().map(|t| t.created_at))
        .opt_time("last_used_at", rows.iter().map(|t| t.last_used_at))
        .opt_str("status", rows.iter().map(|t| t.status.as_deref()))
        .opt_time("requested_at", rows.iter().map(|t| t.requested_at))
        .opt_time("authorized_at", rows.iter().map(|t| t.authorized_at))
        .opt_str("authorizer", rows.iter().map(|t| t.authorizer.as_deref()))
        .str_list("permissions", rows.iter().map(|t| t.permissions.as_slice()))
        .finish()
}

fn service_accounts(snap: &Snapshot, id: &str) -> PolarsResult<DataFrame> {
    let rows = &snap.service_accounts;
    FrameBuilder::new(&tables::SERVICE_ACCOUNTS, rows.len(), &snap.org, id)
        .str("id", rows.iter().map(|a| a.id.as_str()))
        .str("username", rows.iter().map(|a| a.username.as_str()))
        .str("name", rows.iter().map(|a| a.name.as_str()))
        .str("email", rows.iter().map(|a| a.email.as_str()))
        .opt_str("description", rows.iter().map(|a| a.description.as_deref()))
        .time("created_at", rows.iter().map(|a| a.created_at))
        .finish()
}

/// Collects typed columns in table order, starting with `org` and
/// `snapshot_id`.
struct FrameBuilder {
    table: &'static Table,
    height: usize,
    columns: Vec<Column>,
    kinds: Vec<(&'static str, Kind)>,
}

impl FrameBuilder {
    fn new(table: &'static Table, height: usize, org: &str, id: &str) -> Self {
        let mut builder = FrameBuilder {
            table,
            height,
            columns: Vec::with_capacity(table.columns.len()),
            kinds: Vec::with_capacity(table.columns.len()),
        };
        builder.push(
            "org",
            Kind::Str,
            StringChunked::full("org".into(), org, height).into_column(),
        );
        builder.push(
            "snapshot_id",
            Kind::Str,
            StringChunked::full("snapshot_id".into(), id, height).into_column(),
        );
        builder
    }

    fn push(&mut self, name: &'static str, kind: Kind, column: Column) {
        self.kinds.push((name, kind));
        self.columns.push(column);
    }

    fn str<'a>(mut self, name: &'static str, values: impl Iterator<Item = &'a str>) -> Self {
        let column = StringChunked::from_iter_values(name.into(), values).into_column();
        self.push(name, Kind::Str, column);
        self
    }

    fn opt_str<'a>(
        mut self,
        name: &'static str,
        values: impl Iterator<Item = Option<&'a str>>,
    ) -> Self {
        let column = StringChunked::from_iter_options(name.into(), values).into_column();
        self.push(name, Kind::OptStr, column);
        self
    }

    fn bool(mut self, name: &'static str, values: impl Iterator<Item = bool>) -> Self {
        let column = BooleanChunked::from_iter_values(name.into(), values).into_column();
        self.push(name, Kind::Bool, column);
        self
    }

    fn opt_bool(mut self, name: &'static str, values: impl Iterator<Item = Option<bool>>) -> Self {
        let column = BooleanChunked::from_iter_options(name.into(), values).into_column();
        self.push(name, Kind::OptBool, column);
        self
    }

    fn time(self, name: &'static str, values: impl Iterator<Item = DateTime<Utc>>) -> Self {
        self.times(name, Kind::Time, values.map(Some))
    }

    fn opt_time(
        self,
        name: &'static str,
        values: impl Iterator<Item = Option<DateTime<Utc>>>,
    ) -> Self {
        self.times(name, Kind::OptTime, values)
    }

    fn times(
        mut self,
        name: &'static str,
        kind: Kind,
        values: impl Iterator<Item = Option<DateTime<Utc>>>,
    ) -> Self {
        let millis = values.map(|t| t.map(|t| t.timestamp_millis()));
        let column = Int64Chunked::from_iter_options(name.into(), millis)
            .into_datetime(TimeUnit::Milliseconds, Some(TimeZone::UTC))
            .into_column();
        self.push(name, kind, column);
        self
    }

    fn str_list<'a>(
        mut self,
        name: &'static str,
        values: impl Iterator<Item = &'a [String]>,
    ) -> Self {
        let mut builder = ListStringChunkedBuilder::new(name.into(), self.height, self.height * 2);
        for list in values {
            builder.append_values_iter(list.iter().map(String::as_str));
        }
        self.push(name, Kind::StrList, builder.finish().into_column());
        self
    }

    fn finish(self) -> PolarsResult<DataFrame> {
        if self.kinds.as_slice() != self.table.columns {
            polars_bail!(
                SchemaMismatch: "{}: encoder columns {:?} differ from the declared layout",
                self.table.file, self.kinds
            );
        }
        DataFrame::new(self.height, self.columns)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testdata;

    #[test]
    fn every_table_has_exactly_the_declared_types() {
        for snap in [testdata::full(), testdata::all_none(), testdata::empty()] {
            for table in tables::ALL {
                let df = encode(table, &snap, "20261123T025751.123Z").unwrap();
                let actual: Vec<(String, DataType)> = df
                    .columns()
                    .iter()
                    .map(|c| (c.name().to_string(), c.dtype().clone()))
                    .collect();
                let declared: Vec<(String, DataType)> = table
                    .columns
                    .iter()
                    .map(|(n, k)| (n.to_string(), k.dtype()))
                    .collect();
                assert_eq!(actual, declared, "{}", table.file);
            }
        }
    }

    #[test]
    fn org_and_snapshot_id_are_on_every_row() {
        let snap = testdata::full();
        let df = encode(&tables::MEMBERS, &snap, "20261123T025751.123Z").unwrap();
        assert_eq!(df.height(), snap.members.len());
        let ids: Vec<_> = df
            .column("snapshot_id")
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .collect();
        assert!(ids.iter().all(|id| *id == Some("20261123T025751.123Z")));
        let orgs: Vec<_> = df.column("org").unwrap().str().unwrap().iter().collect();
        assert!(orgs.iter().all(|o| *o == Some("acme")));
    }
}
