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
mod measure;

use std::path::Path;

use measure::{
    compare, data_dir, measure, own_command, path, setting, sluice_binary, sluice_command,
};

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
