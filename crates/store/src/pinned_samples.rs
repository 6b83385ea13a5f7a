//! The `pinned_samples` table: records pinned as a node's test input, per flow and node.

use std::collections::BTreeMap;

use rusqlite::params;

use crate::{Error, Result, Store, timestamp};

/// A pinned sample: records as JSON objects.
pub type Sample = Vec<serde_json::Map<String, serde_json::Value>>;

impl Store {
    /// Every sample pinned in a flow, by node.
    pub fn pinned_samples(&self, flow_id: &str) -> Result<BTreeMap<String, Sample>> {
        self.json_by_node(
            "SELECT node_id, records FROM pinned_samples WHERE flow_id = ?1",
            flow_id,
            "pinned sample",
        )
    }

    /// Pins `records` as `node`'s test input, replacing what was pinned there; `None` unpins.
    pub fn pin_sample(&self, flow_id: &str, node_id: &str, records: Option<&Sample>) -> Result<()> {
        let connection = self.connection();
        match records {
            Some(records) => connection.execute(
                "INSERT INTO pinned_samples (flow_id, node_id, records, pinned_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (flow_id, node_id) DO UPDATE SET records = excluded.records,
                 pinned_at = excluded.pinned_at",
                params![
                    flow_id,
                    node_id,
                    serde_json::to_string(records).map_err(|error| Error::Corrupt {
                        what: "pinned sample",
                        message: error.to_string(),
                    })?,
                    timestamp(chrono::Utc::now())
                ],
            )?,
            None => connection.execute(
                "DELETE FROM pinned_samples WHERE flow_id = ?1 AND node_id = ?2",
                params![flow_id, node_id],
            )?,
        };
        Ok(())
    }
}
