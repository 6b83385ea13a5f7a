//! Rows or columns, measured on the standard job's data before choosing (issue 10): 1M customers
//! read from CSV, the active ones kept, `full_name` and `amount_cents` set, `amount` dropped —
//! built as the engine builds records (a vector of typed values per row, the schema shared) and
//! as a columnar batch (per column, one text buffer with end offsets; a selection vector for the
//! filter). Each runs in one thread, and as a pipeline of two (parse | transform and hand over),
//! as the engine would. The SQLite part is left out: both layouts bind the same texts. Prints the
//! CPU time of each (medians). `cargo bench -p sluice-tests --bench layout`.

#[path = "../engine/jobs.rs"]
#[allow(dead_code)]
mod jobs;

use std::path::Path;
use std::sync::Arc;
use std::sync::mpsc::sync_channel;
use std::time::Duration;

use sluice_core::record::{Record, Schema};
use sluice_core::value::{Text, Value};

const BATCH: usize = 1000;

/// One layout's job: the CSV file, whether to use two threads; what it kept, to compare.
type Job = fn(&Path, bool) -> (u64, u64);
const STATUS: usize = 7;

fn main() {
    let rows: usize = std::env::var("SLUICE_BENCH_ROWS")
        .ok()
        .and_then(|rows| rows.parse().ok())
        .unwrap_or(1_000_000);
    let data = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| sluice_tests::repository_root().join("target"))
        .join("bench-data");
    std::fs::create_dir_all(&data).unwrap();
    let csv = data.join(format!("standard-{rows}.csv"));
    jobs::generate_customers(&csv, rows);
    println!("{rows} rows, CPU seconds (user + system), medians of 7, alternating");
    let layouts: [(&str, Job); 2] = [("rows", rows_job), ("columns", columns_job)];
    for threads in [false, true] {
        let mut costs: Vec<Vec<f64>> = vec![Vec::new(); layouts.len()];
        let mut checks = Vec::new();
        for _ in 0..7 {
            for (index, (_, job)) in layouts.iter().enumerate() {
                let before = cpu();
                let check = job(&csv, threads);
                costs[index].push((cpu() - before).as_secs_f64());
                checks.push(check);
            }
        }
        checks.dedup();
        assert_eq!(checks.len(), 1, "both layouts keep the same records");
        for ((name, _), mut cost) in layouts.iter().zip(costs) {
            cost.sort_by(f64::total_cmp);
            let pipeline = if threads { "two threads" } else { "one thread" };
            println!("{name:<8} {pipeline:<12} {:.3} s", cost[cost.len() / 2]);
        }
    }
}

/// CPU time of this process so far.
fn cpu() -> Duration {
    let usage = nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_SELF).unwrap();
    let time = |value: nix::sys::time::TimeVal| {
        Duration::new(value.tv_sec() as u64, value.tv_usec() as u32 * 1000)
    };
    time(usage.user_time()) + time(usage.system_time())
}

/// Runs `parse` (sending batches) and `transform` (taking them), in one thread or two.
fn pipeline<B: Send>(
    threads: bool,
    parse: impl FnOnce(&mut dyn FnMut(B)) + Send,
    mut transform: impl FnMut(B) + Send,
) {
    if !threads {
        return parse(&mut |batch| transform(batch));
    }
    let (sender, receiver) = sync_channel::<B>(4);
    std::thread::scope(|scope| {
        scope.spawn(move || parse(&mut |batch| sender.send(batch).unwrap()));
        for batch in receiver {
            transform(batch);
        }
    });
}

/// The job on records as the engine has them; returns (records kept, bytes of text kept).
fn rows_job(csv: &Path, threads: bool) -> (u64, u64) {
    let mut reader = csv::Reader::from_path(csv).unwrap();
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    let schema = Arc::new(Schema::new(&header));
    let mut output: Vec<&str> = header
        .iter()
        .map(String::as_str)
        .filter(|name| *name != "amount")
        .collect();
    output.extend(["full_name", "amount_cents"]);
    let output = Arc::new(Schema::new(output));
    let (mut kept, mut bytes) = (0u64, 0u64);
    pipeline(
        threads,
        |send| {
            let mut row = csv::StringRecord::new();
            let mut batch = Vec::with_capacity(BATCH);
            while reader.read_record(&mut row).unwrap() {
                let values = row
                    .iter()
                    .map(|field| Value::String(Text::from(field)))
                    .collect();
                batch.push(Record::from_parts(schema.clone(), values));
                if batch.len() == BATCH {
                    send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)));
                }
            }
            send(batch);
        },
        |batch: Vec<Record>| {
            for record in batch {
                if !matches!(&record.values()[STATUS], Value::String(status) if status == "active")
                {
                    continue;
                }
                let (_, mut values) = record.into_parts();
                let mut full_name = Text::default();
                full_name.push_str(text(&values[2]));
                full_name.push(' ');
                full_name.push_str(text(&values[3]));
                let Value::String(amount) = values.remove(5) else {
                    unreachable!("CSV fields are text")
                };
                let cents = (amount.parse::<f64>().unwrap() * 100.0).round() as i64;
                values.push(Value::String(full_name));
                values.push(Value::Int(cents));
                let shaped = Record::from_parts(output.clone(), values);
                kept += 1;
                bytes += shaped
                    .values()
                    .iter()
                    .map(Value::size_in_bytes)
                    .sum::<usize>() as u64;
            }
        },
    );
    (kept, bytes)
}

/// A text value's text.
fn text(value: &Value) -> &str {
    match value {
        Value::String(text) => text.as_str(),
        _ => "",
    }
}

/// A batch of text columns: each column's values end to end, and where each ends.
struct Columns {
    text: Vec<String>,
    ends: Vec<Vec<u32>>,
}

impl Columns {
    fn new(width: usize) -> Columns {
        Columns {
            text: (0..width)
                .map(|_| String::with_capacity(BATCH * 16))
                .collect(),
            ends: (0..width).map(|_| Vec::with_capacity(BATCH)).collect(),
        }
    }

    fn len(&self) -> usize {
        self.ends[0].len()
    }

    fn get(&self, column: usize, row: usize) -> &str {
        let start = if row == 0 {
            0
        } else {
            self.ends[column][row - 1] as usize
        };
        &self.text[column][start..self.ends[column][row] as usize]
    }
}

/// The job on columnar batches; returns (records kept, bytes of text kept).
fn columns_job(csv: &Path, threads: bool) -> (u64, u64) {
    let mut reader = csv::Reader::from_path(csv).unwrap();
    let width = reader.headers().unwrap().len();
    let (mut kept, mut bytes) = (0u64, 0u64);
    pipeline(
        threads,
        |send| {
            let mut row = csv::StringRecord::new();
            let mut batch = Columns::new(width);
            while reader.read_record(&mut row).unwrap() {
                for (column, field) in row.iter().enumerate() {
                    batch.text[column].push_str(field);
                    batch.ends[column].push(batch.text[column].len() as u32);
                }
                if batch.len() == BATCH {
                    send(std::mem::replace(&mut batch, Columns::new(width)));
                }
            }
            send(batch);
        },
        |batch: Columns| {
            let selected: Vec<usize> = (0..batch.len())
                .filter(|&row| batch.get(STATUS, row) == "active")
                .collect();
            let mut full_names = String::with_capacity(selected.len() * 16);
            let mut name_ends = Vec::with_capacity(selected.len());
            let mut cents = Vec::with_capacity(selected.len());
            for &row in &selected {
                full_names.push_str(batch.get(2, row));
                full_names.push(' ');
                full_names.push_str(batch.get(3, row));
                name_ends.push(full_names.len() as u32);
                cents.push((batch.get(5, row).parse::<f64>().unwrap() * 100.0).round() as i64);
            }
            kept += selected.len() as u64;
            for &row in &selected {
                bytes += (0..width)
                    .filter(|&column| column != 5)
                    .map(|column| batch.get(column, row).len() as u64)
                    .sum::<u64>();
            }
            bytes += full_names.len() as u64;
            std::hint::black_box((&name_ends, &cents));
        },
    );
    (kept, bytes)
}
