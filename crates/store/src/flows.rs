//! The `flows` and `flow_versions` tables: stored flows and every version saved of each.

use rusqlite::{OptionalExtension, params};

use crate::{Result, Store, timestamp};

/// A stored flow as listed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
pub struct FlowSummary {
    pub id: String,
    pub name: String,
    pub current_version: i64,
    pub created_at: String,
    pub updated_at: String,
}

/// A stored flow with its current document.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StoredFlow {
    pub summary: FlowSummary,
    /// Where relative paths in the flow resolve from.
    pub base_dir: Option<String>,
    /// The flow document (`sluice.flow/1` JSON).
    pub document: String,
}

/// One saved version of a flow.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
pub struct FlowVersion {
    pub version: i64,
    pub saved_at: String,
}

impl Store {
    /// Saves a flow's document. A new version is kept when the document changed; saving the same
    /// document again changes nothing. Returns the current version.
    pub fn save_flow(
        &self,
        id: &str,
        name: &str,
        document: &str,
        base_dir: Option<&str>,
    ) -> Result<i64> {
        let mut connection = self.connection();
        let transaction = connection.transaction()?;
        let now = timestamp(chrono::Utc::now());
        let current: Option<(i64, String)> = transaction
            .query_row(
                "SELECT f.current_version, v.document FROM flows f
                 JOIN flow_versions v ON v.flow_id = f.id AND v.version = f.current_version
                 WHERE f.id = ?1",
                [id],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?;
        let version = match current {
            Some((version, existing)) if existing == document => {
                if let Some(base_dir) = base_dir {
                    transaction.execute(
                        "UPDATE flows SET base_dir = ?2 WHERE id = ?1",
                        params![id, base_dir],
                    )?;
                }
                version
            }
            Some((version, _)) => {
                let next = version + 1;
                transaction.execute(
                    "INSERT INTO flow_versions (flow_id, version, document, saved_at) VALUES (?1, ?2, ?3, ?4)",
                    params![id, next, document, now],
                )?;
                transaction.execute(
                    "UPDATE flows SET name = ?2, current_version = ?3, updated_at = ?4,
                     base_dir = COALESCE(?5, base_dir) WHERE id = ?1",
                    params![id, name, next, now, base_dir],
                )?;
                next
            }
            None => {
                transaction.execute(
                    "INSERT INTO flows (id, name, base_dir, current_version, created_at, updated_at)
                     VALUES (?1, ?2, ?3, 1, ?4, ?4)",
                    params![id, name, base_dir, now],
                )?;
                transaction.execute(
                    "INSERT INTO flow_versions (flow_id, version, document, saved_at) VALUES (?1, 1, ?2, ?3)",
                    params![id, document, now],
                )?;
                1
            }
        };
        transaction.commit()?;
        Ok(version)
    }

    /// Every stored flow, by name.
    pub fn list_flows(&self) -> Result<Vec<FlowSummary>> {
        let connection = self.connection();
        let mut statement = connection.prepare(
            "SELECT id, name, current_version, created_at, updated_at FROM flows ORDER BY name COLLATE NOCASE, id",
        )?;
        let flows = statement
            .query_map([], summary_from_row)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(flows)
    }

    /// A stored flow with its current document.
    pub fn flow(&self, id: &str) -> Result<Option<StoredFlow>> {
        let connection = self.connection();
        let flow = connection
            .query_row(
                "SELECT f.id, f.name, f.current_version, f.created_at, f.updated_at, f.base_dir, v.document
                 FROM flows f JOIN flow_versions v ON v.flow_id = f.id AND v.version = f.current_version
                 WHERE f.id = ?1",
                [id],
                |row| Ok(StoredFlow { summary: summary_from_row(row)?, base_dir: row.get(5)?, document: row.get(6)? }),
            )
            .optional()?;
        Ok(flow)
    }

    /// The ids of the stored flows with this name.
    pub fn flows_named(&self, name: &str) -> Result<Vec<String>> {
        let connection = self.connection();
        let mut statement = connection
            .prepare("SELECT id FROM flows WHERE name = ?1 COLLATE NOCASE ORDER BY id")?;
        let ids = statement
            .query_map([name], |row| row.get(0))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ids)
    }

    /// The saved versions of a flow, newest first.
    pub fn flow_versions(&self, id: &str) -> Result<Vec<FlowVersion>> {
        let connection = self.connection();
        let mut statement = connection.prepare(
            "SELECT version, saved_at FROM flow_versions WHERE flow_id = ?1 ORDER BY version DESC",
        )?;
        let versions = statement
            .query_map([id], |row| {
                Ok(FlowVersion {
                    version: row.get(0)?,
                    saved_at: row.get(1)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(versions)
    }

    /// The document of one saved version.
    pub fn flow_version(&self, id: &str, version: i64) -> Result<Option<String>> {
        let connection = self.connection();
        let document = connection
            .query_row(
                "SELECT document FROM flow_versions WHERE flow_id = ?1 AND version = ?2",
                params![id, version],
                |row| row.get(0),
            )
            .optional()?;
        Ok(document)
    }

    /// Points the flows that resolve against folder `from` at folder `to`.
    pub fn move_base_dir(&self, from: &str, to: &str) -> Result<usize> {
        Ok(self.connection().execute(
            "UPDATE flows SET base_dir = ?2 WHERE base_dir = ?1",
            params![from, to],
        )?)
    }

    /// Deletes a flow, its versions and its sync state. Its run history stays. Returns whether
    /// the flow existed.
    pub fn delete_flow(&self, id: &str) -> Result<bool> {
        let mut connection = self.connection();
        let transaction = connection.transaction()?;
        let deleted = transaction.execute("DELETE FROM flows WHERE id = ?1", [id])?;
        transaction.execute("DELETE FROM node_state WHERE flow_id = ?1", [id])?;
        transaction.commit()?;
        Ok(deleted > 0)
    }
}

fn summary_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<FlowSummary> {
    Ok(FlowSummary {
        id: row.get(0)?,
        name: row.get(1)?,
        current_version: row.get(2)?,
        created_at: row.get(3)?,
        updated_at: row.get(4)?,
    })
}

#[cfg(test)]
mod tests {
    use crate::Store;

    #[test]
    fn every_changed_save_is_a_new_version_and_old_ones_stay_readable() {
        let store = Store::open_in_memory().unwrap();
        assert_eq!(
            store
                .save_flow("f1", "Orders", "{\"v\":1}", Some("/data"))
                .unwrap(),
            1
        );
        assert_eq!(
            store.save_flow("f1", "Orders", "{\"v\":1}", None).unwrap(),
            1,
            "same document: no new version"
        );
        assert_eq!(
            store
                .save_flow("f1", "Orders v2", "{\"v\":2}", None)
                .unwrap(),
            2
        );
        let flow = store.flow("f1").unwrap().unwrap();
        assert_eq!(flow.document, "{\"v\":2}");
        assert_eq!(flow.summary.name, "Orders v2");
        assert_eq!(flow.base_dir.as_deref(), Some("/data"));
        let versions: Vec<i64> = store
            .flow_versions("f1")
            .unwrap()
            .iter()
            .map(|version| version.version)
            .collect();
        assert_eq!(versions, [2, 1]);
        assert_eq!(
            store.flow_version("f1", 1).unwrap().as_deref(),
            Some("{\"v\":1}")
        );
        assert_eq!(store.flows_named("orders V2").unwrap(), ["f1"]);
        assert!(store.delete_flow("f1").unwrap());
        assert!(store.flow("f1").unwrap().is_none());
        assert!(store.flow_versions("f1").unwrap().is_empty());
        assert!(!store.delete_flow("f1").unwrap());
    }
}
