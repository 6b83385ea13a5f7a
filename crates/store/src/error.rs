//! What can go wrong with the store, with the file named.

use std::path::PathBuf;

/// A store error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The store's folder could not be created.
    #[error("cannot create the folder {path} for Sluice's data: {source}")]
    Folder {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The database file could not be opened.
    #[error("cannot open Sluice's database {path}: {source}")]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },
    /// The schema could not be brought up to date.
    #[error("cannot update Sluice's database {path} to this version: {source}")]
    Migration {
        path: PathBuf,
        source: rusqlite_migration::Error,
    },
    /// A query failed.
    #[error("Sluice's database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A stored document could not be read.
    #[error("Sluice's database holds a damaged {what}: {message}")]
    Corrupt { what: &'static str, message: String },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
