//! What a `postgres` credential can read: the tables and views it may select from, with their
//! columns, for the node form's pickers.

use std::sync::Arc;

use sluice_core::credential::{CredentialAccess, DatabaseColumn, DatabaseTable};

use super::connect::{connect, describe};

/// The most tables listed: a picker of more helps nobody (the name can still be typed).
const MAX_TABLES: i64 = 2000;

/// The tables and views the credential's user may read, outside the system schemas, by schema
/// and name, each with its columns in order.
pub(super) fn tables(credential: Arc<dyn CredentialAccess>) -> Result<Vec<DatabaseTable>, String> {
    let (mut client, place) = connect(credential.as_ref())?;
    let rows = client
        .query(
            "SELECT n.nspname, c.relname,
                    coalesce(array_agg(a.attname::text ORDER BY a.attnum) FILTER (WHERE a.attnum > 0), '{}'),
                    coalesce(array_agg(format_type(a.atttypid, a.atttypmod) ORDER BY a.attnum) FILTER (WHERE a.attnum > 0), '{}')
             FROM pg_class c
             JOIN pg_namespace n ON n.oid = c.relnamespace
             LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
             WHERE c.relkind IN ('r', 'v', 'm', 'p', 'f')
               AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
               AND has_table_privilege(c.oid, 'SELECT')
             GROUP BY n.nspname, c.relname
             ORDER BY n.nspname, c.relname
             LIMIT $1",
            &[&MAX_TABLES],
        )
        .map_err(|error| describe(&error, &place))?;
    Ok(rows
        .iter()
        .map(|row| {
            let names: Vec<String> = row.get(2);
            let types: Vec<String> = row.get(3);
            DatabaseTable {
                schema: row.get(0),
                name: row.get(1),
                columns: (names.into_iter().zip(types))
                    .map(|(name, data_type)| DatabaseColumn { name, data_type })
                    .collect(),
            }
        })
        .collect())
}
