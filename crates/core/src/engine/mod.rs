//! The streaming engine: a thread per node (a fused chain of stateless transforms shares one),
//! batches over bounded channels, per-node counters streamed as events, cooperative
//! cancellation, `on_error` handling, preview and two-phase sink commits.

mod control;
mod events;
mod executor;
mod fused;
mod inputs;
mod node;
mod output;
mod report;
mod sinks;

pub use control::RunControl;
pub use events::{EventCallback, LogLevel, NodeStats, RunEvent};
pub use executor::execute;
pub use output::Output;
pub use report::{
    NodeReport, NodeStatus, RunFailure, RunOptions, RunReport, RunRequest, RunStatus,
};
