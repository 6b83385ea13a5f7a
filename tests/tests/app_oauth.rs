//! A manifest's OAuthAuthenticator through Sluice's token machinery, against the real OAuth2
//! server of the tests (single-use refresh tokens): the access token is kept with the app's
//! credential and reused by the next run without asking the provider; the rotated refresh token
//! is kept at once, so the refresh after the provider revoked the access tokens still works; and
//! no token is in anything Sluice writes.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::json;
use sluice_runtime::{CredentialInput, RunStatus, RunTarget, Sluice, Trigger};
use sluice_tests::oauth_server::AuthServer;

/// The items API beside the OAuth2 server, read with a refresh token that rotates.
const MANIFEST: &str = r#"
version: 6.0.0
type: DeclarativeSource
description: Items behind OAuth2.
check: { type: CheckStream, stream_names: [items] }
streams:
  - type: DeclarativeStream
    name: items
    primary_key: id
    retriever:
      type: SimpleRetriever
      requester:
        type: HttpRequester
        url_base: https://api.items.example
        path: /api/items
        authenticator:
          type: OAuthAuthenticator
          token_refresh_endpoint: "{{ config['token_url'] }}"
          client_id: "{{ config['credentials']['client_id'] }}"
          client_secret: "{{ config['credentials']['client_secret'] }}"
          refresh_token: "{{ config['credentials']['refresh_token'] }}"
          refresh_token_updater:
            refresh_token_config_path: [credentials, refresh_token]
      record_selector:
        type: RecordSelector
        extractor: { type: DpathExtractor, field_path: [] }
      paginator:
        type: DefaultPaginator
        page_token_option: { type: RequestPath }
        pagination_strategy:
          type: CursorPagination
          cursor_value: "{{ headers['link']['next']['url'] }}"
          stop_condition: "{{ 'next' not in headers.get('link', {}) }}"
spec:
  type: Spec
  connection_specification:
    type: object
    required: [token_url, credentials]
    properties:
      token_url: { type: string, title: Token URL }
      credentials:
        type: object
        required: [client_id, client_secret, refresh_token]
        properties:
          client_id: { type: string, title: Client ID }
          client_secret: { type: string, title: Client secret, airbyte_secret: true }
          refresh_token: { type: string, title: Refresh token, airbyte_secret: true }
"#;

/// A refresh token from the provider, got as a person would: signing in with Sluice's own
/// OAuth2 credential (through the test browser), whose tokens the server lists.
async fn first_refresh_token(sluice: &Sluice, server: &AuthServer) -> String {
    sluice
        .save_credential(
            CredentialInput {
                name: "sign-in".into(),
                kind: "oauth2".into(),
                fields: serde_json::Map::from_iter([
                    ("grant".to_string(), json!("authorization_code")),
                    (
                        "authorization_url".to_string(),
                        json!(format!("{}/authorize", server.issuer)),
                    ),
                    (
                        "token_url".to_string(),
                        json!(format!("{}/token", server.issuer)),
                    ),
                    ("client_id".to_string(), json!("sluice-desktop")),
                ]),
                secrets: BTreeMap::new(),
            },
            None,
        )
        .unwrap();
    let connector = sluice.clone();
    tokio::task::spawn_blocking(move || {
        connector.connect_oauth2("sign-in", &follow_sign_in, Duration::from_secs(20))
    })
    .await
    .unwrap()
    .unwrap();
    let issued = server.stats()["issued"].clone();
    issued[1].as_str().unwrap().to_string()
}

/// The browser: follows the sign-in URL (approved at once) to the loopback redirect.
fn follow_sign_in(url: &str) -> Result<(), String> {
    let url = url.to_string();
    std::thread::spawn(move || {
        let client = reqwest::blocking::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let answer = client.get(&url).send().unwrap();
        let callback = answer.headers()["location"].to_str().unwrap().to_string();
        client.get(callback).send().unwrap();
    });
    Ok(())
}

async fn run(sluice: &Sluice, flow: &str) {
    let outcome = sluice
        .run(RunTarget::Stored(flow.to_string()), Trigger::Manual)
        .await
        .unwrap();
    assert_eq!(
        outcome.report.status,
        RunStatus::Succeeded,
        "{:?}",
        outcome.report.failure
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manifests_oauth_tokens_are_kept_with_its_credential_and_a_rotated_refresh_token_is_kept()
{
    let server = AuthServer::start(3600);
    let (home, sluice) = sluice_tests::installation_with_memory_secrets();
    let refresh_token = first_refresh_token(&sluice, &server).await;
    sluice
        .import_connector(MANIFEST, "items", None, "items.yaml")
        .unwrap();
    let credential_type = sluice
        .credential_types()
        .into_iter()
        .find(|kind| kind.kind == "app.items")
        .unwrap();
    assert_eq!(
        credential_type.secret_fields,
        [
            "credentials.client_secret",
            "credentials.refresh_token",
            "kept_access_token"
        ]
    );
    sluice
        .save_credential(
            CredentialInput {
                name: "items account".into(),
                kind: "app.items".into(),
                fields: serde_json::Map::from_iter([("hosts".to_string(), json!("127.0.0.1"))]),
                secrets: BTreeMap::from([
                    (
                        "credentials.client_secret".to_string(),
                        "client-s3cret".to_string(),
                    ),
                    ("credentials.refresh_token".to_string(), refresh_token),
                ]),
            },
            None,
        )
        .unwrap();

    let data = tempfile::tempdir().unwrap();
    let out = data.path().join("items.ndjson");
    let mut flow = sluice_tests::flow_json(
        json!([
            {"id": "items", "type": "app.items", "credential": "items account",
             "config": {"stream": "items", "base_url": server.api,
                        "settings": {"token_url": format!("{}/token", server.issuer),
                                     "credentials": {"client_id": "sluice-desktop"}}}},
            {"id": "save", "type": "json.write", "config": {"path": out}}
        ]),
        json!([{"from": "items", "to": "save"}]),
    );
    flow["name"] = json!("items");
    let file = data.path().join("items.sluice.json");
    std::fs::write(&file, flow.to_string()).unwrap();
    let flow = sluice_tests::store_own_flow(&sluice, &file);

    run(&sluice, &flow).await;
    assert_eq!(sluice_tests::ndjson_records(&out).len(), 7);
    let stats = server.stats();
    assert_eq!(
        stats["grants"]["refresh_token"], 1,
        "one token for the run: {stats}"
    );
    let kept = sluice.credential("items account").unwrap();
    assert!(
        kept.secrets_set
            .iter()
            .any(|field| field == "kept_access_token"),
        "{:?}",
        kept.secrets_set
    );
    assert!(
        kept.fields["kept_token_expires_at"]
            .as_str()
            .unwrap()
            .ends_with('Z')
    );

    // The next run uses the kept token: the provider is not asked.
    run(&sluice, &flow).await;
    assert_eq!(server.stats()["grants"]["refresh_token"], 1);

    // The provider ends every access token: the API answers 401, and the refresh uses the
    // rotated refresh token (the first one is spent: using it again would be refused).
    reqwest::Client::new()
        .post(format!("{}/invalidate-access-tokens", server.api))
        .send()
        .await
        .unwrap();
    run(&sluice, &flow).await;
    let stats = server.stats();
    assert_eq!(stats["grants"]["refresh_token"], 2, "{stats}");
    assert_eq!(
        stats["refused_refresh"], 0,
        "the rotated token was used: {stats}"
    );
    assert_eq!(stats["api_401"], 1, "{stats}");

    // No token in the database, the export or the runs.
    let issued: Vec<String> = stats["issued"]
        .as_array()
        .unwrap()
        .iter()
        .map(|token| token.as_str().unwrap().to_string())
        .collect();
    let mut places = vec![
        String::from_utf8_lossy(&std::fs::read(home.path().join("sluice.db")).unwrap())
            .into_owned(),
        sluice.export_flow(&flow).unwrap().document,
        serde_json::to_string(&sluice.credentials().unwrap()).unwrap(),
    ];
    for listed in sluice.runs(None, 20).unwrap() {
        places.push(serde_json::to_string(&sluice.run_detail(&listed.id).unwrap()).unwrap());
    }
    for text in &places {
        for token in issued.iter().map(String::as_str).chain(["client-s3cret"]) {
            assert!(!text.contains(token), "a token is in {}", excerpt(text));
        }
    }
}

fn excerpt(text: &str) -> &str {
    &text[..text.len().min(200)]
}
