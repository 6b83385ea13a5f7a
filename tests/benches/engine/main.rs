//! The engine benchmarks, run as a person runs Sluice: `sluice run` of a flow file (the release
//! binary, recording the run in its database like any other run) against a hand-written Rust
//! program doing the same job. Each run is its own process; the two alternate; medians of
//! `SLUICE_BENCH_RUNS` (5) runs of wall time and CPU time (user + system), and the peak RSS.
//!
//! - standard job: CSV → filter → map → sqlite.write, at `SLUICE_BENCH_SIZES` rows
//!   (default 100000,1000000,10000000), against csv + rusqlite;
//! - JSON job: 1,000,000 JSON lines with nested objects → cast → map → csv.write, against
//!   serde_json + csv.
//!
//! `make bench` builds the release `sluice` first and runs this.

mod jobs;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use nix::sys::resource::{UsageWho, getrusage};

/// What one run of one program cost.
#[derive(Debug, Clone, Copy)]
struct Cost {
    wall: f64,
    cpu: f64,
    rss_mb: f64,
}

fn main() {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    match arguments.first().map(String::as_str) {
        Some("measure") => return measure(&arguments[1..]),
        Some("handwritten-standard") => {
            let rows =
                jobs::handwritten_standard(Path::new(&arguments[1]), Path::new(&arguments[2]));
            return println!("{rows}");
        }
        Some("handwritten-json") => {
            let rows = jobs::handwritten_json(Path::new(&arguments[1]), Path::new(&arguments[2]));
            return println!("{rows}");
        }
        _ => {}
    }
    let sluice = sluice_binary();
    let runs: usize = setting("SLUICE_BENCH_RUNS").unwrap_or(5);
    let sizes: Vec<usize> = std::env::var("SLUICE_BENCH_SIZES")
        .ok()
        .map(|text| {
            text.split(',')
                .filter_map(|size| size.trim().parse().ok())
                .collect()
        })
        .unwrap_or_else(|| vec![100_000, 1_000_000, 10_000_000]);
    let data = data_dir();
    let home = data.join("sluice-home");
    println!(
        "medians of {runs} runs, alternating; CPU = user + system; sluice: {}",
        sluice.display()
    );
    println!(
        "{:<34} {:>9}  {:<12} {:>8} {:>8} {:>9}",
        "job", "records", "program", "wall s", "CPU s", "peak RSS"
    );
    for rows in sizes {
        let csv = data.join(format!("standard-{rows}.csv"));
        jobs::generate_customers(&csv, rows);
        let flow = data.join(format!("standard-{rows}.sluice.json"));
        let database = data.join(format!("standard-{rows}-engine.db"));
        std::fs::write(&flow, jobs::standard_flow(&csv, &database).to_string()).unwrap();
        let handwritten_db = data.join(format!("standard-{rows}-handwritten.db"));
        compare(
            "standard: CSV → filter → map → SQLite",
            rows,
            runs,
            || {
                let _ = std::fs::remove_file(&handwritten_db);
                own_command(["handwritten-standard", path(&csv), path(&handwritten_db)])
            },
            || {
                let _ = std::fs::remove_file(&database);
                sluice_command(&sluice, &home, &flow)
            },
            || jobs::sqlite_rows(&handwritten_db) == jobs::sqlite_rows(&database),
        );
    }
    let rows = 1_000_000;
    let input = data.join("orders.ndjson");
    jobs::generate_orders(&input, rows);
    let flow = data.join("orders.sluice.json");
    let output = data.join("orders-engine.csv");
    std::fs::write(&flow, jobs::json_flow(&input, &output).to_string()).unwrap();
    let handwritten_csv = data.join("orders-handwritten.csv");
    compare(
        "JSON lines → cast → map → CSV",
        rows,
        runs,
        || own_command(["handwritten-json", path(&input), path(&handwritten_csv)]),
        || sluice_command(&sluice, &home, &flow),
        || jobs::line_count(&handwritten_csv) == jobs::line_count(&output),
    );
}

/// Runs both programs `runs` times, alternating, and prints their medians and ratios.
fn compare(
    job: &str,
    rows: usize,
    runs: usize,
    handwritten: impl Fn() -> Command,
    engine: impl Fn() -> Command,
    same_output: impl Fn() -> bool,
) {
    let mut costs: [Vec<Cost>; 2] = [Vec::new(), Vec::new()];
    for _ in 0..runs {
        costs[0].push(run_measured(handwritten()));
        costs[1].push(run_measured(engine()));
    }
    assert!(same_output(), "{job}: both programs write the same records");
    let summary: Vec<Cost> = costs.iter().map(|costs| median(costs)).collect();
    for (name, cost) in ["hand-written", "sluice run"].iter().zip(&summary) {
        println!(
            "{job:<34} {rows:>9}  {name:<12} {:>8.3} {:>8.3} {:>6.1} MB",
            cost.wall, cost.cpu, cost.rss_mb
        );
    }
    println!(
        "{:<34} {:>9}  {:<12} {:>7.2}× {:>7.2}×",
        "",
        "",
        "ratio",
        summary[1].wall / summary[0].wall,
        summary[1].cpu / summary[0].cpu
    );
}

fn median(costs: &[Cost]) -> Cost {
    let middle = |mut values: Vec<f64>| {
        values.sort_by(f64::total_cmp);
        values[values.len() / 2]
    };
    Cost {
        wall: middle(costs.iter().map(|cost| cost.wall).collect()),
        cpu: middle(costs.iter().map(|cost| cost.cpu).collect()),
        rss_mb: costs.iter().map(|cost| cost.rss_mb).fold(0.0, f64::max),
    }
}

/// Runs `command` under this binary's `measure` mode, so its CPU time and peak RSS are its own.
fn run_measured(command: Command) -> Cost {
    let mut measured = Command::new(std::env::current_exe().expect("own path"));
    measured
        .arg("measure")
        .arg(command.get_program())
        .args(command.get_args());
    for (key, value) in command.get_envs() {
        match value {
            Some(value) => measured.env(key, value),
            None => measured.env_remove(key),
        };
    }
    let output = measured.output().expect("the benchmark runs");
    assert!(
        output.status.success(),
        "{:?} failed: {}",
        command,
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8_lossy(&output.stdout);
    let fields: Vec<f64> = text
        .lines()
        .last()
        .unwrap_or_default()
        .split_whitespace()
        .map(|field| field.parse().expect("a measurement"))
        .collect();
    Cost {
        wall: fields[0],
        cpu: fields[1],
        rss_mb: fields[2],
    }
}

/// `measure PROGRAM ARGS…`: runs it, then prints its wall time, CPU time and peak RSS.
fn measure(command: &[String]) {
    let started = Instant::now();
    let output = Command::new(&command[0])
        .args(&command[1..])
        .output()
        .expect("the measured program starts");
    let wall = started.elapsed().as_secs_f64();
    if !output.status.success() {
        eprintln!("{}", String::from_utf8_lossy(&output.stderr));
        std::process::exit(1);
    }
    let usage = getrusage(UsageWho::RUSAGE_CHILDREN).expect("resource usage");
    let seconds =
        |time: nix::sys::time::TimeVal| time.tv_sec() as f64 + time.tv_usec() as f64 / 1e6;
    let cpu = seconds(usage.user_time()) + seconds(usage.system_time());
    // Linux reports the peak resident set in KiB.
    let rss_mb = usage.max_rss() as f64 / 1024.0;
    println!("{wall} {cpu} {rss_mb}");
}

fn own_command<const N: usize>(arguments: [&str; N]) -> Command {
    let mut command = Command::new(std::env::current_exe().expect("own path"));
    command.args(arguments);
    command
}

fn sluice_command(sluice: &Path, home: &Path, flow: &Path) -> Command {
    let mut command = Command::new(sluice);
    command
        .arg("run")
        .arg(flow)
        .env("SLUICE_HOME", home)
        .env("NO_COLOR", "1");
    command
}

fn path(path: &Path) -> &str {
    path.to_str().expect("bench paths are UTF-8")
}

fn setting(name: &str) -> Option<usize> {
    std::env::var(name).ok().and_then(|text| text.parse().ok())
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"))
}

fn sluice_binary() -> PathBuf {
    let binary = target_dir().join("release/sluice");
    assert!(
        binary.exists(),
        "{} is missing: build it with `cargo build --release -p sluice-cli` (make bench does)",
        binary.display()
    );
    binary
}

fn data_dir() -> PathBuf {
    let folder = target_dir().join("bench-data");
    std::fs::create_dir_all(&folder).expect("bench folder");
    folder
}
