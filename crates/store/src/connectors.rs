//! The `connectors` table: imported connector manifests, every version kept.

use rusqlite::{OptionalExtension, params};

use crate::{Result, Store, timestamp};

/// One version of an imported connector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredConnector {
    pub id: String,
    pub version: i64,
    pub title: String,
    pub manifest: String,
    pub origin: String,
    pub imported_at: String,
}

impl Store {
    /// Stores `manifest` as the newest version of connector `id`; the same text as the newest
    /// version already stored adds nothing. Returns the version that holds it.
    pub fn import_connector(
        &self,
        id: &str,
        title: &str,
        manifest: &str,
        origin: &str,
    ) -> Result<i64> {
        let connection = self.connection();
        let newest: Option<(i64, String)> = connection
            .query_row(
                "SELECT version, manifest FROM connectors WHERE id = ?1 ORDER BY version DESC LIMIT 1",
                params![id],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?;
        if let Some((version, text)) = &newest
            && text == manifest
        {
            connection.execute(
                "UPDATE connectors SET title = ?1 WHERE id = ?2 AND version = ?3",
                params![title, id, version],
            )?;
            return Ok(*version);
        }
        let version = newest.map_or(1, |(version, _)| version + 1);
        connection.execute(
            "INSERT INTO connectors (id, version, title, manifest, origin, imported_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![id, version, title, manifest, origin, timestamp(chrono::Utc::now())],
        )?;
        Ok(version)
    }

    /// The newest version of every imported connector, by id.
    pub fn connectors(&self) -> Result<Vec<StoredConnector>> {
        let connection = self.connection();
        let mut statement = connection.prepare(
            "SELECT id, version, title, manifest, origin, imported_at FROM connectors c
             WHERE version = (SELECT MAX(version) FROM connectors WHERE id = c.id) ORDER BY id",
        )?;
        let rows = statement.query_map([], |row| {
            Ok(StoredConnector {
                id: row.get(0)?,
                version: row.get(1)?,
                title: row.get(2)?,
                manifest: row.get(3)?,
                origin: row.get(4)?,
                imported_at: row.get(5)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Every version of connector `id`, oldest first.
    pub fn connector_versions(&self, id: &str) -> Result<Vec<StoredConnector>> {
        let connection = self.connection();
        let mut statement = connection.prepare(
            "SELECT id, version, title, manifest, origin, imported_at FROM connectors WHERE id = ?1 ORDER BY version",
        )?;
        let rows = statement.query_map(params![id], |row| {
            Ok(StoredConnector {
                id: row.get(0)?,
                version: row.get(1)?,
                title: row.get(2)?,
                manifest: row.get(3)?,
                origin: row.get(4)?,
                imported_at: row.get(5)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Removes connector `id` with all its versions; false when there was none.
    pub fn remove_connector(&self, id: &str) -> Result<bool> {
        let removed = self
            .connection()
            .execute("DELETE FROM connectors WHERE id = ?1", params![id])?;
        Ok(removed > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imports_keep_every_version_and_the_same_text_adds_none() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("sluice.db")).unwrap();
        assert_eq!(
            store
                .import_connector("pokeapi", "PokeAPI", "version: 1", "a.yaml")
                .unwrap(),
            1
        );
        assert_eq!(
            store
                .import_connector("pokeapi", "PokeAPI", "version: 1", "a.yaml")
                .unwrap(),
            1
        );
        assert_eq!(
            store
                .import_connector("pokeapi", "PokéAPI", "version: 2", "b.yaml")
                .unwrap(),
            2
        );
        store
            .import_connector("other", "Other", "version: 1", "c.yaml")
            .unwrap();
        let newest = store.connectors().unwrap();
        assert_eq!(
            newest
                .iter()
                .map(|c| (c.id.as_str(), c.version))
                .collect::<Vec<_>>(),
            [("other", 1), ("pokeapi", 2)]
        );
        assert_eq!(newest[1].title, "PokéAPI");
        assert_eq!(store.connector_versions("pokeapi").unwrap().len(), 2);
        assert!(store.remove_connector("pokeapi").unwrap());
        assert!(!store.remove_connector("pokeapi").unwrap());
        assert_eq!(store.connectors().unwrap().len(), 1);
    }
}
