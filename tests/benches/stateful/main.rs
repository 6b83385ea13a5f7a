//! The nodes that hold records back, run as a person runs Sluice (`sluice run` of a flow file,
//! the release binary), medians of `SLUICE_BENCH_RUNS` (3) runs of wall time, CPU time and peak
//! RSS:
//!
//! - join 1M orders to 100k customers → aggregate per country and month → SQLite, against the
//!   same job in the `sqlite3` command-line tool (CSV import + one SQL statement), alternating;
//! - sort 5M rows (`SLUICE_BENCH_SORT_ROWS`) with a 64 MB budget into a CSV file.
//!
//! `make bench` builds the release `sluice` first and runs this.

#[path = "../engine/measure.rs"]
#[allow(dead_code)]
mod measure;

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use measure::{
    Cost, data_dir, measure, median, path, run_measured, setting, sluice_binary, sluice_command,
};

fn main() {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    if arguments.first().map(String::as_str) == Some("measure") {
        return measure(&arguments[1..]);
    }
    let sluice = sluice_binary();
    let runs = setting("SLUICE_BENCH_RUNS").unwrap_or(3);
    let data = data_dir();
    let home = data.join("sluice-home");
    let (orders, customers) = (
        data.join("join-orders.csv"),
        data.join("join-customers.csv"),
    );
    write_orders(&orders, &customers, 1_000_000, 100_000);
    println!("medians of {runs} runs, alternating; CPU = user + system");
    println!(
        "{:<44} {:>8} {:>8} {:>9}",
        "job", "wall s", "CPU s", "peak RSS"
    );

    let flow = data.join("join-aggregate.sluice.json");
    let database = data.join("join-aggregate-engine.db");
    std::fs::write(&flow, join_flow(&orders, &customers, &database).to_string()).unwrap();
    let cli_database = data.join("join-aggregate-sqlite3.db");
    let script = data.join("join-aggregate.sql");
    std::fs::write(&script, sqlite3_script(&orders, &customers)).unwrap();
    let mut costs: [Vec<Cost>; 2] = [Vec::new(), Vec::new()];
    for _ in 0..runs {
        let _ = std::fs::remove_file(&database);
        costs[0].push(run_measured(sluice_command(&sluice, &home, &flow)));
        let _ = std::fs::remove_file(&cli_database);
        let mut cli = Command::new("sqlite3");
        cli.arg(&cli_database)
            .arg(format!(".read {}", path(&script)));
        costs[1].push(run_measured(cli));
    }
    let groups = |database: &Path, table: &str| {
        let connection = rusqlite::Connection::open(database).unwrap();
        connection
            .query_row(
                &format!("SELECT COUNT(*), SUM(orders) FROM {table}"),
                [],
                |row| Ok((row.get::<_, i64>(0)?, row.get::<_, i64>(1)?)),
            )
            .unwrap()
    };
    assert_eq!(
        groups(&database, "sales"),
        groups(&cli_database, "sales"),
        "both give the same groups"
    );
    let [engine, cli] = costs.map(|costs| median(&costs));
    report("join 1M×100k → aggregate → SQLite: sluice", &engine);
    report("the same in the sqlite3 CLI (import + SQL)", &cli);
    println!(
        "{:<44} {:>7.2}× {:>7.2}×",
        "ratio",
        engine.wall / cli.wall,
        engine.cpu / cli.cpu
    );

    let rows = setting("SLUICE_BENCH_SORT_ROWS").unwrap_or(5_000_000);
    let input = data.join(format!("sort-{rows}.csv"));
    write_sort_input(&input, rows);
    let flow = data.join("sort.sluice.json");
    let output = data.join("sort-out.csv");
    std::fs::write(&flow, sort_flow(&input, &output).to_string()).unwrap();
    let sorted: Vec<Cost> = (0..runs)
        .map(|_| run_measured(sluice_command(&sluice, &home, &flow)))
        .collect();
    report(&format!("sort {rows} rows, 64 MB budget"), &median(&sorted));
}

fn report(job: &str, cost: &Cost) {
    println!(
        "{job:<44} {:>8.3} {:>8.3} {:>6.1} MB",
        cost.wall, cost.cpu, cost.rss_mb
    );
}

/// `orders` rows of orders (a customer, a day in 2026, a total) and `customers` customers (a
/// country among 20), made once.
fn write_orders(orders: &Path, customers: &Path, order_rows: usize, customer_rows: usize) {
    let marker = orders.with_extension(format!("{order_rows}.done"));
    if marker.exists() {
        return;
    }
    let mut text = String::from("id,name,country\n");
    for id in 0..customer_rows {
        writeln!(text, "c{id},Customer {id},C{:02}", id % 20).unwrap();
    }
    std::fs::write(customers, text).unwrap();
    let mut text = String::from("order_id,customer_id,placed_at,total\n");
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    for id in 0..order_rows {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let month = state % 12 + 1;
        let day = (state >> 8) % 28 + 1;
        writeln!(
            text,
            "{id},c{},2026-{month:02}-{day:02},{}.{:02}",
            (state >> 16) % customer_rows as u64,
            (state >> 24) % 500,
            (state >> 40) % 100
        )
        .unwrap();
    }
    std::fs::write(orders, text).unwrap();
    std::fs::write(marker, "").unwrap();
}

fn join_flow(orders: &Path, customers: &Path, database: &Path) -> serde_json::Value {
    serde_json::json!({
        "format": "sluice.flow/1", "id": "bench-join-aggregate", "name": "join and aggregate",
        "nodes": [
            {"id": "orders", "type": "csv.read", "config": {"path": orders}},
            {"id": "customers", "type": "csv.read", "config": {"path": customers}},
            {"id": "with_customer", "type": "join", "config": {"on": [{"left": "customer_id", "right": "id"}]}},
            {"id": "month", "type": "map", "config": {"set": {"month": "placed_at[0:7]"}}},
            {"id": "sales", "type": "aggregate", "config": {"group_by": ["country", "month"], "compute": [
                {"name": "orders", "function": "count"}, {"name": "sales", "function": "sum", "field": "total"}]}},
            {"id": "save", "type": "sqlite.write", "config": {"path": database, "table": "sales"}}
        ],
        "edges": [
            {"from": "orders", "to": "with_customer", "to_port": "left"},
            {"from": "customers", "to": "with_customer", "to_port": "right"},
            {"from": "with_customer", "to": "month"}, {"from": "month", "to": "sales"}, {"from": "sales", "to": "save"}
        ]
    })
}

fn sqlite3_script(orders: &Path, customers: &Path) -> String {
    format!(
        ".mode csv\n.import {} orders\n.import {} customers\n\
         CREATE TABLE sales AS SELECT c.country, substr(o.placed_at, 1, 7) AS month, COUNT(*) AS orders, SUM(o.total) AS sales \
         FROM orders o JOIN customers c ON c.id = o.customer_id GROUP BY c.country, month;\n",
        path(orders),
        path(customers)
    )
}

/// `rows` rows with a random key to sort by, made once.
fn write_sort_input(input: &Path, rows: usize) {
    let marker = input.with_extension("done");
    if marker.exists() {
        return;
    }
    let mut text = String::from("id,key,payload\n");
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    for id in 0..rows {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        writeln!(text, "{id},k{:016x},payload {id}", state).unwrap();
    }
    std::fs::write(input, text).unwrap();
    std::fs::write(marker, "").unwrap();
}

fn sort_flow(input: &Path, output: &Path) -> serde_json::Value {
    serde_json::json!({
        "format": "sluice.flow/1", "id": "bench-sort", "name": "sort", "memory_mb": 64,
        "nodes": [
            {"id": "read", "type": "csv.read", "config": {"path": input}},
            {"id": "order", "type": "sort", "config": {"by": [{"field": "key"}]}},
            {"id": "write", "type": "csv.write", "config": {"path": output}}
        ],
        "edges": [{"from": "read", "to": "order"}, {"from": "order", "to": "write"}]
    })
}
