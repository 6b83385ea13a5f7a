//! How `http.read` pages through an API: the pagination styles its config chooses from, and the
//! URL and `Link` header helpers they need.

use reqwest::Url;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// How an API hands out its pages.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Pagination {
    /// One request only.
    #[default]
    None,
    /// `?page=1`, `?page=2`, … until a page has no records (or fewer than `size`).
    PageNumber {
        /// The page parameter.
        #[serde(default = "default_page_param")]
        param: String,
        /// The first page's number.
        #[serde(default = "default_first_page")]
        first: u64,
        /// A page-size parameter to send, e.g. `per_page`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        size_param: Option<String>,
        /// The page size to ask for (with `size_param`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        size: Option<u64>,
    },
    /// `?offset=0&limit=100`, `?offset=100&limit=100`, … until a page has fewer than `limit`.
    Offset {
        #[serde(default = "default_offset_param")]
        offset_param: String,
        #[serde(default = "default_limit_param")]
        limit_param: String,
        #[serde(default = "default_limit")]
        limit: u64,
    },
    /// A cursor in each response (at the JSONPath `cursor`), sent back as `param` until it is
    /// missing, null or empty.
    Cursor {
        /// Where the next cursor is in the response, e.g. `$.meta.next_cursor`.
        cursor: String,
        /// The query parameter to send it as, e.g. `cursor` or `starting_after`.
        param: String,
    },
    /// The next page's URL in each response (at the JSONPath `next`), until it is missing.
    NextUrl {
        /// Where the next URL is, e.g. `$.links.next` or `$.next`.
        next: String,
    },
    /// The `Link: <…>; rel="next"` response header (RFC 8288), as GitHub sends it.
    LinkHeader,
}

fn default_page_param() -> String {
    "page".into()
}
fn default_first_page() -> u64 {
    1
}
fn default_offset_param() -> String {
    "offset".into()
}
fn default_limit_param() -> String {
    "limit".into()
}
fn default_limit() -> u64 {
    100
}

impl Pagination {
    pub(super) fn is_none(&self) -> bool {
        *self == Pagination::None
    }
}

/// Sets a query parameter, replacing any of the same name.
pub(super) fn set_param(url: &mut Url, name: &str, value: &str) {
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(key, _)| key != name)
        .map(|(key, value)| (key.into_owned(), value.into_owned()))
        .collect();
    url.query_pairs_mut()
        .clear()
        .extend_pairs(kept)
        .append_pair(name, value);
}

/// The `rel="next"` target of a `Link` header (RFC 8288).
pub(super) fn next_link(headers: &reqwest::header::HeaderMap) -> Option<String> {
    for value in headers.get_all("link") {
        let value = value.to_str().ok()?;
        for link in value.split(',') {
            let mut parts = link.split(';');
            let target = parts.next()?.trim();
            // `rel` may hold several space-separated relations: rel="next last".
            let is_next = parts.any(|parameter| {
                let parameter = parameter.trim().to_ascii_lowercase();
                parameter.strip_prefix("rel=").is_some_and(|relations| {
                    relations
                        .trim_matches('"')
                        .split_whitespace()
                        .any(|relation| relation == "next")
                })
            });
            if is_next && target.starts_with('<') && target.ends_with('>') {
                return Some(target[1..target.len() - 1].to_string());
            }
        }
    }
    None
}
