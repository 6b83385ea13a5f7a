//! `http.request` against a local CRM-like API on 127.0.0.1 (records enriched in order, failed
//! requests rejected, every record sent once through server errors), and credentials that go
//! only to the hosts they name.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};

use super::tests::{ids, serve};
use crate::testing::FixedCredential;

/// A CRM-like API for `http.request`: `GET /customers/{id}` (404 for unknown ids) needing an
/// `X-API-Key`, and `POST /events` that records what it receives.
#[derive(Default)]
struct Crm {
    events: Mutex<Vec<Value>>,
    failures: Mutex<Vec<StatusCode>>,
}

async fn customer(
    headers: HeaderMap,
    axum::extract::Path(id): axum::extract::Path<u64>,
) -> Response {
    if headers
        .get("x-api-key")
        .and_then(|value| value.to_str().ok())
        != Some("crm-k3y")
    {
        return (StatusCode::UNAUTHORIZED, "{}").into_response();
    }
    if id == 4 {
        return (
            StatusCode::NOT_FOUND,
            axum::Json(json!({"error": "no such customer"})),
        )
            .into_response();
    }
    // Slower answers for lower ids: responses arrive out of order.
    tokio::time::sleep(std::time::Duration::from_millis(60 - id * 10)).await;
    axum::Json(json!({"id": id, "tier": if id % 2 == 0 { "gold" } else { "silver" }}))
        .into_response()
}

async fn event(State(crm): State<Arc<Crm>>, axum::Json(body): axum::Json<Value>) -> Response {
    let failure = {
        let mut failures = crm.failures.lock().unwrap();
        if failures.is_empty() {
            None
        } else {
            Some(failures.remove(0))
        }
    };
    if let Some(status) = failure {
        return status.into_response();
    }
    crm.events.lock().unwrap().push(body);
    (StatusCode::ACCEPTED, axum::Json(json!({"accepted": true}))).into_response()
}

pub(super) fn run_request(
    config: &super::HttpRequestConfig,
    credential: Option<Arc<dyn sluice_core::credential::CredentialAccess>>,
    input: Vec<sluice_core::Record>,
) -> (Vec<sluice_core::Record>, Vec<sluice_core::Record>) {
    use sluice_core::component::TransformConfig;
    let folder = tempfile::tempdir().unwrap();
    crate::testing::with_context(folder.path(), None, credential, |context| {
        let mut output =
            sluice_core::engine::Output::for_test(&["out"], sluice_core::OnError::Route);
        let mut transform = config.build(context).unwrap();
        transform
            .transform(crate::testing::INPUT, input, &mut output)
            .unwrap();
        (output.take("out"), output.take("error"))
    })
}

#[test]
fn http_request_enriches_records_in_order_and_rejects_the_ones_that_fail() {
    let base = serve(Router::new().route("/customers/{id}", get(customer)));
    let config: super::HttpRequestConfig = serde_json::from_value(json!({
        "url": format!("{base}/customers/{{{{ id }}}}"),
        "response_field": "crm",
        "concurrency": 3,
    }))
    .unwrap();
    let key: Arc<dyn sluice_core::credential::CredentialAccess> = Arc::new(FixedCredential {
        kind: super::credential_types::API_KEY,
        values: vec![("key", "crm-k3y".into())],
    });
    let input =
        crate::testing::records(json!([{"id": 1}, {"id": 2}, {"id": 3}, {"id": 4}, {"id": 5}]));
    let (enriched, rejected) = run_request(&config, Some(key), input);
    assert_eq!(ids(&enriched), [1, 2, 3, 5], "in input order");
    assert_eq!(enriched[1]["crm"].to_json()["tier"], "gold");
    assert_eq!(rejected.len(), 1);
    let problem = rejected[0]["_error"].as_str().unwrap();
    assert!(
        problem.contains("404 Not Found") && problem.contains("/customers/4"),
        "{problem}"
    );
    assert!(!problem.contains("crm-k3y"));
}

#[test]
fn http_request_sends_every_record_once_through_server_errors() {
    let crm = Arc::new(Crm::default());
    crm.failures
        .lock()
        .unwrap()
        .extend([StatusCode::SERVICE_UNAVAILABLE, StatusCode::BAD_GATEWAY]);
    let base = serve(
        Router::new()
            .route("/events", axum::routing::post(event))
            .with_state(crm.clone()),
    );
    let config: super::HttpRequestConfig = serde_json::from_value(json!({
        "url": format!("{base}/events"),
        "method": "POST",
        "response_field": "",
        "concurrency": 2,
        "requests_per_second": 200,
        "attempts": 4,
    }))
    .unwrap();
    let input = crate::testing::records(json!(
        (1..=12)
            .map(|id| json!({"id": id, "kind": "signup"}))
            .collect::<Vec<_>>()
    ));
    let (sent, rejected) = run_request(&config, None, input);
    assert!(rejected.is_empty(), "{rejected:?}");
    assert_eq!(sent.len(), 12);
    assert!(sent.iter().all(|record| !record.contains_key("response")));
    let mut received: Vec<i64> = crm
        .events
        .lock()
        .unwrap()
        .iter()
        .map(|event| event["id"].as_i64().unwrap())
        .collect();
    received.sort();
    assert_eq!(
        received,
        (1..=12).collect::<Vec<_>>(),
        "each record arrived exactly once"
    );
}

#[test]
fn a_credential_goes_only_to_the_hosts_it_names() {
    let crm = Arc::new(Crm::default());
    let base = serve(
        Router::new()
            .route("/events", axum::routing::post(event))
            .with_state(crm.clone()),
    );
    let port = reqwest::Url::parse(&base).unwrap().port().unwrap();
    let config: super::HttpRequestConfig = serde_json::from_value(json!({
        "url": format!("{base}/events"),
        "method": "POST",
        "response_field": "",
        "attempts": 1,
    }))
    .unwrap();
    let with_hosts = |hosts: &str| -> Arc<dyn sluice_core::credential::CredentialAccess> {
        Arc::new(FixedCredential {
            kind: super::credential_types::BEARER,
            values: vec![("token", "s3cret".into()), ("hosts", hosts.into())],
        })
    };
    let send = |hosts: &str| {
        let input = crate::testing::records(json!([{"id": 1}]));
        run_request(&config, Some(with_hosts(hosts)), input)
    };
    for refused in ["api.github.com", "*.0.0.1", "127.0.0.1:1", ""] {
        let (sent, rejected) = send(refused);
        assert!(sent.is_empty(), "{refused}");
        let problem = rejected[0]["_error"].as_str().unwrap();
        assert!(
            problem.contains("the credential 'test credential'")
                && problem.contains("127.0.0.1")
                && !problem.contains("s3cret"),
            "{refused}: {problem}"
        );
    }
    assert!(
        crm.events.lock().unwrap().is_empty(),
        "nothing reached the server"
    );
    for allowed in [
        "127.0.0.1",
        "api.github.com, 127.0.0.1",
        &format!("127.0.0.1:{port}"),
    ] {
        let (sent, rejected) = send(allowed);
        assert!(rejected.is_empty(), "{allowed}: {rejected:?}");
        assert_eq!(sent.len(), 1);
    }
    assert_eq!(crm.events.lock().unwrap().len(), 3);
}

#[test]
fn hosts_match_by_name_port_and_subdomain() {
    let credential: Arc<dyn sluice_core::credential::CredentialAccess> =
        Arc::new(FixedCredential {
            kind: super::credential_types::BEARER,
            values: vec![(
                "hosts",
                "*.Example.com, api.github.com., 10.0.0.5:8443".into(),
            )],
        });
    let allowed = super::auth::AllowedHosts::of(Some(&credential)).unwrap();
    let check = |url: &str| allowed.check(&reqwest::Url::parse(url).unwrap()).is_ok();
    assert!(check("https://eu.api.example.com/v1"));
    assert!(check("https://API.GitHub.com:443/user"));
    assert!(check("https://10.0.0.5:8443/x"));
    assert!(
        !check("https://example.com/"),
        "the wildcard names subdomains only"
    );
    assert!(!check("https://example.com.evil.net/"));
    assert!(!check("https://10.0.0.5/x"), "another port");
    assert!(!check("https://api.github.com.evil.net/"));
    assert!(super::auth::AllowedHosts::of(None).is_none());
    // Plain http: to this machine, or to a host listed with http:// in front.
    let refused = allowed
        .check(&reqwest::Url::parse("http://api.github.com/user").unwrap())
        .unwrap_err();
    assert!(
        refused.contains("plain http") && refused.contains("http://api.github.com"),
        "{refused}"
    );
    let credential: Arc<dyn sluice_core::credential::CredentialAccess> =
        Arc::new(FixedCredential {
            kind: super::credential_types::BEARER,
            values: vec![("hosts", "http://nas.local:8080, localhost".into())],
        });
    let allowed = super::auth::AllowedHosts::of(Some(&credential)).unwrap();
    let check = |url: &str| allowed.check(&reqwest::Url::parse(url).unwrap()).is_ok();
    assert!(check("http://nas.local:8080/x") && check("https://nas.local:8080/x"));
    assert!(check("http://localhost:9000/x"));
    assert!(!check("http://nas.local/x"), "another port");
}
