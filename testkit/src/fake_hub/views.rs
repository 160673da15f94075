//! The JSON the fake Hub sends, field for field as in `HUB_API.md`.
//!
//! Optional fields are left out when the world holds `None`, as the Hub
//! leaves them out; derived fields (a member's `resourceGroups`, ids of orgs)
//! are computed here so the world never has to keep them in sync.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::world::{
    AccessGrant, AuditEvent, Group, GroupRepo, GroupUser, MemberToken, Org, OrgMember, Pending,
    Repo, ScimUser, ServiceAccount, TokenInfo, World, fake_id,
};

pub(super) fn avatar_url(id: &str) -> String {
    format!("https://cdn-avatars.huggingface.co/v1/production/uploads/{id}/avatar.png")
}

/// The `_id` of an org (the world does not keep one).
pub(super) fn org_id(org: &str) -> String {
    fake_id(&format!("org:{org}"))
}

/// The `_id` of a user: their member id in any org, else derived from the name.
pub(super) fn user_id(world: &World, user: &str) -> String {
    world
        .orgs
        .values()
        .find_map(|org| org.member(user))
        .map_or_else(|| fake_id(user), |m| m.id.clone())
}

fn insert_some(object: &mut Map<String, Value>, key: &str, value: Option<Value>) {
    if let Some(value) = value {
        object.insert(key.into(), value);
    }
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => unreachable!("views build objects"),
    }
}

pub(super) fn whoami(world: &World, token: &TokenInfo) -> Value {
    let uid = user_id(world, &token.user);
    let orgs: Vec<Value> = token
        .orgs
        .iter()
        .filter_map(|name| world.orgs.get(name))
        .map(|org| whoami_org(org, &token.user))
        .collect();
    let mut access = object(json!({
        "displayName": "hfaudit",
        "role": token.role,
        "createdAt": "2026-01-05T09:30:00.000Z",
    }));
    if token.role == "fineGrained" {
        let scoped: Vec<Value> = token
            .scoped
            .iter()
            .map(|s| {
                let id = match s.entity_type.as_str() {
                    "org" => org_id(&s.entity_name),
                    _ => user_id(world, &s.entity_name),
                };
                let mut entity = object(json!({"_id": id, "type": s.entity_type}));
                if world.scoped_entity_names {
                    entity.insert("name".into(), Value::from(s.entity_name.clone()));
                }
                json!({"entity": Value::Object(entity), "permissions": s.permissions})
            })
            .collect();
        let fine = json!({"scoped": scoped, "global": [], "canReadGatedRepos": false});
        access.insert("fineGrained".into(), fine);
    }
    let mut me = object(json!({
        "type": "user",
        "id": uid,
        "name": token.user,
        "fullname": token.fullname,
        "avatarUrl": avatar_url(&uid),
        "isPro": false,
        "orgs": orgs,
        "auth": {"type": "access_token", "accessToken": Value::Object(access)},
    }));
    let email = world
        .orgs
        .values()
        .find_map(|org| org.member(&token.user)?.verified_email.clone());
    insert_some(&mut me, "email", email.map(Value::from));
    Value::Object(me)
}

fn whoami_org(org: &Org, user: &str) -> Value {
    let id = org_id(&org.name);
    let mut entry = object(json!({
        "type": "org",
        "id": id,
        "name": org.name,
        "fullname": org.fullname,
        "avatarUrl": avatar_url(&id),
    }));
    insert_some(&mut entry, "plan", org.plan.clone().map(Value::from));
    insert_some(&mut entry, "roleInOrg", org.role_of(user).map(Value::from));
    let groups = org.resource_groups.as_ref().map(|groups| {
        let mine = groups.iter().filter_map(|g| {
            let member = g.users.iter().find(|u| u.name == user)?;
            Some(json!({"id": g.id, "name": g.name, "role": member.role}))
        });
        Value::Array(mine.collect())
    });
    insert_some(&mut entry, "resourceGroups", groups);
    Value::Object(entry)
}

pub(super) fn overview(org: &Org) -> Value {
    let mut view = object(json!({
        "name": org.name,
        "fullname": org.fullname,
        "avatarUrl": avatar_url(&org_id(&org.name)),
        "type": "org",
        "isVerified": org.plan.is_some(),
        "numUsers": org.members.len(),
        "numModels": org.models.len(),
        "numDatasets": org.datasets.len(),
        "numSpaces": 0,
    }));
    insert_some(&mut view, "plan", org.plan.clone().map(Value::from));
    Value::Object(view)
}

/// Which groups each user is in (and with which role), indexed once per
/// page request; `None` when the org has no resource groups (the members'
/// `resourceGroups` field is then left out).
pub(super) type GroupIndex<'o> = HashMap<&'o str, Vec<(&'o Group, &'o GroupUser)>>;

pub(super) fn group_index(org: &Org) -> Option<GroupIndex<'_>> {
    let groups = org.resource_groups.as_ref()?;
    let mut index: GroupIndex = HashMap::new();
    for g in groups {
        for u in &g.users {
            index.entry(u.name.as_str()).or_default().push((g, u));
        }
    }
    Some(index)
}

/// A row of the members listing. `show_email`: the caller may see verified emails.
pub(super) fn member(m: &OrgMember, groups: Option<&GroupIndex>, show_email: bool) -> Value {
    let mut row = object(json!({
        "_id": m.id,
        "user": m.user,
        "fullname": m.fullname,
        "avatarUrl": avatar_url(&m.id),
        "isPro": m.is_pro,
        "type": "user",
    }));
    insert_some(&mut row, "role", m.role.clone().map(Value::from));
    let mine = groups.map(|index| {
        let entries = index.get(m.user.as_str()).into_iter().flatten();
        let entries = entries.map(
            |(g, u)| json!({"name": g.name, "id": g.id, "numUsers": g.users.len(), "role": u.role}),
        );
        Value::Array(entries.collect())
    });
    insert_some(&mut row, "resourceGroups", mine);
    insert_some(&mut row, "twoFaEnabled", m.two_fa.map(Value::from));
    let email = m.verified_email.clone().filter(|_| show_email);
    insert_some(&mut row, "verifiedEmail", email.map(Value::from));
    insert_some(
        &mut row,
        "isExternalCollaborator",
        m.external.map(Value::from),
    );
    Value::Object(row)
}

/// A user as token owners and approvers are shown: their member id and
/// full name when they are a member, else both derived from the name.
fn token_user(org: &Org, name: &str) -> (String, String) {
    match org.member(name) {
        Some(m) => (m.id.clone(), m.fullname.clone()),
        None => (fake_id(name), name.to_string()),
    }
}

/// One item of `settings/tokens`: the schema's required fields always,
/// the optional ones only when the world holds them.
pub(super) fn member_token(org: &Org, t: &MemberToken) -> Value {
    let (owner_id, owner_fullname) = token_user(org, &t.owner);
    let mut row = object(json!({
        "_id": t.id,
        "displayName": t.display_name,
        "role": t.role,
        "createdAt": t.created_at,
        "owner": {
            "_id": owner_id,
            "name": t.owner,
            "fullname": owner_fullname,
            "avatarUrl": avatar_url(&owner_id),
        },
    }));
    insert_some(&mut row, "last4", t.last4.clone().map(Value::from));
    insert_some(
        &mut row,
        "lastUsedAt",
        t.last_used_at.clone().map(Value::from),
    );
    let authorization = t.authorization.as_ref().map(|a| {
        let mut auth = object(json!({"status": a.status, "requestedAt": a.requested_at}));
        if let Some(at) = &a.authorized_at {
            auth.insert("authorizedAt".into(), Value::from(at.as_str()));
            if let Some(name) = &a.authorizer {
                let (id, fullname) = token_user(org, name);
                let who = json!({"name": name, "fullname": fullname, "avatarUrl": avatar_url(&id)});
                auth.insert("authorizer".into(), who);
            }
        }
        Value::Object(auth)
    });
    insert_some(&mut row, "authorization", authorization);
    if t.role == "fineGrained" {
        let scoped: Vec<Value> = t
            .scoped
            .iter()
            .map(|(kind, id, permissions)| {
                json!({"entity": {"_id": id, "type": kind}, "permissions": permissions})
            })
            .collect();
        row.insert("fineGrained".into(), json!({ "scoped": scoped }));
    }
    Value::Object(row)
}

/// One item of `service-accounts`: the schema's required fields always,
/// `description` only when the world holds one.
pub(super) fn service_account(a: &ServiceAccount) -> Value {
    let mut row = object(json!({
        "_id": a.id,
        "user": a.user,
        "name": a.name,
        "email": a.email,
        "createdAt": a.created_at,
    }));
    insert_some(
        &mut row,
        "description",
        a.description.clone().map(Value::from),
    );
    Value::Object(row)
}

pub(super) fn group(g: &Group) -> Value {
    let users: Vec<Value> = g
        .users
        .iter()
        .map(|u| {
            json!({
                "type": "user", "_id": u.id, "name": u.name, "fullname": u.fullname,
                "avatarUrl": avatar_url(&u.id), "role": u.role, "addedBy": u.added_by,
            })
        })
        .collect();
    let resources: Vec<Value> = g.repos.iter().map(resource).collect();
    let repos: Vec<Value> = g
        .repos
        .iter()
        .filter(|r| r.is_repo())
        .map(resource)
        .collect();
    let auto_join = match g.auto_join {
        true => json!({"enabled": true, "role": "read"}),
        false => json!({"enabled": false}),
    };
    let mut view = object(json!({
        "id": g.id,
        "name": g.name,
        "description": g.description,
        "autoJoin": auto_join,
        "users": users,
        "repos": repos,
    }));
    if !g.legacy_repos_field {
        view.insert("resources".into(), Value::Array(resources));
    }
    Value::Object(view)
}

/// One item of a group's `resources`, shaped by its kind.
fn resource(r: &GroupRepo) -> Value {
    let mut item = match r.kind.as_str() {
        "collection" | "blog" => object(json!({
            "type": r.kind, "id": r.id, "slug": r.slug, "title": r.title, "private": r.private,
        })),
        "job" | "scheduled-job" => {
            let mut job = object(json!({"type": r.kind, "id": r.id}));
            let name = Some(&r.name).filter(|n| !n.is_empty());
            insert_some(&mut job, "name", name.map(|n| Value::from(n.as_str())));
            job
        }
        _ if r.is_repo() => object(json!({"type": r.kind, "name": r.name, "private": r.private})),
        _ => object(json!({"type": r.kind, "id": r.id})),
    };
    let added_by = Some(&r.added_by).filter(|a| !a.is_empty());
    insert_some(
        &mut item,
        "addedBy",
        added_by.map(|a| Value::from(a.as_str())),
    );
    Value::Object(item)
}

pub(super) fn repo(r: &Repo) -> Value {
    let gated = r.gated.clone().map_or(Value::Bool(false), Value::from);
    json!({"_id": fake_id(&r.id), "id": r.id, "private": r.private, "gated": gated})
}

/// One access request of the `listed` list (`accepted`, `pending`,
/// `rejected`), as the Hub sends it: no request id; `grantedBy` the full
/// user who reviewed it, or `{}` (auto-approved, or not reviewed); status
/// the list's, or `reset` with its reason.
pub(super) fn grant(org: &Org, g: &AccessGrant, listed: &str) -> Value {
    let mut row = object(json!({
        "status": if g.reset_reason.is_some() { "reset" } else { listed },
        "timestamp": g.timestamp,
        "reviewedAt": g.reviewed_at,
    }));
    insert_some(
        &mut row,
        "resetReason",
        g.reset_reason.clone().map(Value::from),
    );
    let user = g.user.as_ref().map(|u| {
        let verified: Vec<&str> = org
            .member(&u.user)
            .map(|_| org.name.as_str())
            .into_iter()
            .collect();
        let mut user = object(json!({
            "_id": u.id, "user": u.user, "fullname": u.fullname, "avatarUrl": avatar_url(&u.id),
            "isPro": false, "type": "user", "verifiedOrgNames": verified,
        }));
        insert_some(&mut user, "email", u.email.clone().map(Value::from));
        Value::Object(user)
    });
    insert_some(&mut row, "user", user);
    let granted_by = match g.granted_by.as_str() {
        "" => json!({}),
        by => {
            let (id, fullname) = token_user(org, by);
            json!({"_id": id, "user": by, "fullname": fullname, "avatarUrl": avatar_url(&id),
                   "isPro": false, "type": "user"})
        }
    };
    row.insert("grantedBy".into(), granted_by);
    Value::Object(row)
}

/// Member ids by username, to give audit-log authors their `_id`.
pub(super) fn member_ids(org: &Org) -> HashMap<&str, &str> {
    org.members
        .iter()
        .map(|m| (m.user.as_str(), m.id.as_str()))
        .collect()
}

pub(super) fn audit_event(ids: &HashMap<&str, &str>, e: &AuditEvent) -> Value {
    let author = match e.author.as_str() {
        "" | "system" => {
            let id = fake_id("system");
            json!({"_id": id, "user": "system", "avatarUrl": avatar_url(&id), "type": "system"})
        }
        name => {
            let id = ids
                .get(name)
                .map_or_else(|| fake_id(name), |id| id.to_string());
            json!({"_id": id, "user": name, "avatarUrl": avatar_url(&id), "type": "user"})
        }
    };
    let mut event = object(json!({
        "_id": e.id,
        "createdAt": e.created_at,
        "type": e.kind,
        "message": e.message,
        "author": author,
    }));
    let data = Some(e.data.clone()).filter(|d| !d.is_null());
    insert_some(&mut event, "data", data);
    Value::Object(event)
}

pub(super) fn pending(p: &Pending) -> Value {
    json!({"user": p.user, "role": p.role, "status": "pending"})
}

pub(super) fn scim_user(location: &str, u: &ScimUser) -> Value {
    let (given, family) = u
        .display_name
        .split_once(' ')
        .unwrap_or((&u.display_name, ""));
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "id": u.id,
        "externalId": fake_id(&format!("idp:{}", u.email)),
        "userName": u.user_name,
        "displayName": u.display_name,
        "name": {"givenName": given, "familyName": family, "formatted": u.display_name},
        "emails": [{"value": u.email, "primary": true, "type": "work"}],
        "active": u.active,
        "meta": {"resourceType": "User", "location": format!("{location}/{}", u.id)},
    })
}

pub(super) fn scim_list(resources: Vec<Value>, total: usize, start_index: usize) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": total,
        "itemsPerPage": resources.len(),
        "startIndex": start_index,
        "Resources": resources,
    })
}
