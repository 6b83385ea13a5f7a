//! `sqlite.write`: writes records into a table in one transaction per run — append, replace
//! (staged in a side table and swapped in at commit) or upsert by key.

use std::path::PathBuf;

use rusqlite::Connection;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sluice_core::component::{BuildContext, ComponentConfig, Sink, SinkConfig};
use sluice_core::engine::Output;
use sluice_core::{Batch, ComponentError, Record};

use super::{Bind, column_type, quote};

/// Column names in table order, with fast membership checks (every record's fields are checked).
type Columns = indexmap::IndexSet<String, foldhash::fast::RandomState>;

/// Writes records into a SQLite table. The table is created from the first records' fields and
/// types, and columns that appear later are added. The whole run is one transaction: a failed
/// or cancelled run leaves the database exactly as it was.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SqliteWriteConfig {
    /// The database file (created if missing). A relative path is resolved against the flow file's folder.
    pub path: PathBuf,
    /// The table to write to (created if missing).
    pub table: String,
    /// How the records meet the rows already there.
    #[serde(default)]
    pub mode: WriteMode,
    /// The fields that identify a row, for `upsert`, e.g. `["id"]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub key: Vec<String>,
}

/// How records meet the rows already in the table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum WriteMode {
    /// Add the records as new rows.
    #[default]
    Append,
    /// Replace the table's contents with the run's records. The new rows are staged in a side
    /// table and swapped in when the run succeeds; a run that delivers no records leaves the
    /// table as it was.
    Replace,
    /// Insert new rows and update the rows whose `key` matches, so running twice never duplicates.
    Upsert,
}

impl ComponentConfig for SqliteWriteConfig {}

impl SinkConfig for SqliteWriteConfig {
    fn build<'run>(
        &self,
        context: &BuildContext<'run>,
    ) -> Result<Box<dyn Sink + 'run>, ComponentError> {
        if self.table.trim().is_empty() {
            return Err(ComponentError::failed(
                "`table` is empty; name the table to write to",
            ));
        }
        if self.mode == WriteMode::Upsert && self.key.is_empty() {
            return Err(ComponentError::failed(
                "mode 'upsert' needs `key`: the fields that identify a row, e.g. [\"id\"]",
            ));
        }
        let path = context.resolve_path(&self.path);
        if let Some(folder) = path
            .parent()
            .filter(|folder| !folder.as_os_str().is_empty())
        {
            std::fs::create_dir_all(folder)
                .map_err(|error| ComponentError::io("create the folder", folder, &error))?;
        }
        let connection = Connection::open(&path).map_err(|error| {
            ComponentError::failed(format!("cannot open {}: {error}", path.display()))
        })?;
        let setup = || -> rusqlite::Result<()> {
            connection.busy_timeout(std::time::Duration::from_secs(10))?;
            connection.execute_batch("BEGIN IMMEDIATE")
        };
        setup().map_err(|error| {
            ComponentError::failed(format!(
                "cannot start writing to {}: {error}",
                path.display()
            ))
        })?;
        let target = match self.mode {
            WriteMode::Replace => format!("{}__sluice_staging", self.table),
            _ => self.table.clone(),
        };
        Ok(Box::new(SqliteWrite {
            connection,
            path,
            table: self.table.clone(),
            target,
            mode: self.mode,
            key: self.key.clone(),
            columns: Columns::default(),
            insert_sql: String::new(),
            prepared: false,
        }))
    }
}

struct SqliteWrite {
    connection: Connection,
    path: PathBuf,
    table: String,
    /// The table rows go into: `table`, or the staging table for `replace`.
    target: String,
    mode: WriteMode,
    key: Vec<String>,
    /// The target's columns, in order; every insert binds all of them.
    columns: Columns,
    insert_sql: String,
    /// Whether the target table has been set up for this run.
    prepared: bool,
}

impl SqliteWrite {
    fn sql_error(&self, error: rusqlite::Error) -> ComponentError {
        ComponentError::failed(format!(
            "writing table `{}` in {}: {error}",
            self.table,
            self.path.display()
        ))
    }

    /// Creates (or, for replace, recreates) the target from the first batch, or reads its columns.
    fn prepare_target(&mut self, batch: &Batch) -> Result<(), ComponentError> {
        if self.mode == WriteMode::Replace {
            self.connection
                .execute_batch(&format!("DROP TABLE IF EXISTS {}", quote(&self.target)))
                .map_err(|error| self.sql_error(error))?;
        } else {
            self.columns = self.existing_columns()?;
        }
        if self.columns.is_empty() {
            let mut columns = Columns::default();
            for record in batch {
                for name in record.keys() {
                    if !columns.contains(name) {
                        columns.insert(name.clone());
                    }
                }
            }
            for name in &self.key {
                columns.insert(name.clone());
            }
            let definitions: Vec<String> = columns
                .iter()
                .map(|name| match first_type(batch, name) {
                    Some(kind) => format!("{} {kind}", quote(name)),
                    None => quote(name),
                })
                .collect();
            let create = format!(
                "CREATE TABLE {} ({})",
                quote(&self.target),
                definitions.join(", ")
            );
            self.connection
                .execute_batch(&create)
                .map_err(|error| self.sql_error(error))?;
            self.columns = columns;
        }
        if self.mode == WriteMode::Upsert {
            self.add_columns(&self.key.clone(), batch)?;
            let index = format!(
                "CREATE UNIQUE INDEX IF NOT EXISTS {} ON {} ({})",
                quote(&format!("{}__sluice_key", self.table)),
                quote(&self.target),
                self.key
                    .iter()
                    .map(|name| quote(name))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            self.connection.execute_batch(&index).map_err(|error| {
                ComponentError::failed(format!(
                    "cannot upsert into `{}`: its rows are not unique by key ({}): {error}",
                    self.table,
                    self.key.join(", ")
                ))
            })?;
        }
        self.prepared = true;
        self.rebuild_insert();
        Ok(())
    }

    fn existing_columns(&self) -> Result<Columns, ComponentError> {
        let mut statement = self
            .connection
            .prepare(&format!(
                "SELECT name FROM pragma_table_info({})",
                sql_text(&self.target)
            ))
            .map_err(|error| self.sql_error(error))?;
        let names = statement
            .query_map([], |row| row.get::<_, String>(0))
            .and_then(|rows| rows.collect::<Result<Columns, _>>())
            .map_err(|error| self.sql_error(error))?;
        Ok(names)
    }

    /// Adds the named columns the table lacks, typed from the batch.
    fn add_columns(&mut self, names: &[String], batch: &Batch) -> Result<(), ComponentError> {
        let mut added = false;
        for name in names {
            if self.columns.contains(name) {
                continue;
            }
            let kind = first_type(batch, name).unwrap_or("");
            let alter = format!(
                "ALTER TABLE {} ADD COLUMN {} {kind}",
                quote(&self.target),
                quote(name)
            );
            self.connection
                .execute_batch(&alter)
                .map_err(|error| self.sql_error(error))?;
            self.columns.insert(name.clone());
            added = true;
        }
        if added {
            self.rebuild_insert();
        }
        Ok(())
    }

    fn rebuild_insert(&mut self) {
        let columns: Vec<String> = self.columns.iter().map(|name| quote(name)).collect();
        let placeholders: Vec<String> = (1..=columns.len())
            .map(|index| format!("?{index}"))
            .collect();
        let mut sql = format!(
            "INSERT INTO {} ({}) VALUES ({})",
            quote(&self.target),
            columns.join(", "),
            placeholders.join(", ")
        );
        if self.mode == WriteMode::Upsert {
            let keys: Vec<String> = self.key.iter().map(|name| quote(name)).collect();
            let updates: Vec<String> = self
                .columns
                .iter()
                .filter(|name| !self.key.contains(name))
                .map(|name| format!("{0} = excluded.{0}", quote(name)))
                .collect();
            if updates.is_empty() {
                sql.push_str(&format!(" ON CONFLICT ({}) DO NOTHING", keys.join(", ")));
            } else {
                sql.push_str(&format!(
                    " ON CONFLICT ({}) DO UPDATE SET {}",
                    keys.join(", "),
                    updates.join(", ")
                ));
            }
        }
        self.insert_sql = sql;
    }

    fn key_problem(&self, record: &Record) -> Option<String> {
        self.key.iter().find_map(|name| match record.get(name) {
            None => Some(format!(
                "the record has no key field `{name}`; upsert needs it"
            )),
            Some(serde_json::Value::Null) => Some(format!(
                "the key field `{name}` is empty; upsert needs a value"
            )),
            Some(_) => None,
        })
    }
}

/// The SQLite type of the first non-null value of `name` in the batch.
fn first_type(batch: &Batch, name: &str) -> Option<&'static str> {
    batch
        .iter()
        .filter_map(|record| record.get(name))
        .find_map(column_type)
}

/// A string as a SQL text literal.
fn sql_text(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

impl Sink for SqliteWrite {
    fn write(&mut self, batch: Batch, out: &mut Output) -> Result<(), ComponentError> {
        if batch.is_empty() {
            return Ok(());
        }
        if !self.prepared {
            self.prepare_target(&batch)?;
        }
        let mut new_columns: Vec<String> = Vec::new();
        for record in &batch {
            for name in record.keys() {
                if !self.columns.contains(name) && !new_columns.contains(name) {
                    new_columns.push(name.clone());
                }
            }
        }
        if !new_columns.is_empty() {
            self.add_columns(&new_columns, &batch)?;
        }
        let mut statement = self.connection.prepare(&self.insert_sql).map_err(|error| {
            ComponentError::failed(format!(
                "writing table `{}` in {}: {error}",
                self.table,
                self.path.display()
            ))
        })?;
        for record in batch {
            if let Some(problem) = self.key_problem(&record) {
                out.reject(record, problem)?;
                continue;
            }
            let values = self.columns.iter().map(|name| Bind(record.get(name)));
            match statement.execute(rusqlite::params_from_iter(values)) {
                Ok(_) => {}
                Err(rusqlite::Error::SqliteFailure(error, message))
                    if error.code == rusqlite::ErrorCode::ConstraintViolation =>
                {
                    let detail = message.unwrap_or_else(|| error.to_string());
                    out.reject(record, format!("the table refused the record: {detail}"))?;
                }
                Err(error) => {
                    return Err(ComponentError::failed(format!(
                        "writing table `{}` in {}: {error}",
                        self.table,
                        self.path.display()
                    )));
                }
            }
        }
        Ok(())
    }

    fn commit(self: Box<Self>) -> Result<(), ComponentError> {
        let mut sql = String::new();
        if self.mode == WriteMode::Replace && self.prepared {
            sql.push_str(&format!(
                "DROP TABLE IF EXISTS {0}; ALTER TABLE {1} RENAME TO {0}; ",
                quote(&self.table),
                quote(&self.target)
            ));
        }
        sql.push_str("COMMIT");
        self.connection
            .execute_batch(&sql)
            .map_err(|error| self.sql_error(error))
    }

    fn abort(self: Box<Self>) {
        let _ = self.connection.execute_batch("ROLLBACK");
    }
}
