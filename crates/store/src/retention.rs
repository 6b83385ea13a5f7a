//! Keeping the store small: old runs (with their node stats and logs) are deleted by a retention
//! policy, and the WAL and free pages are given back to the disk.

use rusqlite::params;

use crate::{Result, Store, timestamp};

/// How much run history to keep. A run is deleted when it is beyond the newest `keep_runs` of
/// its flow, or older than `keep_days` — but the newest run of each flow is always kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RetentionPolicy {
    pub keep_runs: u32,
    pub keep_days: u32,
}

impl Default for RetentionPolicy {
    fn default() -> Self {
        RetentionPolicy {
            keep_runs: 200,
            keep_days: 30,
        }
    }
}

/// What a retention pass removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct RetentionReport {
    pub runs_deleted: usize,
}

const KEEP_RUNS: &str = "retention.keep_runs";
const KEEP_DAYS: &str = "retention.keep_days";

impl Store {
    /// The retention policy in force (the default unless changed).
    pub fn retention_policy(&self) -> Result<RetentionPolicy> {
        let default = RetentionPolicy::default();
        let read = |key: &str, fallback: u32| -> Result<u32> {
            Ok(self
                .setting(key)?
                .and_then(|text| text.parse().ok())
                .unwrap_or(fallback))
        };
        Ok(RetentionPolicy {
            keep_runs: read(KEEP_RUNS, default.keep_runs)?,
            keep_days: read(KEEP_DAYS, default.keep_days)?,
        })
    }

    /// Changes the retention policy.
    pub fn set_retention_policy(&self, policy: RetentionPolicy) -> Result<()> {
        self.set_setting(KEEP_RUNS, &policy.keep_runs.to_string())?;
        self.set_setting(KEEP_DAYS, &policy.keep_days.to_string())
    }

    /// Deletes the runs the policy no longer keeps (never one still running or committing, or with staged output left to remove), then returns freed
    /// pages and the WAL to the disk.
    pub fn apply_retention(
        &self,
        policy: RetentionPolicy,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<RetentionReport> {
        let cutoff = timestamp(now - chrono::Duration::days(i64::from(policy.keep_days)));
        let deleted = {
            let connection = self.connection();
            connection.execute(
                "DELETE FROM runs WHERE status NOT IN ('running', 'committing')
                 AND id NOT IN (SELECT run_id FROM run_stagings WHERE state = 'staged') AND id IN (
                    SELECT id FROM (
                        SELECT id, started_at,
                               ROW_NUMBER() OVER (PARTITION BY flow_id ORDER BY started_at DESC, rowid DESC) AS newest
                        FROM runs
                    ) WHERE newest > 1 AND (newest > ?1 OR started_at < ?2)
                )",
                params![i64::from(policy.keep_runs.max(1)), cutoff],
            )?
        };
        if deleted > 0 {
            let connection = self.connection();
            connection
                .execute_batch("PRAGMA incremental_vacuum; PRAGMA wal_checkpoint(TRUNCATE);")?;
        }
        Ok(RetentionReport {
            runs_deleted: deleted,
        })
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, Utc};

    use crate::{NewRun, RetentionPolicy, RunStatus, Store};

    fn add_run(store: &Store, id: &str, flow: &str, age_days: i64) {
        let started_at = Utc::now() - Duration::days(age_days);
        store
            .insert_run(&NewRun {
                id,
                flow_id: flow,
                flow_name: flow,
                flow_version: None,
                trigger: "manual",
                started_at,
            })
            .unwrap();
        store.append_log(id, "info", None, "hello").unwrap();
        store.finish_run(id, RunStatus::Succeeded, None).unwrap();
    }

    #[test]
    fn keeps_the_newest_runs_per_flow_and_drops_old_ones_with_their_logs() {
        let folder = tempfile::tempdir().unwrap();
        let store = Store::open(&folder.path().join("s.db")).unwrap();
        for index in 0..5 {
            add_run(&store, &format!("a{index}"), "A", 5 - index);
        }
        add_run(&store, "b-old", "B", 100);
        add_run(&store, "c-old", "C", 100);
        add_run(&store, "c-new", "C", 1);
        let report = store
            .apply_retention(
                RetentionPolicy {
                    keep_runs: 3,
                    keep_days: 30,
                },
                Utc::now(),
            )
            .unwrap();
        assert_eq!(report.runs_deleted, 3);
        let mut kept: Vec<String> = store
            .list_runs(None, 100)
            .unwrap()
            .into_iter()
            .map(|run| run.id)
            .collect();
        kept.sort();
        // A keeps its 3 newest; B's only run stays although old; C's old run goes.
        assert_eq!(kept, ["a2", "a3", "a4", "b-old", "c-new"]);
        assert!(
            store.run_logs("a0").unwrap().is_empty(),
            "logs of deleted runs go too"
        );
        assert_eq!(store.run_logs("a4").unwrap().len(), 1);
    }

    #[test]
    fn the_policy_is_a_setting() {
        let store = Store::open_in_memory().unwrap();
        assert_eq!(
            store.retention_policy().unwrap(),
            RetentionPolicy::default()
        );
        store
            .set_retention_policy(RetentionPolicy {
                keep_runs: 5,
                keep_days: 2,
            })
            .unwrap();
        assert_eq!(
            store.retention_policy().unwrap(),
            RetentionPolicy {
                keep_runs: 5,
                keep_days: 2
            }
        );
    }
}
