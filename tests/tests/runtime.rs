//! The runtime: runs recorded with their stats and logs, incremental state committed only after
//! success, import/export, and runs left behind by a crash.

use serde_json::json;
use sluice_core::Flow;
use sluice_runtime::{LoadedFlow, RunStatus, RunTarget, Trigger};
use sluice_tests::{flow_json, sqlite_rows, temporary_installation};

fn seed_orders(db: &std::path::Path, ids: std::ops::RangeInclusive<i64>) {
    let connection = rusqlite::Connection::open(db).unwrap();
    connection
        .execute_batch("CREATE TABLE IF NOT EXISTS orders (id INTEGER PRIMARY KEY, total REAL)")
        .unwrap();
    for id in ids {
        connection
            .execute(
                "INSERT INTO orders VALUES (?1, ?2)",
                rusqlite::params![id, id as f64 * 1.5],
            )
            .unwrap();
    }
}

fn incremental_flow(expression: &str) -> serde_json::Value {
    flow_json(
        json!([
            {"id": "orders", "type": "sqlite.read", "config": {"path": "shop.db", "table": "orders", "cursor": "id"}},
            {"id": "shape", "type": "map", "config": {"set": {"doubled": expression}}},
            {"id": "copy", "type": "sqlite.write", "config": {"path": "copy.db", "table": "orders", "mode": "upsert", "key": ["id"]}}
        ]),
        json!([{"from": "orders", "to": "shape"}, {"from": "shape", "to": "copy"}]),
    )
}

fn loaded(
    sluice: &sluice_runtime::Sluice,
    flow: serde_json::Value,
    base_dir: &std::path::Path,
) -> RunTarget {
    let flow = sluice.parse_flow(&flow.to_string(), "test").unwrap();
    RunTarget::Loaded(Box::new(LoadedFlow {
        flow,
        base_dir: base_dir.to_path_buf(),
        version: None,
    }))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn incremental_state_advances_only_after_a_successful_run() {
    let (_home, sluice) = temporary_installation();
    let data = tempfile::tempdir().unwrap();
    seed_orders(&data.path().join("shop.db"), 1..=3);

    let first = sluice
        .run(
            loaded(&sluice, incremental_flow("total * 2"), data.path()),
            Trigger::Manual,
        )
        .await
        .unwrap();
    assert_eq!(first.report.status, RunStatus::Succeeded);
    assert_eq!(first.report.node("copy").unwrap().stats.records_out, 3);

    seed_orders(&data.path().join("shop.db"), 4..=5);
    // This run fails on every record: nothing is written and the cursor stays at 3.
    let unknown = sluice
        .run(
            loaded(
                &sluice,
                incremental_flow("total | no_such_filter"),
                data.path(),
            ),
            Trigger::Manual,
        )
        .await
        .unwrap();
    assert_eq!(unknown.report.status, RunStatus::Failed);
    assert!(
        unknown
            .report
            .failure
            .unwrap()
            .message
            .contains("unknown filter")
    );
    let failing = sluice
        .run(
            loaded(&sluice, incremental_flow("total * 'x' | int"), data.path()),
            Trigger::Manual,
        )
        .await
        .unwrap();
    assert_eq!(failing.report.status, RunStatus::Failed);
    let states = sluice.store().node_states(&first.flow_id).unwrap();
    assert_eq!(states["orders"], json!({"cursor": 3}));

    let resumed = sluice
        .run(
            loaded(&sluice, incremental_flow("total * 2"), data.path()),
            Trigger::Manual,
        )
        .await
        .unwrap();
    assert_eq!(resumed.report.status, RunStatus::Succeeded);
    assert_eq!(
        resumed.report.node("orders").unwrap().stats.records_out,
        2,
        "only the new rows are read"
    );
    assert_eq!(
        sluice.store().node_states(&first.flow_id).unwrap()["orders"],
        json!({"cursor": 5})
    );
    assert_eq!(
        sqlite_rows(
            &data.path().join("copy.db"),
            "SELECT id, doubled FROM orders ORDER BY id"
        ),
        vec![
            json!([1, 3.0]),
            json!([2, 6.0]),
            json!([3, 9.0]),
            json!([4, 12.0]),
            json!([5, 15.0])
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_are_recorded_with_node_stats_and_logs() {
    let (_home, sluice) = temporary_installation();
    let data = tempfile::tempdir().unwrap();
    seed_orders(&data.path().join("shop.db"), 1..=4);
    let mut handle = sluice
        .start_run(
            loaded(&sluice, incremental_flow("total * 2"), data.path()),
            Trigger::Schedule,
        )
        .unwrap();
    let mut events = handle.events.take().unwrap();
    let run_id = handle.run_id.clone();
    let outcome = handle.wait().await.unwrap();
    let mut finished = Vec::new();
    while let Some(event) = events.recv().await {
        if let sluice_runtime::RunEvent::NodeFinished { node, .. } = event {
            finished.push(node);
        }
    }
    finished.sort();
    assert_eq!(finished, ["copy", "orders", "shape"]);
    assert_eq!(outcome.run_id, run_id);
    let detail = sluice.run_detail(&run_id[..12]).unwrap();
    assert_eq!(detail.run.status, sluice_store::RunStatus::Succeeded);
    assert_eq!(detail.run.trigger, "schedule");
    let counts: Vec<(String, u64, u64)> = detail
        .nodes
        .iter()
        .map(|node| (node.node_id.clone(), node.records_in, node.records_out))
        .collect();
    assert_eq!(
        counts,
        [
            ("orders".into(), 0, 4),
            ("shape".into(), 4, 4),
            ("copy".into(), 4, 4)
        ]
    );
    // Each node's busy time is recorded with the run, and is part of its time.
    for (stored, reported) in detail.nodes.iter().zip(&outcome.report.nodes) {
        assert_eq!(
            (stored.busy_ms, stored.duration_ms, stored.bytes),
            (
                reported.stats.busy_ms,
                reported.stats.duration_ms,
                reported.stats.bytes
            )
        );
        assert!(stored.busy_ms <= stored.duration_ms, "{stored:?}");
    }
    assert_eq!(
        detail.logs.first().unwrap().message,
        "run started (schedule)"
    );
    assert!(
        detail
            .logs
            .last()
            .unwrap()
            .message
            .starts_with("run succeeded in ")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_run_records_the_node_and_message() {
    let (_home, sluice) = temporary_installation();
    let data = tempfile::tempdir().unwrap();
    let flow = flow_json(
        json!([
            {"id": "read", "type": "csv.read", "config": {"path": "missing.csv"}},
            {"id": "save", "type": "json.write", "config": {"path": "out.ndjson"}}
        ]),
        json!([{"from": "read", "to": "save"}]),
    );
    let outcome = sluice
        .run(loaded(&sluice, flow, data.path()), Trigger::Manual)
        .await
        .unwrap();
    assert_eq!(outcome.report.status, RunStatus::Failed);
    let detail = sluice.run_detail(&outcome.run_id).unwrap();
    assert_eq!(detail.run.status, sluice_store::RunStatus::Failed);
    assert_eq!(detail.run.error_node.as_deref(), Some("read"));
    assert!(
        detail
            .run
            .error
            .unwrap()
            .starts_with("cannot open the CSV file ")
    );
    assert!(!data.path().join("out.ndjson").exists());
}

#[test]
fn runs_left_running_by_a_crash_are_interrupted_at_the_next_start() {
    let home = tempfile::tempdir().unwrap();
    {
        let sluice = sluice_runtime::Sluice::open(Some(home.path())).unwrap();
        sluice
            .store()
            .insert_run(&sluice_store::NewRun {
                id: "crashed",
                flow_id: "f",
                flow_name: "f",
                flow_version: None,
                trigger: "manual",
                started_at: chrono::Utc::now(),
            })
            .unwrap();
    }
    // Pretend the run belonged to a process that is gone.
    let connection = rusqlite::Connection::open(home.path().join("sluice.db")).unwrap();
    connection
        .execute("UPDATE runs SET owner_pid = 999999999", [])
        .unwrap();
    let sluice = sluice_runtime::Sluice::open(Some(home.path())).unwrap();
    assert_eq!(
        sluice.run_detail("crashed").unwrap().run.status,
        sluice_store::RunStatus::Interrupted
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_start_seeds_runnable_examples_once() {
    let (home, sluice) = temporary_installation();
    assert_eq!(sluice.seed_examples().unwrap(), 2);
    assert_eq!(
        sluice.seed_examples().unwrap(),
        0,
        "only on the first start"
    );
    for name in ["Active customers to SQLite", "New orders to NDJSON"] {
        let outcome = sluice
            .run(RunTarget::Stored(name.into()), Trigger::Manual)
            .await
            .unwrap();
        assert_eq!(
            outcome.report.status,
            RunStatus::Succeeded,
            "{name}: {:?}",
            outcome.report.failure
        );
    }
    assert!(
        home.path()
            .join("examples/customers-to-sqlite/out/customers.db")
            .exists()
    );
}

#[test]
fn drafts_are_saved_as_they_are_and_versions_can_be_restored() {
    let (_home, sluice) = temporary_installation();
    let created = sluice.create_flow("Draft").unwrap();
    let mut flow = created.flow.clone();
    assert_eq!(
        sluice.validate_flow(&flow).len(),
        1,
        "an empty flow cannot run yet"
    );
    flow.nodes.push(
        serde_json::from_value(json!({"id": "read", "type": "csv.read", "config": {}})).unwrap(),
    );
    assert_eq!(
        sluice.save_flow(&flow, None).unwrap(),
        2,
        "an invalid draft is still saved"
    );
    let problems = sluice.validate_flow(&flow);
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].field.as_deref(), Some("path"));
    assert_eq!(sluice.rename_flow(&flow.id, "Renamed").unwrap(), 3);
    let copy = sluice.duplicate_flow(&flow.id, "Copy").unwrap();
    assert_ne!(copy.flow.id, flow.id);
    assert_eq!(copy.flow.nodes.len(), 1);
    assert_eq!(sluice.restore_flow_version(&flow.id, 1).unwrap(), 4);
    let restored = sluice.find_flow(&flow.id).unwrap();
    assert!(restored.flow.nodes.is_empty());
    assert_eq!(restored.flow.name, "Draft");
    let components = sluice.components();
    let csv = components
        .iter()
        .find(|component| component.component == "csv.read")
        .unwrap();
    assert_eq!(csv.category, "Files");
    assert!(csv.default_config.is_none(), "csv.read needs a path");
    let filter = components
        .iter()
        .find(|component| component.component == "dedupe")
        .unwrap();
    assert_eq!(filter.default_config, Some(json!({"key": []})));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_studio_observes_runs_and_cancels_them_by_id() {
    let (_home, sluice) = temporary_installation();
    let data = tempfile::tempdir().unwrap();
    let mut csv = String::from("id,name\n");
    for id in 0..300_000 {
        csv.push_str(&format!("{id},name {id}\n"));
    }
    std::fs::write(data.path().join("big.csv"), csv).unwrap();
    let flow = flow_json(
        json!([
            {"id": "read", "type": "csv.read", "config": {"path": "big.csv"}},
            {"id": "save", "type": "sqlite.write", "config": {"path": "out.db", "table": "t"}}
        ]),
        json!([{"from": "read", "to": "save"}]),
    );
    let flow = sluice.parse_flow(&flow.to_string(), "test").unwrap();
    sluice.import_flow(flow.clone(), data.path(), true).unwrap();
    sluice.approve_flow(&flow.id).unwrap();

    let (sender, mut notices) = tokio::sync::mpsc::unbounded_channel();
    let run_id = sluice
        .start_run_observed(
            RunTarget::Stored(flow.id.clone()),
            Trigger::Manual,
            move |notice| {
                let _ = sender.send(notice);
            },
        )
        .unwrap();
    assert!(sluice.cancel_run(&run_id), "the run is in progress");
    assert!(!sluice.cancel_run("no-such-run"));
    let mut saw_started = false;
    let report = loop {
        match tokio::time::timeout(std::time::Duration::from_secs(60), notices.recv())
            .await
            .unwrap()
            .unwrap()
        {
            sluice_runtime::RunNotice::Started { run_id: id, .. } => {
                assert_eq!(id, run_id);
                saw_started = true;
            }
            sluice_runtime::RunNotice::Finished { report, .. } => break report,
            sluice_runtime::RunNotice::Broken { message, .. } => panic!("{message}"),
            sluice_runtime::RunNotice::Event { .. } => {}
        }
    };
    assert!(saw_started);
    assert_eq!(report.status, RunStatus::Cancelled);
    assert_eq!(
        sluice.run_detail(&run_id).unwrap().run.status,
        sluice_store::RunStatus::Cancelled
    );
    assert!(
        !sluice.cancel_run(&run_id),
        "a finished run is no longer cancellable"
    );
    assert!(
        !data.path().join("out.db").exists()
            || sqlite_rows(
                &data.path().join("out.db"),
                "SELECT COUNT(*) FROM sqlite_master WHERE name = 't'"
            ) == vec![json!([0])],
        "nothing of the cancelled run was kept"
    );

    // Drafts resolve their paths like the stored flow, and export writes a shareable file.
    let draft = sluice.loaded_draft(flow.clone()).unwrap();
    assert_eq!(draft.base_dir, data.path());
    let shared = data.path().join("shared.sluice.json");
    sluice.export_flow_to(&flow.id, &shared).unwrap();
    assert_eq!(
        Flow::from_json(&std::fs::read_to_string(&shared).unwrap()).unwrap(),
        flow
    );
    let saved = sluice.save_document(flow.clone(), &[]).unwrap();
    assert!(saved.problems.is_empty());
}
