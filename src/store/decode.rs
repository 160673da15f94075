//! polars → model: turns each table's `DataFrame` back into model rows.
//!
//! The file's schema is checked against the layout declared in `tables`
//! first, so a file of the wrong shape is reported as such (naming the
//! column) instead of producing half-filled rows. Errors are plain reasons;
//! the caller adds the file name.

use chrono::{DateTime, Utc};
use polars::prelude::*;

use super::tables::{self, Table};
use crate::model::{
    Event, GroupMember, GroupResource, Invite, InviteSource, Member, MemberToken, RepoAccess,
    ResourceGroup, ServiceAccount,
};

type Reason = String;

pub(crate) fn members(df: &DataFrame) -> Result<Vec<Member>, Reason> {
    let c = Columns::check(df, &tables::MEMBERS)?;
    let (hub_id, username) = (c.req_str("hub_id")?, c.req_str("username")?);
    let (fullname, role) = (c.opt_str("fullname")?, c.opt_str("role")?);
    let (two_fa, verified_email) = (c.opt_bool("two_fa")?, c.opt_str("verified_email")?);
    let (external, is_pro) = (c.opt_bool("external")?, c.opt_bool("is_pro")?);
    let resource_groups = c.str_list("resource_groups")?;
    Ok((0..df.height())
        .map(|i| Member {
            hub_id: hub_id[i].clone(),
            username: username[i].clone(),
            fullname: fullname[i].clone(),
            role: role[i].clone(),
            two_fa: two_fa[i],
            verified_email: verified_email[i].clone(),
            external: external[i],
            is_pro: is_pro[i],
            resource_groups: resource_groups[i].clone(),
        })
        .collect())
}

pub(crate) fn invites(df: &DataFrame) -> Result<Vec<Invite>, Reason> {
    let c = Columns::check(df, &tables::INVITES)?;
    let (invitee, username, email) = (
        c.req_str("invitee")?,
        c.opt_str("username")?,
        c.opt_str("email")?,
    );
    let (fullname, role) = (c.opt_str("fullname")?, c.opt_str("role")?);
    let source = c
        .req_str("source")?
        .iter()
        .map(|s| InviteSource::parse(s).ok_or_else(|| format!("unknown invite source {s:?}")))
        .collect::<Result<Vec<_>, _>>()?;
    let invited_at = c.opt_time("invited_at")?;
    Ok((0..df.height())
        .map(|i| Invite {
            invitee: invitee[i].clone(),
            username: username[i].clone(),
            email: email[i].clone(),
            fullname: fullname[i].clone(),
            role: role[i].clone(),
            source: source[i],
            invited_at: invited_at[i],
        })
        .collect())
}

pub(crate) fn resource_groups(df: &DataFrame) -> Result<Vec<ResourceGroup>, Reason> {
    // A file written before groups held more than repos has no resource lists.
    let repos_only = df.column("resource_types").is_err();
    let table = match repos_only {
        true => &tables::RESOURCE_GROUPS_REPOS_ONLY,
        false => &tables::RESOURCE_GROUPS,
    };
    let c = Columns::check(df, table)?;
    let (id, name, description) = (
        c.req_str("id")?,
        c.req_str("name")?,
        c.opt_str("description")?,
    );
    let (auto_join, repos) = (c.req_bool("auto_join")?, c.str_list("repos")?);
    let resources = match repos_only {
        true => repos.iter().map(|r| repos_as_resources(r)).collect(),
        false => group_resources(&c, df.height())?,
    };
    Ok((0..df.height())
        .map(|i| ResourceGroup {
            id: id[i].clone(),
            name: name[i].clone(),
            description: description[i].clone(),
            auto_join: auto_join[i],
            repos: repos[i].clone(),
            resources: resources[i].clone(),
        })
        .collect())
}

/// Each row's resources from the four parallel lists, which must agree in length.
fn group_resources(c: &Columns, height: usize) -> Result<Vec<Vec<GroupResource>>, Reason> {
    let kinds = c.str_list("resource_types")?;
    let raw = c.str_list("resource_raw_types")?;
    let ids = c.str_list("resource_ids")?;
    let titles = c.str_list("resource_titles")?;
    (0..height)
        .map(|i| {
            let n = kinds[i].len();
            if [raw[i].len(), ids[i].len(), titles[i].len()] != [n; 3] {
                return Err(format!(
                    "row {i}: the resource lists differ in length ({n}, {}, {}, {})",
                    raw[i].len(),
                    ids[i].len(),
                    titles[i].len()
                ));
            }
            Ok((0..n)
                .map(|k| GroupResource {
                    kind: kinds[i][k].clone(),
                    raw_type: raw[i][k].clone(),
                    id: ids[i][k].clone(),
                    title: Some(titles[i][k].clone()).filter(|t| !t.is_empty()),
                })
                .collect())
        })
        .collect()
}

/// `type/namespace/name` entries of an older file as resources.
fn repos_as_resources(repos: &[String]) -> Vec<GroupResource> {
    repos
        .iter()
        .map(|r| {
            let (kind, id) = r.split_once('/').unwrap_or(("model", r));
            GroupResource {
                kind: kind.to_string(),
                raw_type: kind.to_string(),
                id: id.to_string(),
                title: None,
            }
        })
        .collect()
}

pub(crate) fn group_members(df: &DataFrame) -> Result<Vec<GroupMember>, Reason> {
    let c = Columns::check(df, &tables::GROUP_MEMBERS)?;
    let (group_id, group_name, username) = (
        c.req_str("group_id")?,
        c.req_str("group_name")?,
        c.req_str("username")?,
    );
    let (fullname, role, added_by) = (
        c.opt_str("fullname")?,
        c.opt_str("role")?,
        c.opt_str("added_by")?,
    );
    Ok((0..df.height())
        .map(|i| GroupMember {
            group_id: group_id[i].clone(),
            group_name: group_name[i].clone(),
            username: username[i].clone(),
            fullname: fullname[i].clone(),
            role: role[i].clone(),
            added_by: added_by[i].clone(),
        })
        .collect())
}

pub(crate) fn repo_access(df: &DataFrame) -> Result<Vec<RepoAccess>, Reason> {
    let c = Columns::check(df, &tables::REPO_ACCESS)?;
    let (repo_type, repo, gated) = (
        c.req_str("repo_type")?,
        c.req_str("repo")?,
        c.req_str("gated")?,
    );
    let (request_id, username, fullname, email) = (
        c.opt_str("request_id")?,
        c.opt_str("username")?,
        c.opt_str("fullname")?,
        c.opt_str("email")?,
    );
    let (requested_at, reviewed_at) = (c.opt_time("requested_at")?, c.opt_time("reviewed_at")?);
    let granted_by = c.opt_str("granted_by")?;
    Ok((0..df.height())
        .map(|i| RepoAccess {
            repo_type: repo_type[i].clone(),
            repo: repo[i].clone(),
            gated: gated[i].clone(),
            request_id: request_id[i].clone(),
            username: username[i].clone(),
            fullname: fullname[i].clone(),
            email: email[i].clone(),
            requested_at: requested_at[i],
            reviewed_at: reviewed_at[i],
            granted_by: granted_by[i].clone(),
        })
        .collect())
}

pub(crate) fn events(df: &DataFrame) -> Result<Vec<Event>, Reason> {
    let c = Columns::check(df, &tables::EVENTS)?;
    let (id, created_at, kind) = (
        c.req_str("id")?,
        c.req_time("created_at")?,
        c.req_str("kind")?,
    );
    let (message, author) = (c.opt_str("message")?, c.opt_str("author")?);
    let (author_type, data) = (c.opt_str("author_type")?, c.opt_str("data")?);
    Ok((0..df.height())
        .map(|i| Event {
            id: id[i].clone(),
            created_at: created_at[i],
            kind: kind[i].clone(),
            message: message[i].clone(),
            author: author[i].clone(),
            author_type: author_type[i].clone(),
            data: data[i].clone(),
        })
        .collect())
}

pub(crate) fn tokens(df: &DataFrame) -> Result<Vec<MemberToken>, Reason> {
    let c = Columns::check(df, &tables::TOKENS)?;
    let (id, owner_id, owner) = (
        c.req_str("id")?,
        c.req_str("owner_id")?,
        c.req_str("owner")?,
    );
    let (owner_fullname, display_name, role) = (
        c.opt_str("owner_fullname")?,
        c.req_str("display_name")?,
        c.req_str("role")?,
    );
    let (last4, created_at, last_used_at) = (
        c.opt_str("last4")?,
        c.req_time("created_at")?,
        c.opt_time("last_used_at")?,
    );
    let (status, requested_at, authorized_at) = (
        c.opt_str("status")?,
        c.opt_time("requested_at")?,
        c.opt_time("authorized_at")?,
    );
    let (authorizer, permissions) = (c.opt_str("authorizer")?, c.str_list("permissions")?);
    Ok((0..df.height())
        .map(|i| MemberToken {
            id: id[i].clone(),
            owner_id: owner_id[i].clone(),
            owner: owner[i].clone(),
            owner_fullname: owner_fullname[i].clone(),
            display_name: display_name[i].clone(),
            role: role[i].clone(),
            last4: last4[i].clone(),
            created_at: created_at[i],
            last_used_at: last_used_at[i],
            status: status[i].clone(),
            requested_at: requested_at[i],
            authorized_at: authorized_at[i],
            authorizer: authorizer[i].clone(),
            permissions: permissions[i].clone(),
        })
        .collect())
}

pub(crate) fn service_accounts(df: &DataFrame) -> Result<Vec<ServiceAccount>, Reason> {
    let c = Columns::check(df, &tables::SERVICE_ACCOUNTS)?;
    let (id, username, name) = (c.req_str("id")?, c.req_str("username")?, c.req_str("name")?);
    let (email, description, created_at) = (
        c.req_str("email")?,
        c.opt_str("description")?,
        c.req_time("created_at")?,
    );
    Ok((0..df.height())
        .map(|i| ServiceAccount {
            id: id[i].clone(),
            username: username[i].clone(),
            name: name[i].clone(),
            email: email[i].clone(),
            description: description[i].clone(),
            created_at: created_at[i],
        })
        .collect())
}

/// A `DataFrame` whose schema matched a [`Table`]; gives typed columns.
struct Columns<'a> {
    df: &'a DataFrame,
}

impl<'a> Columns<'a> {
    /// Checks that every declared column is present with its declared type
    /// (extra columns are tolerated, for forward compatibility).
    fn check(df: &'a DataFrame, table: &Table) -> Result<Self, Reason> {
        for (name, kind) in table.columns {
            let column = df
                .column(name)
                .map_err(|_| format!("column {name:?} is missing"))?;
            if column.dtype() != &kind.dtype() {
                return Err(format!(
                    "column {name:?} has type {}, expected {}",
                    column.dtype(),
                    kind.dtype()
                ));
            }
            if !kind.nullable() && column.null_count() > 0 {
                return Err(format!("column {name:?} holds nulls"));
            }
        }
        Ok(Columns { df })
    }

    fn column(&self, name: &str) -> Result<&'a Column, Reason> {
        self.df
            .column(name)
            .map_err(|_| format!("column {name:?} is missing"))
    }

    fn opt_str(&self, name: &str) -> Result<Vec<Option<String>>, Reason> {
        let values = self.column(name)?.str().map_err(|e| e.to_string())?;
        Ok(values.iter().map(|v| v.map(str::to_string)).collect())
    }

    fn req_str(&self, name: &str) -> Result<Vec<String>, Reason> {
        required(name, self.opt_str(name)?)
    }

    fn opt_bool(&self, name: &str) -> Result<Vec<Option<bool>>, Reason> {
        let values = self.column(name)?.bool().map_err(|e| e.to_string())?;
        Ok(values.iter().collect())
    }

    fn req_bool(&self, name: &str) -> Result<Vec<bool>, Reason> {
        required(name, self.opt_bool(name)?)
    }

    fn opt_time(&self, name: &str) -> Result<Vec<Option<DateTime<Utc>>>, Reason> {
        let values = self.column(name)?.datetime().map_err(|e| e.to_string())?;
        values
            .physical()
            .iter()
            .map(|ms| match ms {
                None => Ok(None),
                Some(ms) => DateTime::from_timestamp_millis(ms)
                    .map(Some)
                    .ok_or_else(|| format!("column {name:?}: timestamp {ms} ms is out of range")),
            })
            .collect()
    }

    fn req_time(&self, name: &str) -> Result<Vec<DateTime<Utc>>, Reason> {
        required(name, self.opt_time(name)?)
    }

    fn str_list(&self, name: &str) -> Result<Vec<Vec<String>>, Reason> {
        let lists = self.column(name)?.list().map_err(|e| e.to_string())?;
        let mut out = Vec::with_capacity(lists.len());
        for list in lists.series_iter() {
            let Some(list) = list else {
                return Err(format!("column {name:?} holds nulls"));
            };
            let values = list.str().map_err(|e| e.to_string())?;
            let mut row = Vec::with_capacity(values.len());
            for value in values.iter() {
                let value = value.ok_or_else(|| format!("column {name:?} holds null items"))?;
                row.push(value.to_string());
            }
            out.push(row);
        }
        Ok(out)
    }
}

fn required<T>(name: &str, values: Vec<Option<T>>) -> Result<Vec<T>, Reason> {
    values
        .into_iter()
        .map(|v| v.ok_or_else(|| format!("column {name:?} holds nulls")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{encode::encode, testdata};

    #[test]
    fn decode_inverts_encode_in_memory() {
        for snap in [testdata::full(), testdata::all_none(), testdata::empty()] {
            let id = "20261123T025751.123Z";
            let df = |t| encode(t, &snap, id).unwrap();
            assert_eq!(members(&df(&tables::MEMBERS)).unwrap(), snap.members);
            assert_eq!(invites(&df(&tables::INVITES)).unwrap(), snap.invites);
            assert_eq!(
                resource_groups(&df(&tables::RESOURCE_GROUPS)).unwrap(),
                snap.groups
            );
            assert_eq!(
                group_members(&df(&tables::GROUP_MEMBERS)).unwrap(),
                snap.group_members
            );
            assert_eq!(
                repo_access(&df(&tables::REPO_ACCESS)).unwrap(),
                snap.repo_access
            );
            assert_eq!(events(&df(&tables::EVENTS)).unwrap(), snap.events);
            assert_eq!(tokens(&df(&tables::TOKENS)).unwrap(), snap.tokens);
            assert_eq!(
                service_accounts(&df(&tables::SERVICE_ACCOUNTS)).unwrap(),
                snap.service_accounts
            );
        }
    }

    #[test]
    fn wrong_shapes_are_named() {
        let snap = testdata::full();
        let df = encode(&tables::MEMBERS, &snap, "x").unwrap();
        let err = invites(&df).unwrap_err();
        assert!(err.contains("\"invitee\" is missing"), "{err}");

        let mut df = encode(&tables::MEMBERS, &snap, "x").unwrap();
        df.drop_in_place("two_fa").unwrap();
        let err = members(&df).unwrap_err();
        assert!(err.contains("two_fa"), "{err}");

        let df = encode(&tables::INVITES, &testdata::all_none(), "x").unwrap();
        let err = events(&df).unwrap_err();
        assert!(err.contains("missing"), "{err}");
    }
}
