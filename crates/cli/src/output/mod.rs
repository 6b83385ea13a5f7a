//! How the CLI shows things: aligned text tables for people, JSON for scripts, and a live
//! progress line on a terminal.

mod credentials;
mod runs;

pub use credentials::{credential_saved, credential_types, credentials};
pub use runs::{Progress, preview, run_detail, run_summary, runs};

use sluice_runtime::{FlowListing, ImportOutcome, LoadedFlow};

/// Set once the reader stopped reading: later output is dropped, the exit code stays the
/// command's own.
static OUTPUT_CLOSED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Writes one line of output. When the reader stopped reading (a closed pipe), the rest of the
/// output is dropped quietly; another write error ends the command with 1.
pub fn say(line: std::fmt::Arguments<'_>) {
    use std::io::Write;
    use std::sync::atomic::Ordering;
    if OUTPUT_CLOSED.load(Ordering::Relaxed) {
        return;
    }
    if let Err(error) = writeln!(std::io::stdout().lock(), "{line}") {
        if error.kind() == std::io::ErrorKind::BrokenPipe {
            OUTPUT_CLOSED.store(true, Ordering::Relaxed);
            return;
        }
        eprintln!("error: cannot write the output: {error}");
        std::process::exit(1);
    }
}

pub fn print_json(value: &impl serde::Serialize) {
    say!(
        "{}",
        serde_json::to_string_pretty(value).expect("output serializes")
    );
}

/// Prints rows as columns padded to the widest cell.
pub fn table(header: &[&str], rows: Vec<Vec<String>>) {
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
        say!("{}", padded.join("  ").trim_end());
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
pub fn flows(flows: &[FlowListing], json: bool) {
    if json {
        print_json(&flows);
        return;
    }
    if flows.is_empty() {
        say!("no stored flows; `sluice flows import FILE` adds one");
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

pub fn imported(outcome: &ImportOutcome, review: &sluice_runtime::FlowReview, json: bool) {
    if json {
        let mut printed = serde_json::to_value(outcome).expect("serializes");
        printed["review"] = serde_json::to_value(review).expect("serializes");
        print_json(&printed);
        return;
    }
    say!(
        "imported '{}' as {} (version {})",
        outcome.name,
        outcome.flow_id,
        outcome.version
    );
    if let Some(old) = &outcome.replaced_id {
        say!(
            "note: a stored flow already had the id {old}, so this one got a new id (use --replace to update it instead)"
        );
    }
    for warning in &outcome.warnings {
        say!("warning: {warning}");
    }
    if !outcome.problems.is_empty() {
        say!(
            "it is a draft: fix these before it can run (in the studio, or edit the file and import it again with --replace):"
        );
        for problem in &outcome.problems {
            say!("  - {problem}");
        }
    }
    if !outcome.credentials_missing.is_empty() {
        say!(
            "it uses credentials that do not exist here yet: {} — add them with `sluice credentials add NAME --type TYPE`",
            outcome.credentials_missing.join(", ")
        );
    } else if !outcome.credentials_needed.is_empty() {
        say!(
            "it uses these credentials: {}",
            outcome.credentials_needed.join(", ")
        );
    }
    say!("");
    say!("{}", review.to_string().trim_end());
    if !review.trusted {
        say!(
            "Approve it with `sluice flows review {} --approve` once you have read this.",
            review.flow_id
        );
    }
}

/// What a flow touches, and whether it may run.
pub fn review(review: &sluice_runtime::FlowReview, json: bool) {
    if json {
        print_json(review);
        return;
    }
    say!("{}", review.to_string().trim_end());
    if !review.trusted {
        say!(
            "Approve it with `sluice flows review {} --approve` once you have read this.",
            review.flow_id
        );
    }
}

pub fn flow_detail(
    loaded: &LoadedFlow,
    versions: &[sluice_runtime::FlowVersion],
    review: &sluice_runtime::FlowReview,
    json: bool,
) {
    if json {
        print_json(&serde_json::json!({
            "flow": loaded.flow, "base_dir": loaded.base_dir, "versions": versions, "review": review
        }));
        return;
    }
    say!("{}", loaded.flow.to_json());
    say!("");
    say!(
        "relative paths resolve against {}",
        loaded.base_dir.display()
    );
    for version in versions {
        say!(
            "version {} saved {}  {}",
            version.version,
            version.saved_at,
            version.label
        );
    }
    say!("");
    say!("{}", review.to_string().trim_end());
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
    say!(
        "keeping the newest {} runs per flow, none older than {} days (the newest run of each flow always stays)",
        policy.keep_runs,
        policy.keep_days
    );
    say!("{} old runs deleted now", report.runs_deleted);
}

pub fn scheduled(flow: &str, upcoming: &[chrono::DateTime<chrono::Utc>], json: bool) {
    if json {
        print_json(&serde_json::json!({"flow": flow, "next_fires": upcoming}));
        return;
    }
    say!("'{flow}' now runs on its schedule (`sluice daemon` or the studio runs it). Next fires:");
    for fire in upcoming {
        say!("  {}", fire.to_rfc3339());
    }
}
