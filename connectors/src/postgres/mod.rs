//! PostgreSQL: `postgres.read` (a table or a query, streamed through a server-side cursor,
//! optionally incremental by a cursor column) and the `postgres` credential (host, database,
//! user, a password kept in the keychain, TLS through rustls).

mod catalog;
mod connect;
mod read;
#[cfg(test)]
mod tests;
mod types;

pub use connect::credential_type;
pub use read::PostgresReadConfig;

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
    ]
}

/// A name as a quoted SQL identifier.
fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}
