//! PostgreSQL through the runtime, against the throwaway server `tests/postgres.sh` starts (as
//! `make test` does): a stored `postgres` credential (its password a secret), a flow reading a
//! table incrementally into SQLite, a wrong password, and that the password reaches nowhere.

use std::collections::BTreeMap;

use serde_json::json;
use sluice_runtime::{CredentialInput, RunStatus, RunTarget, Trigger};

/// The test server's settings, from `SLUICE_TEST_POSTGRES` ("host=… port=… user=…").
fn server(key: &str) -> String {
    let settings = std::env::var("SLUICE_TEST_POSTGRES").expect(
        "SLUICE_TEST_POSTGRES is not set: run the tests through tests/postgres.sh (make test does)",
    );
    settings
        .split_whitespace()
        .find_map(|pair| pair.strip_prefix(&format!("{key}=")))
        .unwrap_or_default()
        .to_string()
}

/// Runs SQL on the test server (in a thread of its own: the synchronous client cannot block a
/// thread that drives async tasks).
fn setup(sql: &str) {
    let (settings, sql) = (
        std::env::var("SLUICE_TEST_POSTGRES").unwrap(),
        sql.to_string(),
    );
    std::thread::spawn(move || {
        let mut client = postgres::Client::connect(&settings, postgres::NoTls).unwrap();
        client.batch_execute(&sql).unwrap();
    })
    .join()
    .expect("setup SQL");
}

fn warehouse(password: &str) -> CredentialInput {
    let fields = json!({
        "host": server("host"), "port": server("port"), "database": server("dbname"),
        "user": server("user"), "tls": "disable"
    });
    CredentialInput {
        name: "warehouse".into(),
        kind: "postgres".into(),
        fields: fields.as_object().unwrap().clone(),
        secrets: BTreeMap::from([("password".to_string(), password.to_string())]),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_table_reaches_sqlite_incrementally_and_the_password_reaches_nowhere() {
    let (home, sluice) = sluice_tests::installation_with_memory_secrets();
    setup(
        "DROP TABLE IF EXISTS runtime_signups;
         CREATE TABLE runtime_signups (id int PRIMARY KEY, email text, signed_up timestamptz);
         INSERT INTO runtime_signups VALUES
           (1, 'ada@example.org', '2026-12-01 09:00+00'), (2, 'alan@example.org', '2026-12-01 10:00+00');",
    );
    let data = tempfile::tempdir().unwrap();
    let flow = sluice_tests::flow_json(
        json!([
            {"id": "signups", "type": "postgres.read", "credential": "warehouse",
             "config": {"table": "runtime_signups", "cursor": "signed_up"}},
            {"id": "save", "type": "sqlite.write",
             "config": {"path": "out.db", "table": "signups", "mode": "upsert", "key": ["id"]}}
        ]),
        json!([{"from": "signups", "to": "save"}]),
    );
    let file = data.path().join("signups.sluice.json");
    std::fs::write(&file, flow.to_string()).unwrap();
    let flow_id = sluice_tests::store_own_flow(&sluice, &file);
    let database = data.path().join("out.db");

    // A wrong password: the run fails saying so, and writes nothing.
    let wrong_password = "not-the-r1ght-password";
    sluice
        .save_credential(warehouse(wrong_password), None)
        .unwrap();
    let failed = sluice
        .run(RunTarget::Stored(flow_id.clone()), Trigger::Manual)
        .await
        .unwrap();
    assert_eq!(failed.report.status, RunStatus::Failed);
    let failure = failed.report.failure.as_ref().unwrap().to_string();
    assert!(
        failure.contains("refused the password of user"),
        "{failure}"
    );
    assert!(!database.exists(), "a failed run leaves no database behind");

    // The right one: every row, then only the new ones (one sharing the last timestamp).
    let password = server("password");
    sluice
        .save_credential(warehouse(&password), Some("warehouse"))
        .unwrap();
    let tester = sluice.clone();
    let tested = std::thread::spawn(move || tester.test_credential("warehouse"))
        .join()
        .unwrap()
        .unwrap();
    assert!(tested.contains("the credential works"), "{tested}");
    // The node form's pickers: the tables it can read, with their columns and types.
    let browser = sluice.clone();
    let tables = std::thread::spawn(move || browser.credential_tables("warehouse"))
        .join()
        .unwrap()
        .unwrap();
    let signups = (tables.iter())
        .find(|table| table.name == "runtime_signups")
        .expect("the table is listed");
    assert_eq!(signups.schema, "public");
    let columns: Vec<(&str, &str)> = (signups.columns.iter())
        .map(|column| (column.name.as_str(), column.data_type.as_str()))
        .collect();
    assert_eq!(
        columns,
        [
            ("id", "integer"),
            ("email", "text"),
            ("signed_up", "timestamp with time zone")
        ]
    );
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
    setup(
        "INSERT INTO runtime_signups VALUES
           (3, 'grace@example.org', '2026-12-01 10:00+00'), (4, 'linus@example.org', '2026-12-02 08:00+00');",
    );
    let second = sluice
        .run(RunTarget::Stored(flow_id.clone()), Trigger::Manual)
        .await
        .unwrap();
    assert_eq!(second.report.status, RunStatus::Succeeded);
    let read = (second.report.nodes.iter())
        .find(|node| node.node == "signups")
        .unwrap();
    assert_eq!(read.stats.records_out, 2, "only the new rows are read");
    assert_eq!(
        sluice_tests::sqlite_rows(
            &database,
            "SELECT id, email, signed_up FROM signups ORDER BY id"
        ),
        [
            json!([1, "ada@example.org", "2026-12-01T09:00:00Z"]),
            json!([2, "alan@example.org", "2026-12-01T10:00:00Z"]),
            json!([3, "grace@example.org", "2026-12-01T10:00:00Z"]),
            json!([4, "linus@example.org", "2026-12-02T08:00:00Z"]),
        ]
    );

    // The password is in none of what Sluice writes or shows.
    let mut places = sluice_tests::everything_kept(&sluice, home.path(), &flow_id);
    places.push(("failure".into(), failure));
    for (place, text) in &places {
        for secret in [password.as_str(), wrong_password] {
            assert!(!text.contains(secret), "the password is in {place}");
        }
    }
}

/// The example runs as its README says, against the test server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_postgres_example_runs_incrementally() {
    let (_home, sluice) = sluice_tests::installation_with_memory_secrets();
    setup(
        "DROP TABLE IF EXISTS signups;
         CREATE TABLE signups (id int PRIMARY KEY, email text, signed_up timestamptz);
         INSERT INTO signups VALUES (1, 'ada@example.org', '2026-12-03 08:00+00'), (2, 'alan@example.org', '2026-12-03 08:00+00');",
    );
    sluice
        .save_credential(warehouse(&server("password")), None)
        .unwrap();
    let folder = tempfile::tempdir().unwrap();
    let example = sluice_tests::repository_root().join("examples/postgres-to-sqlite-incremental");
    std::fs::copy(
        example.join("flow.sluice.json"),
        folder.path().join("flow.sluice.json"),
    )
    .unwrap();
    let flow_id = sluice_tests::store_own_flow(&sluice, &folder.path().join("flow.sluice.json"));
    let mut read = Vec::new();
    for added in [
        "",
        "INSERT INTO signups VALUES (3, 'grace@example.org', '2026-12-03 08:00+00');",
    ] {
        if !added.is_empty() {
            setup(added);
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
        read.push(outcome.report.nodes[0].stats.records_out);
    }
    assert_eq!(
        read,
        [2, 1],
        "the second run reads only the row added with the same timestamp"
    );
    let database = folder.path().join("out/signups.db");
    assert_eq!(
        sluice_tests::sqlite_rows(&database, "SELECT COUNT(*) FROM signups"),
        [json!([3])]
    );
}

/// The rows of a query on the test server, each column as text (NULL as "null").
fn query(sql: &str) -> Vec<Vec<String>> {
    let (settings, sql) = (
        std::env::var("SLUICE_TEST_POSTGRES").unwrap(),
        sql.to_string(),
    );
    std::thread::spawn(move || {
        let mut client = postgres::Client::connect(&settings, postgres::NoTls).unwrap();
        let rows = client.simple_query(&sql).unwrap();
        rows.iter()
            .filter_map(|message| match message {
                postgres::SimpleQueryMessage::Row(row) => Some(
                    (0..row.len())
                        .map(|index| row.get(index).unwrap_or("null").to_string())
                        .collect(),
                ),
                _ => None,
            })
            .collect()
    })
    .join()
    .expect("query")
}

/// The CSV example loads its orders typed and by key, as its README says; a failing run leaves
/// the table as it was; the password reaches nowhere.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_csv_to_postgres_example_upserts_typed_rows_and_a_failed_run_changes_nothing() {
    let (home, sluice) = sluice_tests::installation_with_memory_secrets();
    setup("DROP TABLE IF EXISTS orders");
    let password = server("password");
    sluice.save_credential(warehouse(&password), None).unwrap();
    let folder = tempfile::tempdir().unwrap();
    let example = sluice_tests::repository_root().join("examples/csv-to-postgres");
    for file in ["flow.sluice.json", "orders.csv"] {
        std::fs::copy(example.join(file), folder.path().join(file)).unwrap();
    }
    let flow_file = folder.path().join("flow.sluice.json");
    let flow_id = sluice_tests::store_own_flow(&sluice, &flow_file);
    let run = || sluice.run(RunTarget::Stored(flow_id.clone()), Trigger::Manual);
    let table = "SELECT order_id, total, placed_at, paid FROM orders ORDER BY order_id";
    for _ in 0..2 {
        let outcome = run().await.unwrap();
        assert_eq!(
            outcome.report.status,
            RunStatus::Succeeded,
            "{:?}",
            outcome.report.failure
        );
        assert_eq!(
            query("SELECT count(*) FROM orders"),
            [["5"]],
            "upserted, not added"
        );
    }
    assert_eq!(
        query(table)[..2],
        [
            ["1001", "120.50", "2026-11-30 09:15:00+00", "t"],
            ["1002", "80.00", "2026-11-30 10:02:00+00", "f"],
        ]
    );
    let types = query(
        "SELECT data_type FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'orders' AND column_name IN ('order_id', 'total', 'placed_at') ORDER BY column_name",
    );
    assert_eq!(
        types,
        [["bigint"], ["timestamp with time zone"], ["numeric"]]
    );
    let primary_key =
        "SELECT count(*) FROM pg_index WHERE indrelid = 'orders'::regclass AND indisprimary";
    assert_eq!(query(primary_key), [["1"]]);
    let rejected = std::fs::read_to_string(folder.path().join("out/rejected.csv")).unwrap();
    assert!(
        rejected.contains("1005") && rejected.contains("not a number"),
        "{rejected}"
    );

    // A changed order, and the bad one now fails the run: the table stays as the last run left
    // it.
    let before = query(table);
    let mut flow: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&flow_file).unwrap()).unwrap();
    flow["nodes"][1]["on_error"] = json!("fail");
    flow["nodes"].as_array_mut().unwrap().pop();
    flow["edges"].as_array_mut().unwrap().pop();
    std::fs::write(&flow_file, flow.to_string()).unwrap();
    let csv = std::fs::read_to_string(folder.path().join("orders.csv")).unwrap();
    std::fs::write(
        folder.path().join("orders.csv"),
        csv.replace("120.50", "999.99"),
    )
    .unwrap();
    assert_eq!(sluice_tests::store_own_flow(&sluice, &flow_file), flow_id);
    let failed = run().await.unwrap();
    assert_eq!(failed.report.status, RunStatus::Failed);
    assert_eq!(query(table), before);
    let staging = "SELECT count(*) FROM pg_tables WHERE tablename LIKE 'sluice_staging_%' AND schemaname = 'public'";
    assert_eq!(query(staging), [["0"]]);

    let places = sluice_tests::everything_kept(&sluice, home.path(), &flow_id);
    for (place, text) in &places {
        assert!(!text.contains(&password), "the password is in {place}");
    }
}
