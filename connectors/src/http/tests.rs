//! `http.read` against local servers on 127.0.0.1 that behave as the real APIs document: GitHub's
//! `Link` pagination with rate-limit headers, Slack-style cursors, offset and page numbers, 429
//! with `Retry-After`, 503 bursts, refused credentials, bodies that are not JSON. Every record
//! must arrive exactly once, and no message may carry a secret.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};

use super::HttpReadConfig;
pub(super) use crate::testing::serve;
use crate::testing::{FixedCredential, read_source_with};

/// What a test server saw and how it should misbehave.
#[derive(Default)]
struct Server {
    /// Every request: its query string.
    requests: Mutex<Vec<HashMap<String, String>>>,
    /// Answers to give before the real one, e.g. 429s and 503s.
    failures: Mutex<Vec<StatusCode>>,
    /// Records served by the API (ids 1..=n, `updated_at` growing).
    items: Vec<Value>,
}

type Shared = Arc<Server>;

fn items(count: usize) -> Vec<Value> {
    (1..=count)
        .map(|id| json!({"id": id, "name": format!("item {id}"), "updated_at": format!("2026-11-{:02}T10:00:00Z", id)}))
        .collect()
}

/// Pops the next failure to answer with, recording the request either way.
fn record(server: &Server, query: &HashMap<String, String>) -> Option<Response> {
    server.requests.lock().unwrap().push(query.clone());
    let failure = {
        let mut failures = server.failures.lock().unwrap();
        if failures.is_empty() {
            None
        } else {
            Some(failures.remove(0))
        }
    };
    failure.map(|status| {
        let mut response = (status, "{\"message\": \"slow down\"}").into_response();
        if status == StatusCode::TOO_MANY_REQUESTS {
            response
                .headers_mut()
                .insert("retry-after", "1".parse().unwrap());
        }
        response
    })
}

/// GitHub's REST API: `per_page`/`page`, a `Link` header with rel="next", rate-limit headers,
/// and 401 without the right token.
async fn github(
    State(server): State<Shared>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if let Some(failure) = record(&server, &query) {
        return failure;
    }
    if headers
        .get("authorization")
        .and_then(|value| value.to_str().ok())
        != Some("Bearer ghp_s3cret")
    {
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({"message": "Bad credentials"})),
        )
            .into_response();
    }
    let per_page: usize = query
        .get("per_page")
        .and_then(|value| value.parse().ok())
        .unwrap_or(30);
    let page: usize = query
        .get("page")
        .and_then(|value| value.parse().ok())
        .unwrap_or(1);
    let start = (page - 1) * per_page;
    let slice: Vec<Value> = server
        .items
        .iter()
        .skip(start)
        .take(per_page)
        .cloned()
        .collect();
    let mut response = axum::Json(slice).into_response();
    let last = server.items.len().div_ceil(per_page);
    if page < last {
        let link = format!(
            "<http://127.0.0.1/ignored>; rel=\"prev\", </repos/acme/app/issues?per_page={per_page}&page={}>; rel=\"next\", </repos/acme/app/issues?per_page={per_page}&page={last}>; rel=\"last\"",
            page + 1
        );
        response.headers_mut().insert("link", link.parse().unwrap());
    }
    response
        .headers_mut()
        .insert("x-ratelimit-limit", "5000".parse().unwrap());
    response
        .headers_mut()
        .insert("x-ratelimit-remaining", "4999".parse().unwrap());
    response
}

/// Slack-style cursors: `response_metadata.next_cursor`, empty on the last page.
async fn slack(
    State(server): State<Shared>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if let Some(failure) = record(&server, &query) {
        return failure;
    }
    let start: usize = query
        .get("cursor")
        .and_then(|cursor| cursor.strip_prefix("c").and_then(|n| n.parse().ok()))
        .unwrap_or(0);
    let limit: usize = query
        .get("limit")
        .and_then(|value| value.parse().ok())
        .unwrap_or(3);
    let slice: Vec<Value> = server
        .items
        .iter()
        .skip(start)
        .take(limit)
        .cloned()
        .collect();
    let next = if start + limit < server.items.len() {
        format!("c{}", start + limit)
    } else {
        String::new()
    };
    axum::Json(json!({"ok": true, "members": slice, "response_metadata": {"next_cursor": next}}))
        .into_response()
}

/// Offset/limit with an incremental `updated_after` filter; the API key goes in the query string.
async fn offset_api(
    State(server): State<Shared>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if let Some(failure) = record(&server, &query) {
        return failure;
    }
    if query.get("api_key").map(String::as_str) != Some("k3y-s3cret") {
        return (StatusCode::FORBIDDEN, "{\"error\": \"invalid api key\"}").into_response();
    }
    let after = query.get("updated_after").cloned().unwrap_or_default();
    let offset: usize = query
        .get("offset")
        .and_then(|value| value.parse().ok())
        .unwrap_or(0);
    let limit: usize = query
        .get("limit")
        .and_then(|value| value.parse().ok())
        .unwrap_or(10);
    let matching: Vec<&Value> = server
        .items
        .iter()
        .filter(|item| item["updated_at"].as_str().unwrap() > after.as_str())
        .collect();
    let slice: Vec<Value> = matching
        .into_iter()
        .skip(offset)
        .take(limit)
        .cloned()
        .collect();
    axum::Json(json!({"results": slice})).into_response()
}

async fn not_json(Query(_query): Query<HashMap<String, String>>) -> Response {
    (
        StatusCode::OK,
        [("content-type", "text/html")],
        "<html>maintenance</html>",
    )
        .into_response()
}

fn server(count: usize, failures: Vec<StatusCode>) -> Shared {
    Arc::new(Server {
        items: items(count),
        failures: Mutex::new(failures),
        ..Default::default()
    })
}

fn router(server: &Shared) -> Router {
    Router::new()
        .route("/repos/acme/app/issues", get(github))
        .route("/users.list", get(slack))
        .route("/records", get(offset_api))
        .route("/maintenance", get(not_json))
        .with_state(server.clone())
}

fn read_config(value: Value) -> HttpReadConfig {
    serde_json::from_value(value).unwrap()
}

pub(super) fn ids(records: &[sluice_core::Record]) -> Vec<i64> {
    records
        .iter()
        .map(|record| record["id"].to_json().as_i64().unwrap())
        .collect()
}

fn bearer(token: &str) -> Arc<dyn sluice_core::credential::CredentialAccess> {
    Arc::new(FixedCredential {
        kind: super::credential_types::BEARER,
        values: vec![("token", token.to_string())],
    })
}

#[test]
fn github_link_pagination_delivers_every_record_once() {
    let api = server(7, vec![]);
    let base = serve(router(&api));
    let config = read_config(json!({
        "url": format!("{base}/repos/acme/app/issues"),
        "query": {"per_page": "3"},
        "pagination": {"type": "link_header"},
    }));
    let folder = tempfile::tempdir().unwrap();
    let result =
        read_source_with(&config, folder.path(), None, Some(bearer("ghp_s3cret"))).unwrap();
    assert_eq!(ids(&result.records), (1..=7).collect::<Vec<_>>());
    let pages: Vec<String> = api
        .requests
        .lock()
        .unwrap()
        .iter()
        .map(|query| query.get("page").cloned().unwrap_or_default())
        .collect();
    assert_eq!(pages, ["", "2", "3"]);
}

#[test]
fn a_refused_token_is_a_clear_error_without_the_token() {
    let api = server(3, vec![]);
    let base = serve(router(&api));
    let config = read_config(
        json!({"url": format!("{base}/repos/acme/app/issues"), "pagination": {"type": "link_header"}}),
    );
    let folder = tempfile::tempdir().unwrap();
    let error = read_source_with(
        &config,
        folder.path(),
        None,
        Some(bearer("ghp_wrong_s3cret")),
    )
    .err()
    .unwrap();
    assert!(error.contains("401 Unauthorized"), "{error}");
    assert!(
        error.contains("/repos/acme/app/issues"),
        "the URL is named: {error}"
    );
    assert!(error.contains("credential was refused"), "{error}");
    assert!(!error.contains("ghp_wrong_s3cret"), "no secret in: {error}");
    assert_eq!(
        api.requests.lock().unwrap().len(),
        1,
        "a 401 is not retried"
    );
}

#[test]
fn cursor_pagination_follows_the_cursor_until_it_is_empty() {
    let api = server(8, vec![]);
    let base = serve(router(&api));
    let config = read_config(json!({
        "url": format!("{base}/users.list"),
        "query": {"limit": "3"},
        "records": "$.members[*]",
        "pagination": {"type": "cursor", "cursor": "$.response_metadata.next_cursor", "param": "cursor"},
    }));
    let folder = tempfile::tempdir().unwrap();
    let result = read_source_with(&config, folder.path(), None, None).unwrap();
    assert_eq!(ids(&result.records), (1..=8).collect::<Vec<_>>());
    assert_eq!(api.requests.lock().unwrap().len(), 3);
}

#[test]
fn rate_limits_and_server_errors_are_retried_and_nothing_is_duplicated() {
    // A 429 with Retry-After: 1 on the first page, then a burst of two 503s on the second.
    let api = server(6, vec![StatusCode::TOO_MANY_REQUESTS]);
    let base = serve(router(&api));
    let config = read_config(json!({
        "url": format!("{base}/users.list"),
        "query": {"limit": "3"},
        "records": "$.members[*]",
        "pagination": {"type": "cursor", "cursor": "$.response_metadata.next_cursor", "param": "cursor"},
        "attempts": 4,
    }));
    let folder = tempfile::tempdir().unwrap();
    let started = std::time::Instant::now();
    let first = read_source_with(&config, folder.path(), None, None).unwrap();
    assert!(
        started.elapsed() >= std::time::Duration::from_millis(950),
        "Retry-After was honoured"
    );
    assert_eq!(ids(&first.records), (1..=6).collect::<Vec<_>>());

    let api = server(6, vec![]);
    let base = serve(router(&api));
    let config = read_config(json!({
        "url": format!("{base}/users.list"),
        "query": {"limit": "3"},
        "records": "$.members[*]",
        "pagination": {"type": "cursor", "cursor": "$.response_metadata.next_cursor", "param": "cursor"},
        "attempts": 4,
    }));
    // The burst starts after the first page has been served.
    let serving = api.clone();
    std::thread::spawn(move || {
        for _ in 0..200 {
            if !serving.requests.lock().unwrap().is_empty() {
                serving.failures.lock().unwrap().extend([
                    StatusCode::SERVICE_UNAVAILABLE,
                    StatusCode::SERVICE_UNAVAILABLE,
                ]);
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
    });
    let second = read_source_with(&config, folder.path(), None, None).unwrap();
    assert_eq!(ids(&second.records), (1..=6).collect::<Vec<_>>());
}

#[test]
fn a_server_that_keeps_failing_gives_up_after_the_attempts_with_the_reason() {
    let api = server(3, vec![StatusCode::SERVICE_UNAVAILABLE; 3]);
    let base = serve(router(&api));
    let config = read_config(
        json!({"url": format!("{base}/users.list"), "records": "$.members[*]", "attempts": 3}),
    );
    let folder = tempfile::tempdir().unwrap();
    let error = read_source_with(&config, folder.path(), None, None)
        .err()
        .unwrap();
    assert!(error.contains("failed after 3 attempts"), "{error}");
    assert!(error.contains("503 Service Unavailable"), "{error}");
    assert_eq!(api.requests.lock().unwrap().len(), 3);
}

#[test]
fn offset_pagination_reads_incrementally_and_keeps_the_key_out_of_messages() {
    let api = server(25, vec![]);
    let base = serve(router(&api));
    let key: Arc<dyn sluice_core::credential::CredentialAccess> = Arc::new(FixedCredential {
        kind: super::credential_types::API_KEY,
        values: vec![
            ("placement", "query".into()),
            ("parameter", "api_key".into()),
            ("key", "k3y-s3cret".into()),
        ],
    });
    let config = read_config(json!({
        "url": format!("{base}/records"),
        "records": "$.results[*]",
        "pagination": {"type": "offset", "limit": 10},
        "incremental": {"cursor_field": "updated_at", "param": "updated_after"},
    }));
    let folder = tempfile::tempdir().unwrap();
    let mut first = read_source_with(&config, folder.path(), None, Some(key.clone())).unwrap();
    assert_eq!(ids(&first.records), (1..=25).collect::<Vec<_>>());
    let state = first
        .output
        .take_checkpoint_for_test()
        .expect("a checkpoint");
    assert_eq!(state, json!({"cursor": "2026-11-25T10:00:00Z"}));

    // The next run asks only for what is newer, and gets nothing when nothing changed.
    let mut again =
        read_source_with(&config, folder.path(), Some(&state), Some(key.clone())).unwrap();
    assert!(again.records.is_empty());
    assert_eq!(
        again.output.take_checkpoint_for_test(),
        Some(json!({"cursor": "2026-11-25T10:00:00Z"}))
    );
    let last = api.requests.lock().unwrap().last().cloned().unwrap();
    assert_eq!(
        last.get("updated_after").map(String::as_str),
        Some("2026-11-25T10:00:00Z")
    );

    // A wrong key: a clear error, the URL shown with the key masked.
    let wrong: Arc<dyn sluice_core::credential::CredentialAccess> = Arc::new(FixedCredential {
        kind: super::credential_types::API_KEY,
        values: vec![
            ("placement", "query".into()),
            ("parameter", "api_key".into()),
            ("key", "wr0ng-k3y".into()),
        ],
    });
    let error = read_source_with(&config, folder.path(), None, Some(wrong))
        .err()
        .unwrap();
    assert!(
        error.contains("403 Forbidden") && error.contains("api_key=***"),
        "{error}"
    );
    assert!(!error.contains("wr0ng-k3y"), "no secret in: {error}");
}

#[test]
fn a_body_that_is_not_json_fails_the_run_naming_the_url() {
    let api = server(1, vec![]);
    let base = serve(router(&api));
    let config = read_config(json!({"url": format!("{base}/maintenance")}));
    let folder = tempfile::tempdir().unwrap();
    let error = read_source_with(&config, folder.path(), None, None)
        .err()
        .unwrap();
    assert!(
        error.contains("/maintenance") && error.contains("not JSON") && error.contains("text/html"),
        "{error}"
    );
}

#[test]
fn page_numbers_stop_at_an_empty_page_and_max_pages_caps_the_run() {
    let api = server(5, vec![]);
    let base = serve(router(&api));
    // GitHub's endpoint read by page number instead of Link: pages of 2 until an empty one.
    let by_number = read_config(json!({
        "url": format!("{base}/repos/acme/app/issues"),
        "pagination": {"type": "page_number", "param": "page", "size_param": "per_page", "size": 2},
    }));
    let folder = tempfile::tempdir().unwrap();
    let result =
        read_source_with(&by_number, folder.path(), None, Some(bearer("ghp_s3cret"))).unwrap();
    assert_eq!(ids(&result.records), [1, 2, 3, 4, 5]);
    assert_eq!(
        api.requests.lock().unwrap().len(),
        3,
        "the short third page ends it"
    );

    let capped = read_config(json!({
        "url": format!("{base}/repos/acme/app/issues"),
        "pagination": {"type": "page_number", "size_param": "per_page", "size": 1},
        "max_pages": 2,
    }));
    let result =
        read_source_with(&capped, folder.path(), None, Some(bearer("ghp_s3cret"))).unwrap();
    assert_eq!(ids(&result.records), [1, 2]);
}
