//! Runs as the CLI shows them: the live progress line, a run's summary, previews, the runs list
//! and one run's detail.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use sluice_core::engine::LogLevel;
use sluice_runtime::{RunDetail, RunEvent, RunOutcome, RunRecord, RunReport, RunStatus};

use super::{count, megabytes, print_json, seconds, table};

/// The most warnings a run's summary repeats.
const SUMMARY_WARNINGS: usize = 20;

/// Warnings kept for the summary, and how many there were.
#[derive(Default)]
struct Warnings {
    kept: Vec<String>,
    seen: u64,
}

/// The live progress line on a terminal; elsewhere it keeps the run's warnings for the summary.
pub struct Progress {
    bar: Option<ProgressBar>,
    counts: Mutex<BTreeMap<String, u64>>,
    order: Mutex<Vec<String>>,
    /// Warnings and errors logged while no progress line showed them.
    warnings: Mutex<Warnings>,
}

impl Progress {
    pub fn new(enabled: bool) -> Progress {
        let bar = (enabled && std::io::IsTerminal::is_terminal(&std::io::stderr())).then(|| {
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
            warnings: Mutex::new(Warnings::default()),
        }
    }

    pub fn update(&self, event: &RunEvent) {
        let Some(bar) = &self.bar else {
            if let RunEvent::Log {
                node,
                level: LogLevel::Warn | LogLevel::Error,
                message,
            } = event
            {
                let node = node.as_ref().map(|node| format!("{node}: "));
                let mut warnings = self.warnings.lock().expect("progress lock");
                warnings.seen += 1;
                if warnings.kept.len() < SUMMARY_WARNINGS {
                    warnings
                        .kept
                        .push(format!("{}{message}", node.unwrap_or_default()));
                }
            }
            return;
        };
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

    /// Clears the progress line; gives back the warnings it did not show (the first
    /// [`SUMMARY_WARNINGS`], then how many more there were).
    pub fn finish(&self) -> Vec<String> {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        let warnings = std::mem::take(&mut *self.warnings.lock().expect("progress lock"));
        let mut lines = warnings.kept;
        let more = warnings.seen - lines.len() as u64;
        if more > 0 {
            lines.push(format!(
                "… and {more} more (`sluice runs show RUN` has the whole log)"
            ));
        }
        lines
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
                megabytes(node.stats.memory_peak_bytes),
                megabytes(node.stats.spilled_bytes),
            ]
        })
        .collect();
    table(
        &[
            "NODE", "STATUS", "IN", "OUT", "ERRORED", "TIME", "BUSY", "BYTES", "MEMORY", "SPILLED",
        ],
        rows,
    );
}

/// The run's nodes, the warnings no progress line showed, and how it ended.
pub fn run_summary(outcome: &RunOutcome, warnings: &[String], json: bool) {
    if json {
        print_json(outcome);
        return;
    }
    node_table(&outcome.report);
    for warning in warnings {
        say!("warning: {warning}");
    }
    match outcome.report.status {
        RunStatus::Succeeded => {
            say!(
                "run {} succeeded in {}",
                outcome.run_id,
                seconds(outcome.report.duration_ms)
            );
        }
        RunStatus::Cancelled => say!(
            "run {} was cancelled; nothing it wrote was kept",
            outcome.run_id
        ),
        RunStatus::Failed => {
            say!("run {} failed; nothing it wrote was kept", outcome.run_id);
            if let Some(failure) = &outcome.report.failure {
                eprintln!("error: {failure}");
            }
        }
        RunStatus::Committing => {
            say!(
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
        say!(
            "── {} ({} in, {} out, {} errored)",
            node.node,
            count(node.stats.records_in),
            count(node.stats.records_out),
            count(node.stats.records_errored)
        );
        if let Some(error) = &node.error {
            say!("   error: {error}");
        }
        sample_table(&node.samples);
    }
    if let Some(failure) = &report.failure {
        eprintln!("error: {failure}");
    }
}

/// Sample records as a table (long values cut at 30 characters), then a blank line; or says there
/// were none.
fn sample_table(samples: &[sluice_core::Record]) {
    let mut columns: Vec<String> = Vec::new();
    for record in samples {
        for key in record.keys() {
            if !columns.iter().any(|column| column == key) {
                columns.push(key.to_string());
            }
        }
    }
    if columns.is_empty() {
        say!("   (no records)");
        return;
    }
    let rows = samples
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
    say!("");
}

pub fn runs(runs: &[RunRecord], json: bool) {
    if json {
        print_json(&runs);
        return;
    }
    if runs.is_empty() {
        say!("no runs yet");
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
    say!("run      {}", run.id);
    say!("flow     {} ({})", run.flow_name, run.flow_id);
    say!("status   {} ({})", run.status, run.trigger);
    say!("started  {}", run.started_at);
    if let Some(finished) = &run.finished_at {
        say!("finished {finished}");
    }
    if let Some(error) = &run.error {
        match &run.error_node {
            Some(node) => say!("error    node `{node}`: {error}"),
            None => say!("error    {error}"),
        }
    }
    say!("");
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
                megabytes(node.memory_peak_bytes),
                megabytes(node.spilled_bytes),
            ]
        })
        .collect();
    table(
        &[
            "NODE", "STATUS", "IN", "OUT", "ERRORED", "TIME", "BUSY", "BYTES", "MEMORY", "SPILLED",
        ],
        rows,
    );
    say!("");
    // What each node sent, as the run kept it (the studio's runs pane shows the same).
    for node in detail.nodes.iter().filter(|node| !node.samples.is_empty()) {
        let samples: Vec<sluice_core::Record> = (node.samples.iter())
            .filter_map(|sample| sample.as_object().cloned().map(sluice_core::Record::from))
            .collect();
        say!("── {} ({} sample records)", node.node_id, samples.len());
        sample_table(&samples);
    }
    for line in &detail.logs {
        let node = line
            .node_id
            .as_ref()
            .map(|node| format!(" [{node}]"))
            .unwrap_or_default();
        say!("{} {:<5}{node} {}", line.at, line.level, line.message);
    }
}
