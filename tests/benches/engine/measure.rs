//! Measuring programs as a person runs them: each run its own process, two programs
//! alternating, medians of wall and CPU time (user + system) and the peak RSS.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use nix::sys::resource::{UsageWho, getrusage};

/// What one run of one program cost.
#[derive(Debug, Clone, Copy)]
pub struct Cost {
    pub wall: f64,
    pub cpu: f64,
    pub rss_mb: f64,
}

/// Runs both programs `runs` times, alternating, and prints their medians and ratios.
pub fn compare(
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

pub fn median(costs: &[Cost]) -> Cost {
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
pub fn run_measured(command: Command) -> Cost {
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
pub fn measure(command: &[String]) {
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

pub fn own_command<const N: usize>(arguments: [&str; N]) -> Command {
    let mut command = Command::new(std::env::current_exe().expect("own path"));
    command.args(arguments);
    command
}

pub fn sluice_command(sluice: &Path, home: &Path, flow: &Path) -> Command {
    let mut command = Command::new(sluice);
    command
        .arg("run")
        .arg(flow)
        .env("SLUICE_HOME", home)
        .env("NO_COLOR", "1");
    command
}

pub fn path(path: &Path) -> &str {
    path.to_str().expect("bench paths are UTF-8")
}

pub fn setting(name: &str) -> Option<usize> {
    std::env::var(name).ok().and_then(|text| text.parse().ok())
}

pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"))
}

pub fn sluice_binary() -> PathBuf {
    let binary = target_dir().join("release/sluice");
    assert!(
        binary.exists(),
        "{} is missing: build it with `cargo build --release -p sluice-cli` (make bench does)",
        binary.display()
    );
    binary
}

pub fn data_dir() -> PathBuf {
    let folder = target_dir().join("bench-data");
    std::fs::create_dir_all(&folder).expect("bench folder");
    folder
}
