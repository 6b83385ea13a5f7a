//! What a run is asked to do (the flow, its options, its journal) and what it reports (per-node
//! stats, samples, the failure, the sync state it reached).

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::commit::CommitJournal;
use crate::engine::control::RunControl;
use crate::engine::events::{EventCallback, NodeStats};
use crate::flow::Flow;
use crate::record::{DEFAULT_BATCH_SIZE, Record};
use crate::registry::Registry;

/// How to run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Stop every source after this many records (preview).
    pub record_limit: Option<u64>,
    /// Do not build sinks; count what they would have written (preview).
    pub dry_run: bool,
    /// Keep this many sample records per node (preview).
    pub sample_size: usize,
    /// Records per batch.
    pub batch_size: usize,
    /// Batches that may wait on one edge before the sender blocks (backpressure).
    pub channel_capacity: usize,
    /// In a preview, the nodes the person asked to preview live: they may change the outside
    /// world (send requests); the others only say what they would do.
    pub live_nodes: Vec<String>,
    /// The memory budget of the nodes that hold records back, when the flow names none.
    pub memory_budget: u64,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            record_limit: None,
            dry_run: false,
            sample_size: 0,
            batch_size: DEFAULT_BATCH_SIZE,
            channel_capacity: 4,
            live_nodes: Vec::new(),
            memory_budget: crate::memory::DEFAULT_MEMORY_BUDGET,
        }
    }
}

impl RunOptions {
    /// A preview: at most `limit` records from each source, nothing written, samples kept.
    pub fn preview(limit: u64) -> Self {
        RunOptions {
            record_limit: Some(limit),
            dry_run: true,
            sample_size: limit.min(1000) as usize,
            ..RunOptions::default()
        }
    }
}

/// Everything a run needs besides its options.
pub struct RunRequest<'a> {
    pub flow: &'a Flow,
    /// The run's id (staging names carry it).
    pub run_id: &'a str,
    pub registry: &'a Registry,
    /// Where relative paths in configs resolve from.
    pub base_dir: &'a Path,
    /// Each source node's last committed sync state.
    pub states: &'a HashMap<String, serde_json::Value>,
    /// The credential each node that names one uses, by node id (resolved by the runtime).
    pub credentials: &'a HashMap<String, std::sync::Arc<dyn crate::credential::CredentialAccess>>,
    /// Records handed to the run from outside (webhook requests), for sources that take them.
    pub inbox: Option<std::sync::Arc<dyn crate::component::Inbox>>,
    pub started_at: DateTime<Utc>,
    pub control: RunControl,
    pub events: Option<EventCallback>,
    /// Where the commit protocol is kept durable. Without one (engine tests), sinks commit as
    /// soon as every node settled and the states are only returned.
    pub journal: Option<std::sync::Arc<dyn CommitJournal>>,
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    Succeeded,
    Failed,
    Cancelled,
    /// The run decided to commit (its sync state advanced) but a destination could not be
    /// published yet; Sluice publishes it at its next start.
    Committing,
}

/// How a node ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum NodeStatus {
    Succeeded,
    Failed,
    /// Stopped because the run was cancelled or another node failed.
    Stopped,
}

/// Why a run failed: the node (when one is to blame) and the message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct RunFailure {
    pub node: Option<String>,
    pub message: String,
}

impl std::fmt::Display for RunFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.node {
            Some(node) => write!(f, "node `{node}`: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// What one node did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct NodeReport {
    pub node: String,
    pub status: NodeStatus,
    pub stats: NodeStats,
    pub error: Option<String>,
    /// Sample records (preview): what the node sent on, or for a sink what it received.
    #[ts(as = "Vec<serde_json::Map<String, serde_json::Value>>")]
    pub samples: Vec<Record>,
}

/// What a run did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct RunReport {
    pub status: RunStatus,
    pub failure: Option<RunFailure>,
    /// Per node, in the flow's order.
    pub nodes: Vec<NodeReport>,
    /// New sync state per source node, recorded with the decision to commit. Empty unless the
    /// run decided to commit and wrote for real.
    pub states: BTreeMap<String, serde_json::Value>,
    pub duration_ms: u64,
}

impl RunReport {
    pub(super) fn failed_before_start(
        node: Option<&str>,
        message: String,
        flow: &Flow,
    ) -> RunReport {
        RunReport::ended_before_start(RunStatus::Failed, node, message, flow)
    }

    pub(super) fn ended_before_start(
        status: RunStatus,
        node: Option<&str>,
        message: String,
        flow: &Flow,
    ) -> RunReport {
        RunReport {
            status,
            failure: Some(RunFailure {
                node: node.map(str::to_string),
                message,
            }),
            nodes: flow
                .nodes
                .iter()
                .map(|node| NodeReport {
                    node: node.id.clone(),
                    status: NodeStatus::Stopped,
                    stats: NodeStats::default(),
                    error: None,
                    samples: Vec::new(),
                })
                .collect(),
            states: BTreeMap::new(),
            duration_ms: 0,
        }
    }

    /// The report of one node.
    pub fn node(&self, id: &str) -> Option<&NodeReport> {
        self.nodes.iter().find(|report| report.node == id)
    }
}
