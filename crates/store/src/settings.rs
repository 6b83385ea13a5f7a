//! The `settings` table: installation-wide preferences as text key/value pairs.

use rusqlite::{OptionalExtension, params};

use crate::{Result, Store};

impl Store {
    /// A setting's value.
    pub fn setting(&self, key: &str) -> Result<Option<String>> {
        let value = self
            .connection()
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |row| {
                row.get(0)
            })
            .optional()?;
        Ok(value)
    }

    /// Sets a setting.
    pub fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        self.connection().execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }
}
