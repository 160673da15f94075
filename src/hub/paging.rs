//! Reading every page of a list.
//!
//! The Hub pages by cursor through an absolute `Link: <…>; rel="next"`
//! header, followed verbatim. A deployment that sends no `Link` but a full
//! page pages by `offset`/`limit` (max 100) instead. Two failure modes of
//! real servers are guarded against: a `Link` that loops back to a page
//! already read (an error: the list cannot be read completely), and rows
//! that appear twice because the list changed while we paged (the whole
//! list is read again, a bounded number of times). A list never takes
//! more pages than [`page_budget`] allows: a server that keeps pointing to
//! new pages is an error, not a way to fill memory.

use crate::collections::{HashSet, HashSetExt};
use std::future::Future;
use std::hash::Hash;
use std::pin::Pin;

use serde::de::DeserializeOwned;
use url::Url;

use crate::error::{Error, Result};
use crate::hub::client::{HubClient, next_link};

/// The page size of deployments that page by offset.
pub const LEGACY_PAGE: usize = 100;

/// The most pages read of one list whose length is not announced: 5 M
/// repos at 500 a page, 10 M access requests at 1000.
pub(crate) const MAX_PAGES: usize = 10_000;

/// Pages allowed beyond what an announced length needs, for a list that
/// grows while it is read: this many, plus a quarter.
const PAGE_SLACK: usize = 3;

/// How many pages a list may take: with the length the Hub announced
/// (`total`, e.g. the overview's `numUsers`) and the rows on the first
/// page, ⌈total / rows⌉ plus slack; without one, [`MAX_PAGES`].
pub(crate) fn page_budget(total: Option<u64>, first_page_rows: usize) -> usize {
    match total {
        None => MAX_PAGES,
        Some(total) => {
            let expected = total.div_ceil(first_page_rows.max(1) as u64).max(1);
            let expected = usize::try_from(expected).unwrap_or(usize::MAX);
            expected
                .saturating_add(PAGE_SLACK)
                .saturating_add(expected / 4)
                .min(MAX_PAGES)
        }
    }
}

/// The length a list announces elsewhere (members: the overview), awaited
/// only when a second page is needed, and once.
enum Announced<'a> {
    Pending(Pin<Box<dyn Future<Output = Option<u64>> + Send + 'a>>),
    Known(Option<u64>),
}

impl Announced<'_> {
    async fn get(&mut self) -> Option<u64> {
        if let Announced::Pending(future) = self {
            let total = future.await;
            *self = Announced::Known(total);
        }
        match self {
            Announced::Known(total) => *total,
            Announced::Pending(_) => unreachable!("resolved above"),
        }
    }
}

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
    /// it is read. `total` is the list's length as announced elsewhere
    /// (`None` when unknown), which bounds the pages read.
    pub async fn get_all<T, K, F>(
        &self,
        first: &Url,
        limit: usize,
        key: F,
        on_page: &(dyn Fn(usize) + Sync),
        total: impl Future<Output = Option<u64>> + Send,
    ) -> Result<Vec<T>>
    where
        T: DeserializeOwned + Send + 'static,
        K: Eq + Hash,
        F: Fn(&T) -> K,
    {
        let mut total = Announced::Pending(Box::pin(total));
        for restart in 0..=MAX_RESTARTS {
            match self
                .read_pages(first, limit, &key, on_page, &mut total)
                .await?
            {
                PageOutcome::Complete(items) => return Ok(items),
                PageOutcome::Changed => {
                    tracing::warn!(
                        url = %self.shown(first),
                        "the list changed while it was read (an item appeared twice); reading it again ({}/{MAX_RESTARTS})",
                        restart + 1
                    );
                }
            }
        }
        Err(Error::Hub {
            url: self.shown(first),
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
        total: &mut Announced<'_>,
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
        // Set once the first page says how large pages are.
        let mut budget: Option<(usize, Option<u64>, usize)> = None;
        for read in 0usize.. {
            if read > 0 {
                let (pages, total, first_rows) = match budget {
                    Some(b) => b,
                    None => {
                        let total = total.get().await;
                        let b = (page_budget(total, items.len()), total, items.len());
                        budget = Some(b);
                        b
                    }
                };
                if read >= pages {
                    let why = match total {
                        Some(total) => format!(
                            "it announced {total} rows and put {first_rows} on the first page, \
                             which allows at most {pages} pages"
                        ),
                        None => format!("hfaudit reads at most {pages} pages of one list"),
                    };
                    return Err(Error::Hub {
                        url: self.shown(first),
                        status: None,
                        message: format!(
                            "the Hub keeps pointing to more pages ({read} read, {} rows; the \
                             next is {}), but {why}; the list cannot be read completely",
                            items.len(),
                            self.shown(&url)
                        ),
                    });
                }
            }
            if !visited.insert(url.to_string()) {
                return Err(Error::Hub {
                    url: self.shown(&url),
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
                    url: self.shown(&url),
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
    fn page_budgets_follow_the_announced_length() {
        // Unknown length: the fixed cap.
        assert_eq!(page_budget(None, 10), MAX_PAGES);
        // 7,000 members on pages of 1,000: 7 pages, 3 + 1 spare.
        assert_eq!(page_budget(Some(7000), 1000), 11);
        // One page expected (none or few members).
        assert_eq!(page_budget(Some(0), 0), 4);
        assert_eq!(page_budget(Some(3), 10), 4);
        // A first page of 1 row: as many pages as rows, plus slack.
        assert_eq!(page_budget(Some(100), 1), 128);
        // Never above the fixed cap, whatever is announced.
        assert_eq!(page_budget(Some(u64::MAX), 1), MAX_PAGES);
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
