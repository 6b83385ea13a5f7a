//! The database benchmarks, run as a person runs Sluice (see `../engine/measure.rs`), beside the
//! throwaway servers `tests/postgres.sh` and `tests/mariadb.sh` start: the standard job (CSV →
//! filter → map) into a new table, `sluice run` against a hand-written program doing the same —
//! into PostgreSQL with binary COPY in one transaction, into MariaDB with multi-row prepared
//! INSERTs in one transaction. At `SLUICE_BENCH_SIZES` rows (default 1000000). Reading a table:
//! `tests/bench_postgres.sh`. `make bench-databases` runs both.

#[path = "../engine/jobs.rs"]
#[allow(dead_code)]
mod jobs;
#[path = "../engine/measure.rs"]
#[allow(dead_code)]
mod measure;
mod mysql_job;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use measure::{compare, data_dir, measure, own_command, path, setting, sluice_binary};
use postgres::binary_copy::BinaryCopyInWriter;
use postgres::types::{ToSql, Type};

const ENGINE_TABLE: &str = "bench_people_engine";
const HANDWRITTEN_TABLE: &str = "bench_people_handwritten";

fn main() {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    match arguments.first().map(String::as_str) {
        Some("measure") => return measure(&arguments[1..]),
        Some("handwritten") => return println!("{}", handwritten(Path::new(&arguments[1]))),
        Some("handwritten-mysql") => {
            return println!("{}", mysql_job::handwritten(Path::new(&arguments[1])));
        }
        _ => {}
    }
    let sluice = sluice_binary();
    let runs: usize = setting("SLUICE_BENCH_RUNS").unwrap_or(5);
    let sizes: Vec<usize> = std::env::var("SLUICE_BENCH_SIZES")
        .ok()
        .map(|text| {
            text.split(',')
                .filter_map(|size| size.trim().parse().ok())
                .collect()
        })
        .unwrap_or_else(|| vec![1_000_000]);
    let data = data_dir();
    let home = data.join("sluice-postgres-home");
    let _ = std::fs::remove_dir_all(&home);
    add_credential(
        &sluice,
        &home,
        "warehouse",
        "postgres",
        "SLUICE_TEST_POSTGRES",
    );
    add_credential(&sluice, &home, "shop", "mysql", "SLUICE_TEST_MYSQL");
    println!("medians of {runs} runs, alternating; CPU = user + system (of the client programs)");
    for rows in sizes {
        let csv = data.join(format!("standard-{rows}.csv"));
        jobs::generate_customers(&csv, rows);
        let flow = data.join(format!("standard-{rows}-postgres.sluice.json"));
        let mut job = jobs::standard_flow(&csv, Path::new("unused.db"));
        job["id"] = "bench-standard-postgres".into();
        job["nodes"][3] = serde_json::json!({
            "id": "save", "type": "postgres.write", "credential": "warehouse",
            "config": {"table": ENGINE_TABLE}
        });
        std::fs::write(&flow, job.to_string()).unwrap();
        compare(
            "standard: CSV → filter → map → PostgreSQL",
            rows,
            runs,
            || {
                drop_table(HANDWRITTEN_TABLE);
                own_command(["handwritten", path(&csv)])
            },
            || {
                drop_table(ENGINE_TABLE);
                let mut command = measure::sluice_command(&sluice, &home, &flow);
                command.env("SLUICE_SECRETS", "file");
                command
            },
            || count(HANDWRITTEN_TABLE) == count(ENGINE_TABLE),
        );
        mysql_job::compare_at(rows, runs, &csv, &sluice, &home, &data);
    }
}

fn client() -> postgres::Client {
    let settings = std::env::var("SLUICE_TEST_POSTGRES")
        .expect("SLUICE_TEST_POSTGRES is not set: run it through tests/postgres.sh (make bench-postgres does)");
    postgres::Client::connect(&settings, postgres::NoTls).expect("the test server")
}

/// A test server's setting `key`, from `variable` ("host=… port=… user=…").
fn server(variable: &str, key: &str) -> String {
    let settings = std::env::var(variable).unwrap_or_default();
    settings
        .split_whitespace()
        .find_map(|pair| pair.strip_prefix(&format!("{key}=")))
        .unwrap_or_default()
        .to_string()
}

/// Credential `name` of type `kind` for the server `variable` describes, in the bench's Sluice
/// home, its password in the secrets file.
fn add_credential(sluice: &Path, home: &Path, name: &str, kind: &str, variable: &str) {
    let mut child = Command::new(sluice)
        .args(["credentials", "add", name, "--type", kind])
        .args(["--field", &format!("host={}", server(variable, "host"))])
        .args(["--field", &format!("port={}", server(variable, "port"))])
        .args([
            "--field",
            &format!("database={}", server(variable, "dbname")),
        ])
        .args(["--field", &format!("user={}", server(variable, "user"))])
        .args(["--field", "tls=disable"])
        .env("SLUICE_HOME", home)
        .env("SLUICE_SECRETS", "file")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("sluice starts");
    // The secret fields in order: the connection URL (none), then the password.
    let secrets = format!("\n{}\n", server(variable, "password"));
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(secrets.as_bytes()).unwrap();
    drop(stdin);
    assert!(child.wait().unwrap().success(), "the credential is added");
}

fn drop_table(table: &str) {
    client()
        .batch_execute(&format!("DROP TABLE IF EXISTS {table}"))
        .unwrap();
}

fn count(table: &str) -> i64 {
    client()
        .query_one(&format!("SELECT count(*) FROM {table}"), &[])
        .unwrap()
        .get(0)
}

/// The standard job written by hand: csv, then binary COPY into a new table, in one transaction.
fn handwritten(csv: &Path) -> u64 {
    let mut reader = csv::Reader::from_path(csv).expect("open csv");
    let mut client = client();
    let mut transaction = client.transaction().unwrap();
    transaction
        .batch_execute(&format!(
            "CREATE TABLE {HANDWRITTEN_TABLE} (id text, email text, first_name text, last_name text,
             country text, signup_ts text, status text, full_name text, amount_cents bigint)"
        ))
        .unwrap();
    let sink = transaction
        .copy_in(&format!(
            "COPY {HANDWRITTEN_TABLE} FROM STDIN (FORMAT binary)"
        ))
        .unwrap();
    let types = [
        Type::TEXT,
        Type::TEXT,
        Type::TEXT,
        Type::TEXT,
        Type::TEXT,
        Type::TEXT,
        Type::TEXT,
        Type::TEXT,
        Type::INT8,
    ];
    let mut writer = BinaryCopyInWriter::new(sink, &types);
    let mut row = csv::StringRecord::new();
    let mut written = 0;
    while reader.read_record(&mut row).unwrap() {
        if &row[7] != "active" {
            continue;
        }
        let amount: f64 = row[5].parse().unwrap();
        let full_name = format!("{} {}", &row[2], &row[3]);
        let cents = (amount * 100.0).round() as i64;
        let values: [&(dyn ToSql + Sync); 9] = [
            &&row[0], &&row[1], &&row[2], &&row[3], &&row[4], &&row[6], &&row[7], &full_name,
            &cents,
        ];
        writer.write(&values).unwrap();
        written += 1;
    }
    writer.finish().unwrap();
    transaction.commit().unwrap();
    written
}
