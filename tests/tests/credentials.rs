//! Credentials through the runtime: adding, editing, renaming (flows follow), removing; runs that
//! use them against the demo API; and that secrets reach nowhere but the secret store — not the
//! SQLite file, run logs, exported flows, error messages or what the studio is sent.

use std::collections::BTreeMap;

use serde_json::json;
use sluice_runtime::{CredentialInput, RunStatus, RunTarget, Sluice, Trigger};
use sluice_tests::demo_api::{self, DEMO_TOKEN, DemoApi};

fn bearer(name: &str, token: &str) -> CredentialInput {
    CredentialInput {
        name: name.into(),
        kind: "http.bearer".into(),
        fields: serde_json::Map::new(),
        secrets: BTreeMap::from([("token".to_string(), token.to_string())]),
    }
}

/// The API example's flow, pointed at `api_url`, stored in the installation.
fn store_orders_flow(sluice: &Sluice, api_url: &str, data: &std::path::Path) -> String {
    let path = sluice_tests::repository_root().join("examples/api-orders/flow.sluice.json");
    let mut flow: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    flow["vars"]["api_url"] = json!(api_url);
    let file = data.join("orders.sluice.json");
    std::fs::write(&file, flow.to_string()).unwrap();
    sluice_tests::store_own_flow(sluice, &file)
}

#[test]
fn credentials_are_checked_against_their_type() {
    let (_home, sluice) = sluice_tests::installation_with_memory_secrets();
    let unknown = sluice
        .save_credential(
            CredentialInput {
                kind: "http.magic".into(),
                ..bearer("x", "t")
            },
            None,
        )
        .unwrap_err()
        .to_string();
    assert!(
        unknown.contains("not a credential type") && unknown.contains("http.bearer"),
        "{unknown}"
    );

    let mut as_field = bearer("x", "t");
    as_field.secrets.clear();
    as_field.fields.insert("token".into(), json!("in-the-open"));
    let refused = sluice
        .save_credential(as_field, None)
        .unwrap_err()
        .to_string();
    assert!(refused.contains("'token' is a secret"), "{refused}");

    let mut missing = bearer("x", "t");
    missing.secrets.clear();
    let refused = sluice
        .save_credential(missing, None)
        .unwrap_err()
        .to_string();
    assert!(refused.contains("needs 'token'"), "{refused}");

    let mut unknown_field = bearer("x", "t");
    unknown_field.fields.insert("colour".into(), json!("blue"));
    let refused = sluice
        .save_credential(unknown_field, None)
        .unwrap_err()
        .to_string();
    assert!(refused.contains("'colour' is not a field"), "{refused}");

    let key = CredentialInput {
        name: "k".into(),
        kind: "http.api_key".into(),
        fields: serde_json::Map::from_iter([("placement".to_string(), json!("cookie"))]),
        secrets: BTreeMap::from([("key".to_string(), "v".to_string())]),
    };
    let refused = sluice.save_credential(key, None).unwrap_err().to_string();
    assert!(
        refused.contains("'placement' must be one of header, query"),
        "{refused}"
    );

    sluice.save_credential(bearer("x", "t"), None).unwrap();
    let taken = sluice
        .save_credential(bearer("x", "u"), None)
        .unwrap_err()
        .to_string();
    assert!(taken.contains("exists already"), "{taken}");
}

#[test]
fn editing_keeps_secrets_renaming_updates_flows_removing_forgets_secrets() {
    let (_home, sluice) = sluice_tests::installation_with_memory_secrets();
    let data = tempfile::tempdir().unwrap();
    let saved = sluice
        .save_credential(bearer("orders api", "tok-1"), None)
        .unwrap();
    assert_eq!(saved.secrets_set, ["token"]);
    let flow_id = store_orders_flow(&sluice, "http://127.0.0.1:9", data.path());
    let loaded = sluice.find_flow(&flow_id).unwrap();
    let mut flow = loaded.flow;
    flow.nodes[0].credential = Some("orders api".into());
    sluice.save_flow(&flow, Some(&loaded.base_dir)).unwrap();
    assert_eq!(
        sluice.credential("orders api").unwrap().used_by,
        ["API orders to SQLite"]
    );

    // Changing a field without giving the secret again keeps the secret.
    let mut edit = bearer("orders api", "");
    edit.secrets.clear();
    edit.fields
        .insert("test_url".into(), json!("http://127.0.0.1:9/v1/orders"));
    let edited = sluice.save_credential(edit, Some("orders api")).unwrap();
    assert_eq!(edited.secrets_set, ["token"]);
    assert_eq!(edited.fields["test_url"], "http://127.0.0.1:9/v1/orders");
    assert_eq!(
        edited.fields["hosts"], "127.0.0.1",
        "where it may be sent: filled from the test URL"
    );
    assert!(!saved.fields.contains_key("hosts"), "no URL, no host");

    let renamed = sluice.rename_credential("orders api", "shop api").unwrap();
    assert_eq!(renamed.used_by, ["API orders to SQLite"]);
    let flow = sluice.find_flow(&flow_id).unwrap().flow;
    assert_eq!(flow.nodes[0].credential.as_deref(), Some("shop api"));

    let used_by = sluice.remove_credential("shop api").unwrap();
    assert_eq!(used_by, ["API orders to SQLite"]);
    assert!(sluice.credentials().unwrap().is_empty());
    let key = sluice_runtime::secrets::SecretKey {
        credential_id: &renamed.id,
        credential_name: "shop api",
        field: "token",
    };
    assert_eq!(
        sluice.secrets().get(&key).unwrap(),
        None,
        "the secret is gone too"
    );
    let refused = sluice
        .start_run(RunTarget::Stored(flow_id), Trigger::Manual)
        .err()
        .unwrap()
        .to_string();
    assert!(
        refused.contains("node 'orders' uses the credential 'shop api', which does not exist"),
        "{refused}"
    );
    assert!(refused.contains("sluice credentials add"), "{refused}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_example_runs_incrementally_and_its_token_stays_in_the_secret_store() {
    let (home, sluice) = sluice_tests::installation_with_memory_secrets();
    let api = DemoApi::new(23, 4);
    let base = demo_api::spawn(api.clone());
    let data = tempfile::tempdir().unwrap();
    let flow_id = store_orders_flow(&sluice, &base, data.path());
    let database = data.path().join("out/orders.db");

    // A wrong token: the run fails, says why, and names no secret. The credential may go to
    // the host of its test URL.
    let mut wrong = bearer("demo-orders", "wrong-t0ken-value");
    wrong
        .fields
        .insert("test_url".into(), json!(format!("{base}/v1/orders")));
    let saved = sluice.save_credential(wrong, None).unwrap();
    assert_eq!(saved.fields["hosts"], "127.0.0.1");
    let failed = sluice
        .run(RunTarget::Stored(flow_id.clone()), Trigger::Manual)
        .await
        .unwrap();
    assert_eq!(failed.report.status, RunStatus::Failed);
    let failure = failed.report.failure.as_ref().unwrap().to_string();
    assert!(
        failure.contains("401 Unauthorized") && failure.contains("/v1/orders"),
        "{failure}"
    );
    let tables = if database.exists() {
        sluice_tests::sqlite_rows(
            &database,
            "SELECT name FROM sqlite_master WHERE type = 'table'",
        )
    } else {
        Vec::new()
    };
    assert!(
        tables.is_empty(),
        "a failed run leaves the destination as it was: {tables:?}"
    );

    // The right token: every order once, despite the 429s; then only what is new.
    let mut fixed = bearer("demo-orders", DEMO_TOKEN);
    fixed.kind = "http.bearer".into();
    fixed.fields.insert("hosts".into(), json!("127.0.0.1"));
    sluice.save_credential(fixed, Some("demo-orders")).unwrap();
    let first = sluice
        .run(RunTarget::Stored(flow_id.clone()), Trigger::Manual)
        .await
        .unwrap();
    assert_eq!(
        first.report.status,
        RunStatus::Succeeded,
        "{:?}",
        first.report.failure
    );
    let rows = sluice_tests::sqlite_rows(
        &database,
        "SELECT COUNT(*), COUNT(DISTINCT id), MAX(id) FROM orders",
    );
    assert_eq!(rows, [json!([23, 23, 23])]);
    api.add_orders(4);
    let second = sluice
        .run(RunTarget::Stored(flow_id.clone()), Trigger::Manual)
        .await
        .unwrap();
    assert_eq!(second.report.status, RunStatus::Succeeded);
    let read = second
        .report
        .nodes
        .iter()
        .find(|node| node.node == "orders")
        .unwrap();
    assert_eq!(read.stats.records_out, 4, "only the new orders are read");
    let rows =
        sluice_tests::sqlite_rows(&database, "SELECT COUNT(*), COUNT(DISTINCT id) FROM orders");
    assert_eq!(rows, [json!([27, 27])]);

    // The leak check: the token appears in none of what Sluice writes or shows.
    let secrets = [DEMO_TOKEN, "wrong-t0ken-value"];
    let mut places = sluice_tests::everything_kept(&sluice, home.path(), &flow_id);
    places.push(("failure".into(), failure));
    assert!(places.len() >= 6);
    for (place, text) in &places {
        for secret in secrets {
            assert!(!text.contains(secret), "the secret is in {place}");
        }
    }
}
