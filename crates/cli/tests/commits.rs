//! The commit protocol seen from `sluice run`: a destination that cannot be written keeps every
//! other destination and the cursor as they were; one that fails after the run's decision is
//! published by the next Sluice to start, and the run's record says so.
#![cfg(all(unix, debug_assertions))]

mod common;

use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::{Value, json};

fn sluice(folder: &Path) -> Command {
    common::sluice(&folder.join("home"))
}

fn setup(events: i64) -> tempfile::TempDir {
    let folder = tempfile::tempdir().unwrap();
    common::add_events(&folder.path().join("source.db"), 1, events);
    let flow = json!({
        "format": "sluice.flow/1", "id": "01930000-0000-7000-8000-00000000e001", "name": "two sinks",
        "nodes": [
            {"id": "read", "type": "sqlite.read", "config": {"path": "source.db", "table": "events", "cursor": "id"}},
            {"id": "db", "type": "sqlite.write", "config": {"path": "out.db", "table": "t"}},
            {"id": "report", "type": "csv.write", "config": {"path": "report.csv"}}
        ],
        "edges": [{"from": "read", "to": "db"}, {"from": "read", "to": "report"}]
    });
    std::fs::write(folder.path().join("flow.sluice.json"), flow.to_string()).unwrap();
    folder
}

fn count_rows(database: &Path) -> i64 {
    let connection = rusqlite::Connection::open(database).unwrap();
    connection
        .query_row("SELECT COUNT(*) FROM t", [], |row| row.get(0))
        .unwrap_or(0)
}

fn runs(folder: &Path) -> Vec<Value> {
    let output = sluice(folder)
        .args(["runs", "list", "--json"])
        .output()
        .unwrap();
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn a_destination_that_cannot_be_written_keeps_the_others_and_the_cursor_as_they_were() {
    let folder = setup(1000);
    let folder = folder.path();
    std::fs::create_dir(folder.join("report.csv")).unwrap();
    let run = || {
        sluice(folder)
            .args(["run", folder.join("flow.sluice.json").to_str().unwrap()])
            .output()
            .unwrap()
    };
    let failed = run();
    assert_eq!(failed.status.code(), Some(1));
    let message = String::from_utf8_lossy(&failed.stderr);
    assert!(message.contains("report.csv is a folder"), "{message}");
    assert_eq!(count_rows(&folder.join("out.db")), 0);

    std::fs::remove_dir(folder.join("report.csv")).unwrap();
    assert_eq!(run().status.code(), Some(0));
    assert_eq!(count_rows(&folder.join("out.db")), 1000);
    let report = std::fs::read_to_string(folder.join("report.csv")).unwrap();
    assert_eq!(
        report.lines().count(),
        1001,
        "every row once, after the header"
    );
}

#[test]
fn a_destination_that_fails_after_the_decision_is_published_by_the_next_start() {
    let folder = setup(10);
    let folder = folder.path();
    let resume = folder.join("resume");
    let mut command = sluice(folder);
    command
        .args(["run", folder.join("flow.sluice.json").to_str().unwrap()])
        .stdout(Stdio::piped());
    let child = common::start_paused(command, "after-decision", Some(&resume));
    // Decided: now the CSV's place is taken, so renaming it there fails.
    std::fs::create_dir(folder.join("report.csv")).unwrap();
    std::fs::write(&resume, "").unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(4));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains(
            "committed (its sync state advanced), but a destination is not published yet"
        ),
        "{stdout}"
    );
    assert_eq!(count_rows(&folder.join("out.db")), 10);

    // Still blocked: the next start leaves it committing and says why in the run's log.
    assert_eq!(runs(folder)[0]["status"], "committing");
    std::fs::remove_dir(folder.join("report.csv")).unwrap();
    let listed = runs(folder);
    assert_eq!(listed[0]["status"], "succeeded");
    assert_eq!(listed[0]["error"], Value::Null);
    let shown = sluice(folder)
        .args(["runs", "show", listed[0]["id"].as_str().unwrap()])
        .output()
        .unwrap();
    let shown = String::from_utf8_lossy(&shown.stdout);
    assert!(
        shown.contains("the next Sluice to start published them"),
        "{shown}"
    );
    let report = std::fs::read_to_string(folder.join("report.csv")).unwrap();
    assert_eq!(report.lines().count(), 11);
    // The cursor had advanced with the decision: a rerun adds nothing.
    let rerun = sluice(folder)
        .args(["run", folder.join("flow.sluice.json").to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(rerun.status.code(), Some(0));
    assert_eq!(count_rows(&folder.join("out.db")), 10);
}
