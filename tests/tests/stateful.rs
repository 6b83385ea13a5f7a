//! Transforms that hold records back, end to end through the engine: `sort` against SQLite's
//! `ORDER BY` and `aggregate` against its `GROUP BY` over the same rows, in memory and under a
//! memory budget small enough to spill — the run's stats show the memory held and the bytes
//! spilled.

use std::path::Path;

use serde_json::json;
use sluice_core::engine::RunStatus;

/// `rows` orders: a country among a few, an amount (empty for some), in a scrambled order.
fn write_orders(path: &Path, rows: u64) {
    let mut text = String::from("id,country,amount,customer\n");
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
        let customer = (state >> 24) % 9000;
        text.push_str(&format!("{id},{country},{amount},c{customer}\n"));
    }
    std::fs::write(path, text).unwrap();
}

/// The orders in SQLite, as the CSV has them (an empty amount is null).
fn sqlite_table(csv: &Path) -> rusqlite::Connection {
    let connection = rusqlite::Connection::open_in_memory().unwrap();
    connection
        .execute_batch("CREATE TABLE raw (id INTEGER, country TEXT, amount REAL, customer TEXT)")
        .unwrap();
    let mut reader = csv::Reader::from_path(csv).unwrap();
    for row in reader.records() {
        let row = row.unwrap();
        let amount: Option<f64> = row[2].parse().ok();
        connection
            .execute(
                "INSERT INTO raw VALUES (?1, ?2, ?3, ?4)",
                rusqlite::params![row[0].parse::<i64>().unwrap(), &row[1], amount, &row[3]],
            )
            .unwrap();
    }
    connection
}

/// The ids in the order SQLite gives for the same sort (the row's place last, for ties).
fn sqlite_order(csv: &Path) -> Vec<i64> {
    let connection = sqlite_table(csv);
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
        let report = sluice_tests::run_engine_on(
            &registry,
            sort_flow(&csv, &database, memory_mb),
            data.path(),
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

/// Per customer: orders, orders with an amount, the total amount in cents and the mean in
/// millionths, the smallest and largest id — from `query` over a table with those columns.
fn per_customer(
    connection: &rusqlite::Connection,
    query: &str,
) -> Vec<(String, i64, i64, i64, i64, i64, i64)> {
    let mut statement = connection.prepare(query).unwrap();
    statement
        .query_map([], |row| {
            Ok((
                row.get(0)?,
                row.get(1)?,
                row.get(2)?,
                row.get::<_, Option<f64>>(3)?
                    .map_or(-1, |total| (total * 100.0).round() as i64),
                row.get::<_, Option<f64>>(4)?
                    // In millionths: a mean of cents may end in a half cent, where sums added
                    // in another order round either way.
                    .map_or(-1, |mean| (mean * 1e6).round() as i64),
                row.get(5)?,
                row.get(6)?,
            ))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn aggregate_groups_as_sqlite_does_in_memory_and_when_it_spills() {
    let data = tempfile::tempdir().unwrap();
    let csv = data.path().join("orders.csv");
    write_orders(&csv, 60_000);
    let expected = per_customer(
        &sqlite_table(&csv),
        "SELECT customer, COUNT(*), COUNT(amount), SUM(amount), AVG(amount), MIN(id), MAX(id)
         FROM raw GROUP BY customer ORDER BY customer",
    );
    assert!(expected.len() > 8000);
    let registry = sluice_connectors::registry();
    for (name, memory_mb) in [("memory", None), ("spilled", Some(1))] {
        let database = data.path().join(format!("{name}.db"));
        let mut flow = sluice_tests::flow_json(
            json!([
                {"id": "read", "type": "csv.read", "config": {"path": csv}},
                {"id": "typed", "type": "cast", "config": {"fields": {"id": "integer", "amount": "number"}}},
                {"id": "totals", "type": "aggregate", "config": {"group_by": ["customer"], "compute": [
                    {"name": "orders", "function": "count"},
                    {"name": "priced", "function": "count", "field": "amount"},
                    {"name": "total", "function": "sum", "field": "amount"},
                    {"name": "mean", "function": "avg", "field": "amount"},
                    {"name": "first_id", "function": "min", "field": "id"},
                    {"name": "last_id", "function": "max", "field": "id"}]}},
                {"id": "save", "type": "sqlite.write", "config": {"path": database, "table": "totals"}}
            ]),
            json!([{"from": "read", "to": "typed"}, {"from": "typed", "to": "totals"}, {"from": "totals", "to": "save"}]),
        );
        if let Some(memory_mb) = memory_mb {
            flow["memory_mb"] = json!(memory_mb);
        }
        let report = sluice_tests::run_engine_on(&registry, flow, data.path());
        assert_eq!(report.status, RunStatus::Succeeded, "{:?}", report.failure);
        let connection = rusqlite::Connection::open(&database).unwrap();
        let got = per_customer(
            &connection,
            "SELECT customer, orders, priced, CAST(total AS REAL), CAST(mean AS REAL), first_id, last_id
             FROM totals ORDER BY customer",
        );
        assert_eq!(got.len(), expected.len(), "{name}");
        let differing = got
            .iter()
            .zip(&expected)
            .find(|(got, expected)| got != expected);
        assert_eq!(differing, None, "{name}: (got, SQLite's)");
        let stats = &report
            .nodes
            .iter()
            .find(|node| node.node == "totals")
            .unwrap()
            .stats;
        match memory_mb {
            None => assert_eq!(stats.spilled_bytes, 0),
            Some(_) => assert!(
                stats.spilled_bytes > 0,
                "the 1 MB budget made it spill: {stats:?}"
            ),
        }
    }
}

#[test]
fn the_sales_example_joins_routes_totals_and_sorts() {
    let data = tempfile::tempdir().unwrap();
    let example = sluice_tests::repository_root().join("examples/sales-by-country");
    for file in ["orders.csv", "customers.csv", "flow.sluice.json"] {
        std::fs::copy(example.join(file), data.path().join(file)).unwrap();
    }
    let flow: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(data.path().join("flow.sluice.json")).unwrap(),
    )
    .unwrap();
    let report = sluice_tests::run_engine_on(&sluice_connectors::registry(), flow, data.path());
    assert_eq!(report.status, RunStatus::Succeeded, "{:?}", report.failure);
    let sales = sluice_tests::sqlite_rows(
        &data.path().join("out/sales.db"),
        "SELECT country, month, orders, CAST(sales AS TEXT), customers FROM sales ORDER BY rowid",
    );
    assert_eq!(
        sales,
        [
            json!(["GB", "2026-01", 2, "135.75", 2]),
            json!(["US", "2026-01", 1, "80", 1]),
            json!(["AT", "2026-02", 1, "300.1", 1]),
            json!(["GB", "2026-02", 2, "102", 2]),
            json!(["US", "2026-02", 1, "19.9", 1]),
        ]
    );
    let unknown = std::fs::read_to_string(data.path().join("out/unknown-customers.csv")).unwrap();
    assert!(unknown.contains("1006,c9,2026-02-12,9.99"), "{unknown}");
}
