//! `postgres.read` against a real PostgreSQL server: the throwaway one `tests/postgres.sh` starts
//! (as `make test` does), found in `SLUICE_TEST_POSTGRES`. Each test works in tables of its own.

use std::sync::Arc;

use serde_json::json;
use sluice_core::credential::CredentialAccess;

use super::PostgresReadConfig;
use crate::testing::{FixedCredential, read_source_with};

/// The test server's settings, from `SLUICE_TEST_POSTGRES` ("host=… port=… user=…").
pub(super) fn server() -> Vec<(&'static str, String)> {
    crate::testing::server_fields("SLUICE_TEST_POSTGRES")
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

/// Runs SQL on the test server.
pub(super) fn setup(sql: &str) {
    let (mut client, _) =
        super::connect::connect(credential(&[]).as_ref()).expect("the test server");
    client.batch_execute(sql).expect("setup SQL");
}

fn config(value: serde_json::Value) -> PostgresReadConfig {
    serde_json::from_value(value).unwrap()
}

/// Reads with the test credential, as JSON objects, and the checkpoint.
pub(super) fn read(
    config: &PostgresReadConfig,
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
        "DROP TABLE IF EXISTS read_types; DROP TYPE IF EXISTS read_mood;
         CREATE TYPE read_mood AS ENUM ('calm', 'busy');
         CREATE TABLE read_types (
           b bool, i2 int2, i4 int4, i8 int8, f4 real, f8 double precision,
           n numeric(30, 4), huge numeric, nan numeric, t text, vc varchar(10), c char(3), by bytea,
           d date, tm time, ts timestamp, tz timestamptz, j json, jb jsonb, ints int[], texts text[],
           u uuid, mood read_mood, span interval);
         INSERT INTO read_types VALUES (
           true, -2, 40000, 9007199254740993, 1.5, -2.25,
           12345678901234567890.1234, 123456789012345678901234567890123456789.5, 'NaN', 'Zoë ✓', 'ab', 'x',
           '\\x00ff', '2026-12-02', '13:45:30', '2026-12-02 13:45:30.5', '2026-12-02 13:45:30+02',
           '{\"a\": [1, 2]}', '{\"b\": {\"c\": null}}', '{1,NULL,3}', '{\"x\",\"y\"}',
           'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'busy', '1 day 02:00:00');
         INSERT INTO read_types DEFAULT VALUES;",
    );
    let (records, _) = read(&config(json!({"table": "read_types"})), None).unwrap();
    assert_eq!(records.len(), 2);
    assert_eq!(
        records[0],
        json!({
            "b": true, "i2": -2, "i4": 40000, "i8": 9007199254740993_i64, "f4": 1.5, "f8": -2.25,
            "n": "12345678901234567890.1234", "huge": "123456789012345678901234567890123456789.5",
            "nan": "NaN", "t": "Zoë ✓", "vc": "ab", "c": "x  ", "by": "00ff",
            "d": "2026-12-02", "tm": "13:45:30", "ts": "2026-12-02T13:45:30.500Z",
            "tz": "2026-12-02T11:45:30Z", "j": {"a": [1, 2]}, "jb": {"b": {"c": null}},
            "ints": [1, null, 3], "texts": ["x", "y"],
            "u": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "mood": "busy", "span": "1 day 02:00:00"
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
         CREATE TABLE read_events (id serial, at int, name text);
         INSERT INTO read_events (at, name) VALUES (1, 'a'), (2, 'b'), (2, 'c'), (NULL, 'no cursor');",
    );
    let incremental =
        config(json!({"table": "read_events", "cursor": "at", "columns": ["at", "name"]}));
    let (first, state) = read(&incremental, None).unwrap();
    let names = |records: &[serde_json::Value]| -> Vec<String> {
        (records.iter())
            .map(|record| record["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(names(&first), ["a", "b", "c", "no cursor"]);
    let state = state.expect("a checkpoint");
    assert_eq!(state["cursor"], json!("2"));
    // A row added later with the last value is read; the ones delivered are not read again.
    setup("INSERT INTO read_events (at, name) VALUES (2, 'd'), (3, 'e'), (0, 'late and low');");
    let (second, state) = read(&incremental, Some(&state)).unwrap();
    assert_eq!(names(&second), ["d", "e"]);
    let (third, _) = read(&incremental, state.as_ref()).unwrap();
    assert!(third.is_empty(), "nothing new: {third:?}");
}

#[test]
fn a_table_reads_its_columns_and_rows_as_asked_and_a_query_reads_its_result() {
    setup(
        "DROP SCHEMA IF EXISTS read_shop CASCADE; CREATE SCHEMA read_shop;
         CREATE TABLE read_shop.orders (id int, status text, total numeric(10, 2));
         INSERT INTO read_shop.orders SELECT n, CASE WHEN n % 2 = 0 THEN 'paid' ELSE 'open' END, n * 1.5
         FROM generate_series(1, 2500) AS n;",
    );
    let table = config(json!({
        "table": "orders", "schema": "read_shop", "columns": ["total", "id"], "where": "status = 'paid'"
    }));
    let (records, _) = read(&table, None).unwrap();
    assert_eq!(records.len(), 1250, "fetched in several round trips");
    assert_eq!(records[0], json!({"total": "3", "id": 2}));
    let query = config(json!({
        "query": "SELECT status, count(*) AS orders FROM read_shop.orders GROUP BY status ORDER BY status;"
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
fn mistakes_in_the_node_are_named() {
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
        (
            json!({"table": "no_such_table"}),
            "relation \"no_such_table\" does not exist",
        ),
    ];
    for (node, expected) in cases {
        let error = read(&config(node.clone()), None).unwrap_err();
        assert!(error.contains(expected), "{node}: {error}");
    }
}

#[test]
fn names_are_quoted_so_a_hostile_table_name_is_only_a_missing_table() {
    setup(
        "DROP TABLE IF EXISTS read_victims; CREATE TABLE read_victims (id int); INSERT INTO read_victims VALUES (1);",
    );
    let hostile = config(json!({"table": "read_victims\"; DROP TABLE read_victims; --"}));
    let error = read(&hostile, None).unwrap_err();
    assert!(error.contains("does not exist"), "{error}");
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
            "refused the password of user",
        ),
        (
            &[("database", "no_such_database")],
            "the database no_such_database does not exist",
        ),
        (&[("port", &free_port)], "nothing answers at 127.0.0.1"),
        (&[("tls", "sometimes")], "“sometimes” is not a TLS choice"),
    ];
    for (changes, expected) in cases {
        let error = super::connect::connect(credential(changes).as_ref())
            .err()
            .expect("refused");
        assert!(error.contains(expected), "{changes:?}: {error}");
        assert!(
            !error.contains(&password) && !error.contains("wrong-password"),
            "{error}"
        );
    }
    // The test server has no TLS: `prefer` falls back to plain, `require` says why it cannot.
    assert!(super::connect::connect(credential(&[("tls", "prefer")]).as_ref()).is_ok());
    let error = super::connect::connect(credential(&[("tls", "require")]).as_ref())
        .err()
        .expect("refused");
    assert!(error.contains("TLS") || error.contains("tls"), "{error}");
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
            "postgres://{}:{password}@{}:{}/{}?sslmode=disable",
            value("user"),
            value("host"),
            value("port"),
            value("database")
        )
    };
    // The URL alone: the fields are left empty.
    let only_url = |url: String| -> Arc<dyn CredentialAccess> {
        Arc::new(FixedCredential {
            kind: super::CREDENTIAL,
            values: vec![("url", url)],
        })
    };
    let right = only_url(url(&value("password")));
    assert!(super::connect::connect(right.as_ref()).is_ok());
    let wrong = super::connect::connect(only_url(url("wr0ng-secret")).as_ref())
        .err()
        .expect("refused");
    assert!(
        wrong.contains("refused the password of user sluice"),
        "{wrong}"
    );
    assert!(!wrong.contains("wr0ng-secret"), "{wrong}");
    let unreadable =
        super::connect::connect(only_url("postgres://sluice:s3cret@[::1".into()).as_ref())
            .err()
            .expect("refused");
    assert!(
        unreadable.contains("is not one PostgreSQL reads"),
        "{unreadable}"
    );
    assert!(!unreadable.contains("s3cret"), "{unreadable}");
    let nothing = super::connect::connect(only_url(String::new()).as_ref())
        .err()
        .expect("refused");
    assert!(
        nothing.contains("has no host: add it (or a connection URL)"),
        "{nothing}"
    );
}

#[test]
fn test_connection_says_where_it_connected() {
    let test = super::credential_type().test.unwrap();
    let answer = test(credential(&[])).unwrap();
    assert!(
        answer.contains("connected to database sluice_test as sluice (PostgreSQL"),
        "{answer}"
    );
    assert!(test(credential(&[("user", "nobody")])).is_err());
}
