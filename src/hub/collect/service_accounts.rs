//! Service accounts (Enterprise):
//! `GET /api/organizations/{org}/service-accounts`, one unpaged array.
//!
//! Service accounts are not in the member list and are not billed, but they
//! can be in resource groups and hold tokens, so the inventory lists them
//! and their tokens go through the token rules.

use crate::error::Result;
use crate::hub::client::HubClient;
use crate::hub::collect::{Outcome, UNAVAILABLE, optional, parse_time};
use crate::hub::wire;
use crate::model::ServiceAccount;

/// Every service account of the org, by username; `Unavailable` when the
/// plan or the token cannot list them (402/403/404) or the Hub sent a
/// creation time that cannot be read.
pub async fn service_accounts(c: &HubClient, org: &str) -> Result<Outcome<Vec<ServiceAccount>>> {
    let url = c.url(&["api", "organizations", org, "service-accounts"], &[]);
    let raw = match optional(
        c.get_json::<Vec<wire::ServiceAccount>>(&url).await,
        &UNAVAILABLE,
    )? {
        Outcome::Ok(raw) => raw,
        Outcome::Unavailable(reason) => return Ok(Outcome::Unavailable(reason)),
    };
    let mut accounts = Vec::with_capacity(raw.len());
    for a in raw {
        match account(a) {
            Ok(a) => accounts.push(a),
            Err(reason) => return Ok(Outcome::Unavailable(reason)),
        }
    }
    accounts.sort_by_cached_key(|a| (a.username.to_lowercase(), a.id.clone()));
    Ok(Outcome::Ok(accounts))
}

/// The wire item as a model row; the error names the account.
fn account(a: wire::ServiceAccount) -> std::result::Result<ServiceAccount, String> {
    let created_at = parse_time(&a.created_at).ok_or_else(|| {
        format!(
            "service account {} ({}) has an unreadable createdAt '{}'",
            a.user, a.id, a.created_at
        )
    })?;
    Ok(ServiceAccount {
        id: a.id,
        username: a.user,
        name: a.name,
        email: a.email,
        description: a.description.filter(|d| !d.trim().is_empty()),
        created_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const FULL: &str = r#"{"_id":"6700aaaaaaaaaaaaaaaaaaaa","user":"acme-ci","name":"CI bot",
        "email":"acme-ci@service.hf.example","description":"uploads nightly checkpoints",
        "createdAt":"2026-02-01T08:00:00.000Z"}"#;

    #[test]
    fn every_field_is_kept() {
        let a = account(serde_json::from_str(FULL).unwrap()).unwrap();
        assert_eq!(a.id, "6700aaaaaaaaaaaaaaaaaaaa");
        assert_eq!(
            (a.username.as_str(), a.name.as_str()),
            ("acme-ci", "CI bot")
        );
        assert_eq!(a.email, "acme-ci@service.hf.example");
        assert_eq!(
            a.description.as_deref(),
            Some("uploads nightly checkpoints")
        );
        assert_eq!(a.created_at.to_rfc3339(), "2026-02-01T08:00:00+00:00");
    }

    #[test]
    fn description_is_optional_and_blank_is_none() {
        let bare = FULL.replace(r#""description":"uploads nightly checkpoints","#, "");
        let a = account(serde_json::from_str(&bare).unwrap()).unwrap();
        assert_eq!(a.description, None);
        let blank = FULL.replace("uploads nightly checkpoints", " ");
        let a = account(serde_json::from_str(&blank).unwrap()).unwrap();
        assert_eq!(a.description, None);
    }

    #[test]
    fn a_missing_required_field_is_a_decode_error() {
        for field in [
            r#""email":"acme-ci@service.hf.example","#,
            r#""user":"acme-ci","#,
        ] {
            let json = FULL.replace(field, "");
            assert!(
                serde_json::from_str::<wire::ServiceAccount>(&json).is_err(),
                "{field}"
            );
        }
    }

    #[test]
    fn an_unreadable_time_is_named() {
        let json = FULL.replace("2026-02-01T08:00:00.000Z", "soon");
        let err = account(serde_json::from_str(&json).unwrap()).unwrap_err();
        assert!(
            err.contains("acme-ci") && err.contains("createdAt 'soon'"),
            "{err}"
        );
    }
}
