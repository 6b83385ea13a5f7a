//! The kill harness's database destinations: a PostgreSQL schema and a MariaDB database of their
//! own on the throwaway servers `tests/postgres.sh` and `tests/mariadb.sh` start (as `make test`
//! does), and credentials (`warehouse`, `shop`) whose passwords Sluice keeps in its secrets file.

use std::io::Write;
use std::process::{Command, Stdio};

use mysql::prelude::Queryable;

/// A test server's setting `key`, from `variable` ("host=… port=… user=…").
fn setting(variable: &str, key: &str) -> String {
    let settings = std::env::var(variable).unwrap_or_else(|_| {
        panic!("{variable} is not set: run the tests through tests/postgres.sh and tests/mariadb.sh (make test does)")
    });
    settings
        .split_whitespace()
        .find_map(|pair| pair.strip_prefix(&format!("{key}=")))
        .unwrap_or_default()
        .to_string()
}

fn postgres_client() -> postgres::Client {
    let settings = std::env::var("SLUICE_TEST_POSTGRES").unwrap();
    postgres::Client::connect(&settings, postgres::NoTls).expect("the PostgreSQL test server")
}

fn mysql_connection(database: &str) -> mysql::Conn {
    let options = mysql::OptsBuilder::new()
        .ip_or_hostname(Some(setting("SLUICE_TEST_MYSQL", "host")))
        .tcp_port(setting("SLUICE_TEST_MYSQL", "port").parse().unwrap())
        .user(Some(setting("SLUICE_TEST_MYSQL", "user")))
        .pass(Some(setting("SLUICE_TEST_MYSQL", "password")))
        .db_name(Some(database))
        .prefer_socket(false);
    mysql::Conn::new(options).expect("the MariaDB test server")
}

/// An empty PostgreSQL `schema`, and the credential `warehouse` in the Sluice home `sluice` runs
/// on.
pub fn prepare_postgres(schema: &str, sluice: Command) {
    postgres_client()
        .batch_execute(&format!(
            "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"
        ))
        .unwrap();
    let database = setting("SLUICE_TEST_POSTGRES", "dbname");
    add_credential(
        sluice,
        "warehouse",
        "postgres",
        "SLUICE_TEST_POSTGRES",
        &database,
    );
}

/// An empty MariaDB `database`, and the credential `shop` for it in the Sluice home `sluice` runs
/// on.
pub fn prepare_mysql(database: &str, sluice: Command) {
    let mut connection = mysql_connection("sluice_test");
    connection
        .query_drop(format!("DROP DATABASE IF EXISTS {database}"))
        .unwrap();
    connection
        .query_drop(format!("CREATE DATABASE {database}"))
        .unwrap();
    add_credential(sluice, "shop", "mysql", "SLUICE_TEST_MYSQL", database);
}

/// Adds credential `name` of type `kind` for `database` on the server `variable` describes, the
/// password on standard input.
fn add_credential(mut sluice: Command, name: &str, kind: &str, variable: &str, database: &str) {
    sluice.args(["credentials", "add", name, "--type", kind]);
    for field in [
        format!("host={}", setting(variable, "host")),
        format!("port={}", setting(variable, "port")),
        format!("database={database}"),
        format!("user={}", setting(variable, "user")),
        "tls=disable".to_string(),
    ] {
        sluice.args(["--field", &field]);
    }
    let mut child = sluice
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    // The secret fields in order: the connection URL (none), then the password.
    let secrets = format!("\n{}\n", setting(variable, "password"));
    child
        .stdin
        .take()
        .unwrap()
        .write_all(secrets.as_bytes())
        .unwrap();
    assert!(child.wait().unwrap().success(), "the credential is added");
}

/// The ids in PostgreSQL's `schema.t`, duplicates kept (none when the table is missing).
pub fn postgres_ids(schema: &str) -> Vec<String> {
    postgres_client()
        .query(&format!("SELECT id::text FROM {schema}.t"), &[])
        .map(|rows| rows.iter().map(|row| row.get(0)).collect())
        .unwrap_or_default()
}

/// The ids in MariaDB's `database.t`, duplicates kept (none when the table is missing).
pub fn mysql_ids(database: &str) -> Vec<String> {
    mysql_connection(database)
        .query::<i64, _>("SELECT id FROM t")
        .map(|ids| ids.into_iter().map(|id| id.to_string()).collect())
        .unwrap_or_default()
}

/// The staging tables left in PostgreSQL's `schema` and MariaDB's `database`.
pub fn staging_tables(schema: &str, database: &str) -> Vec<String> {
    let mut left: Vec<String> = postgres_client()
        .query(
            "SELECT tablename::text FROM pg_tables WHERE schemaname = $1 AND tablename LIKE 'sluice_staging_%'",
            &[&schema],
        )
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    left.extend(
        mysql_connection(database)
            .query::<String, _>(
                "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE 'sluice_staging_%'",
            )
            .unwrap(),
    );
    left
}
