//! One node's life in a run, whichever thread it runs on: what it is given (`NodeRun`), how it
//! starts, how a panic in it is contained, and how it ends (`NodeOutcome`, settling).

use std::sync::mpsc::Receiver;
use std::time::Instant;

use crate::engine::inputs::Inputs;

use crate::commit::{CommitJournal, Staging};
use crate::component::{BuildContext, Component, ComponentError};
use crate::engine::control::RunControl;
use crate::engine::events::{EventCallback, LogLevel, NodeStats, RunEvent};
use crate::engine::output::Output;
use crate::engine::report::{NodeStatus, RunOptions};
use crate::record::Record;

/// What a node thread hands back.
pub(super) struct NodeOutcome {
    pub(super) status: NodeStatus,
    pub(super) error: Option<String>,
    pub(super) stats: NodeStats,
    pub(super) samples: Vec<Record>,
}

/// A source's new sync state, by node id.
pub(super) type Checkpoint = (String, serde_json::Value);

/// Tells the executor, exactly once, that a node is settled: done, or (for a sink) staged and
/// waiting for the commit decision. Dropping it settles too, so a node that panics cannot leave
/// the executor waiting.
pub(super) struct Settle(pub(super) Option<std::sync::mpsc::Sender<Option<Checkpoint>>>);

impl Settle {
    /// Settles, handing over a source's new sync state when it has one.
    pub(super) fn now(&mut self, checkpoint: Option<Checkpoint>) {
        if let Some(sender) = self.0.take() {
            let _ = sender.send(checkpoint);
        }
    }
}

impl Drop for Settle {
    fn drop(&mut self) {
        self.now(None);
    }
}

pub(super) struct NodeRun<'run> {
    pub(super) node_id: &'run str,
    pub(super) component: &'run Component,
    pub(super) context: BuildContext<'run>,
    pub(super) output: Output<'run>,
    pub(super) input: Inputs,
    pub(super) settled: Settle,
    pub(super) decision: Option<Receiver<bool>>,
    pub(super) control: RunControl,
    pub(super) events: Option<EventCallback>,
    pub(super) options: &'run RunOptions,
    pub(super) journal: Option<std::sync::Arc<dyn CommitJournal>>,
    /// For a sink that writes for real: what it stages.
    pub(super) staging: Option<Staging>,
}

/// Tells observers the node started.
pub(super) fn announce(run: &NodeRun<'_>) {
    if let Some(events) = &run.events {
        events(RunEvent::NodeStarted {
            node: run.node_id.to_string(),
        });
    }
}

/// Runs a component's work so that a panic fails the run with a message instead of taking the
/// process down.
pub(super) fn guarded<T>(
    work: impl FnOnce() -> Result<T, ComponentError>,
) -> Result<T, ComponentError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)).unwrap_or_else(|panic| {
        let detail = panic
            .downcast_ref::<&str>()
            .map(|text| text.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown cause".into());
        Err(ComponentError::Failed(format!(
            "internal error (a bug in Sluice; please report it): {detail}"
        )))
    })
}

/// Ends a node: its status from `result`, its stats, checkpoint and samples; closes its edges and
/// settles it. `samples` are a sink's (the others sample what they send).
pub(super) fn conclude(
    run: NodeRun<'_>,
    result: Result<(), ComponentError>,
    started: Instant,
    samples: Option<Vec<Record>>,
) -> NodeOutcome {
    let NodeRun {
        node_id,
        mut output,
        mut settled,
        control,
        events,
        ..
    } = run;
    let (status, error) = match result {
        Ok(()) => (NodeStatus::Succeeded, None),
        Err(ComponentError::Halted) if !control.is_stopping() => (NodeStatus::Succeeded, None),
        Err(ComponentError::Halted) => (NodeStatus::Stopped, None),
        Err(ComponentError::Failed(message)) => {
            control.fail(Some(node_id), message.clone());
            (NodeStatus::Failed, Some(message))
        }
    };
    if let Some(total) = output.skipped_beyond_log_limit() {
        output.log(
            LogLevel::Warn,
            format!("{total} records skipped in total (only the first ones are logged)"),
        );
    }
    let duration = started.elapsed();
    output.stats.duration_ms = duration.as_millis() as u64;
    let busy = output
        .worked
        .unwrap_or_else(|| duration.saturating_sub(output.waited));
    output.stats.busy_ms = busy.as_millis() as u64;
    let stats = output.stats.clone();
    let checkpoint = output
        .take_checkpoint()
        .filter(|_| status == NodeStatus::Succeeded)
        .map(|state| (node_id.to_string(), state));
    let samples = samples.unwrap_or_else(|| std::mem::take(&mut output.samples));
    // Dropping the output closes this node's edges, so downstream nodes see the end.
    drop(output);
    settled.now(checkpoint);
    if let Some(events) = &events {
        events(RunEvent::NodeFinished {
            node: node_id.to_string(),
            status,
            stats: stats.clone(),
            error: error.clone(),
        });
    }
    NodeOutcome {
        status,
        error,
        stats,
        samples,
    }
}
