//! Everything that talks to the Hugging Face Hub over HTTP: the only module
//! that imports reqwest.
//!
//! `client` sends one GET with retries and rate-limit pacing, `paging` reads
//! whole lists, `collect` turns wire shapes (`wire`) into domain types, and
//! `auth` finds the token and checks what it may read.

pub mod auth;
mod client;
pub mod collect;
mod paging;
mod ratelimit;
pub mod remediate;
mod retry;
pub mod scope;
pub mod wire;

#[cfg(test)]
mod props;

pub use auth::{
    OrgAccess, Token, TokenEnv, TokenOrigin, check_org_access, find_scim_token, find_token,
};
pub use client::{ClientOptions, HubClient, parse_endpoint};
pub use collect::{Observer, Outcome};

use crate::error::Result;

/// The once-per-run identity check (`whoami-v2` is heavily rate-limited).
pub async fn whoami(client: &HubClient) -> Result<wire::WhoAmI> {
    let url = client.url(&["api", "whoami-v2"], &[]);
    client.get_json(&url).await.map_err(|e| match e {
        crate::error::Error::Hub {
            status: Some(401), ..
        } => crate::error::Error::Auth {
            message: format!(
                "{}: the Hub rejected the token (401 Unauthorized)",
                client.endpoint()
            ),
            hint: "the token is invalid, expired or revoked: create a new one at \
                   https://huggingface.co/settings/tokens and pass it with HF_TOKEN or --token-file"
                .into(),
        },
        other => other,
    })
}
