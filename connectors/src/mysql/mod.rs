//! MySQL 8 and MariaDB 10.6+: `mysql.read` (a table or a query, streamed, optionally incremental
//! by a cursor column), `mysql.write` (multi-row INSERTs into a staging table, published in one
//! transaction: append, replace or upsert) and the `mysql` credential (host, database, user, a
//! password kept in the keychain, TLS through rustls).

mod catalog;
mod connect;
mod publish;
mod read;
#[cfg(test)]
mod tests;
mod types;
mod values;
mod write;
#[cfg(test)]
mod write_tests;

pub use connect::credential_type;
pub use publish::staging_kind;
pub use read::MysqlReadConfig;
pub use write::MysqlWriteConfig;

use sluice_core::registry::ComponentDescriptor;

/// The credential kind the MySQL nodes take.
pub const CREDENTIAL: &str = "mysql";

pub fn descriptors() -> Vec<ComponentDescriptor> {
    vec![
        ComponentDescriptor::source::<MysqlReadConfig>(
            "mysql.read",
            "Read MySQL",
            "Databases",
            "Reads rows from a MySQL or MariaDB table or query, all at once or only the new ones since the last run.",
        )
        .with_credentials(&[CREDENTIAL]),
        ComponentDescriptor::sink::<MysqlWriteConfig>(
            "mysql.write",
            "Write MySQL",
            "Databases",
            "Writes records to a MySQL or MariaDB table (created as needed), published when the run succeeds.",
        )
        .with_credentials(&[CREDENTIAL]),
    ]
}

/// A name as a quoted MySQL identifier.
fn quote(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}
