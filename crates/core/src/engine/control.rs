//! The run's shared stop switch: user cancellation and the first node failure both stop every
//! node between batches.

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};

const RUNNING: u8 = 0;
const CANCELLED: u8 = 1;
const FAILED: u8 = 2;

/// A handle to a run: cancel it from anywhere; nodes check it between batches.
#[derive(Debug, Clone, Default)]
pub struct RunControl {
    inner: Arc<ControlInner>,
}

#[derive(Debug, Default)]
struct ControlInner {
    state: AtomicU8,
    first_failure: Mutex<Option<(Option<String>, String)>>,
}

impl RunControl {
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks the run to stop. Nodes stop at their next batch; sinks discard what they wrote.
    pub fn cancel(&self) {
        let _ = self.inner.state.compare_exchange(
            RUNNING,
            CANCELLED,
            Ordering::SeqCst,
            Ordering::SeqCst,
        );
    }

    /// Records a failure; the first one wins and stops the run.
    pub fn fail(&self, node: Option<&str>, message: impl Into<String>) {
        let mut first = self
            .inner
            .first_failure
            .lock()
            .expect("failure lock poisoned");
        if first.is_none() {
            *first = Some((node.map(str::to_string), message.into()));
        }
        let _ =
            self.inner
                .state
                .compare_exchange(RUNNING, FAILED, Ordering::SeqCst, Ordering::SeqCst);
    }

    /// True once the run was cancelled or a node failed.
    pub fn is_stopping(&self) -> bool {
        self.inner.state.load(Ordering::SeqCst) != RUNNING
    }

    /// True when the user cancelled the run (before any failure).
    pub fn is_cancelled(&self) -> bool {
        self.inner.state.load(Ordering::SeqCst) == CANCELLED
    }

    /// The first failure: the node (if any) and what went wrong.
    pub fn first_failure(&self) -> Option<(Option<String>, String)> {
        self.inner
            .first_failure
            .lock()
            .expect("failure lock poisoned")
            .clone()
    }
}
