//! What a run tells its observers while it goes: node progress, node endings and log lines.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// Counters of one node in one run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct NodeStats {
    /// Records that reached the node.
    pub records_in: u64,
    /// Records the node sent on (all ports except `error`).
    pub records_out: u64,
    /// Records the node could not process (skipped, routed to `error`, or the one that failed it).
    pub records_errored: u64,
    /// Bytes read from or written to the outside world.
    pub bytes: u64,
    /// Wall-clock time the node ran for.
    pub duration_ms: u64,
    /// Time the node spent working: its run time less the time it waited for records to arrive
    /// or for the next nodes to take them. The slow node of a run is the one busy the longest.
    #[serde(default)]
    pub busy_ms: u64,
    /// For a node that holds records back (`sort`): the most memory its records took.
    #[serde(default)]
    pub memory_peak_bytes: u64,
    /// Bytes it wrote to temporary spill files when the run's memory budget was full.
    #[serde(default)]
    pub spilled_bytes: u64,
}

/// How serious a log line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum LogLevel {
    Info,
    Warn,
    Error,
}

/// Something that happened in a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum RunEvent {
    /// A node began.
    NodeStarted { node: String },
    /// A node's counters moved (sent at most every 100 ms per node).
    NodeProgress { node: String, stats: NodeStats },
    /// A node ended; `error` says why when it failed.
    NodeFinished {
        node: String,
        status: super::NodeStatus,
        stats: NodeStats,
        error: Option<String>,
    },
    /// A line for the run log.
    Log {
        node: Option<String>,
        level: LogLevel,
        message: String,
    },
}

/// Receives a run's events as they happen, from any node's thread.
pub type EventCallback = Arc<dyn Fn(RunEvent) + Send + Sync>;
