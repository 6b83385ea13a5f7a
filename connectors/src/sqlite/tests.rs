//! `sqlite.read` and `sqlite.write` on their own: types, modes, all-or-nothing runs, cursors.

use rusqlite::Connection;
use serde_json::json;

use super::{SqliteReadConfig, SqliteWriteConfig};
use crate::testing::{read_source, records, write_sink};

fn write_config(value: serde_json::Value) -> SqliteWriteConfig {
    serde_json::from_value(value).unwrap()
}

fn rows(path: &std::path::Path, sql: &str) -> Vec<Vec<rusqlite::types::Value>> {
    let connection = Connection::open(path).unwrap();
    let mut statement = connection.prepare(sql).unwrap();
    let width = statement.column_count();
    statement
        .query_map([], |row| (0..width).map(|index| row.get(index)).collect())
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

use rusqlite::types::Value::{Integer, Null, Real, Text};

#[test]
fn creates_the_table_from_the_records_and_adds_later_columns() {
    let folder = tempfile::tempdir().unwrap();
    let config = write_config(json!({"path": "out.db", "table": "people"}));
    let input = records(json!([
        {"id": 1, "name": "Ada", "score": 1.5, "vip": true, "tags": ["x"]},
        {"id": 2, "name": "Zoë", "score": null},
        {"id": 3, "name": "Bob"},
        {"id": 4, "name": "Eve", "country": "DE"},
    ]));
    let rejected = write_sink(&config, folder.path(), input, true).unwrap();
    assert!(rejected.is_empty());
    let db = folder.path().join("out.db");
    let types = rows(
        &db,
        "SELECT name, type FROM pragma_table_info('people') ORDER BY cid",
    );
    assert_eq!(
        types,
        vec![
            vec![Text("id".into()), Text("INTEGER".into())],
            vec![Text("name".into()), Text("TEXT".into())],
            vec![Text("score".into()), Text("REAL".into())],
            vec![Text("vip".into()), Text("INTEGER".into())],
            vec![Text("tags".into()), Text("TEXT".into())],
            vec![Text("country".into()), Text("TEXT".into())],
        ]
    );
    assert_eq!(
        rows(
            &db,
            "SELECT id, name, score, vip, tags, country FROM people ORDER BY id"
        ),
        vec![
            vec![
                Integer(1),
                Text("Ada".into()),
                Real(1.5),
                Integer(1),
                Text("[\"x\"]".into()),
                Null
            ],
            vec![Integer(2), Text("Zoë".into()), Null, Null, Null, Null],
            vec![Integer(3), Text("Bob".into()), Null, Null, Null, Null],
            vec![
                Integer(4),
                Text("Eve".into()),
                Null,
                Null,
                Null,
                Text("DE".into())
            ],
        ]
    );
}

#[test]
fn an_aborted_run_leaves_the_database_exactly_as_it_was() {
    let folder = tempfile::tempdir().unwrap();
    let db = folder.path().join("out.db");
    for mode in ["append", "replace", "upsert"] {
        let _ = std::fs::remove_file(&db);
        write_sink(
            &write_config(json!({"path": "out.db", "table": "t"})),
            folder.path(),
            records(json!([{"id": 1, "v": "old"}])),
            true,
        )
        .unwrap();
        let config =
            write_config(json!({"path": "out.db", "table": "t", "mode": mode, "key": ["id"]}));
        write_sink(
            &config,
            folder.path(),
            records(json!([{"id": 1, "v": "new", "extra": 1}, {"id": 2, "v": "new"}])),
            false,
        )
        .unwrap();
        assert_eq!(
            rows(&db, "SELECT * FROM t"),
            vec![vec![Integer(1), Text("old".into())]],
            "mode {mode}"
        );
        let tables = rows(&db, "SELECT name FROM sqlite_master WHERE type = 'table'");
        assert_eq!(tables, vec![vec![Text("t".into())]], "mode {mode}");
    }
}

#[test]
fn replace_swaps_in_the_new_rows_and_keeps_the_table_when_nothing_arrives() {
    let folder = tempfile::tempdir().unwrap();
    let db = folder.path().join("out.db");
    let config = write_config(json!({"path": "out.db", "table": "t", "mode": "replace"}));
    write_sink(
        &config,
        folder.path(),
        records(json!([{"a": 1}, {"a": 2}])),
        true,
    )
    .unwrap();
    write_sink(
        &config,
        folder.path(),
        records(json!([{"a": 3, "b": "x"}])),
        true,
    )
    .unwrap();
    assert_eq!(
        rows(&db, "SELECT a, b FROM t"),
        vec![vec![Integer(3), Text("x".into())]]
    );
    write_sink(&config, folder.path(), Vec::new(), true).unwrap();
    assert_eq!(
        rows(&db, "SELECT a, b FROM t"),
        vec![vec![Integer(3), Text("x".into())]]
    );
}

#[test]
fn upsert_updates_by_key_so_a_rerun_never_duplicates() {
    let folder = tempfile::tempdir().unwrap();
    let db = folder.path().join("out.db");
    let config =
        write_config(json!({"path": "out.db", "table": "t", "mode": "upsert", "key": ["id"]}));
    write_sink(
        &config,
        folder.path(),
        records(json!([{"id": 1, "v": "a"}, {"id": 2, "v": "b"}])),
        true,
    )
    .unwrap();
    let rejected = write_sink(
        &config,
        folder.path(),
        records(json!([{"id": 2, "v": "B"}, {"id": 3, "v": "c"}, {"v": "no key"}, {"id": null, "v": "null key"}])),
        true,
    )
    .unwrap();
    assert_eq!(
        rows(&db, "SELECT id, v FROM t ORDER BY id"),
        vec![
            vec![Integer(1), Text("a".into())],
            vec![Integer(2), Text("B".into())],
            vec![Integer(3), Text("c".into())],
        ]
    );
    let messages: Vec<&str> = rejected
        .iter()
        .map(|record| record["_error"].as_str().unwrap())
        .collect();
    assert_eq!(
        messages,
        [
            "the record has no key field `id`; upsert needs it",
            "the key field `id` is empty; upsert needs a value"
        ]
    );
}

#[test]
fn upsert_without_a_key_is_refused_with_what_to_do() {
    let folder = tempfile::tempdir().unwrap();
    let config = write_config(json!({"path": "out.db", "table": "t", "mode": "upsert"}));
    let error = write_sink(&config, folder.path(), Vec::new(), true).unwrap_err();
    assert_eq!(
        error,
        "mode 'upsert' needs `key`: the fields that identify a row, e.g. [\"id\"]"
    );
}

#[test]
fn a_constraint_violation_is_a_record_error() {
    let folder = tempfile::tempdir().unwrap();
    let db = folder.path().join("out.db");
    Connection::open(&db)
        .unwrap()
        .execute_batch("CREATE TABLE t (id INTEGER NOT NULL, v TEXT)")
        .unwrap();
    let config = write_config(json!({"path": "out.db", "table": "t"}));
    let rejected = write_sink(
        &config,
        folder.path(),
        records(json!([{"id": 1}, {"v": "x"}])),
        true,
    )
    .unwrap();
    assert_eq!(rejected.len(), 1);
    assert!(
        rejected[0]["_error"]
            .as_str()
            .unwrap()
            .contains("NOT NULL constraint failed: t.id")
    );
    assert_eq!(rows(&db, "SELECT id FROM t"), vec![vec![Integer(1)]]);
}

fn seed_events(db: &std::path::Path, from: i64, to: i64) {
    let connection = Connection::open(db).unwrap();
    connection
        .execute_batch(
            "CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, kind TEXT, payload BLOB)",
        )
        .unwrap();
    for id in from..=to {
        connection
            .execute(
                "INSERT INTO events VALUES (?1, ?2, x'00ff')",
                rusqlite::params![id, format!("k{id}")],
            )
            .unwrap();
    }
}

#[test]
fn reads_a_table_or_a_query_with_types() {
    let folder = tempfile::tempdir().unwrap();
    seed_events(&folder.path().join("in.db"), 1, 3);
    let config: SqliteReadConfig =
        serde_json::from_value(json!({"path": "in.db", "table": "events"})).unwrap();
    let result = read_source(&config, folder.path(), None).unwrap();
    assert_eq!(
        result.records[0].to_value(),
        json!({"id": 1, "kind": "k1", "payload": "00ff"})
    );
    let config: SqliteReadConfig = serde_json::from_value(
        json!({"path": "in.db", "query": "SELECT id * 2 AS double FROM events WHERE id > 1;"}),
    )
    .unwrap();
    let result = read_source(&config, folder.path(), None).unwrap();
    assert_eq!(
        result
            .records
            .iter()
            .map(|record| record["double"].clone())
            .collect::<Vec<_>>(),
        [json!(4), json!(6)]
    );
}

#[test]
fn an_incremental_read_resumes_after_its_cursor() {
    let folder = tempfile::tempdir().unwrap();
    let db = folder.path().join("in.db");
    seed_events(&db, 1, 3);
    let config: SqliteReadConfig =
        serde_json::from_value(json!({"path": "in.db", "table": "events", "cursor": "id"}))
            .unwrap();
    let mut first = read_source(&config, folder.path(), None).unwrap();
    assert_eq!(first.records.len(), 3);
    let state = first.output.take_checkpoint_for_test().unwrap();
    assert_eq!(state, json!({"cursor": 3}));

    seed_events(&db, 4, 5);
    let mut second = read_source(&config, folder.path(), Some(&state)).unwrap();
    assert_eq!(
        second
            .records
            .iter()
            .map(|record| record["id"].clone())
            .collect::<Vec<_>>(),
        [json!(4), json!(5)]
    );
    assert_eq!(
        second.output.take_checkpoint_for_test(),
        Some(json!({"cursor": 5}))
    );

    let mut third = read_source(&config, folder.path(), Some(&json!({"cursor": 5}))).unwrap();
    assert!(third.records.is_empty());
    assert_eq!(
        third.output.take_checkpoint_for_test(),
        None,
        "no new rows: the state stays where it was"
    );
}

#[test]
fn a_wrong_cursor_column_or_missing_database_is_explained() {
    let folder = tempfile::tempdir().unwrap();
    seed_events(&folder.path().join("in.db"), 1, 1);
    let config: SqliteReadConfig =
        serde_json::from_value(json!({"path": "in.db", "table": "events", "cursor": "idd"}))
            .unwrap();
    let error = read_source(&config, folder.path(), None).err().unwrap();
    assert_eq!(
        error,
        "the cursor column `idd` is not among the columns (id, kind, payload)"
    );
    let config: SqliteReadConfig =
        serde_json::from_value(json!({"path": "none.db", "table": "events"})).unwrap();
    let error = read_source(&config, folder.path(), None).err().unwrap();
    assert!(
        error.starts_with("the database ") && error.ends_with("none.db does not exist"),
        "{error}"
    );
}

#[test]
fn staged_rows_left_by_a_stopped_run_are_published_once_by_the_next_process() {
    use sluice_core::component::SinkConfig;
    let folder = tempfile::tempdir().unwrap();
    let db = folder.path().join("out.db");
    write_sink(
        &write_config(json!({"path": "out.db", "table": "t"})),
        folder.path(),
        records(json!([{"id": 1, "v": "old"}])),
        true,
    )
    .unwrap();
    let kind = super::staging_kind();
    for mode in ["append", "upsert", "replace"] {
        let config =
            write_config(json!({"path": "out.db", "table": "t", "mode": mode, "key": ["id"]}));
        let staging = crate::testing::with_context(folder.path(), None, None, |context| {
            let mut output =
                sluice_core::engine::Output::for_test(&[], sluice_core::OnError::Route);
            let staging = config.staging(context).unwrap();
            let mut sink = config.build(context, &staging).unwrap();
            sink.write(records(json!([{"id": 2, "v": mode}])), &mut output)
                .unwrap();
            sink.prepare(&mut output).unwrap();
            // The process stops after its decision, before the sink commits.
            drop(sink);
            staging
        });
        assert!(
            staging.destination.ends_with("out.db#t"),
            "{}",
            staging.destination
        );
        let before = rows(&db, "SELECT COUNT(*) FROM t");
        for _ in 0..2 {
            assert_eq!(
                (kind.publish)(&staging.detail, &sluice_core::commit::NoCredentials),
                Ok(0),
                "mode {mode}"
            );
        }
        let after = rows(&db, "SELECT id, v FROM t WHERE id = 2");
        assert_eq!(
            after,
            vec![vec![Integer(2), Text(mode.into())]],
            "mode {mode}"
        );
        let tables = rows(&db, "SELECT name FROM sqlite_master WHERE type = 'table'");
        assert_eq!(tables, vec![vec![Text("t".into())]], "mode {mode}");
        if mode == "append" {
            assert_eq!(before, vec![vec![Integer(1)]]);
        }
    }
}

#[test]
fn a_reader_holding_the_database_fails_the_run_before_anything_is_published() {
    let folder = tempfile::tempdir().unwrap();
    let db = folder.path().join("out.db");
    write_sink(
        &write_config(json!({"path": "out.db", "table": "t"})),
        folder.path(),
        records(json!([{"id": 1}])),
        true,
    )
    .unwrap();
    // Another program reads in a transaction (rollback journal: it holds a shared lock).
    // It holds on until the run is over (past the sink's 10 s wait for the lock).
    let reader = Connection::open(&db).unwrap();
    reader.execute_batch("BEGIN; SELECT * FROM t;").unwrap();
    let (done, run_over) = std::sync::mpsc::channel::<()>();
    let handle = std::thread::spawn(move || {
        let _ = run_over.recv();
        reader.execute_batch("COMMIT").unwrap();
    });
    let error = write_sink(
        &write_config(json!({"path": "out.db", "table": "t", "mode": "replace"})),
        folder.path(),
        records(json!([{"id": 2}])),
        true,
    )
    .unwrap_err();
    done.send(()).unwrap();
    assert!(error.contains("database is locked"), "{error}");
    handle.join().unwrap();
    assert_eq!(rows(&db, "SELECT id FROM t"), vec![vec![Integer(1)]]);
}

#[test]
fn appending_is_advised_against_when_rows_would_repeat() {
    use sluice_core::component::ComponentConfig;
    let advice = |config| write_config(config).advice();
    let appending = advice(json!({"path": "out.db", "table": "t"}));
    assert_eq!(appending.len(), 1);
    assert_eq!(appending[0].0, "mode");
    assert!(
        appending[0].1.contains("choose upsert with a key"),
        "{appending:?}"
    );
    let keyed = advice(json!({"path": "out.db", "table": "t", "key": ["sku"]}));
    assert!(
        keyed[0].1.contains("you named a key (sku): choose upsert"),
        "{keyed:?}"
    );
    assert!(
        advice(json!({"path": "out.db", "table": "t", "mode": "upsert", "key": ["id"]})).is_empty()
    );
    assert!(advice(json!({"path": "out.db", "table": "t", "mode": "replace"})).is_empty());
}
