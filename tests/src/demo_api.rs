//! A demo orders API for the HTTP example and the tests: it behaves like a typical SaaS API —
//! a bearer token, `per_page`/`page` with a GitHub-style `Link` header, an `updated_after`
//! filter for incremental reads, rate-limit headers and a 429 with `Retry-After` now and then.
//! Started by `sluice-demo-api` (a binary of this crate) or in-process by tests.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

/// The token the demo API accepts.
pub const DEMO_TOKEN: &str = "demo-token-0f3c9a";

/// The API's data and how it behaves.
#[derive(Debug, Default)]
pub struct DemoApi {
    orders: Mutex<Vec<Value>>,
    /// Answer every n-th request with 429 and `Retry-After: 1` (0: never).
    pub throttle_every: u64,
    requests: Mutex<u64>,
}

impl DemoApi {
    /// An API holding `count` orders.
    pub fn new(count: usize, throttle_every: u64) -> Arc<DemoApi> {
        let api = DemoApi {
            throttle_every,
            ..Default::default()
        };
        api.add_orders(count);
        Arc::new(api)
    }

    /// Adds `count` orders, each updated after all before it.
    pub fn add_orders(&self, count: usize) -> usize {
        let mut orders = self.orders.lock().expect("orders lock");
        let start = orders.len();
        for index in start + 1..=start + count {
            let customers = ["Ada", "Grace", "Linus", "Margaret", "Ken"];
            orders.push(json!({
                "id": index,
                "customer": customers[index % customers.len()],
                "amount": format!("{}.{:02}", 10 + index * 7 % 90, index * 13 % 100),
                "status": if index % 4 == 0 { "refunded" } else { "paid" },
                "updated_at": (chrono::DateTime::<chrono::Utc>::from_timestamp(1_790_000_000, 0).expect("a time")
                    + chrono::Duration::minutes(index as i64 * 17))
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            }));
        }
        orders.len()
    }

    /// How many requests it has answered.
    pub fn requests(&self) -> u64 {
        *self.requests.lock().expect("requests lock")
    }
}

/// The API's routes.
pub fn router(api: Arc<DemoApi>) -> Router {
    Router::new()
        .route("/v1/orders", get(list_orders))
        .route("/v1/orders/generate", post(generate_orders))
        .with_state(api)
}

fn authorized(headers: &HeaderMap) -> bool {
    headers
        .get("authorization")
        .and_then(|value| value.to_str().ok())
        == Some(&format!("Bearer {DEMO_TOKEN}"))
}

async fn list_orders(
    State(api): State<Arc<DemoApi>>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let count = {
        let mut requests = api.requests.lock().expect("requests lock");
        *requests += 1;
        *requests
    };
    if !authorized(&headers) {
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({"error": "a valid bearer token is required"})),
        )
            .into_response();
    }
    if api.throttle_every > 0 && count % api.throttle_every == 0 {
        return (
            StatusCode::TOO_MANY_REQUESTS,
            [("retry-after", "1"), ("x-ratelimit-remaining", "0")],
            axum::Json(json!({"error": "rate limit exceeded"})),
        )
            .into_response();
    }
    let per_page: usize = query
        .get("per_page")
        .and_then(|value| value.parse().ok())
        .unwrap_or(20)
        .clamp(1, 100);
    let page: usize = query
        .get("page")
        .and_then(|value| value.parse().ok())
        .unwrap_or(1)
        .max(1);
    let after = query.get("updated_after").cloned().unwrap_or_default();
    let matching: Vec<Value> = api
        .orders
        .lock()
        .expect("orders lock")
        .iter()
        .filter(|order| order["updated_at"].as_str().unwrap_or_default() > after.as_str())
        .cloned()
        .collect();
    let pages = matching.len().div_ceil(per_page).max(1);
    let slice: Vec<Value> = matching
        .into_iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .collect();
    let mut response = axum::Json(json!({ "orders": slice })).into_response();
    if page < pages {
        let mut next = format!("/v1/orders?per_page={per_page}&page={}", page + 1);
        if !after.is_empty() {
            next.push_str(&format!("&updated_after={after}"));
        }
        response.headers_mut().insert(
            "link",
            format!("<{next}>; rel=\"next\"").parse().expect("a header"),
        );
    }
    response
        .headers_mut()
        .insert("x-ratelimit-limit", "600".parse().expect("a header"));
    response
}

async fn generate_orders(
    State(api): State<Arc<DemoApi>>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if !authorized(&headers) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let count = query
        .get("count")
        .and_then(|value| value.parse().ok())
        .unwrap_or(5);
    let total = api.add_orders(count);
    axum::Json(json!({ "added": count, "total": total })).into_response()
}

/// Serves the API on `listener` until the process ends.
pub async fn serve(listener: tokio::net::TcpListener, api: Arc<DemoApi>) -> std::io::Result<()> {
    axum::serve(listener, router(api)).await
}

/// Starts the API on 127.0.0.1 on a free port in a thread of its own; returns its base URL.
pub fn spawn(api: Arc<DemoApi>) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let address = listener.local_addr().expect("an address");
    listener.set_nonblocking(true).expect("non-blocking");
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("a listener");
            serve(listener, api).await.expect("the demo API serves");
        });
    });
    format!("http://{address}")
}
