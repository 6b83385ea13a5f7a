//! The `schedule_state` table: per scheduled flow, the last fire handled, the next one, and the
//! last run the scheduler started.

use rusqlite::{OptionalExtension, params};

use crate::{Error, Result, Store, timestamp};

/// Where a scheduled flow stands.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
pub struct ScheduleState {
    pub flow_id: String,
    pub last_fire_at: Option<String>,
    pub next_fire_at: Option<String>,
    pub last_run_id: Option<String>,
}

impl ScheduleState {
    /// The last fire handled, as a time.
    pub fn last_fire(&self) -> Result<Option<chrono::DateTime<chrono::Utc>>> {
        self.last_fire_at
            .as_deref()
            .map(|text| {
                text.parse()
                    .map_err(|error: chrono::ParseError| Error::Corrupt {
                        what: "schedule time",
                        message: error.to_string(),
                    })
            })
            .transpose()
    }
}

impl Store {
    /// Where a scheduled flow stands, if the scheduler has seen it.
    pub fn schedule_state(&self, flow_id: &str) -> Result<Option<ScheduleState>> {
        let state = self
            .connection()
            .query_row(
                "SELECT flow_id, last_fire_at, next_fire_at, last_run_id FROM schedule_state WHERE flow_id = ?1",
                [flow_id],
                |row| {
                    Ok(ScheduleState {
                        flow_id: row.get(0)?,
                        last_fire_at: row.get(1)?,
                        next_fire_at: row.get(2)?,
                        last_run_id: row.get(3)?,
                    })
                },
            )
            .optional()?;
        Ok(state)
    }

    /// Records where a scheduled flow stands. `None` fields keep their stored value.
    pub fn update_schedule_state(
        &self,
        flow_id: &str,
        last_fire: Option<chrono::DateTime<chrono::Utc>>,
        next_fire: Option<chrono::DateTime<chrono::Utc>>,
        last_run_id: Option<&str>,
    ) -> Result<()> {
        self.connection().execute(
            "INSERT INTO schedule_state (flow_id, last_fire_at, next_fire_at, last_run_id, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (flow_id) DO UPDATE SET
                last_fire_at = COALESCE(excluded.last_fire_at, last_fire_at),
                next_fire_at = COALESCE(excluded.next_fire_at, next_fire_at),
                last_run_id = COALESCE(excluded.last_run_id, last_run_id),
                updated_at = excluded.updated_at",
            params![
                flow_id,
                last_fire.map(timestamp),
                next_fire.map(timestamp),
                last_run_id,
                timestamp(chrono::Utc::now())
            ],
        )?;
        Ok(())
    }

    /// Forgets a flow's schedule state (when its schedule is removed or changed).
    pub fn clear_schedule_state(&self, flow_id: &str) -> Result<()> {
        self.connection()
            .execute("DELETE FROM schedule_state WHERE flow_id = ?1", [flow_id])?;
        Ok(())
    }
}
