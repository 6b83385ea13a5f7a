//! The `flow_trust` table: the version of each flow the person approved (or made), so a flow
//! from elsewhere runs only once approved.

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
        self.connection().execute(
            "INSERT INTO flow_trust (flow_id, version, approved_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (flow_id) DO UPDATE SET version = excluded.version, approved_at = excluded.approved_at",
            params![flow_id, version, timestamp(chrono::Utc::now())],
        )?;
        Ok(())
    }

    /// Forgets any approval of the flow.
    pub fn distrust(&self, flow_id: &str) -> Result<()> {
        self.connection()
            .execute("DELETE FROM flow_trust WHERE flow_id = ?1", [flow_id])?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::Store;

    #[test]
    fn an_approval_names_one_version() {
        let store = Store::open_in_memory().unwrap();
        store.save_flow("f1", "Orders", "{\"v\":1}", None).unwrap();
        assert_eq!(store.trusted_version("f1").unwrap(), None);
        store.trust_version("f1", 1).unwrap();
        assert_eq!(store.trusted_version("f1").unwrap(), Some(1));
        store.save_flow("f1", "Orders", "{\"v\":2}", None).unwrap();
        assert_eq!(store.trusted_version("f1").unwrap(), Some(1));
        store.trust_version("f1", 2).unwrap();
        assert_eq!(store.trusted_version("f1").unwrap(), Some(2));
        store.distrust("f1").unwrap();
        assert_eq!(store.trusted_version("f1").unwrap(), None);
        store.trust_version("f1", 2).unwrap();
        store.delete_flow("f1").unwrap();
        assert_eq!(store.trusted_version("f1").unwrap(), None);
    }
}
