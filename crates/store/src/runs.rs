//! The `runs` table: one row per run, from start to how it ended.

use std::fmt;
use std::str::FromStr;

use rusqlite::{OptionalExtension, params};

use crate::{Result, Store, timestamp};

/// Where a run is, or how it ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(rename = "StoredRunStatus")]
pub enum RunStatus {
    Running,
    /// Decided to commit (its sync state advanced); a destination is still being published.
    Committing,
    Succeeded,
    Failed,
    Cancelled,
    /// The process running it ended before the run did (a crash, a power cut).
    Interrupted,
}

impl fmt::Display for RunStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RunStatus::Running => "running",
            RunStatus::Committing => "committing",
            RunStatus::Succeeded => "succeeded",
            RunStatus::Failed => "failed",
            RunStatus::Cancelled => "cancelled",
            RunStatus::Interrupted => "interrupted",
        })
    }
}

impl FromStr for RunStatus {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        Ok(match text {
            "running" => RunStatus::Running,
            "committing" => RunStatus::Committing,
            "succeeded" => RunStatus::Succeeded,
            "failed" => RunStatus::Failed,
            "cancelled" => RunStatus::Cancelled,
            "interrupted" => RunStatus::Interrupted,
            other => return Err(format!("unknown run status '{other}'")),
        })
    }
}

/// A run about to start.
#[derive(Debug, Clone)]
pub struct NewRun<'a> {
    pub id: &'a str,
    pub flow_id: &'a str,
    pub flow_name: &'a str,
    /// The stored version run; `None` for a flow run from a file.
    pub flow_version: Option<i64>,
    /// What started it: `manual`, `schedule`, `catch_up`, `cli`.
    pub trigger: &'a str,
    pub started_at: chrono::DateTime<chrono::Utc>,
}

/// A run as stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
pub struct RunRecord {
    pub id: String,
    pub flow_id: String,
    pub flow_name: String,
    pub flow_version: Option<i64>,
    pub trigger: String,
    pub status: RunStatus,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub error: Option<String>,
    pub error_node: Option<String>,
}

const RUN_COLUMNS: &str = "id, flow_id, flow_name, flow_version, trigger, status, started_at, finished_at, error, error_node";

fn run_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<RunRecord> {
    let status: String = row.get(5)?;
    Ok(RunRecord {
        id: row.get(0)?,
        flow_id: row.get(1)?,
        flow_name: row.get(2)?,
        flow_version: row.get(3)?,
        trigger: row.get(4)?,
        status: status.parse().map_err(|message: String| {
            rusqlite::Error::FromSqlConversionFailure(
                5,
                rusqlite::types::Type::Text,
                message.into(),
            )
        })?,
        started_at: row.get(6)?,
        finished_at: row.get(7)?,
        error: row.get(8)?,
        error_node: row.get(9)?,
    })
}

impl Store {
    /// Records that a run started.
    pub fn insert_run(&self, run: &NewRun<'_>) -> Result<()> {
        self.connection().execute(
            "INSERT INTO runs (id, flow_id, flow_name, flow_version, trigger, status, started_at, owner_pid)
             VALUES (?1, ?2, ?3, ?4, ?5, 'running', ?6, ?7)",
            params![
                run.id,
                run.flow_id,
                run.flow_name,
                run.flow_version,
                run.trigger,
                timestamp(run.started_at),
                std::process::id()
            ],
        )?;
        Ok(())
    }

    /// Records how a run ended (unless another process already finished it).
    pub fn finish_run(
        &self,
        id: &str,
        status: RunStatus,
        error: Option<(&Option<String>, &str)>,
    ) -> Result<()> {
        let (error_node, error) = match error {
            Some((node, message)) => (node.clone(), Some(message.to_string())),
            None => (None, None),
        };
        self.connection().execute(
            "UPDATE runs SET status = ?2, finished_at = ?3, error = ?4, error_node = ?5
             WHERE id = ?1 AND status IN ('running', 'committing')",
            params![
                id,
                status.to_string(),
                timestamp(chrono::Utc::now()),
                error,
                error_node
            ],
        )?;
        Ok(())
    }

    /// The most recent runs, newest first; of one flow when `flow_id` is given.
    pub fn list_runs(&self, flow_id: Option<&str>, limit: usize) -> Result<Vec<RunRecord>> {
        let connection = self.connection();
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let runs = match flow_id {
            Some(flow_id) => connection
                .prepare(&format!(
                    "SELECT {RUN_COLUMNS} FROM runs WHERE flow_id = ?1 ORDER BY started_at DESC, rowid DESC LIMIT ?2"
                ))?
                .query_map(params![flow_id, limit], run_from_row)?
                .collect::<Result<Vec<_>, _>>()?,
            None => connection
                .prepare(&format!("SELECT {RUN_COLUMNS} FROM runs ORDER BY started_at DESC, rowid DESC LIMIT ?1"))?
                .query_map(params![limit], run_from_row)?
                .collect::<Result<Vec<_>, _>>()?,
        };
        Ok(runs)
    }

    /// One run. `id` may be the full id or a unique prefix of it.
    pub fn run(&self, id: &str) -> Result<Option<RunRecord>> {
        let connection = self.connection();
        let pattern = format!("{}%", id.replace(['%', '_'], ""));
        let mut statement = connection.prepare(&format!(
            "SELECT {RUN_COLUMNS} FROM runs WHERE id LIKE ?1 LIMIT 2"
        ))?;
        let matches = statement
            .query_map([pattern], run_from_row)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(if matches.len() == 1 {
            matches.into_iter().next()
        } else {
            None
        })
    }

    /// Marks a run that decided to commit as succeeded once its outputs are all published.
    /// Returns false when it was not `committing`.
    pub fn finish_committed_run(&self, id: &str) -> Result<bool> {
        let finished = self.connection().execute(
            "UPDATE runs SET status = 'succeeded', finished_at = ?2, error = NULL, error_node = NULL
             WHERE id = ?1 AND status = 'committing'",
            params![id, timestamp(chrono::Utc::now())],
        )?;
        Ok(finished == 1)
    }

    /// Marks a run that its process left unfinished before deciding to commit as `interrupted`.
    pub fn interrupt_run(&self, id: &str, message: &str) -> Result<bool> {
        let marked = self.connection().execute(
            "UPDATE runs SET status = 'interrupted', finished_at = ?2, error = ?3
             WHERE id = ?1 AND status = 'running'",
            params![id, timestamp(chrono::Utc::now()), message],
        )?;
        Ok(marked == 1)
    }

    /// The run of a flow in progress (`running` or `committing`), if any: its id and start.
    pub fn running_run_of(&self, flow_id: &str) -> Result<Option<(String, String)>> {
        let run = self
            .connection()
            .query_row(
                "SELECT id, started_at FROM runs WHERE flow_id = ?1 AND status IN ('running', 'committing')
                 ORDER BY started_at DESC, rowid DESC LIMIT 1",
                [flow_id],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?;
        Ok(run)
    }

    /// The status of the latest finished run of a flow.
    pub fn last_run_of(&self, flow_id: &str) -> Result<Option<RunRecord>> {
        let connection = self.connection();
        let run = connection
            .query_row(
                &format!("SELECT {RUN_COLUMNS} FROM runs WHERE flow_id = ?1 ORDER BY started_at DESC, rowid DESC LIMIT 1"),
                [flow_id],
                run_from_row,
            )
            .optional()?;
        Ok(run)
    }
}
