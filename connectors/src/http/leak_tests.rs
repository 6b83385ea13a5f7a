//! Secrets never echo back: servers that send the request's headers, URL and body back — in a
//! record-bearing 200 and in a 400 error — and every form of every kind of secret (as it is,
//! URL-encoded, JSON-escaped, base64 of `user:password`) is hidden in records and messages.

use std::sync::Arc;

use axum::Router;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use serde_json::json;
use sluice_core::credential::CredentialAccess;

use super::tests::serve;
use crate::testing::{FixedCredential, read_source_with};

/// Answers with everything the request carried: as records (`/ok`) or as an error (`/fail`).
async fn echo(request: Request) -> Response {
    let fail = request.uri().path().starts_with("/fail");
    let uri = request.uri().to_string();
    let headers: Vec<String> = request
        .headers()
        .iter()
        .map(|(name, value)| format!("{name}: {}", value.to_str().unwrap_or_default()))
        .collect();
    let body = axum::body::to_bytes(request.into_body(), 1 << 20)
        .await
        .unwrap_or_default();
    let echoed = json!([{"uri": uri, "headers": headers, "body": String::from_utf8_lossy(&body)}]);
    if fail {
        (StatusCode::BAD_REQUEST, echoed.to_string()).into_response()
    } else {
        axum::Json(echoed).into_response()
    }
}

/// A secret with the characters that change under URL and JSON encoding.
const SECRET: &str = "k3y+/&=\"\\ x%";

fn credentials() -> Vec<(&'static str, Arc<dyn CredentialAccess>)> {
    let credential = |kind: &'static str, values: Vec<(&'static str, String)>| {
        Arc::new(FixedCredential { kind, values }) as Arc<dyn CredentialAccess>
    };
    vec![
        (
            "api key in a header",
            credential(
                super::credential_types::API_KEY,
                vec![("key", SECRET.into())],
            ),
        ),
        (
            "api key in the query",
            credential(
                super::credential_types::API_KEY,
                vec![
                    ("key", SECRET.into()),
                    ("placement", "query".into()),
                    ("parameter", "api_key".into()),
                ],
            ),
        ),
        (
            "bearer token",
            credential(
                super::credential_types::BEARER,
                vec![("token", SECRET.into())],
            ),
        ),
        (
            "basic",
            credential(
                super::credential_types::BASIC,
                vec![("username", "alice".into()), ("password", SECRET.into())],
            ),
        ),
    ]
}

/// Every form the secret can take in text.
fn forms() -> Vec<String> {
    use base64::Engine;
    let mut url = reqwest::Url::parse("http://x/").unwrap();
    url.query_pairs_mut().append_pair("s", SECRET);
    let url_encoded = url.query().unwrap()[2..].to_string();
    let json = serde_json::to_string(SECRET).unwrap();
    vec![
        SECRET.to_string(),
        url_encoded.clone(),
        url_encoded.replace('+', "%20"),
        json[1..json.len() - 1].to_string(),
        base64::engine::general_purpose::STANDARD.encode(format!("alice:{SECRET}")),
        "k3y+".to_string(),
        "k3y%2B".to_string(),
    ]
}

fn assert_hidden(kind: &str, place: &str, text: &str) {
    for form in forms() {
        assert!(!text.contains(&form), "{kind}: `{form}` in {place}: {text}");
    }
}

#[test]
fn echoed_secrets_are_hidden_in_records_and_in_errors_in_every_form() {
    let base = serve(Router::new().fallback(any(echo)));
    let folder = tempfile::tempdir().unwrap();
    for (kind, credential) in credentials() {
        let read = |path: &str| {
            let config: super::HttpReadConfig =
                serde_json::from_value(json!({"url": format!("{base}{path}"), "attempts": 1}))
                    .unwrap();
            read_source_with(&config, folder.path(), None, Some(credential.clone()))
        };
        let records = read("/ok").unwrap().records;
        assert_eq!(records.len(), 1, "{kind}");
        let echoed = serde_json::to_string(&records).unwrap();
        assert!(
            echoed.contains("***"),
            "{kind}: the echo was kept, hidden: {echoed}"
        );
        assert_hidden(kind, "the records", &echoed);
        let error = read("/fail").err().expect("the 400 fails the read");
        assert!(error.contains("400"), "{kind}: {error}");
        assert_hidden(kind, "the error", &error);

        let request: super::HttpRequestConfig = serde_json::from_value(json!({
            "url": format!("{base}/fail/{{{{ id }}}}"), "method": "POST", "attempts": 1
        }))
        .unwrap();
        let (_, rejected) = super::request_tests::run_request(
            &request,
            Some(credential.clone()),
            crate::testing::records(json!([{"id": 1}])),
        );
        let problem = rejected[0]["_error"].as_str().unwrap().to_string();
        assert_hidden(kind, "the rejected record", &problem);
    }
}
