//! Imported connectors end to end: a manifest imported into an installation becomes a node type
//! (`app.<id>`) whose flow reads a local API into SQLite with its secret from a credential bound to
//! the API's host, incrementally across runs; a changed manifest adds a version; a manifest Sluice
//! cannot run is refused with its line or its component's path, and nothing is stored.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};
use sluice_runtime::{CredentialInput, RunStatus, RunTarget, Trigger};

/// A bookshop's API: books by page (two per page), `updated_since` filtering, a key in a header.
const MANIFEST: &str = r#"
version: 6.0.0
type: DeclarativeSource
description: The books of a bookshop.
check: { type: CheckStream, stream_names: [books] }
streams:
  - type: DeclarativeStream
    name: books
    primary_key: id
    retriever:
      type: SimpleRetriever
      requester:
        type: HttpRequester
        url_base: https://api.bookshop.example/v2
        path: /books
        authenticator:
          type: ApiKeyAuthenticator
          api_token: "{{ config['api_key'] }}"
          inject_into: { type: RequestOption, inject_into: header, field_name: X-Api-Key }
      record_selector:
        type: RecordSelector
        extractor: { type: DpathExtractor, field_path: [books] }
      paginator:
        type: DefaultPaginator
        page_token_option: { type: RequestOption, inject_into: request_parameter, field_name: page }
        pagination_strategy: { type: PageIncrement, page_size: 2, start_from_page: 1 }
    incremental_sync:
      type: DatetimeBasedCursor
      cursor_field: updated_at
      datetime_format: "%Y-%m-%dT%H:%M:%SZ"
      start_datetime: "{{ config['start_date'] }}"
      start_time_option: { type: RequestOption, inject_into: request_parameter, field_name: updated_since }
spec:
  type: Spec
  connection_specification:
    title: Bookshop Spec
    type: object
    required: [api_key, start_date]
    properties:
      api_key: { type: string, title: API key, airbyte_secret: true }
      start_date: { type: string, title: Start date, default: "2024-01-01T00:00:00Z" }
"#;

#[derive(Default)]
struct Shop {
    books: Mutex<Vec<Value>>,
    keys_seen: Mutex<Vec<String>>,
}

async fn books(
    State(shop): State<Arc<Shop>>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let key = headers
        .get("x-api-key")
        .and_then(|key| key.to_str().ok())
        .unwrap_or_default()
        .to_string();
    shop.keys_seen.lock().unwrap().push(key.clone());
    if key != "shop-secret" {
        return (StatusCode::UNAUTHORIZED, "{\"error\": \"bad key\"}").into_response();
    }
    let since = query.get("updated_since").cloned().unwrap_or_default();
    let page: usize = query
        .get("page")
        .and_then(|page| page.parse().ok())
        .unwrap_or(1);
    let matching: Vec<Value> = shop
        .books
        .lock()
        .unwrap()
        .iter()
        .filter(|book| book["updated_at"].as_str().unwrap() >= since.as_str())
        .cloned()
        .collect();
    let on_page: Vec<Value> = matching.into_iter().skip((page - 1) * 2).take(2).collect();
    axum::Json(json!({ "books": on_page })).into_response()
}

async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{address}")
}

/// An API that answers 400 with the key it was sent in the body.
async fn echo_key(headers: HeaderMap) -> Response {
    let key = headers
        .get("x-api-key")
        .and_then(|key| key.to_str().ok())
        .unwrap_or_default()
        .to_string();
    (
        StatusCode::BAD_REQUEST,
        format!("{{\"error\": \"the key {key} may not read here\"}}"),
    )
        .into_response()
}

fn book(id: u32, updated_at: &str) -> Value {
    json!({ "id": id, "title": format!("Book {id}"), "price": { "amount": "12.50", "currency": "EUR" }, "updated_at": updated_at })
}

fn flow(database: &std::path::Path, base: &str) -> Value {
    sluice_tests::flow_json(
        json!([
            { "id": "books", "type": "app.bookshop", "credential": "shop",
              "config": { "stream": "books", "settings": { "start_date": "2024-01-01T00:00:00Z" }, "base_url": format!("{base}/v2") } },
            { "id": "save", "type": "sqlite.write", "config": { "path": database, "table": "books", "mode": "upsert", "key": ["id"] } }
        ]),
        json!([{ "from": "books", "to": "save" }]),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_imported_manifest_reads_an_api_into_sqlite_incrementally_with_its_secret_in_a_credential()
 {
    let shop = Arc::new(Shop::default());
    shop.books.lock().unwrap().extend([
        book(1, "2024-02-01T00:00:00Z"),
        book(2, "2024-02-02T00:00:00Z"),
        book(3, "2024-02-03T00:00:00Z"),
    ]);
    let base = serve(
        axum::Router::new()
            .route("/v2/books", get(books))
            .route("/echo/v2/books", get(echo_key))
            .with_state(shop.clone()),
    )
    .await;
    let (_home, sluice) = sluice_tests::installation_with_memory_secrets();

    let imported = sluice
        .import_connector(MANIFEST, "bookshop", None, "bookshop.yaml")
        .unwrap();
    assert_eq!(
        (
            imported.component.as_str(),
            imported.title.as_str(),
            imported.version
        ),
        ("app.bookshop", "Bookshop", Some(1))
    );
    assert_eq!(imported.streams, ["books"]);
    assert_eq!(imported.hosts, ["api.bookshop.example"]);
    // The secret goes to a credential of the connector's own type; the form's default binds it
    // to the manifest's host, and this test's server is added.
    let credential_type = sluice
        .credential_types()
        .into_iter()
        .find(|kind| kind.kind == "app.bookshop")
        .unwrap();
    assert_eq!(credential_type.secret_fields, ["api_key"]);
    sluice
        .save_credential(
            CredentialInput {
                name: "shop".into(),
                kind: "app.bookshop".into(),
                fields: serde_json::Map::from_iter([(
                    "hosts".to_string(),
                    json!("api.bookshop.example, 127.0.0.1"),
                )]),
                secrets: [("api_key".to_string(), "shop-secret".to_string())].into(),
            },
            None,
        )
        .unwrap();

    let data = tempfile::tempdir().unwrap();
    let database = data.path().join("shop.db");
    let file = data.path().join("books.sluice.json");
    std::fs::write(&file, flow(&database, &base).to_string()).unwrap();
    let flow_id = sluice_tests::store_own_flow(&sluice, &file);
    let outcome = sluice
        .run(RunTarget::Stored(flow_id.clone()), Trigger::Manual)
        .await
        .unwrap();
    assert_eq!(
        outcome.report.status,
        RunStatus::Succeeded,
        "{:?}",
        outcome.report.failure
    );
    let rows = sluice_tests::sqlite_rows(&database, "SELECT id, title FROM books ORDER BY id");
    assert_eq!(rows.len(), 3);

    // A book changes and one is added: the next run reads only those.
    {
        let mut books = shop.books.lock().unwrap();
        books[2] = json!({ "id": 3, "title": "Book 3, second edition", "price": { "amount": "14.00", "currency": "EUR" }, "updated_at": "2024-02-05T00:00:00Z" });
        books.push(book(4, "2024-02-06T00:00:00Z"));
    }
    let outcome = sluice
        .run(RunTarget::Stored(flow_id.clone()), Trigger::Manual)
        .await
        .unwrap();
    assert_eq!(
        outcome.report.status,
        RunStatus::Succeeded,
        "{:?}",
        outcome.report.failure
    );
    let read = outcome
        .report
        .nodes
        .iter()
        .find(|node| node.node == "books")
        .unwrap();
    assert_eq!(
        read.stats.records_out, 2,
        "only what changed since the last run"
    );
    let rows = sluice_tests::sqlite_rows(&database, "SELECT id, title FROM books ORDER BY id");
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[2], json!([3, "Book 3, second edition"]));
    assert!(
        shop.keys_seen
            .lock()
            .unwrap()
            .iter()
            .all(|key| key == "shop-secret")
    );

    // An API that echoes the key in an error: the run fails, saying so without the key; the
    // secret is in the secret store only, in no file, run, export or list.
    let echo = data.path().join("echo.sluice.json");
    let mut echoing = flow(&data.path().join("echo.db"), &format!("{base}/echo"));
    echoing["id"] = json!("01930000-0000-7000-8000-00000000ec40");
    echoing["name"] = json!("echo");
    std::fs::write(&echo, echoing.to_string()).unwrap();
    let echo_id = sluice_tests::store_own_flow(&sluice, &echo);
    let failed = sluice
        .run(RunTarget::Stored(echo_id), Trigger::Manual)
        .await
        .unwrap();
    assert_eq!(failed.report.status, RunStatus::Failed);
    let message = failed
        .report
        .failure
        .as_ref()
        .map(|failure| failure.message.clone())
        .unwrap_or_default();
    assert!(
        message.contains("400") && message.contains("***") && !message.contains("shop-secret"),
        "{message}"
    );
    for (place, text) in sluice_tests::everything_kept(&sluice, _home.path(), &flow_id) {
        assert!(!text.contains("shop-secret"), "the secret is in {place}");
    }

    // Importing a changed manifest adds a version; the connector list shows it.
    let changed = MANIFEST.replace("The books of a bookshop.", "Books, by page.");
    assert_eq!(
        sluice
            .import_connector(&changed, "bookshop", None, "bookshop.yaml")
            .unwrap()
            .version,
        Some(2)
    );
    let listed = sluice.connectors().unwrap();
    assert!(
        listed
            .iter()
            .any(|connector| connector.id == "github" && connector.built_in)
    );
    assert_eq!(
        listed
            .iter()
            .find(|connector| connector.id == "bookshop")
            .unwrap()
            .version,
        Some(2)
    );
    sluice.remove_connector("bookshop").unwrap();
    assert!(sluice.registry().get("app.bookshop").is_none());
    assert!(
        sluice
            .remove_connector("github")
            .unwrap_err()
            .to_string()
            .contains("built into Sluice")
    );
}

#[test]
fn a_manifest_sluice_cannot_run_is_refused_with_where_and_nothing_is_stored() {
    let (_home, sluice) = sluice_tests::temporary_installation();
    let custom = MANIFEST.replace(
        "type: DpathExtractor, field_path: [books]",
        "type: CustomRecordExtractor, class_name: source_bookshop.Extractor",
    );
    let error = sluice
        .import_connector(&custom, "bookshop", None, "bookshop.yaml")
        .unwrap_err()
        .to_string();
    assert!(error.starts_with("bookshop.yaml: streams[0].retriever.record_selector.extractor: the component CustomRecordExtractor is not supported"), "{error}");
    let error = sluice
        .import_connector("version: 1\nstreams: [\n", "broken", None, "broken.yaml")
        .unwrap_err()
        .to_string();
    assert!(error.contains("line"), "{error}");
    assert!(
        sluice
            .import_connector(MANIFEST, "Book Shop", None, "x.yaml")
            .is_err()
    );
    let error = sluice
        .import_connector(MANIFEST, "stripe", None, "stripe.yaml")
        .unwrap_err()
        .to_string();
    assert!(error.contains("built into Sluice"), "{error}");
    assert!(
        sluice
            .connectors()
            .unwrap()
            .iter()
            .all(|connector| connector.built_in)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_example_manifest_reads_the_demo_api_through_link_pages_and_rate_limits() {
    use sluice_tests::demo_api::{DEMO_TOKEN, DemoApi, spawn};
    // Every fifth request is answered 429 with Retry-After: 1.
    let api = DemoApi::new(12, 5);
    let base = spawn(api.clone());
    let (_home, sluice) = sluice_tests::installation_with_memory_secrets();
    let manifest =
        sluice_tests::repository_root().join("examples/demo-orders-connector/manifest.yaml");
    let imported = sluice.import_connector_file(&manifest, None, None).unwrap();
    assert_eq!(
        (imported.id.as_str(), imported.title.as_str()),
        ("demo_orders_connector", "Demo orders")
    );
    sluice
        .save_credential(
            CredentialInput {
                name: "demo".into(),
                kind: imported.component.clone(),
                fields: serde_json::Map::from_iter([("hosts".to_string(), json!("127.0.0.1"))]),
                secrets: [("token".to_string(), DEMO_TOKEN.to_string())].into(),
            },
            None,
        )
        .unwrap();
    let data = tempfile::tempdir().unwrap();
    let out = data.path().join("orders.ndjson");
    let file = data.path().join("orders.sluice.json");
    let flow = sluice_tests::flow_json(
        json!([
            { "id": "orders", "type": imported.component, "credential": "demo",
              "config": { "stream": "orders", "settings": { "per_page": 2 }, "base_url": base } },
            { "id": "save", "type": "json.write", "config": { "path": out } }
        ]),
        json!([{ "from": "orders", "to": "save" }]),
    );
    std::fs::write(&file, flow.to_string()).unwrap();
    let flow_id = sluice_tests::store_own_flow(&sluice, &file);
    let outcome = sluice
        .run(RunTarget::Stored(flow_id), Trigger::Manual)
        .await
        .unwrap();
    assert_eq!(
        outcome.report.status,
        RunStatus::Succeeded,
        "{:?}",
        outcome.report.failure
    );
    let ids: Vec<u64> = sluice_tests::ndjson_records(&out)
        .iter()
        .map(|order| order["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, (1..=12).collect::<Vec<_>>());
    assert_eq!(
        api.requests(),
        7,
        "six pages, the fifth request answered 429 and sent again"
    );
}

#[test]
fn an_exported_flow_carries_its_imported_connectors_and_never_replaces_one_here() {
    let (_home, author) = sluice_tests::temporary_installation();
    author
        .import_connector(MANIFEST, "bookshop", None, "bookshop.yaml")
        .unwrap();
    let data = tempfile::tempdir().unwrap();
    let file = data.path().join("books.sluice.json");
    std::fs::write(
        &file,
        flow(&data.path().join("shop.db"), "https://api.bookshop.example").to_string(),
    )
    .unwrap();
    let flow_id = sluice_tests::store_own_flow(&author, &file);
    let exported = author.export_flow(&flow_id).unwrap();
    let document: Value = serde_json::from_str(&exported.document).unwrap();
    assert_eq!(document["connectors"][0]["id"], "bookshop");
    assert_eq!(document["connectors"][0]["manifest"], MANIFEST);
    let shared = data.path().join("shared.sluice.json");
    std::fs::write(&shared, &exported.document).unwrap();

    // A colleague without the connector gets it with the flow, named in the import's notes.
    let (_other_home, colleague) = sluice_tests::temporary_installation();
    let outcome = colleague.import_flow_file(&shared, false).unwrap();
    assert!(outcome.problems.is_empty(), "{:?}", outcome.problems);
    assert!(!outcome.trusted, "a flow from elsewhere waits for approval");
    assert!(
        outcome.warnings.iter().any(|note| note.contains("brings the connector Bookshop (app.bookshop), which sends requests to api.bookshop.example")),
        "{:?}",
        outcome.warnings
    );
    assert_eq!(
        colleague.connector("bookshop").unwrap().origin.as_deref(),
        Some("the flow 'test flow'")
    );
    let stored = colleague.find_flow(&outcome.flow_id).unwrap().flow;
    assert!(
        stored.connectors.is_empty(),
        "the installation keeps the manifest, not the flow"
    );

    // One who has a different connector called bookshop keeps it; the flow's gets a new id.
    let (_third_home, third) = sluice_tests::temporary_installation();
    let theirs = MANIFEST.replace("The books of a bookshop.", "Another shop's books.");
    third
        .import_connector(&theirs, "bookshop", None, "theirs.yaml")
        .unwrap();
    let outcome = third.import_flow_file(&shared, false).unwrap();
    assert!(
        outcome.warnings.iter().any(|note| note.contains(
            "as app.bookshop_2, because a different connector here is called app.bookshop"
        )),
        "{:?}",
        outcome.warnings
    );
    let stored = third.find_flow(&outcome.flow_id).unwrap().flow;
    assert_eq!(stored.nodes[0].component, "app.bookshop_2");
    assert_eq!(
        third.connector("bookshop").unwrap().version,
        Some(1),
        "theirs is untouched"
    );
    // A flow naming a built-in connector's id with another manifest cannot replace it either.
    let mut impostor = document.clone();
    impostor["connectors"][0]["id"] = json!("github");
    impostor["nodes"][0]["type"] = json!("app.github");
    let impostor_file = data.path().join("impostor.sluice.json");
    std::fs::write(&impostor_file, impostor.to_string()).unwrap();
    let outcome = third.import_flow_file(&impostor_file, false).unwrap();
    assert!(
        outcome
            .warnings
            .iter()
            .any(|note| note.contains("as app.github_2")),
        "{:?}",
        outcome.warnings
    );
    assert!(third.connector("github").unwrap().built_in);
}
