//! Reading every page of a list.
//!
//! The Hub pages by cursor through an absolute `Link: <…>; rel="next"`
//! header, followed verbatim. A deployment that sends no `Link` but a full
//! page pages by `offset`/`limit` (max 100) instead. Two failure modes of
//! real servers are guarded against: a `Link` that loops back to a page
//! already read (an error: the list cannot be read completely), and rows
//! that appear twice because the list changed while we paged (the whole
//! list is read again, a bounded number of times).

use std::collections::HashSet;
use std::hash::Hash;

use serde::de::DeserializeOwned;
use url::Url;

use crate::error::{Error, Result};
use crate::hub::client::{HubClient, next_link};

/// The page size of deployments that page by offset.
pub const LEGACY_PAGE: usize = 100;

/// Safety net against a server that never stops handing out pages.
const MAX_PAGES: usize = 100_000;

/// Full re-reads allowed when the list changes under us.
const MAX_RESTARTS: u32 = 2;

/// Extracts the `rel="next"` URL from one `Link` header value.
pub(crate) fn parse_next_link(value: &str) -> Option<String> {
    let mut rest = value;
    while let Some(start) = rest.find('<') {
        let after = &rest[start + 1..];
        let end = after.find('>')?;
        let target = &after[..end];
        let params_end = after[end..].find('<').map_or(after.len(), |i| end + i);
        let params = &after[end + 1..params_end];
        let is_next = params.split(';').any(|p| {
            let p = p.trim().trim_end_matches(',').trim();
            p.strip_prefix("rel=")
                .map(|r| r.trim_matches('"').split_whitespace().any(|r| r == "next"))
                .unwrap_or(false)
        });
        if is_next {
            return Some(target.to_string());
        }
        rest = &after[params_end..];
    }
    None
}

enum PageOutcome<T> {
    Complete(Vec<T>),
    Changed,
}

impl HubClient {
    /// Every item of a paged list starting at `first` (which carries
    /// `limit`). `key` identifies an item, to spot the list changing while
    /// it is read.
    pub async fn get_all<T, K, F>(
        &self,
        first: &Url,
        limit: usize,
        key: F,
        on_page: &(dyn Fn(usize) + Sync),
    ) -> Result<Vec<T>>
    where
        T: DeserializeOwned + Send + 'static,
        K: Eq + Hash,
        F: Fn(&T) -> K,
    {
        for restart in 0..=MAX_RESTARTS {
            match self.read_pages(first, limit, &key, on_page).await? {
                PageOutcome::Complete(items) => return Ok(items),
                PageOutcome::Changed => {
                    tracing::warn!(
                        url = %first,
                        "the list changed while it was read (an item appeared twice); reading it again ({}/{MAX_RESTARTS})",
                        restart + 1
                    );
                }
            }
        }
        Err(Error::Hub {
            url: first.to_string(),
            status: None,
            message: format!(
                "the list kept changing while it was read ({} attempts); try again later",
                MAX_RESTARTS + 1
            ),
        })
    }

    async fn read_pages<T, K, F>(
        &self,
        first: &Url,
        limit: usize,
        key: &F,
        on_page: &(dyn Fn(usize) + Sync),
    ) -> Result<PageOutcome<T>>
    where
        T: DeserializeOwned + Send + 'static,
        K: Eq + Hash,
        F: Fn(&T) -> K,
    {
        let mut items: Vec<T> = Vec::new();
        let mut keys: HashSet<K> = HashSet::new();
        let mut visited: HashSet<String> = HashSet::new();
        let mut url = first.clone();
        let mut offset_mode = false;
        for _ in 0..MAX_PAGES {
            if !visited.insert(url.to_string()) {
                return Err(Error::Hub {
                    url: url.to_string(),
                    status: None,
                    message: "the Hub's Link header points back to a page already read; \
                              the list cannot be read completely"
                        .into(),
                });
            }
            let (page, headers) = self.get_decoded::<Vec<T>>(&url).await?;
            let n = page.len();
            let mut fresh = 0;
            for item in page {
                if keys.insert(key(&item)) {
                    items.push(item);
                    fresh += 1;
                }
            }
            if offset_mode && fresh == 0 {
                // The server ignored `offset` and served a page we had: the
                // list ended on the previous page.
                break;
            }
            on_page(items.len());
            if let Some(next) = next_link(&headers) {
                if fresh < n {
                    return Ok(PageOutcome::Changed);
                }
                let next = Url::parse(&next).map_err(|e| Error::Hub {
                    url: url.to_string(),
                    status: None,
                    message: format!("the Link header holds an invalid URL: {e}"),
                })?;
                self.check_same_origin(&next)?;
                url = next;
                continue;
            }
            if fresh < n {
                return Ok(PageOutcome::Changed);
            }
            // No Link: the last page, unless it is full, in which case this
            // deployment pages by offset.
            let full = n > 0 && (n == limit || n == LEGACY_PAGE);
            if !full {
                break;
            }
            offset_mode = true;
            url = with_offset(first, items.len(), limit);
        }
        Ok(PageOutcome::Complete(items))
    }
}

fn with_offset(first: &Url, offset: usize, limit: usize) -> Url {
    let kept: Vec<(String, String)> = first
        .query_pairs()
        .filter(|(k, _)| k != "offset" && k != "cursor" && k != "limit")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let mut url = first.clone();
    url.query_pairs_mut()
        .clear()
        .extend_pairs(kept)
        .append_pair("limit", &limit.to_string())
        .append_pair("offset", &offset.to_string());
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_link_is_found_among_others() {
        let v = r#"<https://hub.example/api/x?cursor=abc&limit=500>; rel="next""#;
        assert_eq!(
            parse_next_link(v).as_deref(),
            Some("https://hub.example/api/x?cursor=abc&limit=500")
        );
        let v = r#"<https://h/a?p=1>; rel="prev", <https://h/a?p=3>; rel="next""#;
        assert_eq!(parse_next_link(v).as_deref(), Some("https://h/a?p=3"));
        let v = r#"<https://h/a?p=1>; rel="prev""#;
        assert_eq!(parse_next_link(v), None);
        assert_eq!(
            parse_next_link(r#"<https://h/a>; rel=next"#).as_deref(),
            Some("https://h/a")
        );
        assert_eq!(parse_next_link("garbage"), None);
        assert_eq!(parse_next_link("<unterminated; rel=next"), None);
    }

    #[test]
    fn offset_urls_keep_other_parameters() {
        let first = Url::parse("https://h/api/models?author=acme&limit=500&expand=gated").unwrap();
        assert_eq!(
            with_offset(&first, 100, 500).as_str(),
            "https://h/api/models?author=acme&expand=gated&limit=500&offset=100"
        );
    }
}
