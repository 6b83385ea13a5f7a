//! PostgreSQL: `postgres.read` (a table or a query, streamed through a server-side cursor,
//! optionally incremental by a cursor column), `postgres.write` (binary COPY into a staging
//! table, published in one transaction: append, replace or upsert) and the `postgres` credential
//! (host, database, user, a password kept in the keychain, TLS through rustls).

mod catalog;
mod connect;
mod copy;
mod encode;
mod publish;
mod read;
#[cfg(test)]
mod tests;
mod types;
mod write;
#[cfg(test)]
mod write_tests;

pub use connect::credential_type;
pub use publish::staging_kind;
pub use read::PostgresReadConfig;
pub use write::PostgresWriteConfig;

use sluice_core::registry::ComponentDescriptor;

/// The credential kind the PostgreSQL nodes take.
pub const CREDENTIAL: &str = "postgres";

pub fn descriptors() -> Vec<ComponentDescriptor> {
    vec![
        ComponentDescriptor::source::<PostgresReadConfig>(
            "postgres.read",
            "Read PostgreSQL",
            "Databases",
            "Reads rows from a PostgreSQL table or query, all at once or only the new ones since the last run.",
        )
        .with_credentials(&[CREDENTIAL]),
        ComponentDescriptor::sink::<PostgresWriteConfig>(
            "postgres.write",
            "Write PostgreSQL",
            "Databases",
            "Writes records to a PostgreSQL table (created as needed) in one transaction per run.",
        )
        .with_credentials(&[CREDENTIAL]),
    ]
}

/// A name as a quoted SQL identifier.
fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}
