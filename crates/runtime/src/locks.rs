//! Locks shared by every Sluice process on one home: one run of a flow at a time, one writer per
//! destination. They are OS file locks under `HOME/locks/`, so a process that dies (even by
//! kill -9) releases them, and holding a flow's lock is how a live run is told from a dead one.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

use crate::runs::{RunHandle, RunTarget, Trigger};
use crate::{Error, Result, Sluice};

/// A held lock; dropping it releases it.
#[derive(Debug)]
pub(crate) struct HomeLock {
    _file: File,
}

/// What a lock protects.
#[derive(Debug, Clone, Copy)]
pub(crate) enum LockScope {
    /// The runs of one flow.
    Flow,
    /// One destination (a file, or a database table).
    Destination,
}

/// Takes the lock of `key` in `scope` if no other holder has it; `None` when one does.
pub(crate) fn try_lock(home: &Path, scope: LockScope, key: &str) -> Result<Option<HomeLock>> {
    let path = lock_path(home, scope, key);
    let failed = |source| Error::Io {
        action: "lock",
        path: path.clone(),
        source,
    };
    if let Some(folder) = path.parent() {
        std::fs::create_dir_all(folder).map_err(failed)?;
    }
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(failed)?;
    match file.try_lock() {
        Ok(()) => Ok(Some(HomeLock { _file: file })),
        Err(TryLockError::WouldBlock) => Ok(None),
        Err(TryLockError::Error(error)) => Err(failed(error)),
    }
}

impl Sluice {
    /// Takes the lock that lets one run of a flow go at a time, across every process on this
    /// home; refuses, naming the run in progress, when another run holds it.
    pub(crate) fn lock_flow(&self, flow_id: &str, flow_name: &str) -> Result<HomeLock> {
        try_lock(self.home(), LockScope::Flow, flow_id)?.ok_or_else(|| {
            let running = match self.store().running_run_of(flow_id) {
                Ok(Some((run_id, started_at))) => format!(" (run {run_id}, started {started_at})"),
                _ => String::new(),
            };
            Error::Busy(format!(
                "flow '{flow_name}' is already running{running}; one run of a flow goes at a time. Wait for it to finish (`sluice run --wait` waits), or cancel it"
            ))
        })
    }

    /// Starts a run, first waiting (looking every 200 ms) while another run of the flow goes.
    pub async fn start_run_waiting(
        &self,
        target: RunTarget,
        trigger: Trigger,
    ) -> Result<RunHandle> {
        let mut said_waiting = false;
        loop {
            match self.start_run(target.clone(), trigger) {
                Err(Error::Busy(message)) => {
                    if !said_waiting {
                        said_waiting = true;
                        tracing::info!("waiting: {message}");
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                }
                other => return other,
            }
        }
    }
}

/// The lock file of a key: its kind, then a stable hash of the key (paths can be long or odd).
fn lock_path(home: &Path, scope: LockScope, key: &str) -> PathBuf {
    let prefix = match scope {
        LockScope::Flow => "flow",
        LockScope::Destination => "destination",
    };
    home.join("locks")
        .join(format!("{prefix}-{:016x}.lock", stable_hash(key)))
}

/// FNV-1a: the same number for the same key in every process and version.
fn stable_hash(key: &str) -> u64 {
    key.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lock_is_held_until_dropped_and_keys_are_apart() {
        let home = tempfile::tempdir().unwrap();
        let first = try_lock(home.path(), LockScope::Flow, "a").unwrap();
        assert!(first.is_some());
        assert!(
            try_lock(home.path(), LockScope::Flow, "a")
                .unwrap()
                .is_none()
        );
        assert!(
            try_lock(home.path(), LockScope::Flow, "b")
                .unwrap()
                .is_some()
        );
        assert!(
            try_lock(home.path(), LockScope::Destination, "a")
                .unwrap()
                .is_some()
        );
        drop(first);
        assert!(
            try_lock(home.path(), LockScope::Flow, "a")
                .unwrap()
                .is_some()
        );
    }
}
