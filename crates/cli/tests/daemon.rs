//! `sluice daemon` as a process: scheduled runs at the right times, and a graceful stop on
//! SIGTERM that cancels the run in progress without keeping any of its writes.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn sluice(home: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sluice"));
    command.env("SLUICE_HOME", home).env_remove("SLUICE_LOG");
    command
}

fn ok(mut command: Command) -> String {
    let output = command.output().expect("sluice runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

fn runs(home: &Path) -> Vec<serde_json::Value> {
    let mut command = sluice(home);
    command.args(["--json", "runs", "list", "--limit", "100"]);
    serde_json::from_str::<serde_json::Value>(&ok(command))
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

fn start_daemon(home: &Path) -> Child {
    let mut command = sluice(home);
    command
        .args(["daemon", "--log-format", "json"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    command.spawn().expect("daemon starts")
}

fn terminate(child: &Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// Waits for the child to exit, at most `limit`. Returns how long it took.
fn wait_exit(child: &mut Child, limit: Duration) -> Duration {
    let started = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < limit,
            "the daemon did not exit within {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn write_flow(folder: &Path, rows: usize) -> std::path::PathBuf {
    let mut csv = String::from("id,name\n");
    for id in 0..rows {
        csv.push_str(&format!("{id},name {id}\n"));
    }
    std::fs::write(folder.join("in.csv"), csv).unwrap();
    let flow = serde_json::json!({
        "format": "sluice.flow/1", "id": "01930000-0000-7000-8000-0000000da000", "name": "Every second",
        "nodes": [
            {"id": "read", "type": "csv.read", "config": {"path": "in.csv"}},
            {"id": "save", "type": "sqlite.write", "config": {"path": "out.db", "table": "t"}}
        ],
        "edges": [{"from": "read", "to": "save"}]
    });
    let path = folder.join("flow.sluice.json");
    std::fs::write(&path, flow.to_string()).unwrap();
    path
}

fn schedule_every_second(home: &Path, flow: &Path) {
    let mut import = sluice(home);
    import.args(["flows", "import", flow.to_str().unwrap()]);
    ok(import);
    let mut approve = sluice(home);
    approve.args(["flows", "review", "Every second", "--approve"]);
    ok(approve);
    let mut schedule = sluice(home);
    schedule.args([
        "flows",
        "schedule",
        "Every second",
        "--cron",
        "* * * * * *",
        "--timezone",
        "Europe/Berlin",
    ]);
    let printed = ok(schedule);
    assert!(printed.contains("Next fires:"), "{printed}");
}

#[test]
fn a_flow_scheduled_every_second_runs_every_second() {
    let home = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let flow = write_flow(data.path(), 10);
    schedule_every_second(home.path(), &flow);
    let mut daemon = start_daemon(home.path());
    std::thread::sleep(Duration::from_millis(5300));
    terminate(&daemon);
    wait_exit(&mut daemon, Duration::from_secs(10));

    let runs = runs(home.path());
    assert!(
        (4..=6).contains(&runs.len()),
        "{} runs in 5.3 s",
        runs.len()
    );
    let started_at = |run: &serde_json::Value| -> chrono::DateTime<chrono::Utc> {
        run["started_at"].as_str().unwrap().parse().unwrap()
    };
    let mut starts: Vec<chrono::DateTime<chrono::Utc>> = runs.iter().map(started_at).collect();
    starts.sort();
    let newest = *starts.last().expect("runs");
    for run in &runs {
        assert_eq!(run["trigger"], "schedule");
        // SIGTERM cancels the run in progress (a slow machine may still be in the last one).
        let in_progress_at_the_end = started_at(run) == newest;
        assert!(
            run["status"] == "succeeded"
                || (in_progress_at_the_end && run["status"] == "cancelled"),
            "{run}"
        );
    }
    for start in &starts {
        let past_the_second = start.timestamp_subsec_millis();
        assert!(
            past_the_second < 500,
            "a run started {past_the_second} ms after its second"
        );
    }
    for pair in starts.windows(2) {
        let gap = (pair[1] - pair[0]).num_milliseconds();
        assert!((300..=1700).contains(&gap), "runs {gap} ms apart");
    }
}

#[test]
fn sigterm_mid_run_cancels_it_and_keeps_nothing() {
    let home = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let flow = write_flow(data.path(), 600_000);
    schedule_every_second(home.path(), &flow);
    let mut daemon = start_daemon(home.path());

    let started = Instant::now();
    loop {
        if runs(home.path())
            .iter()
            .any(|run| run["status"] == "running")
        {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "no run started"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    terminate(&daemon);
    let took = wait_exit(&mut daemon, Duration::from_secs(10));
    assert!(took < Duration::from_secs(10));
    assert!(daemon.wait().unwrap().success());

    let runs = runs(home.path());
    assert!(
        runs.iter().all(|run| run["status"] != "running"),
        "{runs:?}"
    );
    let cancelled = runs
        .iter()
        .filter(|run| run["status"] == "cancelled")
        .count();
    assert_eq!(cancelled, 1, "{runs:?}");
    let database = data.path().join("out.db");
    if database.exists() {
        let connection = rusqlite::Connection::open(&database).unwrap();
        let tables: i64 = connection
            .query_row(
                "SELECT COUNT(*) FROM sqlite_master WHERE name = 't'",
                [],
                |row| row.get(0),
            )
            .unwrap();
        assert_eq!(tables, 0, "the cancelled run left no table behind");
    }
}
