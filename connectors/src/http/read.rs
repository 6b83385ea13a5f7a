//! `http.read`: pages through a JSON API and emits the records each page holds, selected by a
//! JSONPath; with `incremental`, only what is newer than the cursor the last successful run
//! committed.

use reqwest::{Method, Url};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use serde_json_path::JsonPath;
use sluice_core::component::{BuildContext, ComponentConfig, Reach, Source, SourceConfig};
use sluice_core::engine::Output;
use sluice_core::expression::Expressions;
use sluice_core::json_records::ShapeCache;
use sluice_core::{ComponentError, Record};
use std::collections::BTreeMap;

use super::client::{HttpClient, Response, excerpt};
use super::pagination::{Pagination, next_link, set_param};

/// Reads records from a JSON API over HTTP, page after page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HttpReadConfig {
    /// The URL of the first page. A template: `{{ vars.name }}` inserts a flow variable.
    pub url: String,
    /// The HTTP method.
    #[serde(default, skip_serializing_if = "HttpMethod::is_default")]
    pub method: HttpMethod,
    /// Extra request headers (templates). The credential adds its own.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// Query-string parameters (templates), added to the URL's own.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub query: BTreeMap<String, String>,
    /// A JSON request body (a template), for APIs that search with POST.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// Where the records are in each response, as a JSONPath (RFC 9535), e.g. `$.data[*]` or
    /// `$.items[*]`. The default `$` takes a response that is an array as its records, and an
    /// object as one record.
    #[serde(
        default = "default_records",
        skip_serializing_if = "is_default_records"
    )]
    pub records: String,
    /// How to get the next page.
    #[serde(default, skip_serializing_if = "Pagination::is_none")]
    pub pagination: Pagination,
    /// Stop after this many pages, as a guard against an API that never stops.
    #[serde(default = "default_max_pages")]
    pub max_pages: u32,
    /// Only records newer than last time: see `Incremental`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incremental: Option<Incremental>,
    /// At most this many requests per second (the API's rate limit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requests_per_second: Option<f64>,
    /// How long one request may take, in seconds.
    #[serde(default = "super::client::default_timeout")]
    pub timeout_seconds: u64,
    /// Attempts per request, the first included: connection errors, 5xx and 429 are retried with
    /// exponential backoff (or after the server's `Retry-After`).
    #[serde(default = "super::client::default_attempts")]
    pub attempts: u32,
    /// The largest response body read, in bytes (default 64 MiB); a larger one fails the
    /// request, naming this setting.
    #[serde(default = "super::client::default_max_response_bytes")]
    pub max_response_bytes: u64,
}

fn default_records() -> String {
    "$".into()
}
fn is_default_records(records: &String) -> bool {
    records == "$"
}
fn default_max_pages() -> u32 {
    1000
}

/// GET or POST.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum HttpMethod {
    #[default]
    Get,
    Post,
}

impl HttpMethod {
    fn is_default(&self) -> bool {
        *self == HttpMethod::Get
    }

    fn method(self) -> Method {
        match self {
            HttpMethod::Get => Method::GET,
            HttpMethod::Post => Method::POST,
        }
    }
}

/// An incremental read: each record's `cursor_field` (an id or an `updated_at` that only grows);
/// the highest one delivered is kept once every destination has committed, and the next run
/// sends it as the query parameter `param` (e.g. `since`, `updated_after`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Incremental {
    /// The record field that only grows.
    pub cursor_field: String,
    /// The query parameter the last value is sent as.
    pub param: String,
    /// What to send on the very first run (e.g. `2024-01-01T00:00:00Z`); nothing when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initial: Option<String>,
}

impl ComponentConfig for HttpReadConfig {
    fn reaches(&self) -> Vec<Reach> {
        vec![Reach::Contacts {
            url: self.url.clone(),
            sends_records: false,
        }]
    }
}

fn compile_path(field: &str, path: &str) -> Result<JsonPath, ComponentError> {
    JsonPath::parse(path).map_err(|error| {
        ComponentError::failed(format!("`{field}` is not a JSONPath (RFC 9535): {error}"))
    })
}

impl SourceConfig for HttpReadConfig {
    fn build<'run>(
        &self,
        context: &BuildContext<'run>,
    ) -> Result<Box<dyn Source + 'run>, ComponentError> {
        let records = compile_path("records", &self.records)?;
        let cursor = match &self.pagination {
            Pagination::Cursor { cursor, .. } => Some(compile_path("pagination.cursor", cursor)?),
            Pagination::NextUrl { next } => Some(compile_path("pagination.next", next)?),
            _ => None,
        };
        let client = HttpClient::for_node(
            context.credential.clone(),
            self.attempts,
            self.requests_per_second,
            self.timeout_seconds,
            self.max_response_bytes,
        )?;
        let last_cursor = match &self.incremental {
            Some(incremental) => context
                .state
                .and_then(|state| state.get("cursor"))
                .filter(|value| !value.is_null())
                .cloned()
                .or_else(|| incremental.initial.clone().map(Value::String)),
            None => None,
        };
        Ok(Box::new(HttpRead {
            config: self.clone(),
            expressions: context.expressions,
            records,
            page_path: cursor,
            client,
            last_cursor,
            shapes: ShapeCache::default(),
        }))
    }
}

struct HttpRead<'run> {
    config: HttpReadConfig,
    expressions: &'run Expressions,
    records: JsonPath,
    /// The cursor or next-URL path of the pagination, compiled.
    page_path: Option<JsonPath>,
    client: HttpClient,
    last_cursor: Option<Value>,
    /// Records of one shape share their schema.
    shapes: ShapeCache,
}

/// The request for one page.
struct PageRequest {
    url: Url,
    number: u64,
    offset: u64,
}

impl HttpRead<'_> {
    fn render(&self, field: &str, template: &str) -> Result<String, ComponentError> {
        let mut values = Map::new();
        if let Some(cursor) = &self.last_cursor {
            values.insert("cursor".into(), cursor.clone());
        }
        self.expressions
            .render(template, &values)
            .map_err(|error| ComponentError::failed(format!("`{field}`: {error}")))
    }

    fn first_request(&self) -> Result<PageRequest, ComponentError> {
        let rendered = self.render("url", &self.config.url)?;
        let mut url = Url::parse(&rendered).map_err(|error| {
            ComponentError::failed(format!("`url` is not a URL ({rendered}): {error}"))
        })?;
        {
            let mut pairs = url.query_pairs_mut();
            for (name, template) in &self.config.query {
                pairs.append_pair(name, &self.render(&format!("query.{name}"), template)?);
            }
            if let (Some(incremental), Some(cursor)) = (&self.config.incremental, &self.last_cursor)
            {
                pairs.append_pair(&incremental.param, &text_of(cursor));
            }
        }
        if url.query() == Some("") {
            url.set_query(None);
        }
        let mut request = PageRequest {
            url,
            number: 0,
            offset: 0,
        };
        match &self.config.pagination {
            Pagination::PageNumber {
                param,
                first,
                size_param,
                size,
            } => {
                request.number = *first;
                set_param(&mut request.url, param, &first.to_string());
                if let (Some(size_param), Some(size)) = (size_param, size) {
                    set_param(&mut request.url, size_param, &size.to_string());
                }
            }
            Pagination::Offset {
                offset_param,
                limit_param,
                limit,
            } => {
                set_param(&mut request.url, offset_param, "0");
                set_param(&mut request.url, limit_param, &limit.to_string());
            }
            _ => {}
        }
        Ok(request)
    }

    /// The next page's request, or None when this page was the last.
    fn next_request(
        &self,
        request: &PageRequest,
        response: &Response,
        body: &Value,
        records_on_page: u64,
    ) -> Result<Option<PageRequest>, ComponentError> {
        Ok(match &self.config.pagination {
            Pagination::None => None,
            Pagination::PageNumber { param, size, .. } => {
                let short = size.is_some_and(|size| records_on_page < size);
                if records_on_page == 0 || short {
                    None
                } else {
                    let mut url = request.url.clone();
                    set_param(&mut url, param, &(request.number + 1).to_string());
                    Some(PageRequest {
                        url,
                        number: request.number + 1,
                        offset: 0,
                    })
                }
            }
            Pagination::Offset {
                offset_param,
                limit,
                ..
            } => {
                if records_on_page == 0 || records_on_page < *limit {
                    None
                } else {
                    let offset = request.offset + records_on_page;
                    let mut url = request.url.clone();
                    set_param(&mut url, offset_param, &offset.to_string());
                    Some(PageRequest {
                        url,
                        number: 0,
                        offset,
                    })
                }
            }
            Pagination::Cursor { param, .. } => match self.page_value(body) {
                Some(cursor) => {
                    let mut url = request.url.clone();
                    set_param(&mut url, param, &cursor);
                    Some(PageRequest {
                        url,
                        number: 0,
                        offset: 0,
                    })
                }
                None => None,
            },
            Pagination::NextUrl { .. } => match self.page_value(body) {
                Some(next) => Some(PageRequest {
                    url: request.url.join(&next).map_err(|error| {
                        ComponentError::failed(format!(
                            "{} gave a next-page URL that is not a URL ({}): {error}",
                            response.shown_url, next
                        ))
                    })?,
                    number: 0,
                    offset: 0,
                }),
                None => None,
            },
            Pagination::LinkHeader => match next_link(&response.headers) {
                Some(next) => Some(PageRequest {
                    url: request.url.join(&next).map_err(|error| {
                        ComponentError::failed(format!(
                            "{} sent a Link header whose next URL is not a URL: {error}",
                            response.shown_url
                        ))
                    })?,
                    number: 0,
                    offset: 0,
                }),
                None => None,
            },
        })
    }

    /// The value at the pagination's JSONPath as text; None when missing, null or empty.
    fn page_value(&self, body: &Value) -> Option<String> {
        let path = self.page_path.as_ref()?;
        let found = path.query(body).first()?.clone();
        match found {
            Value::Null => None,
            Value::String(text) if text.is_empty() => None,
            other => Some(text_of(&other)),
        }
    }
}

impl Source for HttpRead<'_> {
    fn read(&mut self, out: &mut Output) -> Result<(), ComponentError> {
        let method = self.config.method.method();
        let headers: Vec<(String, String)> = self
            .config
            .headers
            .iter()
            .map(|(name, template)| {
                Ok((
                    name.clone(),
                    self.render(&format!("headers.{name}"), template)?,
                ))
            })
            .collect::<Result<_, ComponentError>>()?;
        let body = self
            .config
            .body
            .as_ref()
            .map(|template| self.render("body", template))
            .transpose()?;
        let mut request = Some(self.first_request()?);
        let mut pages = 0;
        let mut highest = self.last_cursor.clone();
        while let Some(page) = request.take() {
            if pages >= self.config.max_pages {
                tracing::warn!(
                    pages,
                    "http.read stopped at max_pages; the next run goes on from the last record delivered"
                );
                break;
            }
            let response =
                self.client
                    .send(&method, &page.url, &headers, body.as_deref(), &|| {
                        out.should_stop()
                    })?;
            out.add_bytes(response.body.len() as u64);
            let document: Value = serde_json::from_slice(&response.body).map_err(|error| {
                let content_type = response
                    .headers
                    .get("content-type")
                    .and_then(|value| value.to_str().ok())
                    .unwrap_or("no content type");
                ComponentError::failed(format!(
                    "{} answered {} with a body that is not JSON ({content_type}; {error}): {}",
                    response.shown_url,
                    response.status,
                    excerpt(&response.body)
                ))
            })?;
            let found = self.records.query(&document).all();
            let items: Vec<Value> = match (found.as_slice(), self.config.records.as_str()) {
                ([Value::Array(items)], "$") => items.clone(),
                _ => found.into_iter().cloned().collect(),
            };
            let on_page = items.len() as u64;
            for item in items {
                match item {
                    Value::Object(fields) => {
                        if let Some(incremental) = &self.config.incremental
                            && let Some(value) = fields.get(&incremental.cursor_field)
                            && highest.as_ref().is_none_or(|high| greater(value, high))
                        {
                            highest = Some(value.clone());
                        }
                        let record = self.shapes.record(fields);
                        out.emit(record)?;
                    }
                    other => {
                        let mut record = Record::new();
                        record.insert("value", other.clone());
                        out.reject(
                            record,
                            format!(
                                "{} gave a record that is not an object: {}",
                                response.shown_url,
                                excerpt(other.to_string().as_bytes())
                            ),
                        )?;
                    }
                }
            }
            out.flush()?;
            if let (Some(_), Some(high)) = (&self.config.incremental, &highest) {
                // Everything emitted so far is covered; stored only once every sink committed.
                out.checkpoint(json!({ "cursor": high }));
            }
            pages += 1;
            request = self.next_request(&page, &response, &document, on_page)?;
        }
        Ok(())
    }
}

fn text_of(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// Whether cursor value `value` is past `high`: numbers by value, anything else as text (ISO
/// timestamps sort as text).
fn greater(value: &Value, high: &Value) -> bool {
    match (value.as_f64(), high.as_f64()) {
        (Some(value), Some(high)) => value > high,
        _ => text_of(value) > text_of(high),
    }
}

#[cfg(test)]
mod unit_tests {
    use super::*;

    #[test]
    fn the_next_link_is_found_among_several() {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            "link",
            "<https://api.example.com/items?page=1>; rel=\"prev\", <https://api.example.com/items?page=3>; rel=\"next\", <https://api.example.com/items?page=9>; rel=\"last\""
                .parse()
                .unwrap(),
        );
        assert_eq!(
            next_link(&headers).as_deref(),
            Some("https://api.example.com/items?page=3")
        );
        headers.insert(
            "link",
            "<https://api.example.com/items?page=1>; rel=\"first\""
                .parse()
                .unwrap(),
        );
        assert_eq!(next_link(&headers), None);
    }

    #[test]
    fn cursors_compare_as_numbers_or_text() {
        assert!(greater(&json!(10), &json!(9)));
        assert!(!greater(&json!(9), &json!(10)));
        assert!(greater(
            &json!("2024-05-02T00:00:00Z"),
            &json!("2024-05-01T23:59:59Z")
        ));
    }
}
