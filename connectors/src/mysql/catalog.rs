//! What a `mysql` credential can read: the tables and views of its database, with their columns,
//! for the node form's pickers.

use std::sync::Arc;

use mysql::prelude::Queryable;
use sluice_core::credential::{CredentialAccess, DatabaseColumn, DatabaseTable};

use super::connect::{connect, describe};

/// The most columns listed (about 2,000 tables' worth): a picker of more helps nobody (the name
/// can still be typed).
const MAX_COLUMNS: u32 = 50_000;

/// The tables and views of the credential's database, by name, each with its columns in order.
pub(super) fn tables(credential: Arc<dyn CredentialAccess>) -> Result<Vec<DatabaseTable>, String> {
    let (mut connection, place) = connect(credential.as_ref())?;
    let rows: Vec<(String, String, String, String)> = connection
        .exec(
            "SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, COLUMN_TYPE FROM information_schema.COLUMNS
             WHERE TABLE_SCHEMA = DATABASE()
             ORDER BY TABLE_NAME, ORDINAL_POSITION
             LIMIT ?",
            (MAX_COLUMNS,),
        )
        .map_err(|error| describe(&error, &place))?;
    let mut tables: Vec<DatabaseTable> = Vec::new();
    for (schema, name, column, data_type) in rows {
        if tables.last().is_none_or(|table| table.name != name) {
            tables.push(DatabaseTable {
                schema,
                name,
                columns: Vec::new(),
            });
        }
        if let Some(table) = tables.last_mut() {
            table.columns.push(DatabaseColumn {
                name: column,
                data_type,
            });
        }
    }
    Ok(tables)
}
