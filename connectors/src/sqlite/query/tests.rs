//! `sql` over two inputs (a join, a window function), its refusals (anything but one read-only
//! SELECT: writes, ATTACH, VACUUM INTO, extensions, a second statement), and a runaway query
//! stopped by a cancel.

use serde_json::json;
use sluice_core::component::{BuildContext, Input, TransformConfig};
use sluice_core::engine::Output;
use sluice_core::flow::OnError;

use super::SqlConfig;
use crate::testing::records;

const ORDERS: Input<'static> = Input {
    port: "in",
    from: "orders",
};
const CUSTOMERS: Input<'static> = Input {
    port: "in",
    from: "customers",
};
const EMPTY: Input<'static> = Input {
    port: "in",
    from: "returns",
};

fn query(sql: &str) -> (Result<(), String>, Vec<serde_json::Value>) {
    let expressions = sluice_core::expression::Expressions::for_validation();
    let context = BuildContext {
        upstream: vec![ORDERS, CUSTOMERS, EMPTY],
        ..crate::testing::context(std::path::Path::new("."), &expressions)
    };
    let mut node = SqlConfig {
        query: sql.to_string(),
    }
    .build(&context)
    .unwrap();
    let mut out = Output::for_test(&["out"], OnError::Fail);
    let orders = records(json!([
        {"id": 1, "customer": "c1", "total": 10.5},
        {"id": 2, "customer": "c2", "total": 4},
        {"id": 3, "customer": "c1", "total": 1.5, "note": "gift"}
    ]));
    node.transform(ORDERS, orders[..2].to_vec(), &mut out)
        .unwrap();
    node.transform(
        CUSTOMERS,
        records(json!([{"id": "c1", "name": "Ada"}, {"id": "c2", "name": "Bo"}])),
        &mut out,
    )
    .unwrap();
    // A field that appears later becomes a column.
    node.transform(ORDERS, orders[2..].to_vec(), &mut out)
        .unwrap();
    let result = node.finish(&mut out).map_err(|error| error.to_string());
    (
        result,
        out.take("out")
            .iter()
            .map(|record| record.to_value())
            .collect(),
    )
}

#[test]
fn a_query_joins_its_inputs_and_windows_over_them() {
    let (result, rows) = query(
        "SELECT c.name, o.id, o.total, SUM(o.total) OVER (PARTITION BY c.id ORDER BY o.id) AS running, o.note
         FROM orders o JOIN customers c ON c.id = o.customer ORDER BY o.id",
    );
    result.unwrap();
    assert_eq!(
        rows,
        [
            json!({"name": "Ada", "id": 1, "total": 10.5, "running": 10.5, "note": null}),
            // The column took the type of its first value (REAL), as SQLite's columns do.
            json!({"name": "Bo", "id": 2, "total": 4.0, "running": 4.0, "note": null}),
            json!({"name": "Ada", "id": 3, "total": 1.5, "running": 12.0, "note": "gift"}),
        ]
    );
    let (result, rows) = query("WITH t AS (SELECT COUNT(*) AS n FROM returns) SELECT n FROM t");
    result.unwrap();
    assert_eq!(
        rows,
        [json!({"n": 0})],
        "an input that sent nothing is an empty table"
    );
}

#[test]
fn only_one_read_only_select_runs() {
    for (sql, expected) in [
        ("DELETE FROM orders", "must be a SELECT"),
        (
            "ATTACH DATABASE '/tmp/sluice-attached.db' AS other",
            "must be a SELECT",
        ),
        ("VACUUM INTO '/tmp/sluice-vacuumed.db'", "must be a SELECT"),
        ("SELECT load_extension('/tmp/evil.so')", "not authorized"),
        ("SELECT 1; DROP TABLE orders", "one statement"),
        ("SELECT nope FROM orders", "no such column: nope"),
    ] {
        let (result, _) = query(sql);
        let message = result.unwrap_err();
        assert!(message.contains(expected), "{sql}: {message}");
    }
    assert!(!std::path::Path::new("/tmp/sluice-vacuumed.db").exists());
    let (result, rows) = query("SELECT ';' AS semicolon -- a comment; with one\n");
    result.unwrap();
    assert_eq!(rows, [json!({"semicolon": ";"})]);
}

#[test]
fn a_runaway_query_is_stopped_by_a_cancel() {
    let expressions = sluice_core::expression::Expressions::for_validation();
    let context = crate::testing::context(std::path::Path::new("."), &expressions);
    let sql =
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT COUNT(*) FROM c";
    let mut node = SqlConfig { query: sql.into() }.build(&context).unwrap();
    let mut out = Output::for_test(&["out"], OnError::Fail);
    let control = out.control();
    let canceller = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(300));
        control.cancel();
    });
    let started = std::time::Instant::now();
    let stopped = node.finish(&mut out).unwrap_err().to_string();
    canceller.join().unwrap();
    assert!(stopped.contains("interrupted"), "{stopped}");
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
}
