//! The `flow_trust` table: the version of each flow the person approved (or made), so a flow
//! from elsewhere runs only once approved — and each version's own mark (`flow_versions.
//! approved`), so restoring an old version brings back its approval, not the current one's.

use rusqlite::{OptionalExtension, params};

use crate::{Result, Store, timestamp};

impl Store {
    /// The version of the flow the person approved, if any.
    pub fn trusted_version(&self, flow_id: &str) -> Result<Option<i64>> {
        let version = self
            .connection()
            .query_row(
                "SELECT version FROM flow_trust WHERE flow_id = ?1",
                [flow_id],
                |row| row.get(0),
            )
            .optional()?;
        Ok(version)
    }

    /// Records that the person approved (or made) this version of the flow.
    pub fn trust_version(&self, flow_id: &str, version: i64) -> Result<()> {
        let mut connection = self.connection();
        let transaction = connection.transaction()?;
        transaction.execute(
            "INSERT INTO flow_trust (flow_id, version, approved_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (flow_id) DO UPDATE SET version = excluded.version, approved_at = excluded.approved_at",
            params![flow_id, version, timestamp(chrono::Utc::now())],
        )?;
        transaction.execute(
            "UPDATE flow_versions SET approved = 1 WHERE flow_id = ?1 AND version = ?2",
            params![flow_id, version],
        )?;
        transaction.commit()?;
        Ok(())
    }

    /// Forgets the approval of the flow (and of the version it named).
    pub fn distrust(&self, flow_id: &str) -> Result<()> {
        let mut connection = self.connection();
        let transaction = connection.transaction()?;
        transaction.execute(
            "UPDATE flow_versions SET approved = 0
             WHERE flow_id = ?1 AND version = (SELECT version FROM flow_trust WHERE flow_id = ?1)",
            [flow_id],
        )?;
        transaction.execute("DELETE FROM flow_trust WHERE flow_id = ?1", [flow_id])?;
        transaction.commit()?;
        Ok(())
    }

    /// Whether the person approved (or made) this version of the flow when it was current.
    pub fn version_approved(&self, flow_id: &str, version: i64) -> Result<bool> {
        let approved = self
            .connection()
            .query_row(
                "SELECT approved FROM flow_versions WHERE flow_id = ?1 AND version = ?2",
                params![flow_id, version],
                |row| row.get::<_, i64>(0),
            )
            .optional()?;
        Ok(approved == Some(1))
    }
}

#[cfg(test)]
mod tests {
    use crate::{SaveNote, Store};

    const KEPT: SaveNote<'static> = SaveNote {
        describe: &|_| String::new(),
        edit: false,
    };

    #[test]
    fn an_approval_names_one_version() {
        let store = Store::open_in_memory().unwrap();
        store
            .save_flow("f1", "Orders", "{\"v\":1}", None, &KEPT)
            .unwrap();
        assert_eq!(store.trusted_version("f1").unwrap(), None);
        store.trust_version("f1", 1).unwrap();
        assert_eq!(store.trusted_version("f1").unwrap(), Some(1));
        store
            .save_flow("f1", "Orders", "{\"v\":2}", None, &KEPT)
            .unwrap();
        assert_eq!(store.trusted_version("f1").unwrap(), Some(1));
        store.trust_version("f1", 2).unwrap();
        assert_eq!(store.trusted_version("f1").unwrap(), Some(2));
        assert!(
            store.version_approved("f1", 1).unwrap() && store.version_approved("f1", 2).unwrap()
        );
        store.distrust("f1").unwrap();
        assert_eq!(store.trusted_version("f1").unwrap(), None);
        assert!(store.version_approved("f1", 1).unwrap());
        assert!(
            !store.version_approved("f1", 2).unwrap(),
            "the version it named"
        );
        assert!(!store.version_approved("f1", 3).unwrap());
        store.trust_version("f1", 2).unwrap();
        store.delete_flow("f1").unwrap();
        assert_eq!(store.trusted_version("f1").unwrap(), None);
    }
}
