//! The `webhook_queue` table: records from webhook requests waiting for (or taken by) a run.

use rusqlite::{OptionalExtension, params};

use crate::{Result, Store, timestamp};

impl Store {
    /// Queues records (JSON texts) for a flow, all or none.
    pub fn enqueue_webhook_records(&self, flow_id: &str, records: &[String]) -> Result<()> {
        let mut connection = self.connection();
        let transaction = connection.transaction()?;
        {
            let now = timestamp(chrono::Utc::now());
            let mut insert = transaction.prepare(
                "INSERT INTO webhook_queue (flow_id, body, received_at) VALUES (?1, ?2, ?3)",
            )?;
            for record in records {
                insert.execute(params![flow_id, record, now])?;
            }
        }
        transaction.commit()?;
        Ok(())
    }

    /// Takes the oldest record not yet taken, marking it taken by run `run_id`.
    pub fn take_webhook_record(&self, flow_id: &str, run_id: &str) -> Result<Option<String>> {
        let connection = self.connection();
        let next: Option<(i64, String)> = connection
            .query_row(
                "SELECT id, body FROM webhook_queue WHERE flow_id = ?1 AND taken = 0 ORDER BY id LIMIT 1",
                [flow_id],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?;
        if let Some((id, _)) = &next {
            connection.execute(
                "UPDATE webhook_queue SET taken = 1, taken_by = ?2 WHERE id = ?1",
                params![id, run_id],
            )?;
        }
        Ok(next.map(|(_, body)| body))
    }

    /// Gives back what run `run_id` took (it will not commit), to the front of the queue.
    pub fn give_back_webhook_records(&self, run_id: &str) -> Result<usize> {
        Ok(self.connection().execute(
            "UPDATE webhook_queue SET taken = 0, taken_by = NULL WHERE taken_by = ?1",
            [run_id],
        )?)
    }

    /// How many records wait for a flow (not taken).
    pub fn waiting_webhook_records(&self, flow_id: &str) -> Result<usize> {
        let count: i64 = self.connection().query_row(
            "SELECT COUNT(*) FROM webhook_queue WHERE flow_id = ?1 AND taken = 0",
            [flow_id],
            |row| row.get(0),
        )?;
        Ok(count as usize)
    }

    /// How many bytes of records wait for a flow (taken or not: they are on disk until done).
    pub fn waiting_webhook_bytes(&self, flow_id: &str) -> Result<u64> {
        let bytes: i64 = self.connection().query_row(
            "SELECT COALESCE(SUM(length(body)), 0) FROM webhook_queue WHERE flow_id = ?1",
            [flow_id],
            |row| row.get(0),
        )?;
        Ok(bytes as u64)
    }

    /// The flows that have records waiting (not taken).
    pub fn flows_with_waiting_webhook_records(&self) -> Result<Vec<String>> {
        let connection = self.connection();
        let mut statement = connection.prepare(
            "SELECT DISTINCT flow_id FROM webhook_queue WHERE taken = 0 ORDER BY flow_id",
        )?;
        let flows = statement
            .query_map([], |row| row.get(0))?
            .collect::<rusqlite::Result<Vec<String>>>()?;
        Ok(flows)
    }
}
