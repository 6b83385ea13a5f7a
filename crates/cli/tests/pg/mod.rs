//! The kill harness's PostgreSQL destination: a schema of its own on the throwaway server
//! `tests/postgres.sh` starts (as `make test` does), and a `warehouse` credential whose password
//! Sluice keeps in its secrets file.

use std::io::Write;
use std::process::{Command, Stdio};

/// The test server's setting `key`, from `SLUICE_TEST_POSTGRES` ("host=… port=… user=…").
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

fn client() -> postgres::Client {
    let settings = std::env::var("SLUICE_TEST_POSTGRES").unwrap();
    postgres::Client::connect(&settings, postgres::NoTls).expect("the test server")
}

/// An empty `schema`, and the credential `warehouse` in the Sluice home `sluice` runs on.
pub fn prepare(schema: &str, mut sluice: Command) {
    client()
        .batch_execute(&format!(
            "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"
        ))
        .unwrap();
    let fields = [
        format!("host={}", server("host")),
        format!("port={}", server("port")),
        format!("database={}", server("dbname")),
        format!("user={}", server("user")),
        "tls=disable".to_string(),
    ];
    sluice.args(["credentials", "add", "warehouse", "--type", "postgres"]);
    for field in &fields {
        sluice.args(["--field", field]);
    }
    let mut child = sluice
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    // The secret fields in order: the connection URL (none), then the password.
    let secrets = format!("\n{}\n", server("password"));
    child
        .stdin
        .take()
        .unwrap()
        .write_all(secrets.as_bytes())
        .unwrap();
    assert!(child.wait().unwrap().success(), "the credential is added");
}

/// The ids in `schema.t`, duplicates kept (none when the table is missing).
pub fn ids(schema: &str) -> Vec<String> {
    client()
        .query(&format!("SELECT id::text FROM {schema}.t"), &[])
        .map(|rows| rows.iter().map(|row| row.get(0)).collect())
        .unwrap_or_default()
}

/// The staging tables left in `schema`.
pub fn staging_tables(schema: &str) -> Vec<String> {
    client()
        .query(
            "SELECT tablename::text FROM pg_tables WHERE schemaname = $1 AND tablename LIKE 'sluice_staging_%'",
            &[&schema],
        )
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect()
}
