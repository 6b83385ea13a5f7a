//! The `run_nodes` table: what each node of a run did (counts, bytes, time, error, a few sample
//! records).

use rusqlite::params;

use crate::{Result, Store};

/// One node's part in a run.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
pub struct NodeRun {
    pub node_id: String,
    /// `succeeded`, `failed` or `stopped`.
    pub status: String,
    pub records_in: u64,
    pub records_out: u64,
    pub records_errored: u64,
    pub bytes: u64,
    pub duration_ms: u64,
    /// Run time less the time spent waiting for records or for the next nodes.
    pub busy_ms: u64,
    /// For a node that holds records back (sort): the most memory its records took.
    pub memory_peak_bytes: u64,
    /// Bytes it spilled to temporary files.
    pub spilled_bytes: u64,
    pub error: Option<String>,
    /// The first records it sent on (a sink: received), as JSON objects; a few, within a size.
    #[ts(type = "Array<{ [key in string]: unknown }>")]
    pub samples: Vec<serde_json::Value>,
}

impl Store {
    /// Stores the per-node results of a run, in flow order.
    pub fn save_node_runs(&self, run_id: &str, nodes: &[NodeRun]) -> Result<()> {
        let mut connection = self.connection();
        let transaction = connection.transaction()?;
        {
            let mut insert = transaction.prepare(
                "INSERT OR REPLACE INTO run_nodes
                 (run_id, node_id, position, status, records_in, records_out, records_errored, bytes, duration_ms, error, busy_ms, samples, memory_peak_bytes, spilled_bytes)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            )?;
            for (position, node) in nodes.iter().enumerate() {
                insert.execute(params![
                    run_id,
                    node.node_id,
                    position as i64,
                    node.status,
                    node.records_in as i64,
                    node.records_out as i64,
                    node.records_errored as i64,
                    node.bytes as i64,
                    node.duration_ms as i64,
                    node.error,
                    node.busy_ms as i64,
                    serde_json::Value::from(node.samples.clone()).to_string(),
                    node.memory_peak_bytes as i64,
                    node.spilled_bytes as i64
                ])?;
            }
        }
        transaction.commit()?;
        Ok(())
    }

    /// The per-node results of a run, in flow order.
    pub fn node_runs(&self, run_id: &str) -> Result<Vec<NodeRun>> {
        let connection = self.connection();
        let mut statement = connection.prepare(
            "SELECT node_id, status, records_in, records_out, records_errored, bytes, duration_ms, error, busy_ms, samples, memory_peak_bytes, spilled_bytes
             FROM run_nodes WHERE run_id = ?1 ORDER BY position",
        )?;
        let nodes = statement
            .query_map([run_id], |row| {
                Ok(NodeRun {
                    node_id: row.get(0)?,
                    status: row.get(1)?,
                    records_in: row.get::<_, i64>(2)? as u64,
                    records_out: row.get::<_, i64>(3)? as u64,
                    records_errored: row.get::<_, i64>(4)? as u64,
                    bytes: row.get::<_, i64>(5)? as u64,
                    duration_ms: row.get::<_, i64>(6)? as u64,
                    error: row.get(7)?,
                    busy_ms: row.get::<_, i64>(8)? as u64,
                    samples: serde_json::from_str(&row.get::<_, String>(9)?).unwrap_or_default(),
                    memory_peak_bytes: row.get::<_, i64>(10)? as u64,
                    spilled_bytes: row.get::<_, i64>(11)? as u64,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(nodes)
    }
}
