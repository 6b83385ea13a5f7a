//! The local API the manifest tests read: 25 items served by each kind of pagination, 429 and
//! 5xx on demand, an OAuth2 token endpoint whose tokens are revoked, time-filtered items,
//! projects and their issues; every request recorded.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use crate::testing::serve;

/// The API of the tests: 25 items, served by each kind of pagination, with the requests seen.
#[derive(Default)]
pub struct Api {
    pub requests: Mutex<Vec<(String, HashMap<String, String>)>>,
    pub failures: Mutex<Vec<StatusCode>>,
    pub tokens_issued: Mutex<u32>,
    pub items: Mutex<Vec<Value>>,
}

pub type Shared = Arc<Api>;

pub fn item(id: i64, updated: &str) -> Value {
    json!({ "id": id, "name": format!("item {id}"), "updated_at": updated, "secret_note": "x" })
}

pub fn api() -> (String, Shared) {
    let items = (1..=25)
        .map(|id| item(id, &format!("2024-03-{:02}T10:00:00Z", (id % 9) + 1)))
        .collect();
    let shared = Arc::new(Api {
        items: Mutex::new(items),
        ..Api::default()
    });
    let router = Router::new()
        .route("/cursor", get(cursor_page))
        .route("/offset", get(offset_page))
        .route("/pages", get(numbered_page))
        .route("/linked", get(linked_page))
        .route("/flaky", get(flaky))
        .route("/oauth/token", post(token))
        .route("/protected", get(protected))
        .route("/login", post(login))
        .route("/session-items", get(session_items))
        .route("/updated", get(updated))
        .route("/projects", get(projects))
        .route("/projects/{project}/issues", get(issues))
        .route(
            "/missing",
            get(|| async { (StatusCode::NOT_FOUND, "{\"message\": \"no such thing\"}") }),
        )
        .with_state(shared.clone());
    (serve(router), shared)
}

fn seen(api: &Api, path: &str, query: &HashMap<String, String>) {
    api.requests
        .lock()
        .unwrap()
        .push((path.to_string(), query.clone()));
}

fn number(query: &HashMap<String, String>, name: &str, default: usize) -> usize {
    query
        .get(name)
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

/// Slack-style: `limit`, `cursor`; the next cursor in `response_metadata.next_cursor`, empty at the end.
async fn cursor_page(
    State(api): State<Shared>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    seen(&api, "/cursor", &query);
    let items = api.items.lock().unwrap().clone();
    let limit = number(&query, "limit", 10);
    let start = number(&query, "cursor", 0);
    let page: Vec<Value> = items.iter().skip(start).take(limit).cloned().collect();
    let next = if start + limit < items.len() {
        (start + limit).to_string()
    } else {
        String::new()
    };
    axum::Json(json!({ "ok": true, "members": page, "response_metadata": { "next_cursor": next } }))
        .into_response()
}

async fn offset_page(
    State(api): State<Shared>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    seen(&api, "/offset", &query);
    let items = api.items.lock().unwrap().clone();
    let (offset, limit) = (number(&query, "offset", 0), number(&query, "limit", 10));
    axum::Json(json!({ "results": items.iter().skip(offset).take(limit).collect::<Vec<_>>() }))
        .into_response()
}

async fn numbered_page(
    State(api): State<Shared>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    seen(&api, "/pages", &query);
    let items = api.items.lock().unwrap().clone();
    let (page, size) = (number(&query, "page", 1), number(&query, "per_page", 10));
    axum::Json(
        items
            .iter()
            .skip((page - 1) * size)
            .take(size)
            .cloned()
            .collect::<Vec<_>>(),
    )
    .into_response()
}

/// GitHub-style: a `Link` header with rel="next" while there are more pages.
async fn linked_page(
    State(api): State<Shared>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    seen(&api, "/linked", &query);
    let items = api.items.lock().unwrap().clone();
    let page = number(&query, "page", 1);
    let host = headers.get("host").unwrap().to_str().unwrap().to_string();
    let body: Vec<Value> = items
        .iter()
        .skip((page - 1) * 10)
        .take(10)
        .cloned()
        .collect();
    let mut response = axum::Json(body).into_response();
    if page * 10 < items.len() {
        let link = format!(
            "<http://{host}/linked?page={}>; rel=\"next\", <http://{host}/linked?page=3>; rel=\"last\"",
            page + 1
        );
        response.headers_mut().insert("link", link.parse().unwrap());
    }
    response
}

/// Answers the queued failures first (429 with `Retry-After: 1`, or 5xx), then ten items.
async fn flaky(
    State(api): State<Shared>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    seen(&api, "/flaky", &query);
    let failure = {
        let mut failures = api.failures.lock().unwrap();
        (!failures.is_empty()).then(|| failures.remove(0))
    };
    if let Some(status) = failure {
        let mut response = (status, "{\"message\": \"slow down\"}").into_response();
        if status == StatusCode::TOO_MANY_REQUESTS {
            response
                .headers_mut()
                .insert("retry-after", "1".parse().unwrap());
        }
        return response;
    }
    let items = api.items.lock().unwrap().clone();
    axum::Json(json!({ "data": items.iter().take(10).collect::<Vec<_>>() })).into_response()
}

/// The OAuth2 token endpoint: a refresh-token grant gives `token-N`, valid for one request.
async fn token(State(api): State<Shared>, body: String) -> Response {
    let form: HashMap<String, String> = url_form(&body);
    if form.get("grant_type").map(String::as_str) != Some("refresh_token")
        || form.get("refresh_token").map(String::as_str) != Some("refresh-secret")
    {
        return (StatusCode::BAD_REQUEST, "{\"error\": \"invalid_grant\"}").into_response();
    }
    let mut issued = api.tokens_issued.lock().unwrap();
    *issued += 1;
    axum::Json(json!({ "access_token": format!("token-{issued}"), "expires_in": 3600 }))
        .into_response()
}

fn url_form(body: &str) -> HashMap<String, String> {
    reqwest::Url::parse(&format!("http://x/?{body}"))
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
}

/// Accepts only the newest token, as an API whose tokens are revoked when a new one is made;
/// pages by `page`.
async fn protected(
    State(api): State<Shared>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    seen(&api, "/protected", &query);
    let newest = format!("Bearer token-{}", api.tokens_issued.lock().unwrap());
    if headers
        .get("authorization")
        .and_then(|value| value.to_str().ok())
        != Some(newest.as_str())
    {
        return (StatusCode::UNAUTHORIZED, "{\"message\": \"token expired\"}").into_response();
    }
    let page = number(&query, "page", 1);
    if page == 1 {
        // The next request's token will be refused: a new token is issued behind the reader's back.
        *api.tokens_issued.lock().unwrap() += 1;
    }
    let items = api.items.lock().unwrap().clone();
    axum::Json(json!({ "data": items.iter().skip((page - 1) * 10).take(10).collect::<Vec<_>>() }))
        .into_response()
}

/// A login endpoint: the right username and password give `session-N` (each login revokes
/// the one before).
async fn login(State(api): State<Shared>, axum::Json(body): axum::Json<Value>) -> Response {
    if body["username"] != "ada" || body["password"] != "engine-pass" {
        return (StatusCode::UNAUTHORIZED, "{\"error\": \"wrong password\"}").into_response();
    }
    let mut issued = api.tokens_issued.lock().unwrap();
    *issued += 1;
    axum::Json(json!({ "data": { "session": format!("session-{issued}") } })).into_response()
}

/// Pages of items for the newest session (`X-Session`); the first page revokes it, as a
/// session that expires on the server while a read goes on.
async fn session_items(
    State(api): State<Shared>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    seen(&api, "/session-items", &query);
    let newest = format!("session-{}", api.tokens_issued.lock().unwrap());
    if headers
        .get("x-session")
        .and_then(|value| value.to_str().ok())
        != Some(newest.as_str())
    {
        return (
            StatusCode::UNAUTHORIZED,
            "{\"message\": \"session expired\"}",
        )
            .into_response();
    }
    let page = number(&query, "page", 1);
    if page == 1 {
        *api.tokens_issued.lock().unwrap() += 1;
    }
    let items = api.items.lock().unwrap().clone();
    axum::Json(json!({ "data": items.iter().skip((page - 1) * 10).take(10).collect::<Vec<_>>() }))
        .into_response()
}

/// Items updated within `[start, end]` (inclusive, ISO text), as an API filtering by time.
async fn updated(
    State(api): State<Shared>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    seen(&api, "/updated", &query);
    let (start, end) = (
        query.get("start").cloned().unwrap_or_default(),
        query.get("end").cloned().unwrap_or_default(),
    );
    let items: Vec<Value> = api
        .items
        .lock()
        .unwrap()
        .iter()
        .filter(|item| {
            let at = item["updated_at"].as_str().unwrap();
            at >= start.as_str() && at <= end.as_str()
        })
        .cloned()
        .collect();
    axum::Json(json!({ "data": items })).into_response()
}

async fn projects(
    State(api): State<Shared>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    seen(&api, "/projects", &query);
    axum::Json(json!({ "projects": [{ "id": "alpha" }, { "id": "beta" }, { "name": "no id" }] }))
        .into_response()
}

async fn issues(
    State(api): State<Shared>,
    Path(project): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    seen(&api, &format!("/projects/{project}/issues"), &query);
    let state = query.get("state").cloned().unwrap_or_default();
    axum::Json(json!([{ "id": 1, "project": project, "state": state }, { "id": 2, "project": project, "state": state }])).into_response()
}
