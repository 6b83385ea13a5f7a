//! The `run_stagings` table and the commit point of runs: what each sink staged, the decision
//! recorded with the sync state it advances, and what is still to publish or discard.

use std::collections::BTreeMap;

use rusqlite::params;

use crate::{Result, RunStatus, Store, timestamp};

/// What one sink of a run staged, and whether it is still there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StagingRow {
    pub run_id: String,
    pub node_id: String,
    /// The staging kind (`file`, `sqlite`).
    pub kind: String,
    /// What it writes, for people.
    pub destination: String,
    /// What one run at a time writes (destination locks key on it).
    pub lock_key: String,
    /// The kind's description, as JSON.
    pub detail: serde_json::Value,
}

/// A run with something left to finish: still `running` or `committing` (decided, not all
/// published), or ended with staged output not yet removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnfinishedRun {
    pub id: String,
    pub flow_id: String,
    pub status: RunStatus,
    /// Its stagings not yet published or discarded.
    pub pending: Vec<StagingRow>,
}

/// Where a staging stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StagingState {
    Staged,
    Published,
    Discarded,
}

impl StagingState {
    fn as_str(self) -> &'static str {
        match self {
            StagingState::Staged => "staged",
            StagingState::Published => "published",
            StagingState::Discarded => "discarded",
        }
    }
}

fn staging_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<StagingRow> {
    let detail: String = row.get(5)?;
    Ok(StagingRow {
        run_id: row.get(0)?,
        node_id: row.get(1)?,
        kind: row.get(2)?,
        destination: row.get(3)?,
        lock_key: row.get(4)?,
        detail: serde_json::from_str(&detail).unwrap_or(serde_json::Value::Null),
    })
}

/// Runs `write` with every commit synced to disk (the store's everyday writes are not: they
/// may be lost in a power cut, which is harmless for them but not for the commit protocol).
fn with_full_sync<T>(
    connection: &mut rusqlite::Connection,
    write: impl FnOnce(&mut rusqlite::Connection) -> Result<T>,
) -> Result<T> {
    connection.execute_batch("PRAGMA synchronous = FULL")?;
    let written = write(connection);
    // What `write` did stands whatever happens here; the next connection setting restores it.
    if let Err(error) = connection.execute_batch("PRAGMA synchronous = NORMAL") {
        tracing::warn!(%error, "could not restore the store's sync setting");
    }
    written
}

const STAGING_COLUMNS: &str = "s.run_id, s.node_id, s.kind, s.destination, s.lock_key, s.detail";

impl Store {
    /// Records what a run's sinks are about to stage (before they write anything, and synced to
    /// disk first: staging that outlives a power cut must be found).
    pub fn record_stagings(&self, stagings: &[StagingRow]) -> Result<()> {
        let mut connection = self.connection();
        with_full_sync(&mut connection, |connection| {
            Self::insert_stagings(connection, stagings)
        })
    }

    fn insert_stagings(
        connection: &mut rusqlite::Connection,
        stagings: &[StagingRow],
    ) -> Result<()> {
        let transaction = connection.transaction()?;
        for staging in stagings {
            transaction.execute(
                "INSERT INTO run_stagings (run_id, node_id, kind, destination, lock_key, detail)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    staging.run_id,
                    staging.node_id,
                    staging.kind,
                    staging.destination,
                    staging.lock_key,
                    staging.detail.to_string()
                ],
            )?;
        }
        transaction.commit()?;
        Ok(())
    }

    /// The commit point, in one transaction: the run becomes `committing`, the sync states it
    /// reached are stored, and the webhook records it took are done. Fails unless the run is
    /// still `running`.
    pub fn decide_run(
        &self,
        run_id: &str,
        flow_id: &str,
        states: &BTreeMap<String, serde_json::Value>,
    ) -> Result<()> {
        let mut connection = self.connection();
        // The commit point must survive a power cut before any output is published: synced to
        // disk, unlike the store's everyday writes.
        with_full_sync(&mut connection, |connection| {
            Self::decide_in(connection, run_id, flow_id, states)
        })
    }

    fn decide_in(
        connection: &mut rusqlite::Connection,
        run_id: &str,
        flow_id: &str,
        states: &BTreeMap<String, serde_json::Value>,
    ) -> Result<()> {
        let transaction = connection.transaction()?;
        let now = timestamp(chrono::Utc::now());
        let decided = transaction.execute(
            "UPDATE runs SET status = 'committing', decided_at = ?2 WHERE id = ?1 AND status = 'running'",
            params![run_id, now],
        )?;
        if decided != 1 {
            return Err(crate::Error::Corrupt {
                what: "run",
                message: format!("run {run_id} is no longer running, so it cannot commit"),
            });
        }
        Self::store_node_states(&transaction, flow_id, run_id, states, &now)?;
        Self::consume_webhook_records(&transaction, run_id)?;
        transaction.commit()?;
        Ok(())
    }

    /// Marks one sink's staging published or discarded.
    pub fn set_staging_state(
        &self,
        run_id: &str,
        node_id: &str,
        state: StagingState,
    ) -> Result<()> {
        self.connection().execute(
            "UPDATE run_stagings SET state = ?3 WHERE run_id = ?1 AND node_id = ?2",
            params![run_id, node_id, state.as_str()],
        )?;
        Ok(())
    }

    /// A run's stagings still `staged`.
    pub fn pending_stagings(&self, run_id: &str) -> Result<Vec<StagingRow>> {
        let connection = self.connection();
        let mut statement = connection.prepare(&format!(
            "SELECT {STAGING_COLUMNS} FROM run_stagings s WHERE s.run_id = ?1 AND s.state = 'staged' ORDER BY s.node_id"
        ))?;
        let rows = statement
            .query_map([run_id], staging_from_row)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Stagings of decided runs still waiting to be published under `lock_key`, in the order
    /// the runs decided.
    pub fn undelivered_to(&self, lock_key: &str) -> Result<Vec<StagingRow>> {
        let connection = self.connection();
        let mut statement = connection.prepare(&format!(
            "SELECT {STAGING_COLUMNS} FROM run_stagings s JOIN runs r ON r.id = s.run_id
             WHERE s.lock_key = ?1 AND s.state = 'staged' AND r.status = 'committing'
             ORDER BY r.decided_at, r.rowid"
        ))?;
        let rows = statement
            .query_map([lock_key], staging_from_row)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Runs with something left to finish (see [`UnfinishedRun`]): decided ones first, in the
    /// order they decided, then the others, oldest first.
    pub fn unfinished_runs(&self) -> Result<Vec<UnfinishedRun>> {
        let ids: Vec<String> = {
            let connection = self.connection();
            let mut statement = connection.prepare(
                "SELECT id FROM runs
                 WHERE status IN ('running', 'committing')
                    OR id IN (SELECT run_id FROM run_stagings WHERE state = 'staged')
                 ORDER BY decided_at IS NULL, decided_at, started_at, rowid",
            )?;
            statement
                .query_map([], |row| row.get(0))?
                .collect::<Result<Vec<_>, _>>()?
        };
        let mut runs = Vec::with_capacity(ids.len());
        for id in ids {
            runs.extend(self.unfinished_run(&id)?);
        }
        Ok(runs)
    }

    /// One run as it stands now, if it has something left to finish.
    pub fn unfinished_run(&self, id: &str) -> Result<Option<UnfinishedRun>> {
        let Some(run) = self.run(id)? else {
            return Ok(None);
        };
        let pending = self.pending_stagings(id)?;
        let open = matches!(run.status, RunStatus::Running | RunStatus::Committing);
        Ok((open || !pending.is_empty()).then(|| UnfinishedRun {
            id: run.id,
            flow_id: run.flow_id,
            status: run.status,
            pending,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::NewRun;

    fn store_with_run(id: &str) -> Store {
        let store = Store::open_in_memory().unwrap();
        store
            .insert_run(&NewRun {
                id,
                flow_id: "f",
                flow_name: "f",
                flow_version: None,
                trigger: "manual",
                started_at: chrono::Utc::now(),
            })
            .unwrap();
        store
            .record_stagings(&[StagingRow {
                run_id: id.into(),
                node_id: "save".into(),
                kind: "file".into(),
                destination: "/tmp/out.csv".into(),
                lock_key: "/tmp/out.csv".into(),
                detail: serde_json::json!({"staging": "/tmp/.out.csv.sluice-1.tmp"}),
            }])
            .unwrap();
        store
    }

    #[test]
    fn the_decision_stores_the_states_and_leaves_the_stagings_to_publish() {
        let store = store_with_run("r1");
        let states = BTreeMap::from([("read".to_string(), serde_json::json!({"cursor": 7}))]);
        store.decide_run("r1", "f", &states).unwrap();
        assert_eq!(
            store.node_states("f").unwrap()["read"],
            serde_json::json!({"cursor": 7})
        );
        assert_eq!(
            store.run("r1").unwrap().unwrap().status,
            RunStatus::Committing
        );
        assert_eq!(store.undelivered_to("/tmp/out.csv").unwrap().len(), 1);
        let unfinished = store.unfinished_runs().unwrap();
        assert_eq!(unfinished.len(), 1);
        assert_eq!(unfinished[0].status, RunStatus::Committing);

        store
            .set_staging_state("r1", "save", StagingState::Published)
            .unwrap();
        assert!(store.undelivered_to("/tmp/out.csv").unwrap().is_empty());
        assert!(store.finish_committed_run("r1").unwrap());
        assert!(store.unfinished_runs().unwrap().is_empty());
        // Only once, and only from `committing`.
        assert!(!store.finish_committed_run("r1").unwrap());
    }

    #[test]
    fn a_run_that_is_no_longer_running_cannot_decide() {
        let store = store_with_run("r2");
        assert!(store.interrupt_run("r2", "stopped").unwrap());
        let states = BTreeMap::from([("read".to_string(), serde_json::json!({"cursor": 1}))]);
        assert!(store.decide_run("r2", "f", &states).is_err());
        assert!(
            store.node_states("f").unwrap().is_empty(),
            "nothing advanced"
        );
        // Its staging is still to remove.
        let unfinished = store.unfinished_runs().unwrap();
        assert_eq!(unfinished.len(), 1);
        assert_eq!(unfinished[0].status, RunStatus::Interrupted);
        assert_eq!(unfinished[0].pending.len(), 1);
        store
            .set_staging_state("r2", "save", StagingState::Discarded)
            .unwrap();
        assert!(store.unfinished_runs().unwrap().is_empty());
    }
}
