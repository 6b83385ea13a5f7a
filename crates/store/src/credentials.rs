//! The `credentials` table: each credential's name, type and non-secret fields. Secret values are
//! never written here.

use rusqlite::{OptionalExtension, params};

use crate::{Error, Result, Store, timestamp};

/// A stored credential, without its secrets.
#[derive(Debug, Clone, PartialEq, serde::Serialize, ts_rs::TS)]
pub struct StoredCredential {
    pub id: String,
    /// What flows refer to it by.
    pub name: String,
    /// Its type, e.g. `http.bearer` or `oauth2`.
    pub kind: String,
    /// The non-secret fields.
    #[ts(type = "Record<string, unknown>")]
    pub fields: serde_json::Map<String, serde_json::Value>,
    /// The secret fields that have a value in the secret store.
    pub secret_fields: Vec<String>,
    pub created_at: String,
    pub updated_at: String,
}

const COLUMNS: &str = "id, name, kind, fields, secret_fields, created_at, updated_at";

fn from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<(StoredCredential, String, String)> {
    Ok((
        StoredCredential {
            id: row.get(0)?,
            name: row.get(1)?,
            kind: row.get(2)?,
            fields: Default::default(),
            secret_fields: Vec::new(),
            created_at: row.get(5)?,
            updated_at: row.get(6)?,
        },
        row.get(3)?,
        row.get(4)?,
    ))
}

fn decode(
    (mut credential, fields, secret_fields): (StoredCredential, String, String),
) -> Result<StoredCredential> {
    let corrupt = |error: serde_json::Error| Error::Corrupt {
        what: "credential",
        message: error.to_string(),
    };
    credential.fields = serde_json::from_str(&fields).map_err(corrupt)?;
    credential.secret_fields = serde_json::from_str(&secret_fields).map_err(corrupt)?;
    Ok(credential)
}

impl Store {
    /// Every credential, by name.
    pub fn credentials(&self) -> Result<Vec<StoredCredential>> {
        let connection = self.connection();
        let mut statement =
            connection.prepare(&format!("SELECT {COLUMNS} FROM credentials ORDER BY name"))?;
        let rows = statement.query_map([], from_row)?;
        rows.map(|row| decode(row?)).collect()
    }

    /// The credential called `name`.
    pub fn credential_by_name(&self, name: &str) -> Result<Option<StoredCredential>> {
        let row = self
            .connection()
            .query_row(
                &format!("SELECT {COLUMNS} FROM credentials WHERE name = ?1"),
                [name],
                from_row,
            )
            .optional()?;
        row.map(decode).transpose()
    }

    /// The credential with this id.
    pub fn credential_by_id(&self, id: &str) -> Result<Option<StoredCredential>> {
        let row = self
            .connection()
            .query_row(
                &format!("SELECT {COLUMNS} FROM credentials WHERE id = ?1"),
                [id],
                from_row,
            )
            .optional()?;
        row.map(decode).transpose()
    }

    /// Adds a credential, or replaces the one with the same id.
    pub fn save_credential(&self, credential: &StoredCredential) -> Result<()> {
        let now = timestamp(chrono::Utc::now());
        let fields = serde_json::to_string(&credential.fields).expect("a JSON map serialises");
        let secret_fields =
            serde_json::to_string(&credential.secret_fields).expect("a list serialises");
        self.connection().execute(
            "INSERT INTO credentials (id, name, kind, fields, secret_fields, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, kind = excluded.kind,
               fields = excluded.fields, secret_fields = excluded.secret_fields,
               updated_at = excluded.updated_at",
            params![
                credential.id,
                credential.name,
                credential.kind,
                fields,
                secret_fields,
                now
            ],
        )?;
        Ok(())
    }

    /// Removes a credential's row; true when there was one.
    pub fn delete_credential(&self, id: &str) -> Result<bool> {
        let deleted = self
            .connection()
            .execute("DELETE FROM credentials WHERE id = ?1", [id])?;
        Ok(deleted > 0)
    }
}
