//! The engine end to end with real connectors: on_error modes, all-or-nothing destinations,
//! fan-out and fan-in, preview, early stop, cancellation and incremental state.

use std::collections::HashMap;
use std::path::Path;

use serde_json::json;
use sluice_core::component::{BuildContext, ComponentConfig, Source, SourceConfig};
use sluice_core::engine::{
    Output, RunControl, RunEvent, RunOptions, RunRequest, RunStatus, execute,
};
use sluice_core::registry::ComponentDescriptor;
use sluice_core::{ComponentError, Flow};
use sluice_tests::{
    flow_json, ndjson_records, run_engine, run_engine_on, run_engine_with, sqlite_rows,
    write_customers,
};

fn shaping_flow(on_error: &str, mode: &str) -> serde_json::Value {
    flow_json(
        json!([
            {"id": "read", "type": "csv.read", "config": {"path": "customers.csv"}},
            {"id": "shape", "type": "map", "on_error": on_error,
             "config": {"set": {"cents": "(amount | float * 100) | round | int"}, "drop": ["amount"]}},
            {"id": "save", "type": "sqlite.write", "config": {"path": "out.db", "table": "people", "mode": mode, "key": ["id"]}},
            {"id": "bad", "type": "json.write", "config": {"path": "bad.ndjson"}}
        ]),
        json!([{"from": "read", "to": "shape"}, {"from": "shape", "to": "save"}]),
    )
}

fn seed_people(db: &Path) {
    let connection = rusqlite::Connection::open(db).unwrap();
    connection.execute_batch("CREATE TABLE people (id TEXT, name TEXT, status TEXT, cents INTEGER); INSERT INTO people VALUES ('0', 'Old', 'x', 1);").unwrap();
}

#[test]
fn on_error_fail_stops_the_run_and_leaves_the_destination_untouched() {
    for mode in ["append", "replace", "upsert"] {
        let folder = tempfile::tempdir().unwrap();
        // The first bad record (id 2010) comes after two full batches were already written.
        let mut text = String::from("id,name,amount,status\n");
        for id in 1..=2500 {
            let amount = if id == 2010 {
                "n/a".to_string()
            } else {
                "1.5".to_string()
            };
            text.push_str(&format!("{id},N{id},{amount},active\n"));
        }
        std::fs::write(folder.path().join("customers.csv"), text).unwrap();
        seed_people(&folder.path().join("out.db"));
        let mut flow = shaping_flow("fail", mode);
        flow["nodes"].as_array_mut().unwrap().pop();
        let report = run_engine(flow, folder.path());
        assert_eq!(report.status, RunStatus::Failed, "mode {mode}");
        let failure = report.failure.unwrap();
        assert_eq!(failure.node.as_deref(), Some("shape"));
        assert!(
            failure
                .message
                .starts_with("`set.cents`: 'n/a' is not a number"),
            "{}",
            failure.message
        );
        assert!(
            failure.message.contains("id='2010'"),
            "the message shows which record: {}",
            failure.message
        );
        assert_eq!(
            sqlite_rows(&folder.path().join("out.db"), "SELECT * FROM people"),
            vec![json!(["0", "Old", "x", 1])],
            "mode {mode}: the destination is exactly as before"
        );
        assert!(report.states.is_empty());
    }
}

#[test]
fn on_error_skip_counts_and_goes_on() {
    let folder = tempfile::tempdir().unwrap();
    write_customers(&folder.path().join("customers.csv"), 100);
    let mut flow = shaping_flow("skip", "append");
    flow["nodes"].as_array_mut().unwrap().pop();
    let report = run_engine(flow, folder.path());
    assert_eq!(report.status, RunStatus::Succeeded);
    let shape = report.node("shape").unwrap();
    assert_eq!(
        (
            shape.stats.records_in,
            shape.stats.records_out,
            shape.stats.records_errored
        ),
        (100, 90, 10)
    );
    let written = sqlite_rows(&folder.path().join("out.db"), "SELECT COUNT(*) FROM people");
    assert_eq!(written, vec![json!([90])]);
}

#[test]
fn on_error_route_sends_bad_records_with_their_error_to_the_error_port() {
    let folder = tempfile::tempdir().unwrap();
    write_customers(&folder.path().join("customers.csv"), 30);
    let mut flow = shaping_flow("route", "append");
    flow["edges"]
        .as_array_mut()
        .unwrap()
        .push(json!({"from": "shape", "from_port": "error", "to": "bad"}));
    let report = run_engine(flow, folder.path());
    assert_eq!(report.status, RunStatus::Succeeded, "{:?}", report.failure);
    let bad = ndjson_records(&folder.path().join("bad.ndjson"));
    assert_eq!(bad.len(), 3);
    assert_eq!(bad[0]["id"], json!("10"));
    assert_eq!(
        bad[0]["amount"],
        json!("n/a"),
        "the record is routed as it came in"
    );
    assert!(
        bad[0]["_error"]
            .as_str()
            .unwrap()
            .starts_with("`set.cents`:")
    );
    assert_eq!(
        sqlite_rows(&folder.path().join("out.db"), "SELECT COUNT(*) FROM people"),
        vec![json!([27])]
    );
}

#[test]
fn fan_out_and_fan_in() {
    let folder = tempfile::tempdir().unwrap();
    write_customers(&folder.path().join("customers.csv"), 3000);
    let flow = flow_json(
        json!([
            {"id": "read", "type": "csv.read", "config": {"path": "customers.csv"}},
            {"id": "split", "type": "route", "config": {"routes": [{"port": "active", "when": "status == 'active'"}]}},
            {"id": "tag_active", "type": "map", "config": {"set": {"branch": "'active'"}}},
            {"id": "tag_other", "type": "map", "config": {"set": {"branch": "'other'"}}},
            {"id": "all", "type": "sqlite.write", "config": {"path": "out.db", "table": "everyone"}},
            {"id": "copy", "type": "csv.write", "config": {"path": "everyone.csv"}}
        ]),
        json!([
            {"from": "read", "to": "split"},
            {"from": "split", "from_port": "active", "to": "tag_active"},
            {"from": "split", "from_port": "else", "to": "tag_other"},
            {"from": "tag_active", "to": "all"}, {"from": "tag_other", "to": "all"},
            {"from": "tag_active", "to": "copy"}, {"from": "tag_other", "to": "copy"}
        ]),
    );
    let report = run_engine(flow, folder.path());
    assert_eq!(report.status, RunStatus::Succeeded, "{:?}", report.failure);
    assert_eq!(
        sqlite_rows(
            &folder.path().join("out.db"),
            "SELECT branch, COUNT(*) FROM everyone GROUP BY branch ORDER BY branch"
        ),
        vec![json!(["active", 1500]), json!(["other", 1500])]
    );
    let lines = std::fs::read_to_string(folder.path().join("everyone.csv"))
        .unwrap()
        .lines()
        .count();
    assert_eq!(lines, 3001);
    assert_eq!(report.node("all").unwrap().stats.records_in, 3000);
}

#[test]
fn preview_returns_samples_per_node_and_writes_nothing() {
    let folder = tempfile::tempdir().unwrap();
    write_customers(&folder.path().join("customers.csv"), 5000);
    let flow = flow_json(
        json!([
            {"id": "read", "type": "csv.read", "config": {"path": "customers.csv"}},
            {"id": "active", "type": "filter", "config": {"when": "status == 'active'"}},
            {"id": "save", "type": "sqlite.write", "config": {"path": "out.db", "table": "t"}}
        ]),
        json!([{"from": "read", "to": "active"}, {"from": "active", "to": "save"}]),
    );
    let report = run_engine_with(
        &sluice_connectors::registry(),
        flow,
        folder.path(),
        &RunOptions::preview(10),
        RunControl::new(),
    );
    assert_eq!(report.status, RunStatus::Succeeded, "{:?}", report.failure);
    let read = report.node("read").unwrap();
    assert_eq!(read.stats.records_out, 10);
    assert_eq!(read.samples.len(), 10);
    let active = report.node("active").unwrap();
    assert_eq!(
        active
            .samples
            .iter()
            .map(|record| record["id"].clone())
            .collect::<Vec<_>>(),
        [json!("2"), json!("4"), json!("6"), json!("8"), json!("10")]
    );
    assert_eq!(
        report.node("save").unwrap().samples.len(),
        5,
        "a sink shows what it would write"
    );
    assert!(
        !folder.path().join("out.db").exists(),
        "a preview writes nothing"
    );
}

/// A finished `limit` stops its source, directly or through a filter.
#[test]
fn a_finished_limit_stops_the_source_early() {
    let folder = tempfile::tempdir().unwrap();
    write_customers(&folder.path().join("customers.csv"), 200_000);
    let direct = json!([{"from": "read", "to": "first"}, {"from": "first", "to": "save"}]);
    let through_a_filter = json!([
        {"from": "read", "to": "active"}, {"from": "active", "to": "first"},
        {"from": "first", "to": "save"}
    ]);
    for edges in [direct, through_a_filter] {
        let mut nodes = json!([
            {"id": "read", "type": "csv.read", "config": {"path": "customers.csv"}},
            {"id": "active", "type": "filter", "config": {"when": "status == 'active'"}},
            {"id": "first", "type": "limit", "config": {"count": 10}},
            {"id": "save", "type": "json.write", "config": {"path": "out.ndjson"}}
        ]);
        let used = edges.to_string();
        nodes
            .as_array_mut()
            .unwrap()
            .retain(|node| used.contains(&format!("\"{}\"", node["id"].as_str().unwrap())));
        let flow = flow_json(nodes, edges);
        let report = run_engine(flow, folder.path());
        assert_eq!(report.status, RunStatus::Succeeded, "{:?}", report.failure);
        assert!(
            report
                .nodes
                .iter()
                .all(|node| node.status == sluice_core::engine::NodeStatus::Succeeded),
            "{:?}",
            report.nodes
        );
        assert_eq!(
            std::fs::read_to_string(folder.path().join("out.ndjson"))
                .unwrap()
                .lines()
                .count(),
            10
        );
        let read = report.node("read").unwrap().stats.records_out;
        assert!(
            read < 20_000,
            "the source stopped early instead of reading all 200,000 rows (read {read})"
        );
    }
}

/// A source that never ends on its own: it emits until the engine says stop, and then fails
/// when `fail_when_stopped`.
#[derive(Debug, serde::Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct EndlessConfig {
    #[serde(default)]
    fail_when_stopped: bool,
}

impl ComponentConfig for EndlessConfig {}

impl SourceConfig for EndlessConfig {
    fn build<'run>(
        &self,
        _context: &BuildContext<'run>,
    ) -> Result<Box<dyn Source + 'run>, ComponentError> {
        Ok(Box::new(Endless {
            fail_when_stopped: self.fail_when_stopped,
        }))
    }
}

struct Endless {
    fail_when_stopped: bool,
}

impl Source for Endless {
    fn read(&mut self, out: &mut Output) -> Result<(), ComponentError> {
        for id in 0u64.. {
            let mut record = sluice_core::Record::new();
            record.insert("id", json!(id));
            if let Err(stop) = out.emit(record) {
                return Err(match self.fail_when_stopped {
                    true => ComponentError::failed("the connection broke while closing"),
                    false => stop,
                });
            }
        }
        Ok(())
    }
}

fn endless_registry() -> sluice_core::registry::Registry {
    let mut registry = sluice_connectors::registry();
    registry.register(ComponentDescriptor::source::<EndlessConfig>(
        "test.endless",
        "Endless",
        "Test",
        "Never ends.",
    ));
    registry
}

#[test]
fn a_source_that_fails_once_its_filter_stops_it_fails_the_run() {
    let folder = tempfile::tempdir().unwrap();
    let flow = flow_json(
        json!([
            {"id": "read", "type": "test.endless", "config": {"fail_when_stopped": true}},
            {"id": "even", "type": "filter", "config": {"when": "id % 2 == 0"}},
            {"id": "first", "type": "limit", "config": {"count": 10}},
            {"id": "save", "type": "json.write", "config": {"path": "out.ndjson"}}
        ]),
        json!([
            {"from": "read", "to": "even"}, {"from": "even", "to": "first"},
            {"from": "first", "to": "save"}
        ]),
    );
    let report = run_engine_on(&endless_registry(), flow, folder.path());
    assert_eq!(report.status, RunStatus::Failed);
    let failure = report.failure.unwrap();
    assert_eq!(failure.node.as_deref(), Some("read"));
    assert_eq!(failure.message, "the connection broke while closing");
    assert!(!folder.path().join("out.ndjson").exists());
}

#[test]
fn cancellation_stops_every_node_and_discards_the_writes() {
    let folder = tempfile::tempdir().unwrap();
    let registry = endless_registry();
    seed_people(&folder.path().join("out.db"));
    let flow = flow_json(
        json!([
            {"id": "read", "type": "test.endless", "config": {}},
            {"id": "save", "type": "sqlite.write", "config": {"path": "out.db", "table": "people"}}
        ]),
        json!([{"from": "read", "to": "save"}]),
    );
    let control = RunControl::new();
    let canceller = control.clone();
    let progress = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let seen = progress.clone();
    let flow = Flow::from_json(&flow.to_string()).unwrap();
    let report = std::thread::scope(|scope| {
        scope.spawn(move || {
            // Cancel once the sink has written a good number of records.
            for _ in 0..2000 {
                if seen.load(std::sync::atomic::Ordering::SeqCst) >= 5000 {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            canceller.cancel();
        });
        execute(
            RunRequest {
                flow: &flow,
                run_id: "0193f0c2-0000-7000-8000-000000000001",
                registry: &registry,
                base_dir: folder.path(),
                states: &HashMap::new(),
                credentials: &HashMap::new(),
                inbox: None,
                started_at: sluice_tests::run_start_time(),
                control,
                events: Some(std::sync::Arc::new(move |event| {
                    if let RunEvent::NodeProgress { node, stats } = event
                        && node == "save"
                    {
                        progress.store(stats.records_in, std::sync::atomic::Ordering::SeqCst);
                    }
                })),
                journal: None,
            },
            &RunOptions::default(),
        )
    });
    assert_eq!(report.status, RunStatus::Cancelled);
    assert!(report.node("save").unwrap().stats.records_in >= 5000);
    assert_eq!(
        sqlite_rows(&folder.path().join("out.db"), "SELECT COUNT(*) FROM people"),
        vec![json!([1])]
    );
}

#[test]
fn a_destination_can_route_refused_records_to_another_destination() {
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(folder.path().join("in.csv"), "id,name\n1,a\n,b\n3,c\n").unwrap();
    rusqlite::Connection::open(folder.path().join("out.db"))
        .unwrap()
        .execute_batch("CREATE TABLE t (id TEXT NOT NULL CHECK (id != ''), name TEXT)")
        .unwrap();
    let flow = flow_json(
        json!([
            {"id": "read", "type": "csv.read", "config": {"path": "in.csv"}},
            {"id": "save", "type": "sqlite.write", "on_error": "route", "config": {"path": "out.db", "table": "t"}},
            {"id": "refused", "type": "json.write", "config": {"path": "refused.ndjson"}}
        ]),
        json!([{"from": "read", "to": "save"}, {"from": "save", "from_port": "error", "to": "refused"}]),
    );
    let report = run_engine(flow, folder.path());
    assert_eq!(report.status, RunStatus::Succeeded, "{:?}", report.failure);
    assert_eq!(
        sqlite_rows(&folder.path().join("out.db"), "SELECT COUNT(*) FROM t"),
        vec![json!([2])]
    );
    let refused = std::fs::read_to_string(folder.path().join("refused.ndjson")).unwrap();
    assert_eq!(refused.lines().count(), 1);
    assert!(refused.contains("CHECK constraint failed"), "{refused}");
}

/// A transform with a bug: it panics on its first batch. Run beside its source, like a filter,
/// when `beside_source`.
#[derive(Debug, serde::Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct BuggyConfig {
    #[serde(default)]
    beside_source: bool,
}

impl ComponentConfig for BuggyConfig {}

impl sluice_core::component::TransformConfig for BuggyConfig {
    fn is_stateless(&self) -> bool {
        self.beside_source
    }

    fn runs_beside_source(&self) -> bool {
        self.beside_source
    }

    fn build<'run>(
        &self,
        _context: &BuildContext<'run>,
    ) -> Result<Box<dyn sluice_core::component::Transform + 'run>, ComponentError> {
        Ok(Box::new(Buggy))
    }
}

struct Buggy;

impl sluice_core::component::Transform for Buggy {
    fn transform(
        &mut self,
        _input: sluice_core::component::Input<'_>,
        _batch: sluice_core::Batch,
        _out: &mut Output,
    ) -> Result<(), ComponentError> {
        panic!("index out of bounds");
    }
}

#[test]
fn a_panicking_component_fails_the_run_instead_of_hanging_or_crashing() {
    let mut registry = sluice_connectors::registry();
    registry.register(ComponentDescriptor::transform::<BuggyConfig>(
        "test.buggy",
        "Buggy",
        "Panics.",
    ));
    for beside_source in [false, true] {
        let folder = tempfile::tempdir().unwrap();
        write_customers(&folder.path().join("customers.csv"), 5000);
        seed_people(&folder.path().join("out.db"));
        let flow = flow_json(
            json!([
                {"id": "read", "type": "csv.read", "config": {"path": "customers.csv"}},
                {"id": "bug", "type": "test.buggy", "config": {"beside_source": beside_source}},
                {"id": "save", "type": "sqlite.write", "config": {"path": "out.db", "table": "people"}}
            ]),
            json!([{"from": "read", "to": "bug"}, {"from": "bug", "to": "save"}]),
        );
        let report = run_engine_on(&registry, flow, folder.path());
        assert_eq!(report.status, RunStatus::Failed, "beside: {beside_source}");
        let failure = report.failure.unwrap();
        assert_eq!(failure.node.as_deref(), Some("bug"));
        assert_eq!(
            failure.message,
            "internal error (a bug in Sluice; please report it): index out of bounds"
        );
        assert_eq!(
            sqlite_rows(&folder.path().join("out.db"), "SELECT COUNT(*) FROM people"),
            vec![json!([1])]
        );
    }
}

#[test]
fn a_filter_in_its_source_thread_counts_fails_and_stops_as_itself() {
    let folder = tempfile::tempdir().unwrap();
    write_customers(&folder.path().join("customers.csv"), 100_000);
    let nodes = |on_error: &str| {
        json!([
            {"id": "read", "type": "csv.read", "config": {"path": "customers.csv"}},
            {"id": "big", "type": "filter", "on_error": on_error, "config": {"when": "amount | float > 50"}},
            {"id": "save", "type": "json.write", "config": {"path": "out.ndjson"}}
        ])
    };
    let edges = json!([{"from": "read", "to": "big"}, {"from": "big", "to": "save"}]);

    // Every tenth amount is `n/a`: skipped and counted by the filter, not the source.
    let report = run_engine(flow_json(nodes("skip"), edges.clone()), folder.path());
    assert_eq!(report.status, RunStatus::Succeeded, "{:?}", report.failure);
    let (read, big) = (report.node("read").unwrap(), report.node("big").unwrap());
    assert_eq!(read.stats.records_out, 100_000);
    assert_eq!(read.stats.records_errored, 0);
    assert_eq!(big.stats.records_in, 100_000);
    assert_eq!(big.stats.records_errored, 10_000);
    // Amounts 51.5 to 99.5 of each hundred, less the `n/a` among them.
    assert_eq!(big.stats.records_out, 45_000);
    let written = std::fs::read_to_string(folder.path().join("out.ndjson")).unwrap();
    assert_eq!(written.lines().count(), 45_000);

    // The first `n/a` fails the filter: the run fails as the filter's, and the source stops.
    std::fs::remove_file(folder.path().join("out.ndjson")).unwrap();
    let report = run_engine(flow_json(nodes("fail"), edges), folder.path());
    assert_eq!(report.status, RunStatus::Failed);
    let failure = report.failure.clone().unwrap();
    assert_eq!(failure.node.as_deref(), Some("big"));
    assert!(failure.message.contains("id='10'"), "{}", failure.message);
    let read = report.node("read").unwrap().stats.records_out;
    assert!(read < 100_000, "the source read on to the end ({read})");
    assert!(!folder.path().join("out.ndjson").exists());
}
