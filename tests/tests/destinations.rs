//! Destinations as the engine meets them: two nodes writing one file are refused before anything
//! is written, a flow may read and write one SQLite database, and a failed run leaves no file it
//! created.

use std::collections::HashMap;
use std::path::Path;

use serde_json::json;
use sluice_core::Flow;
use sluice_core::engine::{RunControl, RunOptions, RunReport, RunRequest, RunStatus, execute};
use sluice_tests::{flow_json, sqlite_rows};

fn run(flow: serde_json::Value, base_dir: &Path) -> RunReport {
    let registry = sluice_connectors::registry();
    let flow = Flow::from_json(&flow.to_string()).expect("parses");
    sluice_core::validate::validate(&flow, &registry).expect("valid");
    execute(
        RunRequest {
            flow: &flow,
            run_id: "0193f0c2-0000-7000-8000-000000000002",
            registry: &registry,
            base_dir,
            states: &HashMap::new(),
            credentials: &HashMap::new(),
            inbox: None,
            started_at: chrono::Utc::now(),
            control: RunControl::new(),
            events: None,
            journal: None,
        },
        &RunOptions::default(),
    )
}

#[test]
fn two_nodes_writing_one_destination_are_refused_before_anything_is_written() {
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(
        folder.path().join("customers.csv"),
        "id,name\n1,Ada\n2,Bob\n",
    )
    .unwrap();
    let flow = flow_json(
        json!([
            {"id": "read", "type": "csv.read", "config": {"path": "customers.csv"}},
            {"id": "first", "type": "csv.write", "config": {"path": "out.csv"}},
            {"id": "second", "type": "csv.write", "config": {"path": "./out.csv"}}
        ]),
        json!([{"from": "read", "to": "first"}, {"from": "read", "to": "second"}]),
    );
    let report = run(flow, folder.path());
    assert_eq!(report.status, RunStatus::Failed);
    let failure = report.failure.unwrap();
    assert_eq!(failure.node.as_deref(), Some("second"));
    assert!(
        failure.message.contains("out.csv like node `first`"),
        "{}",
        failure.message
    );
    assert!(!folder.path().join("out.csv").exists());
}

#[test]
fn a_flow_may_read_and_write_one_database() {
    let folder = tempfile::tempdir().unwrap();
    let database = folder.path().join("shop.db");
    let connection = rusqlite::Connection::open(&database).unwrap();
    connection
        .execute_batch(
            "CREATE TABLE orders (id INTEGER PRIMARY KEY, total REAL);
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000)
             INSERT INTO orders SELECT i, i * 1.5 FROM n;",
        )
        .unwrap();
    drop(connection);
    let flow = flow_json(
        json!([
            {"id": "read", "type": "sqlite.read", "config": {"path": "shop.db", "table": "orders"}},
            {"id": "big", "type": "filter", "config": {"when": "total > 3000"}},
            {"id": "save", "type": "sqlite.write", "config": {"path": "shop.db", "table": "big_orders", "mode": "replace"}}
        ]),
        json!([{"from": "read", "to": "big"}, {"from": "big", "to": "save"}]),
    );
    let report = run(flow, folder.path());
    assert_eq!(report.status, RunStatus::Succeeded, "{:?}", report.failure);
    assert_eq!(
        sqlite_rows(&database, "SELECT COUNT(*) FROM big_orders"),
        vec![json!([3000])]
    );
}

#[test]
fn a_failed_run_leaves_no_database_file_it_created() {
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(folder.path().join("in.csv"), "id,amount\n1,5\n2,abc\n").unwrap();
    std::fs::write(folder.path().join("kept.db"), "").unwrap();
    for database in ["new.db", "kept.db"] {
        let flow = flow_json(
            json!([
                {"id": "read", "type": "csv.read", "config": {"path": "in.csv"}},
                {"id": "typed", "type": "cast", "config": {"fields": {"amount": "integer"}}},
                {"id": "save", "type": "sqlite.write", "config": {"path": database, "table": "t"}}
            ]),
            json!([{"from": "read", "to": "typed"}, {"from": "typed", "to": "save"}]),
        );
        let report = run(flow, folder.path());
        assert_eq!(report.status, RunStatus::Failed);
    }
    let mut left: Vec<String> = std::fs::read_dir(folder.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(
        left,
        ["in.csv", "kept.db"],
        "the new file is gone, the person's own (empty) file stays"
    );
}
