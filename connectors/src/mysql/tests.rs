//! `mysql.read` against a real MariaDB server: the throwaway one `tests/mariadb.sh` starts (as
//! `make test` does), found in `SLUICE_TEST_MYSQL`. Each test works in tables of its own.

use std::sync::Arc;

use mysql::prelude::Queryable;
use serde_json::json;
use sluice_core::credential::CredentialAccess;

use super::MysqlReadConfig;
use crate::testing::{FixedCredential, read_source_with};

/// The test server's settings, from `SLUICE_TEST_MYSQL` ("host=… port=… user=…").
pub(super) fn server() -> Vec<(&'static str, String)> {
    crate::testing::server_fields("SLUICE_TEST_MYSQL")
}

/// The test server's credential, with some fields changed.
pub(super) fn credential(changes: &[(&'static str, &str)]) -> Arc<dyn CredentialAccess> {
    let mut values = server();
    for (field, value) in changes {
        values.retain(|(name, _)| name != field);
        values.push((field, value.to_string()));
    }
    Arc::new(FixedCredential {
        kind: super::CREDENTIAL,
        values,
    })
}

/// Runs SQL statements on the test server (`;` and a line break between them).
pub(super) fn setup(sql: &str) {
    let (mut connection, _) =
        super::connect::connect(credential(&[]).as_ref()).expect("the test server");
    for statement in sql.split(";\n").map(str::trim).filter(|s| !s.is_empty()) {
        connection
            .query_drop(statement.trim_end_matches(';'))
            .unwrap_or_else(|error| panic!("{statement}: {error}"));
    }
}

fn config(value: serde_json::Value) -> MysqlReadConfig {
    serde_json::from_value(value).unwrap()
}

/// Reads with the test credential, as JSON objects, and the checkpoint.
pub(super) fn read(
    config: &MysqlReadConfig,
    state: Option<&serde_json::Value>,
) -> Result<(Vec<serde_json::Value>, Option<serde_json::Value>), String> {
    let folder = tempfile::tempdir().unwrap();
    let mut result = read_source_with(config, folder.path(), state, Some(credential(&[])))?;
    let records = (result.records.iter())
        .map(|record| serde_json::to_value(record).unwrap())
        .collect();
    Ok((records, result.output.take_checkpoint_for_test()))
}

#[test]
fn every_type_reads_as_its_sluice_value() {
    setup(
        "DROP TABLE IF EXISTS read_types;
         CREATE TABLE read_types (
           flag tinyint(1), bit1 bit(1), i1 tinyint, i2 smallint, i3 mediumint, i4 int, i8 bigint,
           u8 bigint unsigned, f4 float, f8 double, n decimal(30, 4), t text, vc varchar(10),
           c char(3), bin varbinary(4), bl blob, d date, tm time(3), long_time time, dt datetime(6),
           ts timestamp(0) NULL, y year, j json, e enum('calm', 'busy'), s set('a', 'b'));
         INSERT INTO read_types VALUES (
           true, b'1', -2, -300, 70000, 40000, 9007199254740993,
           18446744073709551615, 1.5, -2.25, 12345678901234567890.1234, 'Zoë ✓', 'ab',
           'x', x'00ff', x'0102', '2026-12-02', '13:45:30.250', '-838:59:59', '2026-12-02 13:45:30.5',
           '2026-12-02 11:45:30', 2026, '{\"a\": [1, 2]}', 'busy', 'a,b');
         INSERT INTO read_types () VALUES ();",
    );
    let (records, _) = read(&config(json!({"table": "read_types"})), None).unwrap();
    assert_eq!(records.len(), 2);
    assert_eq!(
        records[0],
        json!({
            "flag": true, "bit1": true, "i1": -2, "i2": -300, "i3": 70000, "i4": 40000,
            "i8": 9007199254740993_i64, "u8": "18446744073709551615", "f4": 1.5, "f8": -2.25,
            "n": "12345678901234567890.1234", "t": "Zoë ✓", "vc": "ab", "c": "x", "bin": "00ff",
            "bl": "0102", "d": "2026-12-02", "tm": "13:45:30.250", "long_time": "-838:59:59",
            "dt": "2026-12-02T13:45:30.500Z", "ts": "2026-12-02T11:45:30Z", "y": 2026,
            "j": {"a": [1, 2]}, "e": "busy", "s": "a,b"
        })
    );
    assert!(
        records[1]
            .as_object()
            .unwrap()
            .values()
            .all(|value| value.is_null())
    );
}

#[test]
fn a_cursor_reads_only_what_the_last_run_did_not_deliver_ties_included() {
    setup(
        "DROP TABLE IF EXISTS read_events;
         CREATE TABLE read_events (id int AUTO_INCREMENT PRIMARY KEY, at datetime(6), name text);
         INSERT INTO read_events (at, name) VALUES ('2026-12-01 09:00', 'a'), ('2026-12-01 10:00:00.5', 'b'),
           ('2026-12-01 10:00:00.5', 'c'), (NULL, 'no cursor');",
    );
    let incremental =
        config(json!({"table": "read_events", "cursor": "at", "columns": ["at", "name"]}));
    let (first, state) = read(&incremental, None).unwrap();
    let names = |records: &[serde_json::Value]| -> Vec<String> {
        (records.iter())
            .map(|record| record["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(names(&first), ["no cursor", "a", "b", "c"]);
    let state = state.expect("a checkpoint");
    assert_eq!(state["cursor"], json!("2026-12-01 10:00:00.500000"));
    // A row added later with the last value is read; the ones delivered are not read again.
    setup(
        "INSERT INTO read_events (at, name) VALUES ('2026-12-01 10:00:00.5', 'd'),
           ('2026-12-02 08:00', 'e'), ('2026-11-01 00:00', 'late and low');",
    );
    let (second, state) = read(&incremental, Some(&state)).unwrap();
    assert_eq!(names(&second), ["d", "e"]);
    let (third, _) = read(&incremental, state.as_ref()).unwrap();
    assert!(third.is_empty(), "nothing new: {third:?}");
}

#[test]
fn a_table_reads_its_columns_and_rows_as_asked_and_a_query_reads_its_result() {
    setup(
        "DROP TABLE IF EXISTS read_orders;
         CREATE TABLE read_orders (id int, status text, total decimal(10, 2));
         INSERT INTO read_orders SELECT seq, IF(seq % 2 = 0, 'paid', 'open'), seq * 1.5 FROM seq_1_to_2500;",
    );
    let table = config(json!({
        "table": "read_orders", "columns": ["total", "id"], "where": "status = 'paid'"
    }));
    let (records, _) = read(&table, None).unwrap();
    assert_eq!(records.len(), 1250);
    assert_eq!(records[0], json!({"total": "3", "id": 2}));
    let query = config(json!({
        "query": "SELECT status, count(*) AS orders FROM read_orders GROUP BY status ORDER BY status;"
    }));
    let (records, _) = read(&query, None).unwrap();
    assert_eq!(
        records,
        [
            json!({"status": "open", "orders": 1250}),
            json!({"status": "paid", "orders": 1250})
        ]
    );
}

#[test]
fn mistakes_in_the_node_are_named_and_hostile_names_are_only_missing_tables() {
    setup(
        "DROP TABLE IF EXISTS read_victims;
         CREATE TABLE read_victims (id int);
         INSERT INTO read_victims VALUES (1);",
    );
    let cases = [
        (
            json!({"table": "a", "query": "SELECT 1"}),
            "either `table` or `query`",
        ),
        (
            json!({"query": "SELECT 1 AS x, 2 AS x"}),
            "more than one column named `x`",
        ),
        (
            json!({"query": "SELECT 1 AS x", "cursor": "y"}),
            "cursor column `y` is not among the columns (x)",
        ),
        (json!({"table": "no_such_table"}), "doesn't exist"),
        (
            json!({"table": "read_victims`; DROP TABLE read_victims; --"}),
            "doesn't exist",
        ),
    ];
    for (node, expected) in cases {
        let error = read(&config(node.clone()), None).unwrap_err();
        assert!(error.contains(expected), "{node}: {error}");
    }
    let (records, _) = read(&config(json!({"table": "read_victims"})), None).unwrap();
    assert_eq!(records, [json!({"id": 1})]);
}

#[test]
fn connection_failures_say_what_failed_and_never_show_the_password() {
    let password = server()
        .into_iter()
        .find(|(name, _)| *name == "password")
        .unwrap()
        .1;
    let free_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
        .to_string();
    let cases: [(&[(&'static str, &str)], &str); 4] = [
        (
            &[("password", "wrong-password")],
            "refused the password of user sluice",
        ),
        (
            &[("database", "no_such_database")],
            "the database no_such_database does not exist",
        ),
        (&[("port", &free_port)], "nothing answers at 127.0.0.1"),
        (&[("tls", "sometimes")], "“sometimes” is not a TLS choice"),
    ];
    for (changes, expected) in cases {
        let error = super::connect::connect(credential(changes).as_ref()).expect_err("refused");
        assert!(error.contains(expected), "{changes:?}: {error}");
        assert!(
            !error.contains(&password) && !error.contains("wrong-password"),
            "{error}"
        );
    }
    // The test server has no TLS: `prefer` falls back to plain, `require` says why it cannot.
    assert!(super::connect::connect(credential(&[("tls", "prefer")]).as_ref()).is_ok());
    let error =
        super::connect::connect(credential(&[("tls", "require")]).as_ref()).expect_err("refused");
    assert!(error.contains("does not offer TLS"), "{error}");
}

#[test]
fn a_connection_url_stands_for_the_fields_and_never_shows_its_password() {
    let value = |name: &str| {
        (server().into_iter())
            .find(|(field, _)| *field == name)
            .unwrap()
            .1
    };
    let url = |password: &str| {
        format!(
            "mysql://{}:{password}@{}:{}/{}",
            value("user"),
            value("host"),
            value("port"),
            value("database")
        )
    };
    let only_url = |url: String| -> Arc<dyn CredentialAccess> {
        Arc::new(FixedCredential {
            kind: super::CREDENTIAL,
            values: vec![("url", url), ("tls", "disable".into())],
        })
    };
    assert!(super::connect::connect(only_url(url(&value("password"))).as_ref()).is_ok());
    let wrong =
        super::connect::connect(only_url(url("wr0ng-secret")).as_ref()).expect_err("refused");
    assert!(
        wrong.contains("refused the password of user sluice"),
        "{wrong}"
    );
    assert!(!wrong.contains("wr0ng-secret"), "{wrong}");
    let unreadable =
        super::connect::connect(only_url("mysql://sluice:s3cret@[::1".into()).as_ref())
            .expect_err("refused");
    assert!(
        unreadable.contains("is not one MySQL reads"),
        "{unreadable}"
    );
    assert!(!unreadable.contains("s3cret"), "{unreadable}");
}

#[test]
fn test_connection_says_where_it_connected_and_tables_are_listed_with_columns() {
    let test = super::credential_type().test.unwrap();
    let answer = test(credential(&[])).unwrap();
    assert!(
        answer.contains("connected to database sluice_test as sluice@")
            && answer.contains("MariaDB"),
        "{answer}"
    );
    assert!(test(credential(&[("user", "nobody")])).is_err());
    setup("DROP TABLE IF EXISTS browse_me;\n CREATE TABLE browse_me (id int, note varchar(20))");
    let browse = super::credential_type().browse.unwrap();
    let tables = browse(credential(&[])).unwrap();
    let table = tables
        .iter()
        .find(|table| table.name == "browse_me")
        .unwrap();
    let columns: Vec<(&str, &str)> = (table.columns.iter())
        .map(|column| (column.name.as_str(), column.data_type.as_str()))
        .collect();
    assert_eq!(columns, [("id", "int(11)"), ("note", "varchar(20)")]);
}
