//! The runtime's half of the commit protocol (sluice_core::commit): the journal a run keeps in
//! the Sluice database, destination locks, and recovery — rolling forward the runs that decided
//! to commit before their process stopped, and rolling back (removing the staging of) the rest.

use std::collections::BTreeMap;
use std::time::Duration;

use sluice_core::commit::{CommitJournal, DestinationLock, Staging};
use sluice_core::engine::RunControl;
use sluice_store::{RunStatus, StagingRow, StagingState};

use crate::locks::{HomeLock, LockScope, try_lock};
use crate::{Result, Sluice};

/// The commit journal of one run, kept in the Sluice database.
pub(crate) struct StoreJournal {
    pub sluice: Sluice,
    pub run_id: String,
    pub flow_id: String,
}

/// The destination locks a run holds while it writes.
struct DestinationLocks(#[allow(dead_code)] Vec<HomeLock>);

impl DestinationLock for DestinationLocks {}

/// How often a run waiting for a destination looks again.
const LOCK_POLL: Duration = Duration::from_millis(100);

impl CommitJournal for StoreJournal {
    fn lock_destinations(
        &self,
        destinations: &[String],
        control: &RunControl,
    ) -> Result<Box<dyn DestinationLock>, String> {
        let mut held = Vec::with_capacity(destinations.len());
        for destination in destinations {
            let mut said_waiting = false;
            let lock = loop {
                match try_lock(self.sluice.home(), LockScope::Destination, destination) {
                    Ok(Some(lock)) => break lock,
                    Ok(None) if control.is_stopping() => {
                        return Err(format!(
                            "stopped while waiting for another run to finish writing {destination}"
                        ));
                    }
                    Ok(None) => {
                        if !said_waiting {
                            said_waiting = true;
                            self.log(
                                "info",
                                &format!("waiting for another run to finish writing {destination}"),
                            );
                        }
                        std::thread::sleep(LOCK_POLL);
                    }
                    Err(error) => {
                        return Err(format!("cannot lock {destination} for writing: {error}"));
                    }
                }
            };
            // What a stopped run decided to write here goes in before this run reads or
            // replaces it, or this run's copy would undo it; until it can, this run waits.
            if let Some(waiting) = self
                .sluice
                .deliver_to(destination)
                .map_err(|error| error.to_string())?
            {
                return Err(format!(
                    "run {} committed output for {destination} that cannot be published yet ({}), so this run does not write there; fix that and run again",
                    waiting.run_id, waiting.reason
                ));
            }
            held.push(lock);
        }
        Ok(Box::new(DestinationLocks(held)))
    }

    fn staging(&self, stagings: &[(String, Staging)]) -> Result<(), String> {
        let rows: Vec<StagingRow> = stagings
            .iter()
            .map(|(node, staging)| StagingRow {
                run_id: self.run_id.clone(),
                node_id: node.clone(),
                kind: staging.kind.clone(),
                destination: staging.destination.clone(),
                lock_key: staging.lock_key.clone(),
                detail: staging.detail.clone(),
            })
            .collect();
        self.sluice
            .store()
            .record_stagings(&rows)
            .map_err(|error| error.to_string())
    }

    fn decide(&self, states: &BTreeMap<String, serde_json::Value>) -> Result<(), String> {
        self.sluice
            .store()
            .decide_run(&self.run_id, &self.flow_id, states)
            .map_err(|error| error.to_string())
    }

    fn published(&self, node: &str) -> Result<(), String> {
        self.sluice
            .store()
            .set_staging_state(&self.run_id, node, StagingState::Published)
            .map_err(|error| error.to_string())
    }

    fn reached(&self, point: &str) {
        pause_for_tests(point);
    }
}

impl StoreJournal {
    fn log(&self, level: &str, message: &str) {
        if let Err(error) = self
            .sluice
            .store()
            .append_log(&self.run_id, level, None, message)
        {
            tracing::warn!(run = %self.run_id, %error, "could not store a run log line");
        }
    }
}

/// Debug builds stop at the commit point named by `SLUICE_TEST_PAUSE`, saying so on stderr, so
/// tests can kill a run exactly there; they go on once the file `SLUICE_TEST_RESUME` names
/// exists (never, without one).
fn pause_for_tests(point: &str) {
    if !cfg!(debug_assertions)
        || std::env::var("SLUICE_TEST_PAUSE").map_or(true, |wanted| wanted != point)
    {
        return;
    }
    eprintln!("sluice: paused at {point}");
    let resume = std::env::var_os("SLUICE_TEST_RESUME").map(std::path::PathBuf::from);
    while !resume.as_ref().is_some_and(|file| file.exists()) {
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// What recovery did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Recovery {
    /// Runs that had decided to commit and are now published.
    pub rolled_forward: usize,
    /// Runs that had not decided: marked interrupted, their staging removed.
    pub rolled_back: usize,
}

/// A decided run's output that could not be published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Undelivered {
    pub run_id: String,
    pub reason: String,
}

impl Sluice {
    /// Finishes what stopped processes left behind: a run that decided to commit is published
    /// (rolled forward), one that did not has its staging removed and is marked interrupted
    /// (rolled back), and staging that a failed run could not remove is removed. Runs whose
    /// process still lives hold their flow's lock and are left alone.
    pub fn recover_runs(&self) -> Result<Recovery> {
        self.recover_runs_holding(None)
    }

    /// [`Sluice::recover_runs`], by a caller that holds the lock of flow `held` already.
    pub(crate) fn recover_runs_holding(&self, held: Option<&str>) -> Result<Recovery> {
        let mut recovery = Recovery::default();
        for listed in self.store().unfinished_runs()? {
            let flow_lock = match held {
                Some(flow) if flow == listed.flow_id => None,
                _ => match try_lock(self.home(), LockScope::Flow, &listed.flow_id)? {
                    Some(lock) => Some(lock),
                    None => continue,
                },
            };
            // Read again under the lock: the run may have moved on since it was listed.
            let Some(run) = self.store().unfinished_run(&listed.id)? else {
                continue;
            };
            match run.status {
                RunStatus::Committing => {
                    for staging in &run.pending {
                        if let Some(_lock) =
                            try_lock(self.home(), LockScope::Destination, &staging.lock_key)?
                        {
                            let _ = self.publish_staging(staging)?;
                        }
                    }
                    if self.finish_if_published(&run.id)? {
                        recovery.rolled_forward += 1;
                    }
                }
                RunStatus::Running => {
                    self.roll_back(&run.id, &run.pending)?;
                    recovery.rolled_back += 1;
                }
                _ => {
                    for staging in &run.pending {
                        self.discard_staging(staging)?;
                    }
                }
            }
            drop(flow_lock);
        }
        if recovery != Recovery::default() {
            tracing::warn!(
                rolled_forward = recovery.rolled_forward,
                rolled_back = recovery.rolled_back,
                "finished runs left by a stopped process"
            );
        }
        Ok(recovery)
    }

    /// Rolls back a run whose process stopped before it decided (the caller holds its flow's
    /// lock): its staging removed, the webhook records it took given back, marked interrupted.
    fn roll_back(&self, run_id: &str, pending: &[StagingRow]) -> Result<()> {
        for staging in pending {
            self.discard_staging(staging)?;
        }
        // A record that stopped the process counts as one that failed its run.
        let returned = self.store().give_back_webhook_records(run_id, true)?;
        crate::run_history::log_webhook_records_returned(self.store(), run_id, returned)?;
        let message = "Sluice stopped before this run decided to commit; nothing it wrote was kept (its staged output was removed)";
        if self.store().interrupt_run(run_id, message)? {
            self.store().append_log(run_id, "warn", None, message)?;
        }
        Ok(())
    }

    /// Publishes what decided runs staged under `lock_key` and did not publish (the caller
    /// holds that destination's lock). Returns the first one that still cannot be published.
    pub(crate) fn deliver_to(&self, lock_key: &str) -> Result<Option<Undelivered>> {
        for staging in self.store().undelivered_to(lock_key)? {
            if let Some(reason) = self.publish_staging(&staging)? {
                return Ok(Some(Undelivered {
                    run_id: staging.run_id,
                    reason,
                }));
            }
            self.finish_if_published(&staging.run_id)?;
        }
        Ok(None)
    }

    /// Removes what a run that will not commit staged (idempotent).
    pub(crate) fn discard_stagings(&self, run_id: &str) -> Result<()> {
        for staging in self.store().pending_stagings(run_id)? {
            self.discard_staging(&staging)?;
        }
        Ok(())
    }

    /// Publishes one staging of a decided run; returns why it cannot be, when it cannot.
    fn publish_staging(&self, staging: &StagingRow) -> Result<Option<String>> {
        let registry = self.registry();
        let Some(kind) = registry.staging_kind(&staging.kind) else {
            return Ok(Some(format!(
                "this Sluice does not know staged output of kind `{}`",
                staging.kind
            )));
        };
        let log = |level: &str, line: &str| {
            self.store()
                .append_log(&staging.run_id, level, Some(&staging.node_id), line)
        };
        match (kind.publish)(&staging.detail, self) {
            Ok(refused) => {
                self.store().set_staging_state(
                    &staging.run_id,
                    &staging.node_id,
                    StagingState::Published,
                )?;
                let mut line = format!(
                    "published {} (node `{}`) after its process stopped",
                    staging.destination, staging.node_id
                );
                if refused > 0 {
                    line.push_str(&format!(
                        "; {refused} records refused by the destination were left out"
                    ));
                }
                log("info", &line)?;
                Ok(None)
            }
            Err(message) => {
                let line = format!(
                    "cannot publish {} yet: {message}; Sluice tries again at its next start",
                    staging.destination
                );
                tracing::warn!(run = %staging.run_id, "{line}");
                log("warn", &line)?;
                Ok(Some(message))
            }
        }
    }

    /// Removes one staging, unless another run writes its destination right now (then it is
    /// left for the next start: a staging is never in another run's way, only on the disk).
    fn discard_staging(&self, staging: &StagingRow) -> Result<()> {
        let registry = self.registry();
        let Some(kind) = registry.staging_kind(&staging.kind) else {
            return Ok(());
        };
        let Some(_lock) = try_lock(self.home(), LockScope::Destination, &staging.lock_key)? else {
            return Ok(());
        };
        match (kind.discard)(&staging.detail, self) {
            Ok(()) => self.store().set_staging_state(
                &staging.run_id,
                &staging.node_id,
                StagingState::Discarded,
            )?,
            Err(message) => {
                tracing::warn!(run = %staging.run_id, %message, "cannot remove a run's staged output; Sluice tries again at its next start");
            }
        }
        Ok(())
    }

    /// Marks a committing run succeeded once nothing it staged waits. Returns whether it did.
    fn finish_if_published(&self, run_id: &str) -> Result<bool> {
        if !self.store().pending_stagings(run_id)?.is_empty() {
            return Ok(false);
        }
        let finished = self.store().finish_committed_run(run_id)?;
        if finished {
            self.store().append_log(
                run_id,
                "info",
                None,
                "run committed; its process stopped before every destination was published, so the next Sluice to start published them",
            )?;
        }
        Ok(finished)
    }
}
