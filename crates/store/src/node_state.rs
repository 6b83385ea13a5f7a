//! The `node_state` table: each source node's sync state (its cursor), per flow.

use std::collections::{BTreeMap, HashMap};

use rusqlite::params;

use crate::{Result, Store, timestamp};

impl Store {
    /// The committed sync state of every node of a flow.
    pub fn node_states(&self, flow_id: &str) -> Result<HashMap<String, serde_json::Value>> {
        self.json_by_node(
            "SELECT node_id, state FROM node_state WHERE flow_id = ?1",
            flow_id,
            "sync state",
        )
    }

    /// Stores the states a successful run reached, all at once.
    pub fn commit_node_states(
        &self,
        flow_id: &str,
        run_id: &str,
        states: &BTreeMap<String, serde_json::Value>,
    ) -> Result<()> {
        let mut connection = self.connection();
        let transaction = connection.transaction()?;
        let now = timestamp(chrono::Utc::now());
        Self::store_node_states(&transaction, flow_id, run_id, states, &now)?;
        transaction.commit()?;
        Ok(())
    }

    /// Stores states inside the caller's transaction (the commit point of a run).
    pub(crate) fn store_node_states(
        transaction: &rusqlite::Transaction<'_>,
        flow_id: &str,
        run_id: &str,
        states: &BTreeMap<String, serde_json::Value>,
        now: &str,
    ) -> Result<()> {
        for (node, state) in states {
            transaction.execute(
                "INSERT INTO node_state (flow_id, node_id, state, run_id, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (flow_id, node_id) DO UPDATE SET state = excluded.state, run_id = excluded.run_id,
                 updated_at = excluded.updated_at",
                params![flow_id, node, state.to_string(), run_id, now],
            )?;
        }
        Ok(())
    }

    /// Forgets a flow's sync state, so its next run reads everything again.
    pub fn reset_node_states(&self, flow_id: &str) -> Result<usize> {
        Ok(self
            .connection()
            .execute("DELETE FROM node_state WHERE flow_id = ?1", [flow_id])?)
    }
}
