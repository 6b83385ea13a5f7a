//! The benchmark jobs: their generated inputs, their flows, and the hand-written programs they
//! are measured against.

use std::io::{BufRead, Write};
use std::path::Path;

use serde::Deserialize;

// The same allocator as the `sluice` binary, for the hand-written programs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A deterministic pseudo-random sequence.
fn sequence() -> impl FnMut() -> u64 {
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    }
}

const FIRST: [&str; 10] = [
    "Ada", "Alan", "Grace", "Zoë", "Linus", "Margaret", "Edsger", "Barbara", "Ken", "Frances",
];
const LAST: [&str; 8] = [
    "Lovelace", "Turing", "Hopper", "Müller", "Torvalds", "Hamilton", "Dijkstra", "Liskov",
];
const COUNTRIES: [&str; 8] = ["GB", "US", "DE", "FI", "NL", "FR", "JP", "BR"];
const STATUSES: [&str; 4] = ["active", "inactive", "active", "pending"];

/// `rows` customers as CSV (about half active), unless the file is there already.
pub fn generate_customers(path: &Path, rows: usize) {
    let marker = path.with_extension("done");
    if marker.exists() && path.exists() {
        return;
    }
    let mut next = sequence();
    let file = std::fs::File::create(path).expect("create csv");
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
    writeln!(
        out,
        "id,email,first_name,last_name,country,amount,created_at,status"
    )
    .unwrap();
    for id in 1..=rows {
        let random = next();
        let (first, last) = (
            FIRST[(random % 10) as usize],
            LAST[((random >> 8) % 8) as usize],
        );
        writeln!(
            out,
            "{id},{}.{}{id}@example.org,{first},{last},{},{}.{:02},2026-{:02}-{:02}T{:02}:{:02}:00Z,{}",
            first.to_lowercase(),
            last.to_lowercase(),
            COUNTRIES[((random >> 16) % 8) as usize],
            (random >> 24) % 1000,
            (random >> 34) % 100,
            1 + (random >> 40) % 12,
            1 + (random >> 44) % 28,
            (random >> 50) % 24,
            (random >> 55) % 60,
            STATUSES[((random >> 60) % 4) as usize],
        )
        .unwrap();
    }
    out.flush().unwrap();
    std::fs::write(marker, b"").unwrap();
}

/// The standard job as a flow file.
pub fn standard_flow(csv: &Path, database: &Path) -> serde_json::Value {
    serde_json::json!({
        "format": "sluice.flow/1", "id": "bench-standard", "name": "standard job",
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
    })
}

/// The standard job written by hand: csv + rusqlite, one prepared INSERT in one transaction.
pub fn handwritten_standard(csv: &Path, database: &Path) -> u64 {
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

/// How many rows the job's table holds.
pub fn sqlite_rows(database: &Path) -> u64 {
    let connection = rusqlite::Connection::open(database).expect("open db");
    connection
        .query_row("SELECT COUNT(*) FROM people", [], |row| {
            row.get::<_, i64>(0)
        })
        .expect("count rows") as u64
}

/// `rows` orders as JSON lines with a nested customer and a list of items.
pub fn generate_orders(path: &Path, rows: usize) {
    let marker = path.with_extension(format!("{rows}.done"));
    if marker.exists() && path.exists() {
        return;
    }
    let mut next = sequence();
    let file = std::fs::File::create(path).expect("create ndjson");
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
    for id in 1..=rows {
        let random = next();
        let (first, last) = (
            FIRST[(random % 10) as usize],
            LAST[((random >> 8) % 8) as usize],
        );
        let order = serde_json::json!({
            "id": id,
            "customer": {
                "name": format!("{first} {last}"),
                "email": format!("{}{id}@example.org", first.to_lowercase()),
                "address": {"country": COUNTRIES[((random >> 16) % 8) as usize], "city": "Springfield"}
            },
            "amount": format!("{}.{:02}", (random >> 24) % 1000, (random >> 34) % 100),
            "items": [{"sku": format!("SKU-{}", random % 97), "quantity": 1 + random % 5}],
            "created_at": format!("2026-{:02}-{:02}T{:02}:{:02}:00Z", 1 + (random >> 40) % 12, 1 + (random >> 44) % 28, (random >> 50) % 24, (random >> 55) % 60),
            "status": STATUSES[((random >> 60) % 4) as usize],
        });
        serde_json::to_writer(&mut out, &order).unwrap();
        out.write_all(b"\n").unwrap();
    }
    out.flush().unwrap();
    std::fs::write(marker, b"").unwrap();
}

/// The JSON job as a flow file.
pub fn json_flow(input: &Path, output: &Path) -> serde_json::Value {
    serde_json::json!({
        "format": "sluice.flow/1", "id": "bench-json", "name": "JSON job",
        "nodes": [
            {"id": "read", "type": "json.read", "config": {"path": input}},
            {"id": "types", "type": "cast", "config": {"fields": {"amount": "number", "created_at": "datetime"}}},
            {"id": "shape", "type": "map", "config": {
                "set": {"name": "customer.name", "country": "customer.address.country",
                        "amount_cents": "(amount * 100) | round | int"},
                "drop": ["customer", "items"]}},
            {"id": "save", "type": "csv.write", "config": {"path": output}}
        ],
        "edges": [{"from": "read", "to": "types"}, {"from": "types", "to": "shape"}, {"from": "shape", "to": "save"}]
    })
}

#[derive(Deserialize)]
struct Order<'a> {
    id: u64,
    #[serde(borrow)]
    customer: Customer<'a>,
    amount: &'a str,
    created_at: &'a str,
    status: &'a str,
}

#[derive(Deserialize)]
struct Customer<'a> {
    name: &'a str,
    #[serde(borrow)]
    address: Address<'a>,
}

#[derive(Deserialize)]
struct Address<'a> {
    country: &'a str,
}

/// The JSON job written by hand: serde_json into borrowed structs, chrono, csv.
pub fn handwritten_json(input: &Path, output: &Path) -> u64 {
    let reader = std::io::BufReader::with_capacity(1 << 16, std::fs::File::open(input).unwrap());
    let mut writer = csv::Writer::from_path(output).unwrap();
    writer
        .write_record([
            "id",
            "amount",
            "created_at",
            "status",
            "name",
            "country",
            "amount_cents",
        ])
        .unwrap();
    let mut written = 0;
    for line in reader.lines() {
        let line = line.unwrap();
        let order: Order = serde_json::from_str(&line).unwrap();
        let amount: f64 = order.amount.trim().parse().unwrap();
        let created_at = chrono::DateTime::parse_from_rfc3339(order.created_at)
            .unwrap()
            .to_utc()
            .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
        let cents = (amount * 100.0).round() as i64;
        writer
            .write_record([
                order.id.to_string().as_str(),
                &amount.to_string(),
                &created_at,
                order.status,
                order.customer.name,
                order.customer.address.country,
                &cents.to_string(),
            ])
            .unwrap();
        written += 1;
    }
    writer.flush().unwrap();
    written
}

/// Lines in a text file.
pub fn line_count(path: &Path) -> usize {
    std::io::BufReader::new(std::fs::File::open(path).unwrap())
        .lines()
        .count()
}
