//! The kill harness: `sluice run` killed with SIGKILL at random moments and at each named point
//! of the commit protocol (`SLUICE_TEST_PAUSE`), then restarted. After every kill every
//! destination is all-before or all-after, the run's record says which, the cursor matches what
//! the destinations hold, and nothing is left staged; at the end every record is there exactly
//! once. `SLUICE_KILLS` sets the kills per flow (`make soak` runs thousands).
#![cfg(all(unix, debug_assertions))]

mod common;
mod databases;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rusqlite::Connection;
use serde_json::{Value, json};

/// The PostgreSQL schema and the MariaDB database the database destinations write in.
const DATABASE: &str = "kill_harness";

/// Kills per flow in `make test`; five flows, so 250 in all.
const DEFAULT_KILLS: usize = 50;

fn kills() -> usize {
    std::env::var("SLUICE_KILLS")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(DEFAULT_KILLS)
}

/// A small deterministic random source (xorshift), seeded per test so failures can be replayed.
struct Random(u64);

impl Random {
    fn below(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % bound.max(1)
    }
}

/// One flow under test, in its own folder and Sluice home.
struct Harness {
    folder: tempfile::TempDir,
    flow: serde_json::Value,
    sinks: Vec<&'static str>,
}

impl Harness {
    fn new(flow: Value, sinks: Vec<&'static str>) -> Harness {
        let folder = tempfile::tempdir().unwrap();
        std::fs::write(folder.path().join("flow.sluice.json"), flow.to_string()).unwrap();
        let harness = Harness {
            folder,
            flow,
            sinks,
        };
        if harness.sinks.contains(&"pg") {
            databases::prepare_postgres(DATABASE, harness.sluice());
            databases::prepare_mysql(DATABASE, harness.sluice());
        }
        harness
    }

    fn path(&self, name: &str) -> std::path::PathBuf {
        self.folder.path().join(name)
    }

    fn sluice(&self) -> Command {
        let mut command = common::sluice(&self.path("home"));
        command.env("SLUICE_SECRETS", "file");
        command
    }

    /// Runs the flow and kills it: at the named point, or after `delay`. Returns whether it was
    /// still running when killed.
    fn run_and_kill(&self, pause: Option<&str>, delay: Duration) -> bool {
        let mut command = self.sluice();
        command
            .args(["run", self.path("flow.sluice.json").to_str().unwrap()])
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let mut child = match pause {
            Some(point) => common::start_paused(command, point, None),
            None => {
                let child = command.spawn().unwrap();
                std::thread::sleep(delay);
                child
            }
        };
        let running = child.try_wait().unwrap().is_none();
        child.kill().unwrap();
        child.wait().unwrap();
        running
    }

    /// Runs the flow to the end; it must succeed.
    fn run_to_the_end(&self) {
        let output = self
            .sluice()
            .args(["run", self.path("flow.sluice.json").to_str().unwrap()])
            .output()
            .unwrap();
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// Starts a Sluice process on the home (which finishes what the killed one left) and
    /// returns the runs, newest first.
    fn restart(&self) -> Vec<Value> {
        let output = self
            .sluice()
            .args(["runs", "list", "--json", "--limit", "1000"])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(0));
        serde_json::from_slice(&output.stdout).unwrap()
    }

    /// The incremental source's committed cursor (0 before the first commit).
    fn cursor(&self) -> i64 {
        let flow_id = self.flow["id"].as_str().unwrap();
        let connection = Connection::open(self.path("home/sluice.db")).unwrap();
        connection
            .query_row(
                "SELECT state FROM node_state WHERE flow_id = ?1",
                [flow_id],
                |row| row.get::<_, String>(0),
            )
            .map(|state| {
                serde_json::from_str::<Value>(&state).unwrap()["cursor"]
                    .as_i64()
                    .unwrap()
            })
            .unwrap_or(0)
    }

    /// Nothing staged is left: no staging files beside the outputs, no staging tables.
    fn assert_nothing_staged(&self) {
        if self.sinks.contains(&"pg") {
            let left = databases::staging_tables(DATABASE, DATABASE);
            assert!(left.is_empty(), "staging tables left: {left:?}");
        }
        for entry in std::fs::read_dir(self.folder.path()).unwrap() {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            assert!(!name.contains(".sluice-"), "staging file left: {name}");
        }
        if self.path("out.db").exists() {
            let tables = column(
                &self.path("out.db"),
                "SELECT name FROM sqlite_master WHERE type = 'table'",
            );
            assert!(
                tables.iter().all(|name| !name.contains("__sluice_")),
                "{tables:?}"
            );
        }
    }

    /// The ids each sink's destination holds, as a list (duplicates kept).
    fn ids_in(&self, sink: &str) -> Vec<String> {
        match sink {
            "db" => column(&self.path("out.db"), "SELECT id FROM t ORDER BY rowid"),
            "lines" => read_or_empty(&self.path("out.ndjson"))
                .lines()
                .map(|line| serde_json::from_str::<Value>(line).unwrap()["id"].to_string())
                .collect(),
            "table" | "report" => read_or_empty(&self.path("out.csv"))
                .lines()
                .skip(1)
                .map(|line| line.split(',').next().unwrap().to_string())
                .collect(),
            "pg" => databases::postgres_ids(DATABASE),
            "my" => databases::mysql_ids(DATABASE),
            other => panic!("no sink {other}"),
        }
    }
}

/// Every named-point kill and some random ones must hit a live run, or the harness tests
/// nothing; the counts go to the test's output for the closing figures.
fn assert_killed_mostly_mid_run(killed_running: usize) {
    eprintln!("kills: {}, of them mid-run: {killed_running}", kills());
    if kills() < 10 {
        return;
    }
    assert!(
        killed_running * 2 >= kills(),
        "only {killed_running} of {} kills hit a live run",
        kills()
    );
}

/// The id of the newest run in a list (newest first).
fn newest_run(runs: &[Value]) -> Option<String> {
    runs.first()
        .map(|run| run["id"].as_str().unwrap().to_string())
}

fn read_or_empty(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// One column of a query's rows, as text (empty when the database or table is missing).
fn column(database: &Path, sql: &str) -> Vec<String> {
    if !database.exists() {
        return Vec::new();
    }
    let connection = Connection::open(database).unwrap();
    let Ok(mut statement) = connection.prepare(sql) else {
        return Vec::new();
    };
    statement
        .query_map([], |row| {
            let value: rusqlite::types::Value = row.get(0)?;
            Ok(match value {
                rusqlite::types::Value::Integer(number) => number.to_string(),
                rusqlite::types::Value::Text(text) => text,
                other => format!("{other:?}"),
            })
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// Where the nth kill happens: a named point of the protocol in turn, or a random moment.
fn kill_point(harness: &Harness, index: usize) -> Option<String> {
    let mut points = vec!["before-decision".to_string(), "after-decision".to_string()];
    points.extend(
        harness
            .sinks
            .iter()
            .map(|sink| format!("after-publish:{sink}")),
    );
    // Every other kill is at a random moment.
    (index % 2 == 1).then(|| points[(index / 2) % points.len()].clone())
}

/// An incremental flow: each kill leaves every sink holding exactly the rows up to the cursor.
fn incremental_kills(flow: Value, sinks: Vec<&'static str>, seed: u64) {
    let harness = Harness::new(flow, sinks.clone());
    let source = harness.path("source.db");
    let mut random = Random(seed);
    let mut last_id = 0;
    let batch = 40;
    common::add_events(&source, 1, batch);
    last_id += batch;
    let started = Instant::now();
    harness.run_to_the_end();
    let one_run = started.elapsed();
    let mut newest = newest_run(&harness.restart());
    let mut mixed = 0;
    let mut killed_running = 0;
    for index in 0..kills() {
        common::add_events(&source, last_id + 1, last_id + batch);
        last_id += batch;
        let before = harness.cursor();
        let pause = kill_point(&harness, index);
        let delay = Duration::from_micros(random.below(one_run.as_micros() as u64 * 2));
        if harness.run_and_kill(pause.as_deref(), delay) {
            killed_running += 1;
        }
        let runs = harness.restart();
        let cursor = harness.cursor();
        let context = format!("kill {index} (seed {seed}, pause {pause:?}, delay {delay:?})");
        assert!(
            cursor == before || cursor == last_id,
            "{context}: cursor {cursor}"
        );
        harness.assert_nothing_staged();
        let expected: Vec<String> = (1..=cursor).map(|id| id.to_string()).collect();
        for sink in &sinks {
            let mut ids = harness.ids_in(sink);
            let distinct: BTreeSet<&String> = ids.iter().collect();
            if distinct.len() != ids.len() {
                mixed += 1;
            }
            ids.sort_by_key(|id| id.parse::<i64>().unwrap());
            assert_eq!(
                ids, expected,
                "{context}: sink {sink} does not match the cursor"
            );
        }
        if newest_run(&runs) != newest {
            let status = runs[0]["status"].as_str().unwrap();
            let expected_status = if cursor == last_id {
                "succeeded"
            } else {
                "interrupted"
            };
            assert_eq!(status, expected_status, "{context}: the run's record");
            newest = newest_run(&runs);
        }
        assert!(
            runs.iter()
                .all(|run| run["status"] != "running" && run["status"] != "committing"),
            "{context}: a run was left unfinished"
        );
    }
    assert_eq!(mixed, 0);
    assert_killed_mostly_mid_run(killed_running);
    harness.run_to_the_end();
    for sink in &sinks {
        let ids = harness.ids_in(sink);
        assert_eq!(
            ids.len() as i64,
            last_id,
            "sink {sink}: every record exactly once"
        );
        assert_eq!(ids.iter().collect::<BTreeSet<_>>().len() as i64, last_id);
    }
}

#[test]
fn killed_incremental_runs_into_three_sinks_never_lose_or_duplicate() {
    let flow = json!({
        "format": "sluice.flow/1", "id": "01930000-0000-7000-8000-00000000c001", "name": "kill three sinks",
        "nodes": [
            {"id": "read", "type": "sqlite.read", "config": {"path": "source.db", "table": "events", "cursor": "id"}},
            {"id": "db", "type": "sqlite.write", "config": {"path": "out.db", "table": "t"}},
            {"id": "lines", "type": "json.write", "config": {"path": "out.ndjson", "append": true}},
            {"id": "table", "type": "csv.write", "config": {"path": "out.csv", "append": true}}
        ],
        "edges": [{"from": "read", "to": "db"}, {"from": "read", "to": "lines"}, {"from": "read", "to": "table"}]
    });
    incremental_kills(flow, vec!["db", "lines", "table"], 0x5eed_0001);
}

#[test]
fn killed_incremental_runs_into_one_file_never_lose_or_duplicate() {
    let flow = json!({
        "format": "sluice.flow/1", "id": "01930000-0000-7000-8000-00000000c002", "name": "kill one sink",
        "nodes": [
            {"id": "read", "type": "sqlite.read", "config": {"path": "source.db", "table": "events", "cursor": "id"}},
            {"id": "lines", "type": "json.write", "config": {"path": "out.ndjson", "append": true}}
        ],
        "edges": [{"from": "read", "to": "lines"}]
    });
    incremental_kills(flow, vec!["lines"], 0x5eed_0002);
}

#[test]
fn killed_incremental_upserts_never_lose_or_duplicate() {
    let flow = json!({
        "format": "sluice.flow/1", "id": "01930000-0000-7000-8000-00000000c003", "name": "kill upsert",
        "nodes": [
            {"id": "read", "type": "sqlite.read", "config": {"path": "source.db", "table": "events", "cursor": "id"}},
            {"id": "db", "type": "sqlite.write", "config": {"path": "out.db", "table": "t", "mode": "upsert", "key": ["id"]}}
        ],
        "edges": [{"from": "read", "to": "db"}]
    });
    incremental_kills(flow, vec!["db"], 0x5eed_0003);
}

#[test]
fn killed_incremental_runs_into_sqlite_postgres_and_mariadb_never_lose_or_duplicate() {
    let flow = json!({
        "format": "sluice.flow/1", "id": "01930000-0000-7000-8000-00000000c005", "name": "kill postgres",
        "nodes": [
            {"id": "read", "type": "sqlite.read", "config": {"path": "source.db", "table": "events", "cursor": "id"}},
            {"id": "db", "type": "sqlite.write", "config": {"path": "out.db", "table": "t"}},
            {"id": "pg", "type": "postgres.write", "credential": "warehouse",
             "config": {"schema": DATABASE, "table": "t"}},
            {"id": "my", "type": "mysql.write", "credential": "shop", "config": {"table": "t"}}
        ],
        "edges": [{"from": "read", "to": "db"}, {"from": "read", "to": "pg"}, {"from": "read", "to": "my"}]
    });
    incremental_kills(flow, vec!["db", "pg", "my"], 0x5eed_0005);
}

#[test]
fn killed_replacing_runs_leave_both_destinations_from_one_run() {
    let flow = json!({
        "format": "sluice.flow/1", "id": "01930000-0000-7000-8000-00000000c004", "name": "kill replace",
        "nodes": [
            {"id": "read", "type": "csv.read", "config": {"path": "in.csv"}},
            {"id": "db", "type": "sqlite.write", "config": {"path": "out.db", "table": "t", "mode": "replace"}},
            {"id": "report", "type": "csv.write", "config": {"path": "out.csv"}}
        ],
        "edges": [{"from": "read", "to": "db"}, {"from": "read", "to": "report"}]
    });
    let harness = Harness::new(flow, vec!["db", "report"]);
    let mut random = Random(0x5eed_0004);
    let write_version = |version: usize| {
        let rows: String = (1..=200).map(|id| format!("{id},v{version}\n")).collect();
        std::fs::write(harness.path("in.csv"), format!("id,version\n{rows}")).unwrap();
    };
    let version_in = |sink: &str| -> BTreeSet<String> {
        match sink {
            "db" => column(&harness.path("out.db"), "SELECT version FROM t")
                .into_iter()
                .collect(),
            _ => read_or_empty(&harness.path("out.csv"))
                .lines()
                .skip(1)
                .map(|line| line.split(',').nth(1).unwrap().to_string())
                .collect(),
        }
    };
    write_version(0);
    let started = Instant::now();
    harness.run_to_the_end();
    let one_run = started.elapsed();
    let mut newest = newest_run(&harness.restart());
    let mut killed_running = 0;
    for index in 0..kills() {
        let version = index + 1;
        write_version(version);
        let pause = kill_point(&harness, index);
        let delay = Duration::from_micros(random.below(one_run.as_micros() as u64 * 2));
        if harness.run_and_kill(pause.as_deref(), delay) {
            killed_running += 1;
        }
        let runs = harness.restart();
        let context = format!("kill {index} (pause {pause:?}, delay {delay:?})");
        harness.assert_nothing_staged();
        let in_db = version_in("db");
        let in_csv = version_in("report");
        assert_eq!(
            in_db.len(),
            1,
            "{context}: one version in the table: {in_db:?}"
        );
        assert_eq!(in_db, in_csv, "{context}: the destinations disagree");
        assert_eq!(
            column(&harness.path("out.db"), "SELECT COUNT(*) FROM t"),
            ["200"],
            "{context}"
        );
        if newest_run(&runs) != newest {
            let now = format!("v{version}");
            let status = runs[0]["status"].as_str().unwrap();
            let expected = if in_db.contains(&now) {
                "succeeded"
            } else {
                "interrupted"
            };
            assert_eq!(status, expected, "{context}: the run's record");
            newest = newest_run(&runs);
        }
    }
    assert_killed_mostly_mid_run(killed_running);
}
