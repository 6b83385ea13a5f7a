//! The standard job into MariaDB: `sluice run` with `mysql.write` against a hand-written program
//! doing the same with multi-row prepared INSERTs in one transaction.

use std::path::Path;

use mysql::prelude::Queryable;
use mysql::{Conn, OptsBuilder, Value};

use crate::measure::{self, compare, own_command, path};

const ENGINE_TABLE: &str = "bench_people_engine";
const HANDWRITTEN_TABLE: &str = "bench_people_handwritten";

/// Rows per INSERT in the hand-written program.
const ROWS_PER_INSERT: usize = 500;

fn connection() -> Conn {
    let setting = |key: &str| crate::server("SLUICE_TEST_MYSQL", key);
    let options = OptsBuilder::new()
        .ip_or_hostname(Some(setting("host")))
        .tcp_port(
            setting("port")
                .parse()
                .expect("SLUICE_TEST_MYSQL names a port"),
        )
        .user(Some(setting("user")))
        .pass(Some(setting("password")))
        .db_name(Some(setting("dbname")))
        .prefer_socket(false);
    Conn::new(options).expect("the MariaDB test server (tests/mariadb.sh)")
}

fn drop_table(table: &str) {
    connection()
        .query_drop(format!("DROP TABLE IF EXISTS {table}"))
        .unwrap();
}

fn count(table: &str) -> u64 {
    connection()
        .query_first(format!("SELECT COUNT(*) FROM {table}"))
        .unwrap()
        .unwrap_or(0)
}

/// Measures both programs on the `rows`-row CSV.
pub fn compare_at(rows: usize, runs: usize, csv: &Path, sluice: &Path, home: &Path, data: &Path) {
    let flow = data.join(format!("standard-{rows}-mysql.sluice.json"));
    let mut job = crate::jobs::standard_flow(csv, Path::new("unused.db"));
    job["id"] = "bench-standard-mysql".into();
    job["nodes"][3] = serde_json::json!({
        "id": "save", "type": "mysql.write", "credential": "shop",
        "config": {"table": ENGINE_TABLE}
    });
    std::fs::write(&flow, job.to_string()).unwrap();
    compare(
        "standard: CSV → filter → map → MariaDB",
        rows,
        runs,
        || {
            drop_table(HANDWRITTEN_TABLE);
            own_command(["handwritten-mysql", path(csv)])
        },
        || {
            drop_table(ENGINE_TABLE);
            let mut command = measure::sluice_command(sluice, home, &flow);
            command.env("SLUICE_SECRETS", "file");
            command
        },
        || count(HANDWRITTEN_TABLE) == count(ENGINE_TABLE),
    );
}

/// The standard job written by hand: csv, then multi-row prepared INSERTs into a new table, in
/// one transaction.
pub fn handwritten(csv: &Path) -> u64 {
    let mut reader = csv::Reader::from_path(csv).expect("open csv");
    let mut connection = connection();
    connection
        .query_drop(format!(
            "CREATE TABLE {HANDWRITTEN_TABLE} (id LONGTEXT, email LONGTEXT, first_name LONGTEXT,
             last_name LONGTEXT, country LONGTEXT, signup_ts LONGTEXT, status LONGTEXT,
             full_name LONGTEXT, amount_cents BIGINT) DEFAULT CHARSET = utf8mb4"
        ))
        .unwrap();
    let row = format!("({})", ["?"; 9].join(", "));
    let insert = |rows: usize| {
        format!(
            "INSERT INTO {HANDWRITTEN_TABLE} VALUES {}",
            vec![row.as_str(); rows].join(", ")
        )
    };
    let mut transaction = connection.start_transaction(Default::default()).unwrap();
    let full = transaction.prep(insert(ROWS_PER_INSERT)).unwrap();
    let (mut pending, mut waiting, mut written) = (Vec::new(), 0, 0);
    let mut record = csv::StringRecord::new();
    while reader.read_record(&mut record).unwrap() {
        if &record[7] != "active" {
            continue;
        }
        let amount: f64 = record[5].parse().unwrap();
        let cents = (amount * 100.0).round() as i64;
        for index in [0, 1, 2, 3, 4, 6, 7] {
            pending.push(Value::from(&record[index]));
        }
        pending.push(Value::from(format!("{} {}", &record[2], &record[3])));
        pending.push(Value::Int(cents));
        waiting += 1;
        written += 1;
        if waiting == ROWS_PER_INSERT {
            transaction
                .exec_drop(&full, std::mem::take(&mut pending))
                .unwrap();
            waiting = 0;
        }
    }
    if waiting > 0 {
        let last = transaction.prep(insert(waiting)).unwrap();
        transaction.exec_drop(&last, pending).unwrap();
    }
    transaction.commit().unwrap();
    written
}
