//! `postgres.write` against the real test server (see `tests.rs`): types round-trip, every mode,
//! failures that leave the table as it was, refusals, hostile names, and finishing a staging
//! after the process that made it stopped.

use std::sync::Arc;

use serde_json::json;
use sluice_core::commit::CredentialLookup;
use sluice_core::component::SinkConfig;
use sluice_core::credential::CredentialAccess;
use sluice_core::engine::Output;
use sluice_core::{OnError, Record};

use super::tests::{credential, read, setup};
use super::{PostgresReadConfig, PostgresWriteConfig};
use crate::testing::{read_source_with, records, with_context, write_sink_with};

fn write_config(value: serde_json::Value) -> PostgresWriteConfig {
    serde_json::from_value(value).unwrap()
}

/// Writes `records` with the test credential and commits (or aborts); the rejected records.
fn write(
    config: &PostgresWriteConfig,
    records: Vec<Record>,
    commit: bool,
) -> Result<Vec<Record>, String> {
    let folder = tempfile::tempdir().unwrap();
    write_sink_with(
        config,
        folder.path(),
        records,
        commit,
        Some(credential(&[])),
    )
}

/// The rows of a table, in the order of `order`, as JSON objects.
fn rows(table: &str, order: &str) -> Vec<serde_json::Value> {
    let query = format!("SELECT * FROM {table} ORDER BY {order}");
    read(&read_config(json!({ "query": query })), None)
        .unwrap()
        .0
}

fn read_config(value: serde_json::Value) -> PostgresReadConfig {
    serde_json::from_value(value).unwrap()
}

/// The staging tables left in `schema`.
fn leftovers(schema: &str) -> Vec<serde_json::Value> {
    let query = format!(
        "SELECT tablename FROM pg_tables WHERE schemaname = '{schema}' AND tablename LIKE 'sluice_staging_%'"
    );
    read(&read_config(json!({ "query": query })), None)
        .unwrap()
        .0
}

/// An empty schema of the test's own (tests run at once, and their runs share one run id), then
/// `sql` in it.
fn fresh(schema: &str, sql: &str) {
    setup(&format!(
        "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}; SET search_path = {schema}; {sql}"
    ));
}

#[test]
fn every_type_round_trips_into_a_new_table_and_into_one_of_the_same_types() {
    fresh(
        "wt_types",
        "CREATE TYPE mood AS ENUM ('calm', 'busy');
         CREATE TABLE original (
           id int PRIMARY KEY, b bool, i2 int2, i4 int4, i8 int8, f4 real, f8 double precision,
           n numeric(30, 4), huge numeric, nan numeric, t text, vc varchar(10), c char(3), by bytea,
           d date, tm time, ts timestamp, tz timestamptz, j json, jb jsonb, ints int[], texts text[],
           u uuid, mood mood, span interval);
         INSERT INTO original VALUES (1,
           true, -2, 40000, 9007199254740993, 1.5, -2.25,
           -12345678901234567890.1234, 123456789012345678901234567890123456789.5, 'NaN', 'Zoë ✓ \"q\" '';', 'ab', 'x',
           '\\x00ff', '1999-12-31', '13:45:30.25', '2026-12-02 13:45:30.5', '2026-12-02 13:45:30+02',
           '{\"a\": [1, 2]}', '{\"b\": {\"c\": null}}', '{1,NULL,3}', '{\"x, y\",\"z\\\\\"}',
           'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'busy', '1 day 02:00:00');
         INSERT INTO original (id) VALUES (2);
         CREATE TABLE same_types (LIKE original);",
    );
    let folder = tempfile::tempdir().unwrap();
    let source = read_config(json!({"table": "original", "schema": "wt_types"}));
    let original = read_source_with(&source, folder.path(), None, Some(credential(&[])))
        .unwrap()
        .records;
    assert_eq!(original.len(), 2);
    for table in ["new_table", "same_types"] {
        let config = json!({"schema": "wt_types", "table": table, "mode": "replace"});
        let rejected = write(&write_config(config), original.clone(), true).unwrap();
        assert!(rejected.is_empty(), "{table}: {rejected:?}");
        assert_eq!(
            rows(&format!("wt_types.{table}"), "id"),
            rows("wt_types.original", "id"),
            "{table}"
        );
    }
    // Sluice made the new table's columns from the values' types.
    let types = rows(
        "information_schema.columns WHERE table_schema = 'wt_types' AND table_name = 'new_table' AND column_name IN ('i2', 'n', 'tz', 'jb', 'by')",
        "column_name",
    );
    let types: Vec<&str> = types
        .iter()
        .map(|row| row["data_type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "bytea",
            "bigint",
            "jsonb",
            "numeric",
            "timestamp with time zone"
        ]
    );
}

#[test]
fn append_adds_replace_swaps_and_upsert_updates_by_key_adding_new_columns() {
    fresh("wt_modes", "");
    let append = write_config(json!({"schema": "wt_modes", "table": "modes"}));
    let first = records(json!([{"id": 1, "name": "a"}, {"id": 2, "name": "b"}]));
    write(&append, first, true).unwrap();
    write(
        &append,
        records(json!([{"id": 3, "name": "c", "extra": 1.5}])),
        true,
    )
    .unwrap();
    assert_eq!(
        rows("wt_modes.modes", "id"),
        [
            json!({"id": 1, "name": "a", "extra": null}),
            json!({"id": 2, "name": "b", "extra": null}),
            json!({"id": 3, "name": "c", "extra": 1.5}),
        ]
    );
    let replace = write_config(json!({"schema": "wt_modes", "table": "modes", "mode": "replace"}));
    write(&replace, records(json!([{"id": 7, "name": "g"}])), true).unwrap();
    assert_eq!(
        rows("wt_modes.modes", "id"),
        [json!({"id": 7, "name": "g", "extra": null})]
    );

    let upsert = write_config(
        json!({"schema": "wt_modes", "table": "upserted", "mode": "upsert", "key": ["id"]}),
    );
    let first = records(json!([{"id": 1, "name": "a"}, {"id": 2, "name": "b"}]));
    write(&upsert, first, true).unwrap();
    // The same key twice in one run: the last record wins.
    let again = records(json!([
        {"id": 2, "name": "B"}, {"id": 3, "name": "c"}, {"id": 2, "name": "B2"}
    ]));
    write(&upsert, again, true).unwrap();
    assert_eq!(
        rows("wt_modes.upserted", "id"),
        [
            json!({"id": 1, "name": "a"}),
            json!({"id": 2, "name": "B2"}),
            json!({"id": 3, "name": "c"})
        ]
    );
    assert!(leftovers("wt_modes").is_empty());
}

#[test]
fn a_failed_or_cancelled_run_leaves_the_table_as_it_was_in_every_mode() {
    for mode in ["append", "replace", "upsert"] {
        fresh(
            "wt_abort",
            "CREATE TABLE kept (id int PRIMARY KEY, name text); INSERT INTO kept VALUES (1, 'kept');",
        );
        let config = json!({"schema": "wt_abort", "table": "kept", "mode": mode, "key": ["id"]});
        let many: Vec<_> = (0..5000)
            .map(|id| json!({"id": id, "name": "new"}))
            .collect();
        write(&write_config(config), records(json!(many)), false).unwrap();
        assert_eq!(
            rows("wt_abort.kept", "id"),
            [json!({"id": 1, "name": "kept"})],
            "{mode}"
        );
        assert!(leftovers("wt_abort").is_empty());
    }
    // Nor is the new table (or schema) a failed run would have made.
    setup("DROP SCHEMA IF EXISTS wt_never CASCADE");
    let config = json!({"schema": "wt_never", "create_schema": true, "table": "never"});
    write(&write_config(config), records(json!([{"id": 1}])), false).unwrap();
    assert!(rows("pg_namespace WHERE nspname = 'wt_never'", "1").is_empty());
}

#[test]
fn a_killed_connection_fails_the_run_and_leaves_the_table_as_it_was() {
    fresh(
        "wt_killed",
        "CREATE TABLE kept (id bigint, name text); INSERT INTO kept VALUES (1, 'kept');",
    );
    let config = write_config(json!({"schema": "wt_killed", "table": "kept"}));
    let folder = tempfile::tempdir().unwrap();
    let failed = with_context(folder.path(), None, Some(credential(&[])), |context| {
        let mut output = Output::for_test(&[], OnError::Route);
        let staging = config.staging(context).unwrap();
        let mut sink = config.build(context, &staging).unwrap();
        let batch = records(json!([{"id": 2, "name": "lost"}]));
        sink.write(batch, &mut output).unwrap();
        setup(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
             WHERE pid <> pg_backend_pid() AND query LIKE '%\"wt_killed\".\"sluice_staging_%'",
        );
        let failed = sink.prepare(&mut output).unwrap_err().to_string();
        sink.abort();
        failed
    });
    assert!(failed.contains("wt_killed.kept"), "{failed}");
    assert_eq!(
        rows("wt_killed.kept", "id"),
        [json!({"id": 1, "name": "kept"})]
    );
    assert!(leftovers("wt_killed").is_empty());
}

#[test]
fn upsert_without_a_unique_key_is_refused_before_anything_is_written() {
    fresh(
        "wt_nokey",
        "CREATE TABLE plain (id int, name text); INSERT INTO plain VALUES (1, 'kept');",
    );
    let config = json!({"schema": "wt_nokey", "table": "plain", "mode": "upsert", "key": ["id"]});
    let batch = records(json!([{"id": 1, "name": "new"}]));
    let error = write(&write_config(config), batch, true).unwrap_err();
    assert!(
        error.contains("has no primary key or unique index on (id)")
            && error.contains("CREATE UNIQUE INDEX ON \"wt_nokey\".\"plain\" (\"id\")"),
        "{error}"
    );
    assert_eq!(
        rows("wt_nokey.plain", "id"),
        [json!({"id": 1, "name": "kept"})]
    );
    assert!(leftovers("wt_nokey").is_empty());
}

#[test]
fn records_the_table_cannot_take_are_rejected_with_the_reason_and_the_rest_written() {
    fresh(
        "wt_refuse",
        "CREATE TABLE strict (id int PRIMARY KEY, code varchar(3), born date CHECK (born > '1900-01-01'));",
    );
    let config = write_config(json!({"schema": "wt_refuse", "table": "strict"}));
    let batch = records(json!([
        {"id": 1, "code": "ok", "born": "2001-02-03"},
        {"id": "two", "code": "ok"},
        {"id": 3, "code": "toolong"},
        {"id": 4, "born": "1800-01-01"},
        {"id": 5, "code": "a\u{0}b"},
        {"id": 6, "code": "yes", "born": "2020-01-01"},
    ]));
    let rejected = write(&config, batch, true).unwrap();
    let reasons: Vec<String> = rejected
        .iter()
        .map(|record| record.get("_error").unwrap().to_text().into_owned())
        .collect();
    assert_eq!(
        reasons,
        [
            "field `id`: the text “two” does not fit a column of type integer",
            "field `code`: the text holds a NUL character, which PostgreSQL cannot store",
            "the table refused the record: value too long for type character varying(3)",
            "the table refused the record: new row for relation \"strict\" violates check constraint \"strict_born_check\"",
        ]
    );
    assert_eq!(
        rejected[2].get("code"),
        Some(&sluice_core::Value::from("toolong"))
    );
    assert_eq!(
        rows("wt_refuse.strict", "id"),
        [
            json!({"id": 1, "code": "ok", "born": "2001-02-03"}),
            json!({"id": 6, "code": "yes", "born": "2020-01-01"}),
        ]
    );
}

#[test]
fn hostile_names_and_values_are_only_names_and_values() {
    let table = "evil\"; DROP TABLE wt_hostile.victim; --";
    fresh(
        "wt_hostile",
        "CREATE TABLE victim (id int); INSERT INTO victim VALUES (1);",
    );
    let config = write_config(json!({"schema": "wt_hostile", "table": table}));
    let value = "'); DROP TABLE wt_hostile.victim; --";
    let field = "a\"b; DROP TABLE wt_hostile.victim";
    write(&config, records(json!([{ field: value }])), true).unwrap();
    assert_eq!(rows("wt_hostile.victim", "id"), [json!({"id": 1})]);
    let written = rows(&format!("wt_hostile.{}", super::quote(table)), "1");
    assert_eq!(written, [json!({ field: value })]);
}

/// The test credential, by any name.
struct TestCredentials;

impl CredentialLookup for TestCredentials {
    fn credential(&self, _name: &str) -> Result<Arc<dyn CredentialAccess>, String> {
        Ok(credential(&[]))
    }
}

#[test]
fn a_staging_left_by_a_stopped_process_is_published_once_or_discarded() {
    fresh("wt_recover", "CREATE TABLE later (id bigint PRIMARY KEY)");
    let kind = super::staging_kind();
    for publish in [true, false] {
        let config =
            json!({"schema": "wt_recover", "table": "later", "mode": "upsert", "key": ["id"]});
        let config = write_config(config);
        let folder = tempfile::tempdir().unwrap();
        let staging = with_context(folder.path(), None, Some(credential(&[])), |context| {
            let mut output = Output::for_test(&[], OnError::Route);
            let staging = config.staging(context).unwrap();
            let mut sink = config.build(context, &staging).unwrap();
            sink.write(records(json!([{"id": 10}, {"id": 11}])), &mut output)
                .unwrap();
            sink.prepare(&mut output).unwrap();
            // The process stops here: its publishing transaction dies with its connection.
            drop(sink);
            staging
        });
        assert!(rows("wt_recover.later", "id").is_empty());
        assert_eq!(leftovers("wt_recover").len(), 1);
        if publish {
            for _ in 0..2 {
                assert_eq!((kind.publish)(&staging.detail, &TestCredentials), Ok(0));
            }
            assert_eq!(
                rows("wt_recover.later", "id"),
                [json!({"id": 10}), json!({"id": 11})]
            );
            setup("DELETE FROM wt_recover.later");
        } else {
            for _ in 0..2 {
                assert_eq!((kind.discard)(&staging.detail, &TestCredentials), Ok(()));
            }
            assert!(rows("wt_recover.later", "id").is_empty());
        }
        assert!(leftovers("wt_recover").is_empty());
    }
}

#[test]
fn a_replace_whose_records_are_all_refused_leaves_the_table_as_it_was() {
    fresh(
        "wt_all_refused",
        "CREATE TABLE kept (id int, name text); INSERT INTO kept VALUES (1, 'kept');",
    );
    let config = json!({"schema": "wt_all_refused", "table": "kept", "mode": "replace"});
    let batch = records(json!([{"id": "one"}, {"id": "two"}]));
    let rejected = write(&write_config(config), batch, true).unwrap();
    assert_eq!(rejected.len(), 2);
    assert_eq!(
        rows("wt_all_refused.kept", "id"),
        [json!({"id": 1, "name": "kept"})]
    );
    assert!(leftovers("wt_all_refused").is_empty());
}

#[test]
fn values_a_typed_column_would_round_or_cut_are_refused_not_changed() {
    fresh(
        "wt_typmods",
        "CREATE TABLE typed (id int, price numeric(6, 2), codes varchar(3)[], ratio real);",
    );
    let config = json!({"schema": "wt_typmods", "table": "typed"});
    let batch = records(json!([
        {"id": 1, "price": "12.5", "codes": ["abc"], "ratio": 0.5},
        {"id": 2, "price": "1.005"},
        {"id": 3, "price": "123456"},
        {"id": 4, "codes": ["abcd"]},
        {"id": 5, "ratio": 1e300},
    ]));
    let rejected = write(&write_config(config), batch, true).unwrap();
    let reasons: Vec<String> = rejected
        .iter()
        .map(|record| record.get("_error").unwrap().to_text().into_owned())
        .collect();
    assert_eq!(reasons.len(), 4, "{reasons:#?}");
    assert!(
        reasons[0].contains("more decimals than the column's 2"),
        "{reasons:#?}"
    );
    assert!(
        reasons[1].contains("more digits than the column's numeric(6, 2)"),
        "{reasons:#?}"
    );
    assert!(
        reasons[2].contains("does not fit a column of type real"),
        "{reasons:#?}"
    );
    assert!(
        reasons[3].contains("value too long for type character varying(3)"),
        "{reasons:#?}"
    );
    assert_eq!(
        rows("wt_typmods.typed", "id"),
        [json!({"id": 1, "price": "12.5", "codes": ["abc"], "ratio": 0.5})]
    );
}
