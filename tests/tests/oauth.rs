//! OAuth2 against a real authorization server on 127.0.0.1 (npm oauth2-mock-server, made strict
//! in tests/oauth/server.mjs: single-use refresh tokens, expiring access tokens, an API that
//! accepts only live tokens): the code + PKCE flow through the loopback listener, refresh ahead
//! of expiry, rotation, one refresh-and-retry after a 401, serialised refreshes, client
//! credentials, revocation — and no token in anything Sluice writes or shows.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{Value, json};
use sluice_runtime::{CredentialInput, RunStatus, RunTarget, Sluice, Trigger};
use sluice_tests::oauth_server::AuthServer;

fn oauth_credential(server: &AuthServer, grant: &str) -> CredentialInput {
    CredentialInput {
        name: "provider".into(),
        kind: "oauth2".into(),
        fields: serde_json::Map::from_iter([
            ("grant".to_string(), json!(grant)),
            (
                "authorization_url".to_string(),
                json!(format!("{}/authorize", server.issuer)),
            ),
            (
                "token_url".to_string(),
                json!(format!("{}/token", server.issuer)),
            ),
            (
                "revocation_url".to_string(),
                json!(format!("{}/revoke", server.issuer)),
            ),
            ("client_id".to_string(), json!("sluice-desktop")),
            ("scopes".to_string(), json!("items:read")),
        ]),
        secrets: BTreeMap::from([("client_secret".to_string(), "client-s3cret".to_string())]),
    }
}

/// Connects the test credential through the test browser.
async fn connect(sluice: &Sluice) -> sluice_runtime::CredentialInfo {
    let connector = sluice.clone();
    tokio::task::spawn_blocking(move || {
        connector.connect_oauth2("provider", &browser(|url| url), Duration::from_secs(20))
    })
    .await
    .unwrap()
    .unwrap()
}

/// What the system browser does: follows the sign-in URL (the provider approves at once) to the
/// loopback redirect. `tamper` may change the redirect first. On a thread of its own, as the
/// browser is another program.
fn browser(tamper: fn(String) -> String) -> impl Fn(&str) -> Result<(), String> {
    move |url: &str| {
        let url = url.to_string();
        std::thread::spawn(move || {
            let client = reqwest::blocking::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap();
            let answer = client.get(&url).send().unwrap();
            let callback = answer.headers()["location"].to_str().unwrap().to_string();
            assert!(
                callback.starts_with("http://127.0.0.1:"),
                "the redirect goes to the loopback listener: {callback}"
            );
            let page = client.get(tamper(callback)).send().unwrap().text().unwrap();
            assert!(page.contains("Sluice"));
        });
        Ok(())
    }
}

fn items_flow(sluice: &Sluice, api: &str, out: &std::path::Path) -> String {
    // Each flow its own id: two of them may run at once.
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(1);
    let mut flow = sluice_tests::flow_json(
        json!([
            {"id": "items", "type": "http.read", "credential": "provider",
             "config": {"url": format!("{api}/api/items"), "pagination": {"type": "link_header"}}},
            {"id": "save", "type": "json.write", "config": {"path": out}}
        ]),
        json!([{"from": "items", "to": "save"}]),
    );
    let number = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    flow["id"] = json!(format!("01930000-0000-7000-8000-{number:012x}"));
    flow["name"] = json!(format!("items {number}"));
    let file = out.with_extension("sluice.json");
    std::fs::write(&file, flow.to_string()).unwrap();
    sluice_tests::store_own_flow(sluice, &file)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn code_and_pkce_through_the_loopback_then_refresh_ahead_with_rotation() {
    // Tokens live 30 s: under Sluice's one-minute margin, so every use refreshes first.
    let server = AuthServer::start(30);
    let (home, sluice) = sluice_tests::installation_with_memory_secrets();
    sluice
        .save_credential(oauth_credential(&server, "authorization_code"), None)
        .unwrap();
    let connected = connect(&sluice).await;
    assert_eq!(
        connected.secrets_set,
        ["access_token", "client_secret", "refresh_token"]
    );
    assert!(
        connected.fields["expires_at"]
            .as_str()
            .unwrap()
            .ends_with('Z')
    );
    assert_eq!(server.stats()["grants"]["authorization_code"], 1);

    let data = tempfile::tempdir().unwrap();
    let flow = items_flow(&sluice, &server.api, &data.path().join("items.ndjson"));
    let outcome = sluice
        .run(RunTarget::Stored(flow.clone()), Trigger::Manual)
        .await
        .unwrap();
    assert_eq!(
        outcome.report.status,
        RunStatus::Succeeded,
        "{:?}",
        outcome.report.failure
    );
    let lines = std::fs::read_to_string(data.path().join("items.ndjson")).unwrap();
    assert_eq!(lines.lines().count(), 7);
    let stats = server.stats();
    assert_eq!(
        stats["api_401"], 0,
        "refreshed ahead of expiry, not after a 401"
    );
    assert_eq!(
        stats["grants"]["refresh_token"], 3,
        "one refresh per page: {stats}"
    );
    assert_eq!(
        stats["refused_refresh"], 0,
        "each refresh used the rotated token: {stats}"
    );

    // Two runs at once: refreshes are serialised, so no refresh token is used twice.
    let first = sluice
        .start_run(RunTarget::Stored(flow.clone()), Trigger::Manual)
        .unwrap();
    let other = items_flow(&sluice, &server.api, &data.path().join("other.ndjson"));
    let parallel = sluice
        .start_run(RunTarget::Stored(other), Trigger::Manual)
        .unwrap();
    let (first, parallel) = (first.wait().await.unwrap(), parallel.wait().await.unwrap());
    assert_eq!(
        first.report.status,
        RunStatus::Succeeded,
        "{:?}",
        first.report.failure
    );
    assert_eq!(
        parallel.report.status,
        RunStatus::Succeeded,
        "{:?}",
        parallel.report.failure
    );
    assert_eq!(
        server.stats()["refused_refresh"],
        0,
        "no two refreshes raced"
    );

    // Disconnect revokes the refresh token at the provider and forgets the tokens.
    let disconnector = sluice.clone();
    tokio::task::spawn_blocking(move || disconnector.disconnect_oauth2("provider"))
        .await
        .unwrap()
        .unwrap();
    let stats = server.stats();
    let revoked = stats["revoked"].as_array().unwrap();
    assert_eq!(revoked.len(), 1, "{stats}");
    assert!(
        stats["issued"].as_array().unwrap().contains(&revoked[0]),
        "the refresh token was revoked: {stats}"
    );
    let after = sluice.credential("provider").unwrap();
    assert_eq!(after.secrets_set, ["client_secret"]);
    let refused = sluice
        .run(RunTarget::Stored(flow.clone()), Trigger::Manual)
        .await
        .unwrap();
    let failure = refused.report.failure.unwrap().to_string();
    assert!(failure.contains("not connected"), "{failure}");

    // No token anywhere Sluice writes or shows.
    let issued: Vec<String> = server.stats()["issued"]
        .as_array()
        .unwrap()
        .iter()
        .map(|token| token.as_str().unwrap().to_string())
        .collect();
    assert!(issued.len() >= 6);
    let mut places = vec![
        (
            "database".to_string(),
            String::from_utf8_lossy(&std::fs::read(home.path().join("sluice.db")).unwrap())
                .into_owned(),
        ),
        (
            "export".to_string(),
            sluice.export_flow(&flow).unwrap().document,
        ),
        (
            "credentials".to_string(),
            serde_json::to_string(&sluice.credentials().unwrap()).unwrap(),
        ),
        ("failure".to_string(), failure),
    ];
    for run in sluice.runs(None, 20).unwrap() {
        places.push((
            format!("run {}", run.id),
            serde_json::to_string(&sluice.run_detail(&run.id).unwrap()).unwrap(),
        ));
    }
    for (place, text) in &places {
        for token in issued.iter().chain([&"client-s3cret".to_string()]) {
            assert!(!text.contains(token.as_str()), "a token is in {place}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_token_is_refreshed_once_and_the_request_retried() {
    let server = AuthServer::start(3600);
    let (_home, sluice) = sluice_tests::installation_with_memory_secrets();
    sluice
        .save_credential(oauth_credential(&server, "authorization_code"), None)
        .unwrap();
    connect(&sluice).await;
    // The provider drops the access token (as when a user changes their password).
    let invalidated = reqwest::Client::new()
        .post(format!("{}/invalidate-access-tokens", server.api))
        .send()
        .await
        .unwrap();
    assert!(invalidated.status().is_success());

    let data = tempfile::tempdir().unwrap();
    let flow = items_flow(&sluice, &server.api, &data.path().join("items.ndjson"));
    let outcome = sluice
        .run(RunTarget::Stored(flow), Trigger::Manual)
        .await
        .unwrap();
    assert_eq!(
        outcome.report.status,
        RunStatus::Succeeded,
        "{:?}",
        outcome.report.failure
    );
    let stats = server.stats();
    assert_eq!(stats["api_401"], 1, "{stats}");
    assert_eq!(
        stats["grants"]["refresh_token"], 1,
        "one refresh after the 401: {stats}"
    );
    assert_eq!(
        std::fs::read_to_string(data.path().join("items.ndjson"))
            .unwrap()
            .lines()
            .count(),
        7
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_redirect_and_a_wrong_verifier_are_refused() {
    let server = AuthServer::start(3600);
    let (_home, sluice) = sluice_tests::installation_with_memory_secrets();
    sluice
        .save_credential(oauth_credential(&server, "authorization_code"), None)
        .unwrap();
    let connector = sluice.clone();
    let forged = tokio::task::spawn_blocking(move || {
        connector.connect_oauth2(
            "provider",
            &browser(|url| url.replace("state=", "state=forged")),
            Duration::from_secs(20),
        )
    })
    .await
    .unwrap()
    .unwrap_err()
    .to_string();
    assert!(forged.contains("state does not match"), "{forged}");
    assert_eq!(
        server.stats()["grants"]["authorization_code"],
        Value::Null,
        "no code was exchanged"
    );

    // The server enforces PKCE: a code redeemed with another verifier is refused.
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"; // S256 of the RFC 7636 example verifier
    let answer = client
        .get(format!("{}/authorize?response_type=code&client_id=sluice-desktop&redirect_uri=http://127.0.0.1:9/callback&state=s&code_challenge={challenge}&code_challenge_method=S256", server.issuer))
        .send()
        .await
        .unwrap();
    let location = answer.headers()["location"].to_str().unwrap().to_string();
    let code = url::Url::parse(&location)
        .unwrap()
        .query_pairs()
        .find(|(key, _)| key == "code")
        .unwrap()
        .1
        .into_owned();
    let refused = client
        .post(format!("{}/token", server.issuer))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", "http://127.0.0.1:9/callback"),
            ("client_id", "sluice-desktop"),
            (
                "code_verifier",
                "a-wrong-verifier-that-is-long-enough-to-be-valid-0123456789",
            ),
        ])
        .send()
        .await
        .unwrap();
    assert!(refused.status().is_client_error(), "{}", refused.status());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_credentials_connect_without_a_browser() {
    let server = AuthServer::start(3600);
    let (_home, sluice) = sluice_tests::installation_with_memory_secrets();
    sluice
        .save_credential(oauth_credential(&server, "client_credentials"), None)
        .unwrap();
    let connector = sluice.clone();
    let connected = tokio::task::spawn_blocking(move || {
        connector.connect_oauth2(
            "provider",
            &|_url: &str| Err("no browser for client credentials".to_string()),
            Duration::from_secs(5),
        )
    })
    .await
    .unwrap()
    .unwrap();
    assert_eq!(connected.secrets_set, ["access_token", "client_secret"]);
    let data = tempfile::tempdir().unwrap();
    let flow = items_flow(&sluice, &server.api, &data.path().join("items.ndjson"));
    let outcome = sluice
        .run(RunTarget::Stored(flow), Trigger::Manual)
        .await
        .unwrap();
    assert_eq!(
        outcome.report.status,
        RunStatus::Succeeded,
        "{:?}",
        outcome.report.failure
    );
    assert_eq!(server.stats()["grants"]["client_credentials"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_sharing_a_credential_never_race_a_rotating_refresh() {
    // The studio and `sluice daemon` on one machine: two installations opened on one home, with
    // one secret file. Tokens live 30 s, so every request refreshes — and each refresh spends
    // the refresh token the other may be about to use.
    let server = AuthServer::start(30);
    let home = tempfile::tempdir().unwrap();
    let secrets = || -> std::sync::Arc<dyn sluice_runtime::secrets::SecretStore> {
        std::sync::Arc::new(sluice_runtime::secrets::SecretFile::new(
            home.path().join("secrets.json"),
        ))
    };
    let studio = Sluice::open(Some(home.path()))
        .unwrap()
        .with_secrets(secrets());
    let daemon = Sluice::open(Some(home.path()))
        .unwrap()
        .with_secrets(secrets());
    studio
        .save_credential(oauth_credential(&server, "authorization_code"), None)
        .unwrap();
    connect(&studio).await;
    let data = tempfile::tempdir().unwrap();
    let first = items_flow(&studio, &server.api, &data.path().join("a.ndjson"));
    let second = items_flow(&studio, &server.api, &data.path().join("b.ndjson"));
    let (left, right) = tokio::join!(
        studio.run(RunTarget::Stored(first), Trigger::Manual),
        daemon.run(RunTarget::Stored(second), Trigger::Schedule),
    );
    let (left, right) = (left.unwrap(), right.unwrap());
    assert_eq!(
        left.report.status,
        RunStatus::Succeeded,
        "{:?} {}",
        left.report.failure,
        server.stats()
    );
    assert_eq!(
        right.report.status,
        RunStatus::Succeeded,
        "{:?} {}",
        right.report.failure,
        server.stats()
    );
    let stats = server.stats();
    assert_eq!(
        stats["refused_refresh"], 0,
        "no refresh token was used twice: {stats}"
    );
    assert_eq!(stats["grants"]["refresh_token"], 6, "{stats}");
}
