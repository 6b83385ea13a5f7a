//! The `run_logs` table: a run's log lines, in order.

use rusqlite::params;

use crate::{Result, Store, timestamp};

/// One line of a run's log.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
pub struct LogLine {
    pub at: String,
    /// `info`, `warn` or `error`.
    pub level: String,
    pub node_id: Option<String>,
    pub message: String,
}

impl Store {
    /// Appends a line to a run's log.
    pub fn append_log(
        &self,
        run_id: &str,
        level: &str,
        node_id: Option<&str>,
        message: &str,
    ) -> Result<()> {
        self.connection().execute(
            "INSERT INTO run_logs (run_id, seq, at, level, node_id, message)
             VALUES (?1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM run_logs WHERE run_id = ?1), ?2, ?3, ?4, ?5)",
            params![run_id, timestamp(chrono::Utc::now()), level, node_id, message],
        )?;
        Ok(())
    }

    /// A run's log, oldest line first.
    pub fn run_logs(&self, run_id: &str) -> Result<Vec<LogLine>> {
        let connection = self.connection();
        let mut statement = connection.prepare(
            "SELECT at, level, node_id, message FROM run_logs WHERE run_id = ?1 ORDER BY seq",
        )?;
        let lines = statement
            .query_map([run_id], |row| {
                Ok(LogLine {
                    at: row.get(0)?,
                    level: row.get(1)?,
                    node_id: row.get(2)?,
                    message: row.get(3)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(lines)
    }
}
