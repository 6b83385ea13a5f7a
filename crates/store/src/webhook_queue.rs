//! The `webhook_queue` table: records from webhook requests waiting for (or taken by) a run.

use rusqlite::{OptionalExtension, params};

use crate::{Result, Store, timestamp};

/// How many runs a webhook record may fail before it is set aside; the runs after its first
/// failure take it alone, so the others are not held up by it, nor it blamed for theirs.
pub const SET_ASIDE_AFTER_FAILED_RUNS: i64 = 3;

/// What giving back a run's webhook records did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GivenBack {
    /// Records back in the queue for the next run.
    pub given_back: usize,
    /// Records set aside: they failed [`SET_ASIDE_AFTER_FAILED_RUNS`] runs, the last ones alone.
    pub set_aside: usize,
}

/// A webhook record set aside after failing runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetAsideRecord {
    pub id: i64,
    /// The record, as JSON.
    pub body: String,
    pub received_at: String,
    pub set_aside_at: String,
    /// The last run that failed with it (alone).
    pub failed_run: String,
}

/// How many records run `run_id` holds, and the most runs any of them failed before.
fn held_by(connection: &rusqlite::Connection, run_id: &str) -> Result<(i64, i64)> {
    Ok(connection.query_row(
        "SELECT COUNT(*), COALESCE(MAX(failed_runs), 0) FROM webhook_queue WHERE taken_by = ?1 AND taken = 1",
        [run_id],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )?)
}

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

    /// Takes the oldest record waiting, marking it taken by run `run_id`. A record that failed a
    /// run before is taken alone: a run that holds one takes nothing more, and one that holds
    /// others does not take it (it comes first in the next run).
    pub fn take_webhook_record(&self, flow_id: &str, run_id: &str) -> Result<Option<String>> {
        let connection = self.connection();
        let next: Option<(i64, String, i64)> = connection
            .query_row(
                "SELECT id, body, failed_runs FROM webhook_queue
                 WHERE flow_id = ?1 AND taken = 0 AND set_aside_at IS NULL ORDER BY id LIMIT 1",
                [flow_id],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
            )
            .optional()?;
        let Some((id, body, failed_runs)) = next else {
            return Ok(None);
        };
        let (held, held_failed) = held_by(&connection, run_id)?;
        if held > 0 && (failed_runs > 0 || held_failed > 0) {
            return Ok(None);
        }
        connection.execute(
            "UPDATE webhook_queue SET taken = 1, taken_by = ?2 WHERE id = ?1",
            params![id, run_id],
        )?;
        Ok(Some(body))
    }

    /// Gives back what run `run_id` took (it will not commit), to the front of the queue. When
    /// the run `failed` (a crash included), each record counts one failed run more — and a
    /// record that failed alone its [`SET_ASIDE_AFTER_FAILED_RUNS`]th run is set aside. Returns
    /// how many were given back and how many set aside.
    pub fn give_back_webhook_records(&self, run_id: &str, failed: bool) -> Result<GivenBack> {
        let mut connection = self.connection();
        let transaction = connection.transaction()?;
        let (held, held_failed) = held_by(&transaction, run_id)?;
        let given_back = if failed && held == 1 && held_failed + 1 >= SET_ASIDE_AFTER_FAILED_RUNS {
            let now = timestamp(chrono::Utc::now());
            transaction.execute(
                "UPDATE webhook_queue SET taken = 0, set_aside_at = ?2, failed_runs = failed_runs + 1
                 WHERE taken_by = ?1 AND taken = 1",
                params![run_id, now],
            )?;
            GivenBack {
                given_back: 0,
                set_aside: 1,
            }
        } else {
            let given_back = transaction.execute(
                "UPDATE webhook_queue SET taken = 0, taken_by = NULL, failed_runs = failed_runs + ?2
                 WHERE taken_by = ?1 AND taken = 1",
                params![run_id, i64::from(failed)],
            )?;
            GivenBack {
                given_back,
                set_aside: 0,
            }
        };
        transaction.commit()?;
        Ok(given_back)
    }

    /// The records set aside for a flow, oldest first.
    pub fn set_aside_webhook_records(&self, flow_id: &str) -> Result<Vec<SetAsideRecord>> {
        let connection = self.connection();
        let mut statement = connection.prepare(
            "SELECT id, body, received_at, set_aside_at, COALESCE(taken_by, '') FROM webhook_queue
             WHERE flow_id = ?1 AND set_aside_at IS NOT NULL ORDER BY id",
        )?;
        let records = statement
            .query_map([flow_id], |row| {
                Ok(SetAsideRecord {
                    id: row.get(0)?,
                    body: row.get(1)?,
                    received_at: row.get(2)?,
                    set_aside_at: row.get(3)?,
                    failed_run: row.get(4)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(records)
    }

    /// How many records run `run_id` set aside.
    pub fn set_aside_by(&self, run_id: &str) -> Result<usize> {
        let count: i64 = self.connection().query_row(
            "SELECT COUNT(*) FROM webhook_queue WHERE taken_by = ?1 AND set_aside_at IS NOT NULL",
            [run_id],
            |row| row.get(0),
        )?;
        Ok(count as usize)
    }

    /// Puts a flow's set-aside records back at the front of its queue, as if new. Returns how
    /// many.
    pub fn requeue_set_aside_webhook_records(&self, flow_id: &str) -> Result<usize> {
        Ok(self.connection().execute(
            "UPDATE webhook_queue SET set_aside_at = NULL, taken_by = NULL, failed_runs = 0
             WHERE flow_id = ?1 AND set_aside_at IS NOT NULL",
            [flow_id],
        )?)
    }

    /// Deletes a flow's set-aside records. Returns how many.
    pub fn delete_set_aside_webhook_records(&self, flow_id: &str) -> Result<usize> {
        Ok(self.connection().execute(
            "DELETE FROM webhook_queue WHERE flow_id = ?1 AND set_aside_at IS NOT NULL",
            [flow_id],
        )?)
    }

    /// Removes the records run `run_id` took, inside the transaction of its decision to commit.
    /// A record that had failed runs and now went through alone shows those failures were not
    /// its own (a destination that was down): the records behind it get another chance together.
    pub(crate) fn consume_webhook_records(
        transaction: &rusqlite::Transaction<'_>,
        run_id: &str,
    ) -> Result<()> {
        let (held, held_failed) = held_by(transaction, run_id)?;
        if held == 1 && held_failed > 0 {
            transaction.execute(
                "UPDATE webhook_queue SET failed_runs = 0
                 WHERE flow_id = (SELECT flow_id FROM webhook_queue WHERE taken_by = ?1)
                   AND taken = 0 AND set_aside_at IS NULL",
                [run_id],
            )?;
        }
        transaction.execute("DELETE FROM webhook_queue WHERE taken_by = ?1", [run_id])?;
        Ok(())
    }

    /// How many records wait for a flow (not taken).
    pub fn waiting_webhook_records(&self, flow_id: &str) -> Result<usize> {
        let count: i64 = self.connection().query_row(
            "SELECT COUNT(*) FROM webhook_queue WHERE flow_id = ?1 AND taken = 0 AND set_aside_at IS NULL",
            [flow_id],
            |row| row.get(0),
        )?;
        Ok(count as usize)
    }

    /// How many bytes of records wait for a flow (taken, set aside or not: they are on disk until
    /// done).
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
            "SELECT DISTINCT flow_id FROM webhook_queue WHERE taken = 0 AND set_aside_at IS NULL ORDER BY flow_id",
        )?;
        let flows = statement
            .query_map([], |row| row.get(0))?
            .collect::<rusqlite::Result<Vec<String>>>()?;
        Ok(flows)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::NewRun;

    fn run(store: &Store, id: &str) -> String {
        store
            .insert_run(&NewRun {
                id,
                flow_id: "f",
                flow_name: "f",
                flow_version: None,
                trigger: "webhook",
                started_at: chrono::Utc::now(),
            })
            .unwrap();
        id.to_string()
    }

    fn take_all(store: &Store, run: &str) -> Vec<String> {
        std::iter::from_fn(|| store.take_webhook_record("f", run).unwrap()).collect()
    }

    fn failed(store: &Store, run: &str) -> GivenBack {
        store.give_back_webhook_records(run, true).unwrap()
    }

    #[test]
    fn a_record_that_keeps_failing_runs_alone_then_is_set_aside_and_the_rest_go_on() {
        let store = Store::open_in_memory().unwrap();
        let bodies = ["good 1", "poison", "good 2"].map(String::from);
        store.enqueue_webhook_records("f", &bodies).unwrap();

        // All three fail together; cancelling a run later does not count against its record.
        assert_eq!(take_all(&store, &run(&store, "r1")).len(), 3);
        assert_eq!(failed(&store, "r1").given_back, 3);
        // Each is now a suspect: the first runs alone and goes through, which clears the others.
        let r2 = run(&store, "r2");
        assert_eq!(take_all(&store, &r2), ["good 1"]);
        store.decide_run(&r2, "f", &BTreeMap::new()).unwrap();
        // Together again, the two fail; then the poison runs alone.
        assert_eq!(take_all(&store, &run(&store, "r3")), ["poison", "good 2"]);
        assert_eq!(failed(&store, "r3").given_back, 2);
        assert_eq!(take_all(&store, &run(&store, "r4")), ["poison"]);
        assert_eq!(
            store.give_back_webhook_records("r4", false).unwrap(),
            GivenBack {
                given_back: 1,
                set_aside: 0
            }
        );
        assert_eq!(take_all(&store, &run(&store, "r5")), ["poison"]);
        assert_eq!(failed(&store, "r5").given_back, 1);
        assert_eq!(store.set_aside_by("r5").unwrap(), 0);
        // Its third failed run, alone: set aside, and the record behind it goes ahead.
        assert_eq!(take_all(&store, &run(&store, "r6")), ["poison"]);
        assert_eq!(
            failed(&store, "r6"),
            GivenBack {
                given_back: 0,
                set_aside: 1
            }
        );
        assert_eq!(store.set_aside_by("r6").unwrap(), 1);
        assert_eq!(store.waiting_webhook_records("f").unwrap(), 1);
        let r7 = run(&store, "r7");
        assert_eq!(take_all(&store, &r7), ["good 2"]);
        store.decide_run(&r7, "f", &BTreeMap::new()).unwrap();

        let aside = store.set_aside_webhook_records("f").unwrap();
        assert_eq!(aside.len(), 1);
        assert_eq!(
            (aside[0].body.as_str(), aside[0].failed_run.as_str()),
            ("poison", "r6")
        );
        assert!(
            store.waiting_webhook_bytes("f").unwrap() >= 6,
            "still on disk"
        );
        // Put back, it is as if new: one failure gives it back instead of setting it aside.
        assert_eq!(store.requeue_set_aside_webhook_records("f").unwrap(), 1);
        assert_eq!(take_all(&store, &run(&store, "r8")), ["poison"]);
        assert_eq!(failed(&store, "r8").given_back, 1);
        assert_eq!(store.delete_set_aside_webhook_records("f").unwrap(), 0);
        assert_eq!(store.waiting_webhook_records("f").unwrap(), 1);
    }
}
