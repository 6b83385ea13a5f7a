//! One run of a flow at a time and one writer per destination, across `sluice` processes on one
//! home: a second run of a flow is refused (exit 3) naming the first, or waits with `--wait`;
//! two flows writing one file take turns and both land.
#![cfg(all(unix, debug_assertions))]

mod common;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

fn sluice(folder: &Path) -> Command {
    common::sluice(&folder.join("home"))
}

/// Starts `sluice run` of a flow file that stops at `point` until `resume` exists.
fn start_paused(folder: &Path, flow: &str, point: &str, resume: &Path) -> Child {
    let mut command = sluice(folder);
    command
        .args(["run", folder.join(flow).to_str().unwrap()])
        .stdout(Stdio::null());
    common::start_paused(command, point, Some(resume))
}

fn write_flow(folder: &Path, name: &str, flow: &Value) {
    std::fs::write(folder.join(name), flow.to_string()).unwrap();
}

fn incremental_flow() -> Value {
    json!({
        "format": "sluice.flow/1", "id": "01930000-0000-7000-8000-00000000d001", "name": "events out",
        "nodes": [
            {"id": "read", "type": "sqlite.read", "config": {"path": "source.db", "table": "events", "cursor": "id"}},
            {"id": "lines", "type": "json.write", "config": {"path": "out.ndjson", "append": true}}
        ],
        "edges": [{"from": "read", "to": "lines"}]
    })
}

fn seed_events(folder: &Path, count: i64) {
    common::add_events(&folder.join("source.db"), 1, count);
}

fn ids(path: &Path) -> Vec<i64> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|line| {
            serde_json::from_str::<Value>(line).unwrap()["id"]
                .as_i64()
                .unwrap()
        })
        .collect()
}

#[test]
fn a_second_run_of_a_flow_is_refused_or_waits_and_nothing_is_written_twice() {
    let folder = tempfile::tempdir().unwrap();
    let folder = folder.path();
    seed_events(folder, 500);
    write_flow(folder, "flow.sluice.json", &incremental_flow());
    let resume = folder.join("go");
    let mut first = start_paused(folder, "flow.sluice.json", "before-decision", &resume);

    let refused = sluice(folder)
        .args(["run", folder.join("flow.sluice.json").to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(3));
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(
        message.contains("flow 'events out' is already running (run "),
        "{message}"
    );
    assert!(message.contains("`sluice run --wait` waits"), "{message}");

    let mut waiting = sluice(folder)
        .args([
            "run",
            "--wait",
            folder.join("flow.sluice.json").to_str().unwrap(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(600));
    assert!(waiting.try_wait().unwrap().is_none(), "--wait did not wait");
    std::fs::write(&resume, "").unwrap();
    assert!(first.wait().unwrap().success());
    assert!(waiting.wait().unwrap().success());
    // The first run took all 500 rows; the second, after it, found nothing new.
    let written = ids(&folder.join("out.ndjson"));
    assert_eq!(written, (1..=500).collect::<Vec<_>>());
}

#[test]
fn two_flows_appending_to_one_file_take_turns_and_both_land() {
    let folder = tempfile::tempdir().unwrap();
    let folder = folder.path();
    seed_events(folder, 300);
    for (name, id, query) in [
        (
            "low.sluice.json",
            "01930000-0000-7000-8000-00000000d002",
            "SELECT id FROM events WHERE id <= 150",
        ),
        (
            "high.sluice.json",
            "01930000-0000-7000-8000-00000000d003",
            "SELECT id FROM events WHERE id > 150",
        ),
    ] {
        let flow = json!({
            "format": "sluice.flow/1", "id": id, "name": name,
            "nodes": [
                {"id": "read", "type": "sqlite.read", "config": {"path": "source.db", "query": query}},
                {"id": "lines", "type": "json.write", "config": {"path": "out.ndjson", "append": true}}
            ],
            "edges": [{"from": "read", "to": "lines"}]
        });
        write_flow(folder, name, &flow);
    }
    let resume = folder.join("go");
    // The first holds the file (it has staged its copy) while the second starts.
    let mut low = start_paused(folder, "low.sluice.json", "before-decision", &resume);
    let mut high = sluice(folder)
        .args(["run", folder.join("high.sluice.json").to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(600));
    assert!(
        high.try_wait().unwrap().is_none(),
        "the second writer did not wait its turn"
    );
    std::fs::write(&resume, "").unwrap();
    assert!(low.wait().unwrap().success());
    assert!(high.wait().unwrap().success());
    let mut written = ids(&folder.join("out.ndjson"));
    written.sort();
    assert_eq!(written, (1..=300).collect::<Vec<_>>());
}
