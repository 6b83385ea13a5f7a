//! The standard job benchmark: a generated 1,000,000-row CSV → filter → map → sqlite.write, run by
//! the engine and by a hand-written Rust program, each in its own process so peak memory is its own.
//!
//! `make bench` runs it. `SLUICE_BENCH_ROWS` changes the row count.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

const RUNS: usize = 5;

// The same allocator as the `sluice` binary.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let arguments: Vec<String> = std::env::args().collect();
    let data = data_dir();
    let csv = data.join("standard.csv");
    if let Some(mode) = arguments
        .iter()
        .find(|argument| *argument == "engine" || *argument == "handwritten")
    {
        let database = data.join(format!("{mode}.db"));
        let _ = std::fs::remove_file(&database);
        let started = Instant::now();
        let rows = if mode == "engine" {
            engine(&csv, &database)
        } else {
            handwritten(&csv, &database)
        };
        let seconds = started.elapsed().as_secs_f64();
        println!("{seconds} {} {rows}", peak_rss_kib());
        return;
    }

    let rows: usize = std::env::var("SLUICE_BENCH_ROWS")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(1_000_000);
    generate(&csv, rows);
    println!(
        "standard job: {rows} CSV rows → filter → map → sqlite.write ({RUNS} runs each, best time)"
    );
    let mut results = Vec::new();
    for mode in ["handwritten", "engine"] {
        let mut best = (f64::MAX, 0u64, 0u64);
        for _ in 0..RUNS {
            let output = Command::new(std::env::current_exe().expect("own path"))
                .arg(mode)
                .output()
                .expect("benchmark child runs");
            assert!(
                output.status.success(),
                "{mode} failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            let text = String::from_utf8_lossy(&output.stdout);
            let fields: Vec<&str> = text.split_whitespace().collect();
            let seconds: f64 = fields[0].parse().expect("seconds");
            let rss: u64 = fields[1].parse().expect("rss");
            let written: u64 = fields[2].parse().expect("rows");
            if seconds < best.0 {
                best = (seconds, rss.max(best.1), written);
            } else {
                best.1 = best.1.max(rss);
            }
        }
        println!(
            "{mode:<12} {:>7.3} s  peak RSS {:>6.1} MB  rows written {}",
            best.0,
            best.1 as f64 / 1024.0,
            best.2
        );
        results.push(best);
    }
    assert_eq!(
        results[0].2, results[1].2,
        "both programs write the same rows"
    );
    println!(
        "engine / hand-written time ratio: {:.2}×",
        results[1].0 / results[0].0
    );
}

fn data_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let folder = target.join("bench-data");
    std::fs::create_dir_all(&folder).expect("bench folder");
    folder
}

/// Deterministic customers: about half are active.
fn generate(path: &Path, rows: usize) {
    let marker = path.with_extension(format!("{rows}.done"));
    if marker.exists() && path.exists() {
        return;
    }
    let first = [
        "Ada", "Alan", "Grace", "Zoë", "Linus", "Margaret", "Edsger", "Barbara", "Ken", "Frances",
    ];
    let last = [
        "Lovelace", "Turing", "Hopper", "Müller", "Torvalds", "Hamilton", "Dijkstra", "Liskov",
    ];
    let countries = ["GB", "US", "DE", "FI", "NL", "FR", "JP", "BR"];
    let statuses = ["active", "inactive", "active", "pending"];
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let file = std::fs::File::create(path).expect("create csv");
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
    writeln!(
        out,
        "id,email,first_name,last_name,country,amount,created_at,status"
    )
    .unwrap();
    for id in 1..=rows {
        let random = next();
        let (f, l) = (
            first[(random % 10) as usize],
            last[((random >> 8) % 8) as usize],
        );
        writeln!(
            out,
            "{id},{}.{}{id}@example.org,{f},{l},{},{}.{:02},2026-{:02}-{:02}T{:02}:{:02}:00Z,{}",
            f.to_lowercase(),
            l.to_lowercase(),
            countries[((random >> 16) % 8) as usize],
            (random >> 24) % 1000,
            (random >> 34) % 100,
            1 + (random >> 40) % 12,
            1 + (random >> 44) % 28,
            (random >> 50) % 24,
            (random >> 55) % 60,
            statuses[((random >> 60) % 4) as usize],
        )
        .unwrap();
    }
    out.flush().unwrap();
    std::fs::write(marker, b"").unwrap();
}

fn engine(csv: &Path, database: &Path) -> u64 {
    let home = tempfile::tempdir().expect("home");
    let flow = serde_json::json!({
        "format": "sluice.flow/1", "id": "bench", "name": "standard job",
        "nodes": [
            {"id": "read", "type": "csv.read", "config": {"path": csv}},
            {"id": "active", "type": "filter", "config": {"when": "status == 'active'"}},
            {"id": "shape", "type": "map", "config": {
                "set": {"full_name": "first_name ~ ' ' ~ last_name",
                        "amount_cents": "(amount | float * 100) | round | int"},
                "rename": {"created_at": "signup_ts"},
                "drop": ["amount"]}},
            {"id": "save", "type": "sqlite.write", "config": {"path": database, "table": "people"}}
        ],
        "edges": [{"from": "read", "to": "active"}, {"from": "active", "to": "shape"}, {"from": "shape", "to": "save"}]
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let sluice = sluice_runtime::Sluice::open(Some(home.path())).expect("open");
        let flow = sluice
            .parse_flow(&flow.to_string(), "bench")
            .expect("valid flow");
        let loaded = sluice_runtime::LoadedFlow {
            flow,
            base_dir: home.path().to_path_buf(),
            version: None,
        };
        let outcome = sluice
            .run(
                sluice_runtime::RunTarget::Loaded(Box::new(loaded)),
                sluice_runtime::Trigger::Cli,
            )
            .await
            .expect("run");
        assert_eq!(
            outcome.report.status,
            sluice_runtime::RunStatus::Succeeded,
            "{:?}",
            outcome.report.failure
        );
        outcome
            .report
            .node("save")
            .expect("save node")
            .stats
            .records_out
    })
}

fn handwritten(csv: &Path, database: &Path) -> u64 {
    let mut reader = csv::Reader::from_path(csv).expect("open csv");
    let mut connection = rusqlite::Connection::open(database).expect("open db");
    connection
        .execute_batch(
            "CREATE TABLE people (id TEXT, email TEXT, first_name TEXT, last_name TEXT, country TEXT,
             signup_ts TEXT, status TEXT, full_name TEXT, amount_cents INTEGER)",
        )
        .unwrap();
    let transaction = connection.transaction().unwrap();
    let mut written = 0;
    {
        let mut insert = transaction
            .prepare("INSERT INTO people VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)")
            .unwrap();
        let mut row = csv::StringRecord::new();
        while reader.read_record(&mut row).unwrap() {
            if &row[7] != "active" {
                continue;
            }
            let amount: f64 = row[5].parse().unwrap();
            let full_name = format!("{} {}", &row[2], &row[3]);
            let cents = (amount * 100.0).round() as i64;
            insert
                .execute(rusqlite::params![
                    &row[0], &row[1], &row[2], &row[3], &row[4], &row[6], &row[7], full_name, cents
                ])
                .unwrap();
            written += 1;
        }
    }
    transaction.commit().unwrap();
    written
}

/// Peak resident memory of this process in KiB (Linux), or 0 where unknown.
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with("VmHWM:"))
                .and_then(|line| line.split_whitespace().nth(1))
                .and_then(|value| value.parse().ok())
        })
        .unwrap_or(0)
}
