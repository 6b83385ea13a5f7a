//! Transforms that hold records back, end to end through the engine: `sort` against SQLite's
//! `ORDER BY` over the same rows, in memory and under a memory budget small enough to spill —
//! the run's stats show the memory held and the bytes spilled, and no spill file is left.

use std::path::Path;

use serde_json::json;
use sluice_core::engine::{RunControl, RunOptions, RunStatus};

/// `rows` orders: a country among a few, an amount (empty for some), in a scrambled order.
fn write_orders(path: &Path, rows: u64) {
    let mut text = String::from("id,country,amount\n");
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    for id in 1..=rows {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let country = ["DE", "FR", "NL", "ES", "IT"][(state % 5) as usize];
        let amount = match state % 13 {
            0 => String::new(),
            cents => format!("{}.{:02}", (state >> 16) % 300, cents),
        };
        text.push_str(&format!("{id},{country},{amount}\n"));
    }
    std::fs::write(path, text).unwrap();
}

/// The ids in the order SQLite gives for the same sort (the row's place last, for ties).
fn sqlite_order(csv: &Path) -> Vec<i64> {
    let connection = rusqlite::Connection::open_in_memory().unwrap();
    connection
        .execute_batch("CREATE TABLE raw (id INTEGER, country TEXT, amount REAL)")
        .unwrap();
    let mut reader = csv::Reader::from_path(csv).unwrap();
    for row in reader.records() {
        let row = row.unwrap();
        let amount: Option<f64> = row[2].parse().ok();
        connection
            .execute(
                "INSERT INTO raw VALUES (?1, ?2, ?3)",
                rusqlite::params![row[0].parse::<i64>().unwrap(), &row[1], amount],
            )
            .unwrap();
    }
    let mut query = connection
        .prepare("SELECT id FROM raw ORDER BY country, amount IS NULL, amount DESC, rowid")
        .unwrap();
    query
        .query_map([], |row| row.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn sort_flow(csv: &Path, database: &Path, memory_mb: Option<u64>) -> serde_json::Value {
    let mut flow = sluice_tests::flow_json(
        json!([
            {"id": "read", "type": "csv.read", "config": {"path": csv}},
            {"id": "typed", "type": "cast", "config": {"fields": {"id": "integer", "amount": "number"}}},
            {"id": "order", "type": "sort", "config": {"by": [
                {"field": "country"}, {"field": "amount", "order": "desc", "nulls": "last"}]}},
            {"id": "save", "type": "sqlite.write", "config": {"path": database, "table": "sorted"}}
        ]),
        json!([{"from": "read", "to": "typed"}, {"from": "typed", "to": "order"}, {"from": "order", "to": "save"}]),
    );
    if let Some(memory_mb) = memory_mb {
        flow["memory_mb"] = json!(memory_mb);
    }
    flow
}

#[test]
fn sort_orders_as_sqlite_does_in_memory_and_when_it_spills() {
    let data = tempfile::tempdir().unwrap();
    let csv = data.path().join("orders.csv");
    write_orders(&csv, 60_000);
    let expected = sqlite_order(&csv);
    let registry = sluice_connectors::registry();
    for (name, memory_mb) in [("memory", None), ("spilled", Some(1))] {
        let database = data.path().join(format!("{name}.db"));
        let report = sluice_tests::run_engine_with(
            &registry,
            sort_flow(&csv, &database, memory_mb),
            data.path(),
            &RunOptions::default(),
            RunControl::new(),
        );
        assert_eq!(report.status, RunStatus::Succeeded, "{:?}", report.failure);
        let sorted: Vec<i64> =
            sluice_tests::sqlite_rows(&database, "SELECT id FROM sorted ORDER BY rowid")
                .into_iter()
                .map(|row| row[0].as_i64().unwrap())
                .collect();
        assert_eq!(sorted, expected, "{name}");
        let stats = &report
            .nodes
            .iter()
            .find(|node| node.node == "order")
            .unwrap()
            .stats;
        assert!(stats.memory_peak_bytes > 0, "{name}: {stats:?}");
        match memory_mb {
            None => assert_eq!(stats.spilled_bytes, 0),
            Some(_) => assert!(
                stats.spilled_bytes > 1 << 20 && stats.memory_peak_bytes < 2 << 20,
                "the 1 MB budget made it spill: {stats:?}"
            ),
        }
    }
}
