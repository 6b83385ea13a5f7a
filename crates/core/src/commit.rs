//! The run's commit protocol: every sink stages its output durably, the run's decision to commit
//! is recorded once (with the sync state it advances), then each sink publishes. A process that
//! dies after the decision is rolled forward by the next one; one that dies before is rolled back.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::credential::CredentialAccess;
use crate::engine::RunControl;

/// A sink's staged output, described well enough for any Sluice process to publish it (roll
/// forward) or discard it (roll back) after the process that staged it died.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Staging {
    /// The staging kind that knows how to finish it (`file`, `sqlite`).
    pub kind: String,
    /// What it writes, as people read it: an absolute file path, or `path#table` for a table.
    pub destination: String,
    /// What one run at a time may write (a file, or a whole database file): destination locks
    /// key on it, and what a stopped run decided to write there is published before another
    /// run writes it.
    pub lock_key: String,
    /// The kind's own description: staging and target paths, table names, mode.
    pub detail: serde_json::Value,
}

/// The part of a run id that names its staging (the last 12 hex digits: the random part of a
/// UUIDv7), so a crashed run's leftovers are told apart from another run's.
pub fn staging_suffix(run_id: &str) -> String {
    let digits: String = run_id.chars().filter(char::is_ascii_hexdigit).collect();
    digits[digits.len().saturating_sub(12)..].to_string()
}

/// The credentials a later process finishes a staging with: a database sink's staging names the
/// credential it connects with, never its secrets.
pub trait CredentialLookup {
    /// The credential called `name`, with its secrets, or why there is none.
    fn credential(&self, name: &str) -> Result<Arc<dyn CredentialAccess>, String>;
}

/// A lookup that has no credentials (for stagings that need none, and tests).
pub struct NoCredentials;

impl CredentialLookup for NoCredentials {
    fn credential(&self, name: &str) -> Result<Arc<dyn CredentialAccess>, String> {
        Err(format!("the credential '{name}' is not available here"))
    }
}

/// How a process that did not stage an output publishes it or throws it away. Both must be
/// idempotent: either may be repeated after a crash, or find the work already done.
#[derive(Clone, Copy)]
pub struct StagingKind {
    /// The kind, as written in [`Staging::kind`].
    pub kind: &'static str,
    /// Makes the staged output visible; returns how many staged records the destination refused
    /// (they were reported to the error port when the run prepared).
    pub publish: fn(&serde_json::Value, &dyn CredentialLookup) -> Result<u64, String>,
    /// Removes the staged output; the destination stays as it was.
    pub discard: fn(&serde_json::Value, &dyn CredentialLookup) -> Result<(), String>,
}

impl fmt::Debug for StagingKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StagingKind")
            .field("kind", &self.kind)
            .finish()
    }
}

/// Held while a run writes its destinations; dropping it lets the next writer in.
pub trait DestinationLock: Send {}

/// Where a run's commit protocol is kept durable (the runtime's database). The engine calls it
/// in this order: `lock_destinations` and `staging` before any sink writes, `decide` once every
/// sink has staged, and `published` for each sink that made its output visible.
pub trait CommitJournal: Send + Sync {
    /// Waits until this run is the only writer of each destination (or `control` stops it).
    fn lock_destinations(
        &self,
        destinations: &[String],
        control: &RunControl,
    ) -> Result<Box<dyn DestinationLock>, String>;

    /// Records what each sink will stage, before it writes, so a crash's leftovers are found.
    fn staging(&self, stagings: &[(String, Staging)]) -> Result<(), String>;

    /// The commit point: records the decision to commit together with the new sync states. Once
    /// this returns `Ok`, the run's outputs will be published, by this process or the next.
    fn decide(&self, states: &BTreeMap<String, serde_json::Value>) -> Result<(), String>;

    /// Records that a node's sink made its output visible.
    fn published(&self, node: &str) -> Result<(), String>;

    /// Runs the test hook named `point` (a pause where tests kill the process), if one is set.
    fn reached(&self, point: &str) {
        let _ = point;
    }
}
