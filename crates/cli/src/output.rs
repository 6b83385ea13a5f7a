//! How the CLI shows things: aligned text tables for people, JSON for scripts, and a live
//! progress line on a terminal.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use sluice_runtime::{
    FlowListing, ImportOutcome, LoadedFlow, RunDetail, RunEvent, RunOutcome, RunRecord, RunReport,
    RunStatus,
};

fn print_json(value: &impl serde::Serialize) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).expect("output serializes")
    );
}

/// Prints rows as columns padded to the widest cell.
fn table(header: &[&str], rows: Vec<Vec<String>>) {
    let mut widths: Vec<usize> = header.iter().map(|cell| cell.chars().count()).collect();
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<String>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        println!("{}", padded.join("  ").trim_end());
    };
    line(header.iter().map(|cell| cell.to_string()).collect());
    for row in rows {
        line(row);
    }
}

fn count(value: u64) -> String {
    let digits = value.to_string();
    let mut grouped = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}

fn seconds(milliseconds: u64) -> String {
    format!("{:.2}s", milliseconds as f64 / 1000.0)
}

/// Bytes for people: `-` for none, then B, KB or MB.
fn megabytes(bytes: u64) -> String {
    match bytes {
        0 => "-".to_string(),
        1..1_000 => format!("{bytes} B"),
        1_000..1_000_000 => format!("{:.1} KB", bytes as f64 / 1e3),
        _ => format!("{:.1} MB", bytes as f64 / 1e6),
    }
}

/// The live progress line of `sluice run`.
pub struct Progress {
    bar: Option<ProgressBar>,
    counts: Mutex<BTreeMap<String, u64>>,
    order: Mutex<Vec<String>>,
}

impl Progress {
    pub fn new(enabled: bool) -> Progress {
        let bar = enabled.then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template("{spinner} {elapsed} {msg}").expect("valid template"),
            );
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Progress {
            bar,
            counts: Mutex::new(BTreeMap::new()),
            order: Mutex::new(Vec::new()),
        }
    }

    pub fn update(&self, event: &RunEvent) {
        let Some(bar) = &self.bar else { return };
        let (node, out) = match event {
            RunEvent::NodeStarted { node } => {
                self.order.lock().expect("progress lock").push(node.clone());
                (node, 0)
            }
            RunEvent::NodeProgress { node, stats } | RunEvent::NodeFinished { node, stats, .. } => {
                (node, stats.records_out)
            }
            RunEvent::Log { message, node, .. } => {
                bar.println(format!(
                    "  {}{message}",
                    node.as_ref()
                        .map(|node| format!("{node}: "))
                        .unwrap_or_default()
                ));
                return;
            }
        };
        let mut counts = self.counts.lock().expect("progress lock");
        counts.insert(node.clone(), out);
        let order = self.order.lock().expect("progress lock");
        let parts: Vec<String> = order
            .iter()
            .map(|node| format!("{node} {}", count(counts.get(node).copied().unwrap_or(0))))
            .collect();
        bar.set_message(parts.join(" → "));
    }

    pub fn note(&self, message: &str) {
        match &self.bar {
            Some(bar) => bar.println(message),
            None => eprintln!("{message}"),
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

fn node_table(report: &RunReport) {
    let rows = report
        .nodes
        .iter()
        .map(|node| {
            vec![
                node.node.clone(),
                format!("{:?}", node.status).to_lowercase(),
                count(node.stats.records_in),
                count(node.stats.records_out),
                count(node.stats.records_errored),
                seconds(node.stats.duration_ms),
                seconds(node.stats.busy_ms),
                megabytes(node.stats.bytes),
            ]
        })
        .collect();
    table(
        &[
            "NODE", "STATUS", "IN", "OUT", "ERRORED", "TIME", "BUSY", "BYTES",
        ],
        rows,
    );
}

pub fn run_summary(outcome: &RunOutcome, json: bool) {
    if json {
        print_json(outcome);
        return;
    }
    node_table(&outcome.report);
    match outcome.report.status {
        RunStatus::Succeeded => {
            println!(
                "run {} succeeded in {}",
                outcome.run_id,
                seconds(outcome.report.duration_ms)
            );
        }
        RunStatus::Cancelled => println!(
            "run {} was cancelled; nothing it wrote was kept",
            outcome.run_id
        ),
        RunStatus::Failed => {
            println!("run {} failed; nothing it wrote was kept", outcome.run_id);
            if let Some(failure) = &outcome.report.failure {
                eprintln!("error: {failure}");
            }
        }
        RunStatus::Committing => {
            println!(
                "run {} committed (its sync state advanced), but a destination is not published yet; Sluice publishes it at its next start",
                outcome.run_id
            );
            if let Some(failure) = &outcome.report.failure {
                eprintln!("error: {failure}");
            }
        }
    }
}

pub fn preview(report: &RunReport, json: bool) {
    if json {
        print_json(report);
        return;
    }
    for node in &report.nodes {
        println!(
            "── {} ({} in, {} out, {} errored)",
            node.node,
            count(node.stats.records_in),
            count(node.stats.records_out),
            count(node.stats.records_errored)
        );
        if let Some(error) = &node.error {
            println!("   error: {error}");
        }
        let mut columns: Vec<String> = Vec::new();
        for record in &node.samples {
            for key in record.keys() {
                if !columns.iter().any(|column| column == key) {
                    columns.push(key.to_string());
                }
            }
        }
        if columns.is_empty() {
            println!("   (no records)");
            continue;
        }
        let rows = node
            .samples
            .iter()
            .map(|record| {
                columns
                    .iter()
                    .map(|column| match record.get(column) {
                        Some(sluice_core::Value::Null) => "null".to_string(),
                        Some(value) => value.to_text().into_owned(),
                        None => String::new(),
                    })
                    .map(|cell| {
                        if cell.chars().count() > 30 {
                            format!("{}…", cell.chars().take(29).collect::<String>())
                        } else {
                            cell
                        }
                    })
                    .collect()
            })
            .collect();
        let header: Vec<&str> = columns.iter().map(String::as_str).collect();
        table(&header, rows);
        println!();
    }
    if let Some(failure) = &report.failure {
        eprintln!("error: {failure}");
    }
}

pub fn runs(runs: &[RunRecord], json: bool) {
    if json {
        print_json(&runs);
        return;
    }
    if runs.is_empty() {
        println!("no runs yet");
        return;
    }
    let rows = runs
        .iter()
        .map(|run| {
            vec![
                run.id.clone(),
                run.flow_name.clone(),
                run.status.to_string(),
                run.trigger.clone(),
                run.started_at.clone(),
                run.error
                    .clone()
                    .unwrap_or_default()
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .chars()
                    .take(60)
                    .collect(),
            ]
        })
        .collect();
    table(
        &["RUN", "FLOW", "STATUS", "TRIGGER", "STARTED", "ERROR"],
        rows,
    );
}

pub fn run_detail(detail: &RunDetail, json: bool) {
    if json {
        print_json(detail);
        return;
    }
    let run = &detail.run;
    println!("run      {}", run.id);
    println!("flow     {} ({})", run.flow_name, run.flow_id);
    println!("status   {} ({})", run.status, run.trigger);
    println!("started  {}", run.started_at);
    if let Some(finished) = &run.finished_at {
        println!("finished {finished}");
    }
    if let Some(error) = &run.error {
        match &run.error_node {
            Some(node) => println!("error    node `{node}`: {error}"),
            None => println!("error    {error}"),
        }
    }
    println!();
    let rows = detail
        .nodes
        .iter()
        .map(|node| {
            vec![
                node.node_id.clone(),
                node.status.clone(),
                count(node.records_in),
                count(node.records_out),
                count(node.records_errored),
                seconds(node.duration_ms),
                seconds(node.busy_ms),
                megabytes(node.bytes),
            ]
        })
        .collect();
    table(
        &[
            "NODE", "STATUS", "IN", "OUT", "ERRORED", "TIME", "BUSY", "BYTES",
        ],
        rows,
    );
    println!();
    for line in &detail.logs {
        let node = line
            .node_id
            .as_ref()
            .map(|node| format!(" [{node}]"))
            .unwrap_or_default();
        println!("{} {:<5}{node} {}", line.at, line.level, line.message);
    }
}

pub fn flows(flows: &[FlowListing], json: bool) {
    if json {
        print_json(&flows);
        return;
    }
    if flows.is_empty() {
        println!("no stored flows; `sluice flows import FILE` adds one");
        return;
    }
    let rows = flows
        .iter()
        .map(|flow| {
            let last = flow
                .last_run
                .as_ref()
                .map(|run| format!("{} at {}", run.status, run.started_at))
                .unwrap_or_else(|| "never run".into());
            vec![
                flow.summary.id.clone(),
                flow.summary.name.clone(),
                flow.summary.current_version.to_string(),
                last,
            ]
        })
        .collect();
    table(&["ID", "NAME", "VERSION", "LAST RUN"], rows);
}

pub fn imported(outcome: &ImportOutcome, json: bool) {
    if json {
        print_json(outcome);
        return;
    }
    println!(
        "imported '{}' as {} (version {})",
        outcome.name, outcome.flow_id, outcome.version
    );
    if let Some(old) = &outcome.replaced_id {
        println!(
            "note: a stored flow already had the id {old}, so this one got a new id (use --replace to update it instead)"
        );
    }
    if !outcome.credentials_missing.is_empty() {
        println!(
            "it uses credentials that do not exist here yet: {} — add them with `sluice credentials add NAME --type TYPE`",
            outcome.credentials_missing.join(", ")
        );
    } else if !outcome.credentials_needed.is_empty() {
        println!(
            "it uses these credentials: {}",
            outcome.credentials_needed.join(", ")
        );
    }
}

pub fn flow_detail(loaded: &LoadedFlow, versions: &[sluice_runtime::FlowVersion], json: bool) {
    if json {
        print_json(
            &serde_json::json!({"flow": loaded.flow, "base_dir": loaded.base_dir, "versions": versions}),
        );
        return;
    }
    println!("{}", loaded.flow.to_json());
    println!();
    println!(
        "relative paths resolve against {}",
        loaded.base_dir.display()
    );
    for version in versions {
        println!("version {} saved {}", version.version, version.saved_at);
    }
}

pub fn components(registry: &sluice_core::Registry, json: bool) {
    if json {
        let list: Vec<serde_json::Value> = registry
            .descriptors()
            .iter()
            .map(|descriptor| {
                serde_json::json!({
                    "type": descriptor.component, "kind": descriptor.kind, "title": descriptor.title,
                    "category": descriptor.category, "description": descriptor.description,
                    "config_schema": (descriptor.schema)(),
                })
            })
            .collect();
        print_json(&list);
        return;
    }
    let rows = registry
        .descriptors()
        .iter()
        .map(|descriptor| {
            vec![
                descriptor.component.to_string(),
                descriptor.kind.to_string(),
                descriptor.category.to_string(),
                descriptor.description.to_string(),
            ]
        })
        .collect();
    table(&["TYPE", "KIND", "CATEGORY", "WHAT IT DOES"], rows);
}

pub fn retention(
    policy: &sluice_runtime::RetentionPolicy,
    report: &sluice_runtime::RetentionReport,
    json: bool,
) {
    if json {
        print_json(&serde_json::json!({"policy": policy, "runs_deleted": report.runs_deleted}));
        return;
    }
    println!(
        "keeping the newest {} runs per flow, none older than {} days (the newest run of each flow always stays)",
        policy.keep_runs, policy.keep_days
    );
    println!("{} old runs deleted now", report.runs_deleted);
}

pub fn scheduled(flow: &str, upcoming: &[chrono::DateTime<chrono::Utc>], json: bool) {
    if json {
        print_json(&serde_json::json!({"flow": flow, "next_fires": upcoming}));
        return;
    }
    println!(
        "'{flow}' now runs on its schedule (`sluice daemon` or the studio runs it). Next fires:"
    );
    for fire in upcoming {
        println!("  {}", fire.to_rfc3339());
    }
}

pub fn credential_types(types: &[sluice_runtime::CredentialTypeInfo], json: bool) {
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(types).expect("types serialise")
        );
        return;
    }
    for credential_type in types {
        println!("{}  {}", credential_type.kind, credential_type.title);
        println!("    {}", credential_type.description);
        if let Some(properties) = credential_type.schema["properties"].as_object() {
            let required: Vec<&str> = credential_type.schema["required"]
                .as_array()
                .map(|names| names.iter().filter_map(|name| name.as_str()).collect())
                .unwrap_or_default();
            for (field, property) in properties {
                let mut notes = Vec::new();
                if credential_type.secret_fields.contains(field) {
                    notes.push("secret".to_string());
                }
                if required.contains(&field.as_str()) {
                    notes.push("required".to_string());
                }
                if let Some(default) = property.get("default") {
                    notes.push(format!("default {default}"));
                }
                let notes = if notes.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", notes.join(", "))
                };
                println!(
                    "    --field {field}{notes}: {}",
                    property["description"]
                        .as_str()
                        .or(property["title"].as_str())
                        .unwrap_or("")
                );
            }
        }
    }
}

pub fn credentials(credentials: &[sluice_runtime::CredentialInfo], json: bool) {
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(credentials).expect("credentials serialise")
        );
        return;
    }
    if credentials.is_empty() {
        println!("no credentials yet; add one with `sluice credentials add NAME --type TYPE`");
        return;
    }
    for credential in credentials {
        let used = if credential.used_by.is_empty() {
            "not used by any flow".to_string()
        } else {
            format!("used by {}", credential.used_by.join(", "))
        };
        println!(
            "{}  {} ({})  secrets set: {}  {used}",
            credential.name,
            credential.title,
            credential.kind,
            if credential.secrets_set.is_empty() {
                "none".to_string()
            } else {
                credential.secrets_set.join(", ")
            }
        );
    }
}

pub fn credential_saved(
    credential: &sluice_runtime::CredentialInfo,
    secret_store: &str,
    json: bool,
) {
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(credential).expect("credential serialises")
        );
        return;
    }
    println!(
        "saved credential '{}' ({}); its secrets ({}) are in {secret_store}",
        credential.name,
        credential.title,
        if credential.secrets_set.is_empty() {
            "none".to_string()
        } else {
            credential.secrets_set.join(", ")
        }
    );
}
