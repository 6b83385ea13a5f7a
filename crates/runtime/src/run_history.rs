//! Recording runs in the store: log lines and node failures as they happen, and at the end the
//! per-node stats and how the run ended. The sync state was stored with the run's decision to
//! commit; a run that did not commit has its staging removed and its webhook records given back.

use sluice_core::engine::{LogLevel, NodeStatus, RunEvent, RunReport, RunStatus};
use sluice_store::{NodeRun, RunStatus as StoredStatus};

use crate::{Result, Sluice};

/// Log lines and node failures go into the run's log as they happen.
pub(crate) fn record_event(store: &sluice_store::Store, run_id: &str, event: &RunEvent) {
    let result = match event {
        RunEvent::Log {
            node,
            level,
            message,
        } => {
            let level = match level {
                LogLevel::Info => "info",
                LogLevel::Warn => "warn",
                LogLevel::Error => "error",
            };
            store.append_log(run_id, level, node.as_deref(), message)
        }
        RunEvent::NodeFinished {
            node,
            status: NodeStatus::Failed,
            error: Some(message),
            ..
        } => store.append_log(run_id, "error", Some(node), message),
        _ => Ok(()),
    };
    if let Err(error) = result {
        tracing::warn!(run = %run_id, %error, "could not store a run log line");
    }
}

/// Stores how the run went. Its sync state was stored with its decision to commit; a run that
/// did not commit has what it staged removed.
pub(crate) fn record_outcome(sluice: &Sluice, run_id: &str, report: &RunReport) -> Result<()> {
    let store = sluice.store();
    let nodes: Vec<NodeRun> = report
        .nodes
        .iter()
        .map(|node| NodeRun {
            node_id: node.node.clone(),
            status: match node.status {
                NodeStatus::Succeeded => "succeeded",
                NodeStatus::Failed => "failed",
                NodeStatus::Stopped => "stopped",
            }
            .to_string(),
            records_in: node.stats.records_in,
            records_out: node.stats.records_out,
            records_errored: node.stats.records_errored,
            bytes: node.stats.bytes,
            duration_ms: node.stats.duration_ms,
            busy_ms: node.stats.busy_ms,
            error: node.error.clone(),
        })
        .collect();
    store.save_node_runs(run_id, &nodes)?;
    if matches!(report.status, RunStatus::Failed | RunStatus::Cancelled) {
        sluice.discard_stagings(run_id)?;
        store.give_back_webhook_records(run_id)?;
    }
    let (status, level, line) = match report.status {
        RunStatus::Succeeded => (
            StoredStatus::Succeeded,
            "info",
            format!("run succeeded in {} ms", report.duration_ms),
        ),
        RunStatus::Failed => (
            StoredStatus::Failed,
            "warn",
            "run failed; nothing was committed".to_string(),
        ),
        RunStatus::Cancelled => (
            StoredStatus::Cancelled,
            "warn",
            "run cancelled; nothing was committed".to_string(),
        ),
        RunStatus::Committing => (
            StoredStatus::Committing,
            "warn",
            "run committed, but a destination could not be published yet; Sluice publishes it at its next start".to_string(),
        ),
    };
    store.append_log(run_id, level, None, &line)?;
    let failure = report
        .failure
        .as_ref()
        .map(|failure| (&failure.node, failure.message.as_str()));
    store.finish_run(run_id, status, failure)?;
    store.apply_retention(store.retention_policy()?, chrono::Utc::now())?;
    Ok(())
}
