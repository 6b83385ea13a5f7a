//! Fused chains: stateless transforms that follow one another run in one thread, and still count,
//! route errors and send to each port as nodes on their own threads do.

use std::time::Duration;

use serde_json::json;
use sluice_core::component::{BuildContext, ComponentConfig, Input, Transform, TransformConfig};
use sluice_core::engine::{Output, RunStatus};
use sluice_core::registry::ComponentDescriptor;
use sluice_core::{Batch, ComponentError};
use sluice_tests::{flow_json, ndjson_records, run_engine, run_engine_on, write_customers};

/// filter → map → select run fused in one thread: each node still counts its own records, a
/// record the map rejects is routed from the middle of the chain, and the results are those of
/// nodes on their own threads.
#[test]
fn a_fused_chain_keeps_each_nodes_counts_and_error_routing() {
    let folder = tempfile::tempdir().unwrap();
    write_customers(&folder.path().join("customers.csv"), 100);
    let flow = flow_json(
        json!([
            {"id": "read", "type": "csv.read", "config": {"path": "customers.csv"}},
            {"id": "active", "type": "filter", "config": {"when": "status == 'active'"}},
            {"id": "shape", "type": "map", "on_error": "route",
             "config": {"set": {"cents": "(amount | float * 100) | round | int", "label": "name ~ ' #' ~ id"}}},
            {"id": "pick", "type": "select", "config": {"fields": ["id", "label", "cents"]}},
            {"id": "save", "type": "json.write", "config": {"path": "out.ndjson"}},
            {"id": "bad", "type": "json.write", "config": {"path": "bad.ndjson"}}
        ]),
        json!([
            {"from": "read", "to": "active"}, {"from": "active", "to": "shape"},
            {"from": "shape", "to": "pick"}, {"from": "pick", "to": "save"},
            {"from": "shape", "from_port": "error", "to": "bad"}
        ]),
    );
    let report = run_engine(flow, folder.path());
    assert_eq!(report.status, RunStatus::Succeeded, "{:?}", report.failure);
    let stats = |node: &str| report.node(node).unwrap().stats.clone();
    assert_eq!(
        (stats("active").records_in, stats("active").records_out),
        (100, 50)
    );
    assert_eq!(
        (
            stats("shape").records_in,
            stats("shape").records_out,
            stats("shape").records_errored
        ),
        (50, 40, 10)
    );
    assert_eq!(
        (stats("pick").records_in, stats("pick").records_out),
        (40, 40)
    );
    let lines = |name: &str| ndjson_records(&folder.path().join(name));
    let saved = lines("out.ndjson");
    assert_eq!(saved.len(), 40);
    assert_eq!(
        saved[0],
        json!({"id": "2", "label": "Name 2 #2", "cents": 250})
    );
    let bad = lines("bad.ndjson");
    assert_eq!(bad.len(), 10);
    assert_eq!(bad[0]["id"], json!("10"));
}

/// A route ends a fused chain: filter → map → route run in one thread and the route's ports
/// still reach their own destinations.
#[test]
fn a_route_at_the_end_of_a_fused_chain_sends_each_port_its_records() {
    let folder = tempfile::tempdir().unwrap();
    write_customers(&folder.path().join("customers.csv"), 100);
    let flow = flow_json(
        json!([
            {"id": "read", "type": "csv.read", "config": {"path": "customers.csv"}},
            {"id": "active", "type": "filter", "config": {"when": "status == 'active'"}},
            {"id": "shape", "type": "map", "on_error": "skip",
             "config": {"set": {"cents": "(amount | float * 100) | round | int"}}},
            {"id": "split", "type": "route", "config": {"routes": [{"port": "big", "when": "cents >= 5000"}]}},
            {"id": "big", "type": "json.write", "config": {"path": "big.ndjson"}},
            {"id": "small", "type": "json.write", "config": {"path": "small.ndjson"}}
        ]),
        json!([
            {"from": "read", "to": "active"}, {"from": "active", "to": "shape"},
            {"from": "shape", "to": "split"},
            {"from": "split", "from_port": "big", "to": "big"},
            {"from": "split", "from_port": "else", "to": "small"}
        ]),
    );
    let report = run_engine(flow, folder.path());
    assert_eq!(report.status, RunStatus::Succeeded, "{:?}", report.failure);
    let count = |name: &str| ndjson_records(&folder.path().join(name)).len() as u64;
    // Active ids are even; amounts are `id % 100 + 0.5` except every tenth id ("n/a", skipped).
    let big = (1..=100u64)
        .filter(|id| id % 2 == 0 && id % 10 != 0 && id % 100 >= 50)
        .count() as u64;
    assert_eq!(
        (count("big.ndjson"), count("small.ndjson")),
        (big, 40 - big)
    );
    let split = &report.node("split").unwrap().stats;
    assert_eq!((split.records_in, split.records_out), (40, 40));
}

/// A pass-through transform beside its source that takes `build_ms` to build.
#[derive(Debug, serde::Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct SlowToBuildConfig {
    build_ms: u64,
}

impl ComponentConfig for SlowToBuildConfig {}

impl TransformConfig for SlowToBuildConfig {
    fn is_stateless(&self) -> bool {
        true
    }

    fn runs_beside_source(&self) -> bool {
        true
    }

    fn build<'run>(
        &self,
        _context: &BuildContext<'run>,
    ) -> Result<Box<dyn Transform + 'run>, ComponentError> {
        std::thread::sleep(Duration::from_millis(self.build_ms));
        Ok(Box::new(PassThrough))
    }
}

struct PassThrough;

impl Transform for PassThrough {
    fn transform(
        &mut self,
        _input: Input<'_>,
        batch: Batch,
        out: &mut Output,
    ) -> Result<(), ComponentError> {
        batch.into_iter().try_for_each(|record| out.emit(record))
    }
}

/// Building a transform fused beside its source is that transform's work: it shows as its busy
/// time, not the source's.
#[test]
fn a_transform_beside_its_source_counts_its_own_build_time() {
    let mut registry = sluice_connectors::registry();
    registry.register(ComponentDescriptor::transform::<SlowToBuildConfig>(
        "test.slow_to_build",
        "Slow to build",
        "Passes records on after a slow build.",
    ));
    let folder = tempfile::tempdir().unwrap();
    write_customers(&folder.path().join("customers.csv"), 10);
    let flow = flow_json(
        json!([
            {"id": "read", "type": "csv.read", "config": {"path": "customers.csv"}},
            {"id": "slow", "type": "test.slow_to_build", "config": {"build_ms": 400}},
            {"id": "save", "type": "json.write", "config": {"path": "out.ndjson"}}
        ]),
        json!([{"from": "read", "to": "slow"}, {"from": "slow", "to": "save"}]),
    );
    let report = run_engine_on(&registry, flow, folder.path());
    assert_eq!(report.status, RunStatus::Succeeded, "{:?}", report.failure);
    assert_eq!(ndjson_records(&folder.path().join("out.ndjson")).len(), 10);
    let busy = |node: &str| report.node(node).unwrap().stats.busy_ms;
    assert!(busy("slow") >= 400, "slow: {} ms", busy("slow"));
    // Reading ten rows takes far less than the build it waited for.
    assert!(busy("read") < 200, "read: {} ms", busy("read"));
}
