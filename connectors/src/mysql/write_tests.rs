//! `mysql.write` against the real test server (see `tests.rs`): types round-trip, every mode,
//! failures that leave the table as it was, refusals, hostile names, and finishing a staging
//! after the process that made it stopped. Each test works in a database of its own (their runs
//! share one run id, so one staging table name).

use std::sync::Arc;

use serde_json::json;
use sluice_core::commit::CredentialLookup;
use sluice_core::component::SinkConfig;
use sluice_core::credential::CredentialAccess;
use sluice_core::engine::Output;
use sluice_core::{OnError, Record};

use super::tests::{credential, setup};
use super::{MysqlReadConfig, MysqlWriteConfig};
use crate::testing::{read_source_with, records, with_context, write_sink_with};

/// An empty database of the test's own, then `sql` in it.
fn fresh(database: &str, sql: &str) {
    setup(&format!(
        "DROP DATABASE IF EXISTS {database};\n CREATE DATABASE {database} CHARACTER SET utf8mb4;\n USE {database};\n {sql}"
    ));
}

/// The test credential, in `database`.
fn in_database(database: &'static str) -> Arc<dyn CredentialAccess> {
    credential(&[("database", database)])
}

fn write_config(value: serde_json::Value) -> MysqlWriteConfig {
    serde_json::from_value(value).unwrap()
}

fn write(
    database: &'static str,
    config: serde_json::Value,
    records: Vec<Record>,
    commit: bool,
) -> Result<Vec<Record>, String> {
    let folder = tempfile::tempdir().unwrap();
    let config = write_config(config);
    write_sink_with(
        &config,
        folder.path(),
        records,
        commit,
        Some(in_database(database)),
    )
}

/// The rows of a query in `database`, as JSON objects.
fn rows(database: &'static str, query: &str) -> Vec<serde_json::Value> {
    let folder = tempfile::tempdir().unwrap();
    let config: MysqlReadConfig = serde_json::from_value(json!({ "query": query })).unwrap();
    let result = read_source_with(&config, folder.path(), None, Some(in_database(database)));
    (result.unwrap().records.iter())
        .map(|record| serde_json::to_value(record).unwrap())
        .collect()
}

/// The staging tables left in `database`.
fn leftovers(database: &'static str) -> Vec<serde_json::Value> {
    rows(
        database,
        "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE 'sluice_staging_%'",
    )
}

#[test]
fn every_type_round_trips_into_a_new_table_and_into_one_of_the_same_types() {
    fresh(
        "wt_types",
        "CREATE TABLE original (
           id int PRIMARY KEY, flag tinyint(1), i2 smallint, i8 bigint, u8 bigint unsigned,
           f8 double, n decimal(30, 4), t text, vc varchar(10), bin varbinary(4), d date,
           tm time(3), dt datetime(6), ts timestamp(0) NULL, j json, e enum('calm', 'busy'));
         INSERT INTO original VALUES (1, true, -300, 9007199254740993, 18446744073709551615,
           -2.25, -12345678901234567890.1234, 'Zoë ✓ \"q\" '';', 'ab', x'00ff', '1999-12-31',
           '13:45:30.250', '2026-12-02 13:45:30.5', '2026-12-02 11:45:30', '{\"a\": [1, null]}', 'busy');
         INSERT INTO original (id) VALUES (2);
         CREATE TABLE same_types LIKE original",
    );
    let folder = tempfile::tempdir().unwrap();
    let source: MysqlReadConfig = serde_json::from_value(json!({"table": "original"})).unwrap();
    let original = read_source_with(&source, folder.path(), None, Some(in_database("wt_types")))
        .unwrap()
        .records;
    assert_eq!(original.len(), 2);
    let expected = rows("wt_types", "SELECT * FROM original ORDER BY id");
    for table in ["new_table", "same_types"] {
        let config = json!({"table": table, "mode": "replace"});
        let rejected = write("wt_types", config, original.clone(), true).unwrap();
        assert!(rejected.is_empty(), "{table}: {rejected:?}");
        let query = format!("SELECT * FROM {table} ORDER BY id");
        assert_eq!(rows("wt_types", &query), expected, "{table}");
    }
    assert!(leftovers("wt_types").is_empty());
}

#[test]
fn append_adds_replace_swaps_and_upsert_updates_by_key_adding_new_columns() {
    fresh("wt_modes", "SELECT 1");
    let first = records(json!([{"id": 1, "name": "a"}, {"id": 2, "name": "b"}]));
    write("wt_modes", json!({"table": "modes"}), first, true).unwrap();
    let more = records(json!([{"id": 3, "name": "c", "extra": 1.5}]));
    write("wt_modes", json!({"table": "modes"}), more, true).unwrap();
    assert_eq!(
        rows("wt_modes", "SELECT * FROM modes ORDER BY id"),
        [
            json!({"id": 1, "name": "a", "extra": null}),
            json!({"id": 2, "name": "b", "extra": null}),
            json!({"id": 3, "name": "c", "extra": 1.5}),
        ]
    );
    let replace = json!({"table": "modes", "mode": "replace"});
    write(
        "wt_modes",
        replace,
        records(json!([{"id": 7, "name": "g"}])),
        true,
    )
    .unwrap();
    assert_eq!(
        rows("wt_modes", "SELECT * FROM modes ORDER BY id"),
        [json!({"id": 7, "name": "g", "extra": null})]
    );

    let upsert = json!({"table": "upserted", "mode": "upsert", "key": ["id"]});
    // The same key twice in one run, into a new table and into the existing one: the last wins.
    let first =
        records(json!([{"id": 1, "name": "a"}, {"id": 2, "name": "b"}, {"id": 1, "name": "A"}]));
    write("wt_modes", upsert.clone(), first, true).unwrap();
    let again = records(json!([
        {"id": 2, "name": "B"}, {"id": 3, "name": "c"}, {"id": 2, "name": "B2"}
    ]));
    write("wt_modes", upsert, again, true).unwrap();
    assert_eq!(
        rows("wt_modes", "SELECT * FROM upserted ORDER BY id"),
        [
            json!({"id": 1, "name": "A"}),
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
            "CREATE TABLE kept (id int PRIMARY KEY, name text);
             INSERT INTO kept VALUES (1, 'kept')",
        );
        let config = json!({"table": "kept", "mode": mode, "key": ["id"]});
        let many: Vec<_> = (0..3000)
            .map(|id| json!({"id": id, "name": "new"}))
            .collect();
        write("wt_abort", config, records(json!(many)), false).unwrap();
        assert_eq!(
            rows("wt_abort", "SELECT * FROM kept"),
            [json!({"id": 1, "name": "kept"})],
            "{mode}"
        );
        assert!(leftovers("wt_abort").is_empty());
    }
    // Nor is the new table a failed run would have made.
    write(
        "wt_abort",
        json!({"table": "never"}),
        records(json!([{"id": 1}])),
        false,
    )
    .unwrap();
    let tables = "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()";
    assert_eq!(rows("wt_abort", tables), [json!({"TABLE_NAME": "kept"})]);
}

#[test]
fn a_killed_connection_fails_the_run_and_leaves_the_table_as_it_was() {
    fresh(
        "wt_killed",
        "CREATE TABLE kept (id bigint, name text);
         INSERT INTO kept VALUES (1, 'kept')",
    );
    let config = write_config(json!({"table": "kept"}));
    let folder = tempfile::tempdir().unwrap();
    let failed = with_context(
        folder.path(),
        None,
        Some(in_database("wt_killed")),
        |context| {
            let mut output = Output::for_test(&[], OnError::Route);
            let staging = config.staging(context).unwrap();
            let mut sink = config.build(context, &staging).unwrap();
            sink.write(records(json!([{"id": 2, "name": "lost"}])), &mut output)
                .unwrap();
            let ids = rows(
                "wt_killed",
                "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = 'wt_killed' AND ID <> CONNECTION_ID()",
            );
            for id in ids {
                setup(&format!("KILL CONNECTION {}", id["ID"]));
            }
            let failed = sink.prepare(&mut output).unwrap_err().to_string();
            sink.abort();
            failed
        },
    );
    assert!(failed.contains("kept"), "{failed}");
    assert_eq!(
        rows("wt_killed", "SELECT * FROM kept"),
        [json!({"id": 1, "name": "kept"})]
    );
    assert!(leftovers("wt_killed").is_empty());
}

#[test]
fn upsert_without_a_unique_key_is_refused_before_anything_is_written() {
    fresh(
        "wt_nokey",
        "CREATE TABLE plain (id int, name text);
         INSERT INTO plain VALUES (1, 'kept')",
    );
    let config = json!({"table": "plain", "mode": "upsert", "key": ["id"]});
    let batch = records(json!([{"id": 1, "name": "new"}]));
    let error = write("wt_nokey", config, batch, true).unwrap_err();
    assert!(
        error.contains("has no primary key or unique index on (id)")
            && error.contains("CREATE UNIQUE INDEX sluice_key ON `plain` (`id`)"),
        "{error}"
    );
    assert_eq!(
        rows("wt_nokey", "SELECT * FROM plain"),
        [json!({"id": 1, "name": "kept"})]
    );
    assert!(leftovers("wt_nokey").is_empty());
}

#[test]
fn records_the_table_cannot_take_are_rejected_with_the_reason_and_the_rest_written() {
    fresh(
        "wt_refuse",
        "CREATE TABLE strict_table (id int PRIMARY KEY, code varchar(3), price decimal(6, 2),
           born date CHECK (born > '1900-01-01'))",
    );
    let batch = records(json!([
        {"id": 1, "code": "ok", "born": "2001-02-03"},
        {"id": "two", "code": "ok"},
        {"id": 3, "code": "toolong"},
        {"id": 4, "born": "1800-01-01"},
        {"id": 5, "price": "1.239"},
        {"id": 1, "code": "dup"},
        {"id": 6, "code": "yes", "price": 12.5, "born": "2020-01-01"},
    ]));
    let rejected = write("wt_refuse", json!({"table": "strict_table"}), batch, true).unwrap();
    let reasons: Vec<String> = rejected
        .iter()
        .map(|record| record.get("_error").unwrap().to_text().into_owned())
        .collect();
    assert_eq!(reasons.len(), 5, "{reasons:#?}");
    assert_eq!(
        reasons[0],
        "field `id`: the text “two” does not fit a column of type BIGINT"
    );
    assert_eq!(
        reasons[1],
        "field `price`: the text “1.239” has more decimals than the column's 2: it would be rounded"
    );
    assert!(
        reasons[2].contains("Data too long for column 'code'"),
        "{reasons:#?}"
    );
    assert!(reasons[3].contains("CONSTRAINT"), "{reasons:#?}");
    assert!(reasons[4].contains("Duplicate entry '1'"), "{reasons:#?}");
    assert_eq!(
        rows(
            "wt_refuse",
            "SELECT id, code, price FROM strict_table ORDER BY id"
        ),
        [
            json!({"id": 1, "code": "ok", "price": null}),
            json!({"id": 6, "code": "yes", "price": "12.5"}),
        ]
    );
}

#[test]
fn hostile_names_and_values_are_only_names_and_values() {
    let table = "evil`; DROP TABLE victim; --";
    fresh(
        "wt_hostile",
        "CREATE TABLE victim (id int);
         INSERT INTO victim VALUES (1)",
    );
    let value = "'); DROP TABLE victim; --";
    let field = "a`b; DROP TABLE victim";
    write(
        "wt_hostile",
        json!({"table": table}),
        records(json!([{ field: value }])),
        true,
    )
    .unwrap();
    assert_eq!(
        rows("wt_hostile", "SELECT * FROM victim"),
        [json!({"id": 1})]
    );
    let written = rows(
        "wt_hostile",
        &format!("SELECT * FROM {}", super::quote(table)),
    );
    assert_eq!(written, [json!({ field: value })]);
}

/// The test credential, by any name.
struct TestCredentials;

impl CredentialLookup for TestCredentials {
    fn credential(&self, _name: &str) -> Result<Arc<dyn CredentialAccess>, String> {
        Ok(in_database("wt_recover"))
    }
}

#[test]
fn a_staging_left_by_a_stopped_process_is_published_once_or_discarded() {
    fresh("wt_recover", "CREATE TABLE later (id bigint PRIMARY KEY)");
    let kind = super::staging_kind();
    for publish in [true, false] {
        let config = write_config(json!({"table": "later", "mode": "upsert", "key": ["id"]}));
        let folder = tempfile::tempdir().unwrap();
        let staging = with_context(
            folder.path(),
            None,
            Some(in_database("wt_recover")),
            |context| {
                let mut output = Output::for_test(&[], OnError::Route);
                let staging = config.staging(context).unwrap();
                let mut sink = config.build(context, &staging).unwrap();
                sink.write(records(json!([{"id": 10}, {"id": 11}])), &mut output)
                    .unwrap();
                sink.prepare(&mut output).unwrap();
                // The process stops here: its publishing transaction dies with its connection.
                drop(sink);
                staging
            },
        );
        assert!(rows("wt_recover", "SELECT * FROM later").is_empty());
        assert_eq!(leftovers("wt_recover").len(), 1);
        if publish {
            for _ in 0..2 {
                assert_eq!((kind.publish)(&staging.detail, &TestCredentials), Ok(0));
            }
            assert_eq!(
                rows("wt_recover", "SELECT * FROM later ORDER BY id"),
                [json!({"id": 10}), json!({"id": 11})]
            );
            setup("DELETE FROM wt_recover.later");
        } else {
            for _ in 0..2 {
                assert_eq!((kind.discard)(&staging.detail, &TestCredentials), Ok(()));
            }
            assert!(rows("wt_recover", "SELECT * FROM later").is_empty());
        }
        assert!(leftovers("wt_recover").is_empty());
    }
}

#[test]
fn a_replace_whose_records_are_all_refused_leaves_the_table_as_it_was() {
    fresh(
        "wt_all_refused",
        "CREATE TABLE kept (id int, name text);
         INSERT INTO kept VALUES (1, 'kept')",
    );
    let config = json!({"table": "kept", "mode": "replace"});
    let batch = records(json!([{"id": "one"}, {"id": "two"}]));
    let rejected = write("wt_all_refused", config, batch, true).unwrap();
    assert_eq!(rejected.len(), 2);
    assert_eq!(
        rows("wt_all_refused", "SELECT * FROM kept"),
        [json!({"id": 1, "name": "kept"})]
    );
    assert!(leftovers("wt_all_refused").is_empty());
}

#[test]
fn a_run_that_prepared_then_failed_leaves_the_rows_as_they_were_even_after_adding_a_column() {
    fresh(
        "wt_prepared",
        "CREATE TABLE kept (id int PRIMARY KEY, name text);
         INSERT INTO kept VALUES (1, 'kept')",
    );
    let config = write_config(json!({"table": "kept", "mode": "replace"}));
    let folder = tempfile::tempdir().unwrap();
    with_context(
        folder.path(),
        None,
        Some(in_database("wt_prepared")),
        |context| {
            let mut output = Output::for_test(&[], OnError::Route);
            let staging = config.staging(context).unwrap();
            let mut sink = config.build(context, &staging).unwrap();
            let batch = records(json!([{"id": 2, "name": "new", "added": "x"}]));
            sink.write(batch, &mut output).unwrap();
            sink.prepare(&mut output).unwrap();
            // Another sink of the run failed: this one aborts after preparing.
            sink.abort();
        },
    );
    // MySQL added the column at once (it cannot inside a transaction); the rows are untouched.
    assert_eq!(
        rows("wt_prepared", "SELECT * FROM kept"),
        [json!({"id": 1, "name": "kept", "added": null})]
    );
    assert!(leftovers("wt_prepared").is_empty());
}

#[test]
fn upsert_matches_by_its_key_only_and_a_table_without_transactions_is_refused() {
    fresh(
        "wt_keys",
        "CREATE TABLE people (id int PRIMARY KEY, email varchar(40) UNIQUE, flag tinyint(1));
         INSERT INTO people VALUES (1, 'ada@example.org', 5), (2, 'alan@example.org', 1);
         CREATE TABLE old_style (id int PRIMARY KEY) ENGINE = MyISAM",
    );
    // Record 3 takes Ada's e-mail: it must not update Ada's row through the e-mail's index.
    let batch = records(json!([
        {"id": 2, "email": "alan@example.com"},
        {"id": 3, "email": "ada@example.org"},
    ]));
    let config = json!({"table": "people", "mode": "upsert", "key": ["id"]});
    let rejected = write("wt_keys", config, batch, true).unwrap();
    assert_eq!(rejected.len(), 1, "{rejected:?}");
    assert!(
        rejected[0]
            .get("_error")
            .unwrap()
            .to_text()
            .contains("Duplicate entry"),
        "{rejected:?}"
    );
    assert_eq!(
        rows("wt_keys", "SELECT * FROM people ORDER BY id"),
        [
            // A tinyint(1) holding 5 reads as 5, not as true.
            json!({"id": 1, "email": "ada@example.org", "flag": 5}),
            json!({"id": 2, "email": "alan@example.com", "flag": true}),
        ]
    );
    let error = write(
        "wt_keys",
        json!({"table": "old_style"}),
        records(json!([{"id": 1}])),
        true,
    )
    .unwrap_err();
    assert!(error.contains("uses the MyISAM engine"), "{error}");
}
