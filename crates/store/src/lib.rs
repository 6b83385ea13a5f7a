//! Sluice's local store: one SQLite file holding flows (with every saved version), runs, their
//! per-node stats and log lines, per-node sync state, pinned samples, imported connectors and
//! settings. One module per table.

mod connectors;
mod credentials;
mod error;
mod flow_trust;
mod flows;
mod node_state;
mod pinned_samples;
mod retention;
mod run_logs;
mod run_nodes;
mod run_stagings;
mod runs;
mod schedule_state;
mod settings;
mod webhook_queue;

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use rusqlite::Connection;
use rusqlite_migration::{M, Migrations};

pub use connectors::StoredConnector;
pub use credentials::StoredCredential;
pub use error::{Error, Result};
pub use flows::{EDITS_FOLD_WITHIN, FlowSummary, FlowVersion, SaveNote, StoredFlow};
pub use pinned_samples::Sample;
pub use retention::{RetentionPolicy, RetentionReport};
pub use run_logs::LogLine;
pub use run_nodes::NodeRun;
pub use run_stagings::{StagingRow, StagingState, UnfinishedRun};
pub use runs::{NewRun, RunRecord, RunStatus};
pub use schedule_state::ScheduleState;
pub use webhook_queue::{GivenBack, SET_ASIDE_AFTER_FAILED_RUNS, SetAsideRecord};

const MIGRATIONS: &[M<'static>] = &[
    M::up(include_str!("../migrations/0001_initial.sql")),
    M::up(include_str!("../migrations/0002_schedule_state.sql")),
    M::up(include_str!("../migrations/0003_credentials.sql")),
    M::up(include_str!("../migrations/0004_webhook_queue.sql")),
    M::up(include_str!("../migrations/0005_run_stagings.sql")),
    M::up(include_str!("../migrations/0006_node_busy.sql")),
    M::up(include_str!("../migrations/0007_flow_trust.sql")),
    M::up(include_str!("../migrations/0008_webhook_set_aside.sql")),
    M::up(include_str!("../migrations/0009_version_approvals.sql")),
    M::up(include_str!("../migrations/0010_version_labels.sql")),
    M::up(include_str!("../migrations/0011_run_samples.sql")),
    M::up(include_str!("../migrations/0012_pinned_samples.sql")),
    M::up(include_str!("../migrations/0013_connectors.sql")),
    M::up(include_str!("../migrations/0014_node_memory.sql")),
];

/// The schema migrations, in order.
pub fn migrations() -> Migrations<'static> {
    Migrations::from_slice(MIGRATIONS)
}

/// The open store. Cheap to share behind an `Arc`; calls are short and serialised.
pub struct Store {
    connection: Mutex<Connection>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Store")
    }
}

impl Store {
    /// Opens (creating and migrating as needed) the store at `path`.
    pub fn open(path: &Path) -> Result<Store> {
        if let Some(folder) = path
            .parent()
            .filter(|folder| !folder.as_os_str().is_empty())
        {
            std::fs::create_dir_all(folder).map_err(|source| Error::Folder {
                path: folder.to_path_buf(),
                source,
            })?;
        }
        keep_private(path).map_err(|source| Error::Folder {
            path: path.to_path_buf(),
            source,
        })?;
        let connection = Connection::open(path).map_err(|source| Error::Open {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_connection(connection, path)
    }

    /// A store in memory, for tests.
    pub fn open_in_memory() -> Result<Store> {
        let connection = Connection::open_in_memory().map_err(Error::Sqlite)?;
        Self::from_connection(connection, Path::new(":memory:"))
    }

    fn from_connection(mut connection: Connection, path: &Path) -> Result<Store> {
        // auto_vacuum only takes effect on a database without tables, so it goes first; the
        // rest are per connection.
        connection
            .execute_batch(
                "PRAGMA auto_vacuum = INCREMENTAL;
                 PRAGMA journal_mode = WAL;
                 PRAGMA synchronous = NORMAL;
                 PRAGMA foreign_keys = ON;
                 PRAGMA busy_timeout = 10000;",
            )
            .map_err(|source| Error::Open {
                path: path.to_path_buf(),
                source,
            })?;
        migrations()
            .to_latest(&mut connection)
            .map_err(|source| Error::Migration {
                path: path.to_path_buf(),
                source,
            })?;
        Ok(Store {
            connection: Mutex::new(connection),
        })
    }

    fn connection(&self) -> MutexGuard<'_, Connection> {
        self.connection
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Makes the database file readable by its owner only (0600), creating it so, before SQLite
/// opens it; SQLite gives its WAL and shared-memory files the database's mode. Older files with
/// wider modes are narrowed too.
fn keep_private(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(path)?;
        for suffix in ["", "-wal", "-shm"] {
            let file = std::path::PathBuf::from(format!("{}{suffix}", path.display()));
            if file.exists() {
                std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))?;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// The current time as stored: RFC 3339 UTC with milliseconds.
pub fn timestamp(at: chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

impl Store {
    /// A flow's JSON values by node: `sql` selects `node_id` and a JSON text for flow `?1`;
    /// `what` names the values in the error when one does not parse.
    pub(crate) fn json_by_node<T, C>(
        &self,
        sql: &str,
        flow_id: &str,
        what: &'static str,
    ) -> Result<C>
    where
        T: serde::de::DeserializeOwned,
        C: FromIterator<(String, T)>,
    {
        let connection = self.connection();
        let mut statement = connection.prepare(sql)?;
        let rows = statement
            .query_map([flow_id], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(node, text)| {
                serde_json::from_str(&text)
                    .map(|value| (node, value))
                    .map_err(|error| Error::Corrupt {
                        what,
                        message: error.to_string(),
                    })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn migrations_are_valid() {
        super::migrations().validate().unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn the_database_and_its_wal_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("sluice.db");
        let store = super::Store::open(&path).unwrap();
        store.set_setting("k", "v").unwrap();
        for name in ["sluice.db", "sluice.db-wal"] {
            let mode = std::fs::metadata(folder.path().join(name))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{name}");
        }
    }

    #[test]
    fn a_store_reopens_with_its_data() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("nested").join("sluice.db");
        {
            let store = super::Store::open(&path).unwrap();
            store.set_setting("k", "v").unwrap();
        }
        let store = super::Store::open(&path).unwrap();
        assert_eq!(store.setting("k").unwrap().as_deref(), Some("v"));
    }
}
