//! Publishing a run's staged rows into their table — by the run itself once it prepares, or by
//! the next Sluice process after a crash (the `sqlite` staging kind). Idempotent: the staging
//! table is dropped in the same transaction that applies it, so a missing one means done.

use std::path::PathBuf;

use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use serde::{Deserialize, Serialize};
use sluice_core::commit::StagingKind;
use sluice_core::{ComponentError, Record};

use super::{quote, to_value};
use crate::table_write::WriteMode;

/// Column names in table order, with fast membership checks (every record's fields are checked).
pub(super) type Columns = indexmap::IndexSet<String, foldhash::fast::RandomState>;

/// What a run stages for one `sqlite.write` node, and where it goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct StagedTable {
    /// The database file (absolute).
    pub path: PathBuf,
    /// The table the records go to.
    pub table: String,
    /// The side table holding the run's records until they are published.
    pub staging: String,
    pub mode: WriteMode,
    pub key: Vec<String>,
    /// Whether the database file did not exist before the run: a run that fails then leaves none.
    #[serde(default)]
    pub new_database: bool,
}

impl StagedTable {
    pub fn error(&self, error: rusqlite::Error) -> ComponentError {
        ComponentError::failed(format!(
            "writing table `{}` in {}: {error}",
            self.table,
            self.path.display()
        ))
    }
}

/// The staging kind of SQLite tables.
pub fn staging_kind() -> StagingKind {
    StagingKind {
        kind: "sqlite",
        publish: |detail, _| {
            publish_again(&read_detail(detail)?).map_err(|error| error.to_string())
        },
        discard: |detail, _| discard(&read_detail(detail)?).map_err(|error| error.to_string()),
    }
}

fn read_detail(detail: &serde_json::Value) -> Result<StagedTable, String> {
    serde_json::from_value(detail.clone())
        .map_err(|error| format!("unreadable SQLite staging record: {error}"))
}

/// Starts the transaction that publishes: exclusive, so no reader can hold up its commit.
pub(super) fn begin_publishing(
    connection: &Connection,
    staged: &StagedTable,
) -> Result<(), ComponentError> {
    connection.execute_batch("BEGIN EXCLUSIVE").map_err(|error| {
        ComponentError::failed(format!(
            "cannot publish into `{}` in {}: {error} (another program is using the database; close it or try again)",
            staged.table,
            staged.path.display()
        ))
    })
}

/// What to do with a staged row the table refuses (a constraint): report it, or count it.
type Refusal<'a> = dyn FnMut(Record, String) -> Result<(), ComponentError> + 'a;

/// Applies the staged rows to the table and drops the staging table, inside the caller's
/// transaction. Rows the table refuses go to `refused`. Returns how many were refused.
pub(super) fn publish_staged(
    connection: &Connection,
    staged: &StagedTable,
    refused: &mut Refusal<'_>,
) -> Result<u64, ComponentError> {
    let fail = |error| staged.error(error);
    if !table_exists(connection, &staged.staging).map_err(fail)? {
        return Ok(0);
    }
    let (table, staging) = (quote(&staged.table), quote(&staged.staging));
    if staged.mode == WriteMode::Replace
        || (staged.mode == WriteMode::Append
            && !table_exists(connection, &staged.table).map_err(fail)?)
    {
        connection
            .execute_batch(&format!(
                "DROP TABLE IF EXISTS {table}; ALTER TABLE {staging} RENAME TO {table}"
            ))
            .map_err(fail)?;
        return Ok(0);
    }
    let columns = columns_with_types(connection, &staged.staging).map_err(fail)?;
    if !table_exists(connection, &staged.table).map_err(fail)? {
        let definitions: Vec<String> = columns
            .iter()
            .map(|(name, kind)| format!("{} {kind}", quote(name)))
            .collect();
        connection
            .execute_batch(&format!(
                "CREATE TABLE {table} ({})",
                definitions.join(", ")
            ))
            .map_err(fail)?;
    } else {
        let existing = columns_with_types(connection, &staged.table).map_err(fail)?;
        for (name, kind) in &columns {
            if !existing.iter().any(|(column, _)| column == name) {
                connection
                    .execute_batch(&format!(
                        "ALTER TABLE {table} ADD COLUMN {} {kind}",
                        quote(name)
                    ))
                    .map_err(fail)?;
            }
        }
    }
    if staged.mode == WriteMode::Upsert {
        ensure_unique_key(connection, staged)?;
    }
    let names: Vec<String> = columns.iter().map(|(name, _)| quote(name)).collect();
    let conflict = upsert_clause(staged, &columns);
    // All rows at once; only when the table refuses one are they applied one by one, to tell
    // which.
    let bulk = format!(
        "SAVEPOINT sluice_bulk; INSERT INTO {table} ({0}) SELECT {0} FROM {staging} WHERE true ORDER BY {1}{conflict}; RELEASE sluice_bulk",
        names.join(", "),
        row_order(&columns)
    );
    let mut refusals = 0;
    if let Err(error) = connection.execute_batch(&bulk) {
        connection
            .execute_batch("ROLLBACK TO sluice_bulk; RELEASE sluice_bulk")
            .map_err(fail)?;
        if !is_constraint(&error) {
            return Err(fail(error));
        }
        refusals = publish_row_by_row(connection, staged, &columns, &conflict, refused)?;
    }
    connection
        .execute_batch(&format!("DROP TABLE {staging}"))
        .map_err(fail)?;
    Ok(refusals)
}

fn publish_row_by_row(
    connection: &Connection,
    staged: &StagedTable,
    columns: &[(String, String)],
    conflict: &str,
    refused: &mut Refusal<'_>,
) -> Result<u64, ComponentError> {
    let fail = |error| staged.error(error);
    let names: Vec<String> = columns.iter().map(|(name, _)| quote(name)).collect();
    let placeholders: Vec<String> = (1..=names.len()).map(|index| format!("?{index}")).collect();
    let mut insert = connection
        .prepare(&format!(
            "INSERT INTO {} ({}) VALUES ({}){conflict}",
            quote(&staged.table),
            names.join(", "),
            placeholders.join(", ")
        ))
        .map_err(fail)?;
    let mut select = connection
        .prepare(&format!(
            "SELECT {} FROM {} ORDER BY {}",
            names.join(", "),
            quote(&staged.staging),
            row_order(columns)
        ))
        .map_err(fail)?;
    let mut rows = select.query([]).map_err(fail)?;
    let mut refusals = 0;
    while let Some(row) = rows.next().map_err(fail)? {
        let values: Vec<SqlValue> = (0..names.len())
            .map(|index| row.get::<_, SqlValue>(index))
            .collect::<Result<_, _>>()
            .map_err(fail)?;
        match insert.execute(rusqlite::params_from_iter(&values)) {
            Ok(_) => {}
            Err(error) if is_constraint(&error) => {
                refusals += 1;
                let record: Record = columns
                    .iter()
                    .zip(&values)
                    .map(|((name, _), value)| (name, to_value(value.into())))
                    .collect();
                let detail = match error {
                    rusqlite::Error::SqliteFailure(code, message) => {
                        message.unwrap_or_else(|| code.to_string())
                    }
                    other => other.to_string(),
                };
                refused(record, format!("the table refused the record: {detail}"))?;
            }
            Err(error) => return Err(fail(error)),
        }
    }
    Ok(refusals)
}

/// A name of the rowid (the order rows were staged in) that no column of the table hides: the
/// records themselves may have a field called `rowid`.
fn row_order(columns: &[(String, String)]) -> &'static str {
    ["rowid", "_rowid_", "oid"]
        .into_iter()
        .find(|alias| {
            !columns
                .iter()
                .any(|(name, _)| name.eq_ignore_ascii_case(alias))
        })
        .unwrap_or("rowid")
}

fn is_constraint(error: &rusqlite::Error) -> bool {
    matches!(error, rusqlite::Error::SqliteFailure(failure, _)
        if failure.code == rusqlite::ErrorCode::ConstraintViolation)
}

/// ` ON CONFLICT (key) DO UPDATE SET …` for upsert; empty otherwise.
fn upsert_clause(staged: &StagedTable, columns: &[(String, String)]) -> String {
    if staged.mode != WriteMode::Upsert {
        return String::new();
    }
    let keys: Vec<String> = staged.key.iter().map(|name| quote(name)).collect();
    let updates: Vec<String> = columns
        .iter()
        .filter(|(name, _)| !staged.key.contains(name))
        .map(|(name, _)| format!("{0} = excluded.{0}", quote(name)))
        .collect();
    if updates.is_empty() {
        format!(" ON CONFLICT ({}) DO NOTHING", keys.join(", "))
    } else {
        format!(
            " ON CONFLICT ({}) DO UPDATE SET {}",
            keys.join(", "),
            updates.join(", ")
        )
    }
}

fn ensure_unique_key(connection: &Connection, staged: &StagedTable) -> Result<(), ComponentError> {
    let index = format!(
        "CREATE UNIQUE INDEX IF NOT EXISTS {} ON {} ({})",
        quote(&format!("{}__sluice_key", staged.table)),
        quote(&staged.table),
        staged
            .key
            .iter()
            .map(|name| quote(name))
            .collect::<Vec<_>>()
            .join(", ")
    );
    connection.execute_batch(&index).map_err(|error| {
        ComponentError::failed(format!(
            "cannot upsert into `{}`: its rows are not unique by key ({}): {error}",
            staged.table,
            staged.key.join(", ")
        ))
    })
}

fn table_exists(connection: &Connection, name: &str) -> rusqlite::Result<bool> {
    connection
        .query_row(
            // Table names are not case-sensitive in SQLite.
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1 COLLATE NOCASE",
            [name],
            |_| Ok(()),
        )
        .optional()
        .map(|found| found.is_some())
}

/// A table's columns with their declared types, in order.
fn columns_with_types(
    connection: &Connection,
    table: &str,
) -> rusqlite::Result<Vec<(String, String)>> {
    let mut statement =
        connection.prepare("SELECT name, type FROM pragma_table_info(?1) ORDER BY cid")?;
    statement
        .query_map([table], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect()
}

/// Publishes what a run staged and did not publish before its process stopped.
fn publish_again(staged: &StagedTable) -> Result<u64, ComponentError> {
    let connection = open_existing(staged)?;
    let Some(connection) = connection else {
        return Ok(0);
    };
    begin_publishing(&connection, staged)?;
    let refused = publish_staged(&connection, staged, &mut |_, _| Ok(()));
    match refused {
        Ok(refused) => {
            connection
                .execute_batch("COMMIT")
                .map_err(|error| staged.error(error))?;
            Ok(refused)
        }
        Err(error) => {
            let _ = connection.execute_batch("ROLLBACK");
            Err(error)
        }
    }
}

/// Drops what a run staged; the table stays as it was.
fn discard(staged: &StagedTable) -> Result<(), ComponentError> {
    if let Some(connection) = open_existing(staged)? {
        connection
            .execute_batch(&format!("DROP TABLE IF EXISTS {}", quote(&staged.staging)))
            .map_err(|error| staged.error(error))?;
    }
    remove_if_created_empty(staged);
    Ok(())
}

/// Whether the destination table exists and holds a row.
pub(super) fn has_rows(
    connection: &Connection,
    staged: &StagedTable,
) -> Result<bool, ComponentError> {
    let fail = |error| staged.error(error);
    if !table_exists(connection, &staged.table).map_err(fail)? {
        return Ok(false);
    }
    let sql = format!("SELECT EXISTS (SELECT 1 FROM {})", quote(&staged.table));
    connection
        .query_row(&sql, [], |row| row.get(0))
        .map_err(fail)
}

/// Removes the database file a failed run created when nothing is in it (with its journal
/// files), so the run leaves the folder as it found it.
pub(super) fn remove_if_created_empty(staged: &StagedTable) {
    if !staged.new_database {
        return;
    }
    let tables = open_existing(staged).ok().flatten().and_then(|connection| {
        connection
            .query_row("SELECT count(*) FROM sqlite_schema", [], |row| {
                row.get::<_, i64>(0)
            })
            .ok()
    });
    if tables == Some(0) {
        for suffix in ["", "-journal", "-wal", "-shm"] {
            let mut path = staged.path.clone().into_os_string();
            path.push(suffix);
            let _ = std::fs::remove_file(path);
        }
    }
}

/// The database, when its file exists (a crash before anything was staged leaves none to open).
fn open_existing(staged: &StagedTable) -> Result<Option<Connection>, ComponentError> {
    if !staged.path.exists() {
        return Ok(None);
    }
    let connection = Connection::open_with_flags(
        &staged.path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|error| staged.error(error))?;
    connection
        .busy_timeout(std::time::Duration::from_secs(10))
        .map_err(|error| staged.error(error))?;
    Ok(Some(connection))
}
