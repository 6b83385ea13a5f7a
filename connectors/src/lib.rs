//! Every Sluice component that talks to the outside world (files, databases, APIs), one folder
//! per connector, and the registry that lists them all with the core transforms.

mod bounded;
mod code;
mod coerce;
mod csv;
mod cursor;
mod database;
pub mod declarative;
mod file;
mod http;
mod json;
mod mysql;
mod postgres;
mod records;
mod registry;
mod sqlite;
mod table_write;
#[cfg(test)]
mod testing;
pub mod webhook;

pub use records::MAX_RECORDS;
pub use registry::registry;
