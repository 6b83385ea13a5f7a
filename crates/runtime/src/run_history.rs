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

/// Records a run keeps per node as samples, at most.
pub(crate) const RUN_SAMPLES: usize = 10;

/// The most JSON text a node's samples may take in the run history.
const RUN_SAMPLE_BYTES: usize = 64 * 1024;

/// The samples kept: in order, as many as fit in [`RUN_SAMPLE_BYTES`].
fn kept_samples(samples: &[sluice_core::Record]) -> Vec<serde_json::Value> {
    let mut kept = Vec::new();
    let mut bytes = 0;
    for sample in samples.iter().take(RUN_SAMPLES) {
        let value = sample.to_value();
        bytes += value.to_string().len();
        if bytes > RUN_SAMPLE_BYTES {
            break;
        }
        kept.push(value);
    }
    kept
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
            memory_peak_bytes: node.stats.memory_peak_bytes,
            spilled_bytes: node.stats.spilled_bytes,
            error: node.error.clone(),
            samples: kept_samples(&node.samples),
        })
        .collect();
    store.save_node_runs(run_id, &nodes)?;
    if matches!(report.status, RunStatus::Failed | RunStatus::Cancelled) {
        sluice.discard_stagings(run_id)?;
        let failed = report.status == RunStatus::Failed;
        let returned = store.give_back_webhook_records(run_id, failed)?;
        log_webhook_records_returned(store, run_id, returned)?;
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

/// Says in a run's log what became of the webhook records it took and did not commit.
pub(crate) fn log_webhook_records_returned(
    store: &sluice_store::Store,
    run_id: &str,
    returned: sluice_store::GivenBack,
) -> Result<()> {
    if returned.set_aside > 0 {
        store.append_log(
            run_id,
            "warn",
            None,
            &format!(
                "the webhook record this run took has now failed {} runs (the last ones alone), so it is set aside and later records go ahead; it is kept: `sluice webhooks set-aside FLOW` shows it, `--requeue` puts it back in the queue",
                sluice_store::SET_ASIDE_AFTER_FAILED_RUNS
            ),
        )?;
    }
    if returned.given_back > 0 {
        store.append_log(
            run_id,
            "info",
            None,
            &format!(
                "{} webhook record(s) this run took went back to the queue for the next run",
                returned.given_back
            ),
        )?;
    }
    Ok(())
}
