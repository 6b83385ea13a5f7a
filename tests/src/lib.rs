//! Shared helpers for Sluice's cross-crate integration tests: fixture paths, flows built in code,
//! engine runs of them, and a runtime in a throwaway home folder.

pub mod demo_api;
pub mod oauth_server;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use sluice_core::engine::{RunControl, RunOptions, RunReport, RunRequest, execute};
use sluice_core::{Flow, Registry};

/// The `tests/fixtures` folder.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// The repository's root folder.
pub fn repository_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A flow document from nodes and edges given as JSON.
pub fn flow_json(nodes: serde_json::Value, edges: serde_json::Value) -> serde_json::Value {
    serde_json::json!({
        "format": "sluice.flow/1",
        "id": "01930000-0000-7000-8000-00000000abcd",
        "name": "test flow",
        "nodes": nodes,
        "edges": edges,
    })
}

/// An installation in a fresh temporary home folder (kept alive by the returned guard).
pub fn temporary_installation() -> (tempfile::TempDir, sluice_runtime::Sluice) {
    let home = tempfile::tempdir().expect("temporary home");
    let sluice = sluice_runtime::Sluice::open(Some(home.path())).expect("installation opens");
    (home, sluice)
}

/// An installation in a fresh temporary home folder whose secrets are kept in memory.
pub fn installation_with_memory_secrets() -> (tempfile::TempDir, sluice_runtime::Sluice) {
    let (home, sluice) = temporary_installation();
    let sluice = sluice.with_secrets(std::sync::Arc::new(
        sluice_runtime::secrets::MemorySecrets::default(),
    ));
    (home, sluice)
}

/// Stores a flow file as its author would: imported, then approved.
pub fn store_own_flow(sluice: &sluice_runtime::Sluice, file: &Path) -> String {
    let flow_id = sluice.import_flow_file(file, true).unwrap().flow_id;
    sluice.approve_flow(&flow_id).unwrap();
    flow_id
}

/// A webhook flow stored as its author would: its id, its private URL and the token in it.
pub struct StoredWebhook {
    pub flow_id: String,
    pub url: String,
    pub token: String,
}

/// Writes `flow` (a webhook flow) to `folder`, stores and approves it, and makes its URL.
pub fn store_webhook_flow(
    sluice: &sluice_runtime::Sluice,
    folder: &Path,
    flow: &serde_json::Value,
) -> StoredWebhook {
    let file = folder.join("hook.sluice.json");
    std::fs::write(&file, flow.to_string()).unwrap();
    let flow_id = store_own_flow(sluice, &file);
    let url = sluice.webhook_url(&flow_id).unwrap();
    let token = url.rsplit('/').next().unwrap().to_string();
    StoredWebhook {
        flow_id,
        url,
        token,
    }
}

/// Serves `sluice`'s webhooks on a free port of 127.0.0.1 (recorded as its webhook port).
pub async fn serve_webhooks(sluice: &sluice_runtime::Sluice) -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    sluice.set_webhook_port(port).unwrap();
    let serving = sluice.clone();
    tokio::spawn(async move { serving.serve_webhooks(listener, None).await });
    port
}

/// The records of an NDJSON file, one JSON value per line.
pub fn ndjson_records(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .expect("read the NDJSON file")
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect()
}

/// Rows of a SQLite query as JSON arrays, for comparing destination contents.
pub fn sqlite_rows(path: &Path, sql: &str) -> Vec<serde_json::Value> {
    let connection = rusqlite::Connection::open(path).expect("open database");
    let mut statement = connection.prepare(sql).expect("valid query");
    let width = statement.column_count();
    statement
        .query_map([], |row| {
            let cells: Vec<serde_json::Value> = (0..width)
                .map(|index| match row.get_ref(index).expect("cell") {
                    rusqlite::types::ValueRef::Null => serde_json::Value::Null,
                    rusqlite::types::ValueRef::Integer(value) => value.into(),
                    rusqlite::types::ValueRef::Real(value) => value.into(),
                    rusqlite::types::ValueRef::Text(text) => String::from_utf8_lossy(text).into(),
                    rusqlite::types::ValueRef::Blob(_) => "<blob>".into(),
                })
                .collect();
            Ok(serde_json::Value::Array(cells))
        })
        .expect("query runs")
        .collect::<Result<_, _>>()
        .expect("rows read")
}

/// Everything an installation keeps or shows, as text by place — every file under its home, each
/// run's detail, a flow as exported, the credential and flow lists — for checking that a secret
/// is in none of it.
pub fn everything_kept(
    sluice: &sluice_runtime::Sluice,
    home: &Path,
    flow_id: &str,
) -> Vec<(String, String)> {
    let mut places = Vec::new();
    let mut folders = vec![home.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(folder).expect("read the home folder") {
            let path = entry.expect("a folder entry").path();
            if path.is_dir() {
                folders.push(path);
            } else {
                let bytes = std::fs::read(&path).expect("read a file");
                places.push((
                    path.display().to_string(),
                    String::from_utf8_lossy(&bytes).into_owned(),
                ));
            }
        }
    }
    for run in sluice.runs(None, 100).expect("runs") {
        let detail = sluice.run_detail(&run.id).expect("a run's detail");
        places.push((
            format!("run {}", run.id),
            serde_json::to_string(&detail).unwrap(),
        ));
    }
    places.push((
        "exported flow".into(),
        sluice.export_flow(flow_id).expect("export").document,
    ));
    places.push((
        "credential list".into(),
        serde_json::to_string(&sluice.credentials().expect("credentials")).unwrap(),
    ));
    places.push((
        "flow list".into(),
        serde_json::to_string(&sluice.list_flows().expect("flows")).unwrap(),
    ));
    places
}

/// Runs a flow (validated first) through the engine with `registry`, `options` and `control`.
pub fn run_engine_with(
    registry: &Registry,
    flow: serde_json::Value,
    base_dir: &Path,
    options: &RunOptions,
    control: RunControl,
) -> RunReport {
    let flow = Flow::from_json(&flow.to_string()).expect("parses");
    sluice_core::validate::validate(&flow, registry).expect("valid");
    execute(
        RunRequest {
            flow: &flow,
            run_id: "0193f0c2-0000-7000-8000-000000000001",
            registry,
            base_dir,
            states: &HashMap::new(),
            credentials: &HashMap::new(),
            inbox: None,
            started_at: run_start_time(),
            control,
            events: None,
            journal: None,
        },
        options,
    )
}

/// The fixed start time engine test runs are given.
pub fn run_start_time() -> chrono::DateTime<chrono::Utc> {
    "2026-11-26T12:00:00Z".parse().unwrap()
}

/// Runs a flow through the engine with every connector and the default options.
pub fn run_engine(flow: serde_json::Value, base_dir: &Path) -> RunReport {
    run_engine_on(&sluice_connectors::registry(), flow, base_dir)
}

/// Runs a flow through the engine with `registry`'s components and the default options.
pub fn run_engine_on(registry: &Registry, flow: serde_json::Value, base_dir: &Path) -> RunReport {
    run_engine_with(
        registry,
        flow,
        base_dir,
        &RunOptions::default(),
        RunControl::new(),
    )
}

/// A CSV of `rows` customers; every 10th has a non-numeric amount.
pub fn write_customers(path: &Path, rows: usize) {
    let mut text = String::from("id,name,amount,status\n");
    for id in 1..=rows {
        let amount = if id % 10 == 0 {
            "n/a".to_string()
        } else {
            format!("{}.5", id % 100)
        };
        let status = if id % 2 == 0 { "active" } else { "inactive" };
        text.push_str(&format!("{id},Name {id},{amount},{status}\n"));
    }
    std::fs::write(path, text).unwrap();
}
