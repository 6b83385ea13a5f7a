//! What the process tests share: a `sluice` command on a home, runs paused at a named step of
//! the commit protocol (`SLUICE_TEST_PAUSE`, honoured by debug builds), an incremental source.
// Each test binary uses part of it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

/// `sluice` with `home` as its home and none of the caller's logging or test settings.
pub fn sluice(home: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sluice"));
    command
        .env("SLUICE_HOME", home)
        .env_remove("SLUICE_LOG")
        .env_remove("SLUICE_TEST_PAUSE")
        .env_remove("SLUICE_TEST_RESUME");
    command
}

/// `sluice arguments…` on `home`, run to its end.
pub fn run(home: &Path, arguments: &[&str]) -> Output {
    sluice(home).args(arguments).output().expect("sluice runs")
}

/// What a process wrote, as text.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Starts `command` (a `sluice run`) paused at `point` and returns once it is there. It goes on
/// when the file `resume` appears, or never without one. Its stderr is drained meanwhile.
pub fn start_paused(mut command: Command, point: &str, resume: Option<&Path>) -> Child {
    command
        .env("SLUICE_TEST_PAUSE", point)
        .stderr(Stdio::piped());
    if let Some(resume) = resume {
        command.env("SLUICE_TEST_RESUME", resume);
    }
    let mut child = command.spawn().expect("sluice starts");
    let mut lines = BufReader::new(child.stderr.take().expect("stderr piped")).lines();
    let paused = lines
        .by_ref()
        .any(|line| line.is_ok_and(|line| line.starts_with("sluice: paused at")));
    if !paused {
        let _ = child.wait();
        panic!("the run never paused at {point}");
    }
    std::thread::spawn(move || lines.for_each(drop));
    child
}

/// Adds events `from..=to` to the `events` table (created if missing) of a SQLite database: the
/// incremental source of the process tests, read with `cursor: id`.
pub fn add_events(database: &Path, from: i64, to: i64) {
    let connection = rusqlite::Connection::open(database).unwrap();
    connection
        .execute_batch("CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, v TEXT)")
        .unwrap();
    for id in from..=to {
        connection
            .execute(
                "INSERT INTO events (id, v) VALUES (?1, ?2)",
                rusqlite::params![id, format!("event {id}")],
            )
            .unwrap();
    }
}
