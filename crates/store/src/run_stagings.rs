//! The `run_stagings` table and the commit point of runs: what each sink staged, the decision
//! recorded with the sync state it advances, and what is still to publish or discard.

use std::collections::BTreeMap;

use rusqlite::params;

use crate::{Result, Store, timestamp};

/// What one sink of a run staged, and whether it is still there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StagingRow {
    pub run_id: String,
    pub node_id: String,
    /// The staging kind (`file`, `sqlite`).
    pub kind: String,
    pub destination: String,
    /// The kind's description, as JSON.
    pub detail: serde_json::Value,
}

/// A run that has not ended: still `running`, or `committing` (decided, not all published).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnfinishedRun {
    pub id: String,
    pub flow_id: String,
    /// Whether the run decided to commit.
    pub decided: bool,
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
    let detail: String = row.get(4)?;
    Ok(StagingRow {
        run_id: row.get(0)?,
        node_id: row.get(1)?,
        kind: row.get(2)?,
        destination: row.get(3)?,
        detail: serde_json::from_str(&detail).unwrap_or(serde_json::Value::Null),
    })
}

const STAGING_COLUMNS: &str = "run_id, node_id, kind, destination, detail";

impl Store {
    /// Records what a run's sinks are about to stage (before they write anything).
    pub fn record_stagings(&self, stagings: &[StagingRow]) -> Result<()> {
        let mut connection = self.connection();
        let transaction = connection.transaction()?;
        for staging in stagings {
            transaction.execute(
                "INSERT INTO run_stagings (run_id, node_id, kind, destination, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    staging.run_id,
                    staging.node_id,
                    staging.kind,
                    staging.destination,
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
        transaction.execute(
            "DELETE FROM webhook_queue WHERE flow_id = ?1 AND taken = 1",
            [flow_id],
        )?;
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
            "SELECT {STAGING_COLUMNS} FROM run_stagings WHERE run_id = ?1 AND state = 'staged' ORDER BY node_id"
        ))?;
        let rows = statement
            .query_map([run_id], staging_from_row)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Stagings of decided runs still waiting to be published into `destination`.
    pub fn undelivered_to(&self, destination: &str) -> Result<Vec<StagingRow>> {
        let connection = self.connection();
        let mut statement = connection.prepare(
            "SELECT s.run_id, s.node_id, s.kind, s.destination, s.detail FROM run_stagings s
             JOIN runs r ON r.id = s.run_id
             WHERE s.destination = ?1 AND s.state = 'staged' AND r.status = 'committing'
             ORDER BY r.decided_at",
        )?;
        let rows = statement
            .query_map([destination], staging_from_row)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Runs left `running` or `committing`, oldest first, with what they still have staged.
    pub fn unfinished_runs(&self) -> Result<Vec<UnfinishedRun>> {
        let runs: Vec<(String, String, bool)> = {
            let connection = self.connection();
            let mut statement = connection.prepare(
                "SELECT id, flow_id, status = 'committing' FROM runs
                 WHERE status IN ('running', 'committing') ORDER BY started_at, rowid",
            )?;
            statement
                .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
                .collect::<Result<Vec<_>, _>>()?
        };
        runs.into_iter()
            .map(|(id, flow_id, decided)| {
                let pending = self.pending_stagings(&id)?;
                Ok(UnfinishedRun {
                    id,
                    flow_id,
                    decided,
                    pending,
                })
            })
            .collect()
    }
}
