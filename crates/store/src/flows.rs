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
    /// What it changed, in words (`added filter_1; changed map_1 (when)`).
    pub label: String,
}

/// Edits saved within this long of a version's first edit fold into that version.
pub const EDITS_FOLD_WITHIN: chrono::Duration = chrono::Duration::seconds(60);

/// How a save enters the history.
pub struct SaveNote<'a> {
    /// Says in words what changed from a version's document (none for a new flow) to the saved
    /// one: the version's label.
    pub describe: &'a dyn Fn(Option<&str>) -> String,
    /// An edit in the editor: folded into the current version while that version is an edit of
    /// the last minute that no run used and nobody kept. Otherwise the version is kept.
    pub edit: bool,
}

/// The current version of a flow, as a save meets it.
struct Current {
    version: i64,
    document: String,
    /// Whether an edit may fold into it (see [`SaveNote::edit`]).
    foldable: bool,
}

impl Store {
    /// Saves a flow's document. A new version is kept when the document changed (or, for an
    /// edit, the current version takes it: see [`SaveNote`]); saving the same document again
    /// changes nothing. Returns the current version.
    pub fn save_flow(
        &self,
        id: &str,
        name: &str,
        document: &str,
        base_dir: Option<&str>,
        note: &SaveNote<'_>,
    ) -> Result<i64> {
        let mut connection = self.connection();
        let transaction = connection.transaction()?;
        let now = chrono::Utc::now();
        let fold_after = timestamp(now - EDITS_FOLD_WITHIN);
        let now = timestamp(now);
        let current: Option<Current> = transaction
            .query_row(
                "SELECT f.current_version, v.document,
                        v.version > 1 AND v.kept = 0 AND v.started_at >= ?2
                        AND NOT EXISTS (SELECT 1 FROM runs r WHERE r.flow_id = f.id AND r.flow_version = v.version)
                 FROM flows f
                 JOIN flow_versions v ON v.flow_id = f.id AND v.version = f.current_version
                 WHERE f.id = ?1",
                params![id, fold_after],
                |row| Ok(Current { version: row.get(0)?, document: row.get(1)?, foldable: row.get(2)? }),
            )
            .optional()?;
        let version = match current {
            Some(current) if current.document == document => {
                if let Some(base_dir) = base_dir {
                    transaction.execute(
                        "UPDATE flows SET base_dir = ?2 WHERE id = ?1",
                        params![id, base_dir],
                    )?;
                }
                current.version
            }
            Some(current) if note.edit && current.foldable => {
                let before: String = transaction.query_row(
                    "SELECT document FROM flow_versions WHERE flow_id = ?1 AND version = ?2",
                    params![id, current.version - 1],
                    |row| row.get(0),
                )?;
                transaction.execute(
                    "UPDATE flow_versions SET document = ?3, saved_at = ?4, label = ?5
                     WHERE flow_id = ?1 AND version = ?2",
                    params![
                        id,
                        current.version,
                        document,
                        now,
                        (note.describe)(Some(&before))
                    ],
                )?;
                transaction.execute(
                    "UPDATE flows SET name = ?2, updated_at = ?3, base_dir = COALESCE(?4, base_dir)
                     WHERE id = ?1",
                    params![id, name, now, base_dir],
                )?;
                current.version
            }
            Some(current) => {
                let next = current.version + 1;
                transaction.execute(
                    "INSERT INTO flow_versions (flow_id, version, document, saved_at, label, kept, started_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?4)",
                    params![id, next, document, now, (note.describe)(Some(&current.document)), !note.edit],
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
                    "INSERT INTO flow_versions (flow_id, version, document, saved_at, label, kept, started_at)
                     VALUES (?1, 1, ?2, ?3, ?4, 1, ?3)",
                    params![id, document, now, (note.describe)(None)],
                )?;
                1
            }
        };
        transaction.commit()?;
        Ok(version)
    }

    /// Keeps a version of the flow as it is: later edits start a new one.
    pub fn keep_version(&self, id: &str, version: i64) -> Result<()> {
        self.connection().execute(
            "UPDATE flow_versions SET kept = 1 WHERE flow_id = ?1 AND version = ?2",
            params![id, version],
        )?;
        Ok(())
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
            "SELECT version, saved_at, label FROM flow_versions WHERE flow_id = ?1 ORDER BY version DESC",
        )?;
        let versions = statement
            .query_map([id], |row| {
                Ok(FlowVersion {
                    version: row.get(0)?,
                    saved_at: row.get(1)?,
                    label: row.get(2)?,
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
    use super::SaveNote;
    use crate::Store;

    /// A save kept as a version of its own, labelled with the document it came from.
    const KEPT: SaveNote<'static> = SaveNote {
        describe: &|before| format!("from {}", before.unwrap_or("nothing")),
        edit: false,
    };
    const EDIT: SaveNote<'static> = SaveNote {
        describe: &|before| format!("edit from {}", before.unwrap_or("nothing")),
        edit: true,
    };

    #[test]
    fn edits_of_one_minute_fold_into_one_version_until_kept() {
        let store = Store::open_in_memory().unwrap();
        assert_eq!(store.save_flow("f1", "F", "a", None, &KEPT).unwrap(), 1);
        // The first edit after a kept version starts a new one; the next ones fold into it.
        assert_eq!(store.save_flow("f1", "F", "b", None, &EDIT).unwrap(), 2);
        assert_eq!(store.save_flow("f1", "F", "c", None, &EDIT).unwrap(), 2);
        assert_eq!(store.save_flow("f1", "F", "d", None, &EDIT).unwrap(), 2);
        let labels: Vec<String> = (store.flow_versions("f1").unwrap().into_iter())
            .map(|version| version.label)
            .collect();
        assert_eq!(
            labels,
            ["edit from a", "from nothing"],
            "labelled against version 1"
        );
        assert_eq!(store.flow_version("f1", 2).unwrap().as_deref(), Some("d"));
        // Kept (saved on purpose): the next edit is a new version.
        store.keep_version("f1", 2).unwrap();
        assert_eq!(store.save_flow("f1", "F", "e", None, &EDIT).unwrap(), 3);
        // An edit older than a minute is not folded into.
        store
            .connection()
            .execute("UPDATE flow_versions SET started_at = '2000-01-01T00:00:00.000Z' WHERE version = 3", [])
            .unwrap();
        assert_eq!(store.save_flow("f1", "F", "f", None, &EDIT).unwrap(), 4);
        // Nor is a version a run used.
        store
            .connection()
            .execute(
                "INSERT INTO runs (id, flow_id, flow_name, flow_version, trigger, status, started_at)
                 VALUES ('r1', 'f1', 'F', 4, 'manual', 'succeeded', '2026-01-01T00:00:00Z')",
                [],
            )
            .unwrap();
        assert_eq!(store.save_flow("f1", "F", "g", None, &EDIT).unwrap(), 5);
    }

    #[test]
    fn every_changed_save_is_a_new_version_and_old_ones_stay_readable() {
        let store = Store::open_in_memory().unwrap();
        assert_eq!(
            store
                .save_flow("f1", "Orders", "{\"v\":1}", Some("/data"), &KEPT)
                .unwrap(),
            1
        );
        assert_eq!(
            store
                .save_flow("f1", "Orders", "{\"v\":1}", None, &KEPT)
                .unwrap(),
            1,
            "same document: no new version"
        );
        assert_eq!(
            store
                .save_flow("f1", "Orders v2", "{\"v\":2}", None, &KEPT)
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
