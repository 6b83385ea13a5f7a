//! Each bundled connector read through its node type against a local server that answers as the
//! vendor's API documents (`library/fixtures/*.json`: the requests expected, in order, and the
//! documented responses): every record once, every expected request made, the secret sent only
//! as the API asks and never shown.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::testing::{read_source_with, serve};

/// One fixture: a node's settings (`{base}` in them is the local server's address) and secrets,
/// the exchanges with the API, what must arrive.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Fixture {
    connector: String,
    stream: String,
    #[serde(default)]
    settings: Map<String, Value>,
    #[serde(default)]
    secrets: Map<String, Value>,
    #[serde(default)]
    state: Option<Value>,
    exchanges: Vec<Exchange>,
    /// The `id_field` of each record delivered, in order.
    expect_ids: Vec<Value>,
    #[serde(default = "default_id_field")]
    id_field: String,
    /// Fields of the state the read leaves to commit.
    #[serde(default)]
    expect_state: Option<Map<String, Value>>,
    /// Words the read's failure must carry, for an exchange that fails it.
    #[serde(default)]
    expect_error: Option<String>,
}

fn default_id_field() -> String {
    "id".into()
}

/// A request the API expects (its method, path, and the query, headers and JSON body fields it
/// must carry) and the answer it gives; `{base}` in an answer is the server's address.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Exchange {
    #[serde(default = "get")]
    method: String,
    path: String,
    #[serde(default)]
    query: Map<String, Value>,
    #[serde(default)]
    headers: Map<String, Value>,
    #[serde(default)]
    body: Map<String, Value>,
    #[serde(default = "ok")]
    status: u16,
    #[serde(default)]
    response_headers: Map<String, Value>,
    response: Value,
}

fn get() -> String {
    "GET".into()
}
fn ok() -> u16 {
    200
}

/// The fixture's secrets as a credential, sendable to the local server.
#[derive(Debug)]
struct Secrets(Map<String, Value>);

impl sluice_core::credential::CredentialAccess for Secrets {
    fn name(&self) -> &str {
        "fixture"
    }
    fn kind(&self) -> &str {
        "fixture"
    }
    fn field(&self, name: &str) -> Option<String> {
        match name {
            "hosts" => Some("127.0.0.1".into()),
            _ => self.0.get(name).and_then(Value::as_str).map(str::to_string),
        }
    }
}

struct Api {
    base: Mutex<String>,
    exchanges: Vec<Exchange>,
    used: Mutex<Vec<bool>>,
    unexpected: Mutex<Vec<String>>,
}

async fn answer(
    axum::extract::State(api): axum::extract::State<Arc<Api>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let query: Map<String, Value> = reqwest::Url::parse(&format!("http://x{uri}"))
        .unwrap()
        .query_pairs()
        .map(|(name, value)| (name.into_owned(), Value::String(value.into_owned())))
        .collect();
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let mut used = api.used.lock().unwrap();
    let found = api.exchanges.iter().enumerate().find(|(index, exchange)| {
        !used[*index]
            && exchange.method == method.as_str()
            && exchange.path == uri.path()
            && exchange
                .query
                .iter()
                .all(|(name, value)| query.get(name) == Some(value))
            && exchange.headers.iter().all(|(name, value)| {
                headers
                    .get(name.as_str())
                    .and_then(|found| found.to_str().ok())
                    == value.as_str()
            })
            && exchange
                .body
                .iter()
                .all(|(name, value)| body.get(name) == Some(value))
    });
    let Some((index, exchange)) = found else {
        let seen = format!("{method} {uri} headers {headers:?} body {body}");
        api.unexpected.lock().unwrap().push(seen.clone());
        return (StatusCode::NOT_FOUND, format!("no fixture answers {seen}")).into_response();
    };
    used[index] = true;
    let base = api.base.lock().unwrap().clone();
    let text = exchange.response.to_string().replace("{base}", &base);
    let mut response = (
        StatusCode::from_u16(exchange.status).unwrap(),
        [("content-type", "application/json")],
        text,
    )
        .into_response();
    for (name, value) in &exchange.response_headers {
        let value = value.as_str().unwrap().replace("{base}", &base);
        response.headers_mut().insert(
            axum::http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            value.parse().unwrap(),
        );
    }
    response
}

fn run(name: &str, text: &str) {
    let fixture: Fixture =
        serde_json::from_str(text).unwrap_or_else(|error| panic!("{name}: {error}"));
    let api = Arc::new(Api {
        base: Mutex::new(String::new()),
        used: Mutex::new(vec![false; fixture.exchanges.len()]),
        exchanges: fixture.exchanges.clone(),
        unexpected: Mutex::new(Vec::new()),
    });
    let base = serve(Router::new().fallback(answer).with_state(api.clone()));
    *api.base.lock().unwrap() = base.clone();
    let registry = crate::registry();
    let component = format!("app.{}", fixture.connector);
    let descriptor = registry
        .get(&component)
        .unwrap_or_else(|| panic!("{name}: no node type {component}"));
    // Settings may name the local server too (a token endpoint apart from the API's base URL).
    let settings = Value::Object(fixture.settings.clone())
        .to_string()
        .replace("{base}", &base);
    let settings: Value = serde_json::from_str(&settings).unwrap();
    let config = json!({ "stream": fixture.stream, "settings": settings, "base_url": base });
    let parsed = (descriptor.parse)(config).unwrap_or_else(|error| panic!("{name}: {error:?}"));
    let sluice_core::component::Component::Source(source) = parsed else {
        panic!("{name}: not a source")
    };
    let secrets: Vec<String> = fixture
        .secrets
        .values()
        .map(|value| value.as_str().unwrap().to_string())
        .collect();
    let credential = Arc::new(Secrets(fixture.secrets.clone()));
    let dir = std::env::temp_dir();
    let result = read_source_with(
        source.as_ref(),
        &dir,
        fixture.state.as_ref(),
        Some(credential),
    );
    let unexpected = api.unexpected.lock().unwrap().clone();
    if let Some(words) = &fixture.expect_error {
        let error = result
            .err()
            .unwrap_or_else(|| panic!("{name}: the read should fail"));
        assert!(error.contains(words.as_str()), "{name}: {error}");
        assert!(
            secrets
                .iter()
                .all(|secret| !error.contains(secret.as_str())),
            "{name}: the message shows a secret"
        );
        return;
    }
    let mut result = result.unwrap_or_else(|error| {
        panic!("{name}: the read failed: {error}\nunanswered: {unexpected:#?}")
    });
    assert!(
        unexpected.is_empty(),
        "{name}: requests no fixture answers: {unexpected:#?}"
    );
    let missing: Vec<String> = api
        .used
        .lock()
        .unwrap()
        .iter()
        .zip(&fixture.exchanges)
        .filter(|(used, _)| !**used)
        .map(|(_, exchange)| format!("{} {}", exchange.method, exchange.path))
        .collect();
    assert!(
        missing.is_empty(),
        "{name}: expected requests never made: {missing:?}"
    );
    let ids: Vec<Value> = result
        .records
        .iter()
        .map(|record| record.to_value()[fixture.id_field.as_str()].clone())
        .collect();
    assert_eq!(ids, fixture.expect_ids, "{name}: the records delivered");
    assert!(result.rejected.is_empty(), "{name}: records refused");
    for record in &result.records {
        let text = record.to_value().to_string();
        for secret in &secrets {
            assert!(
                !text.contains(secret.as_str()),
                "{name}: a record carries a secret"
            );
        }
    }
    let state = result.output.take_checkpoint_for_test();
    for (field, expected) in fixture.expect_state.iter().flatten() {
        assert_eq!(
            state.as_ref().map(|state| &state[field.as_str()]),
            Some(expected),
            "{name}: the state's {field}"
        );
    }
}

macro_rules! fixtures {
    ($($test:ident => $file:literal),* $(,)?) => {
        $(
            #[test]
            fn $test() {
                run($file, include_str!(concat!("library/fixtures/", $file)));
            }
        )*
    };
}

fixtures! {
    github_issues_follow_link_pages_and_resume_since_the_last_update => "github-issues.json",
    github_rate_limits_wait_for_the_reset => "github-rate-limit.json",
    stripe_charges_page_by_starting_after_within_the_created_window => "stripe-charges.json",
    hubspot_contacts_page_by_after => "hubspot-contacts.json",
    slack_messages_are_read_per_channel => "slack-messages.json",
    slack_errors_in_ok_false_answers_fail_the_read => "slack-error.json",
    notion_pages_page_by_start_cursor_in_the_body => "notion-pages.json",
    gitlab_issues_page_by_the_next_page_header_and_resume_after_the_last_update => "gitlab-issues.json",
    jira_issues_page_by_the_next_page_token => "jira-issues.json",
    zendesk_tickets_page_by_the_after_cursor => "zendesk-tickets.json",
    shopify_orders_follow_link_pages => "shopify-orders.json",
    airtable_records_page_by_offset => "airtable-records.json",
    intercom_contacts_page_by_starting_after => "intercom-contacts.json",
    mailchimp_members_are_read_per_list => "mailchimp-members.json",
    pipedrive_deals_page_by_next_start => "pipedrive-deals.json",
    salesforce_accounts_follow_next_records_url_with_a_refreshed_token => "salesforce-accounts.json",
    googlesheets_sheets_with_a_refreshed_token => "googlesheets-sheets.json",
    googlesheets_rows_as_lists_of_cells => "googlesheets-rows.json",
}

#[test]
fn every_bundled_connector_has_a_palette_entry_and_a_credential_bound_to_its_hosts() {
    let registry = crate::registry();
    for connector in super::library() {
        let descriptor = registry.get(&connector.component()).unwrap();
        assert_eq!(descriptor.category, "Apps");
        let credential = registry.credential_type(&connector.component()).unwrap();
        let schema = (credential.schema)();
        let hosts = schema["properties"]["hosts"]["default"].as_str().unwrap();
        assert!(
            !hosts.is_empty() && !hosts.contains('{'),
            "{}: {hosts}",
            connector.id
        );
        assert!(!credential.secret_fields().is_empty(), "{}", connector.id);
        let node_schema = serde_json::to_value((descriptor.schema)()).unwrap();
        assert!(
            !node_schema.to_string().contains("airbyte_secret"),
            "{}: a secret in the node form",
            connector.id
        );
    }
    let github = registry.credential_type("app.github").unwrap();
    assert_eq!(
        (github.schema)()["properties"]["hosts"]["default"],
        "api.github.com"
    );
}
