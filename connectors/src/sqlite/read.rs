//! `sqlite.read`: streams rows of a table or query; with a cursor column, only rows past the
//! cursor the last successful run committed.

use std::path::PathBuf;

use rusqlite::{Connection, OpenFlags};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sluice_core::component::{BuildContext, ComponentConfig, Reach, Source, SourceConfig};
use sluice_core::engine::Output;
use sluice_core::{BatchSchema, ComponentError, Record, Schema, Value};

use super::{quote, to_sql, to_value};

/// Reads rows from a SQLite database: a whole table, or the result of a query. With `cursor`,
/// the read is incremental: rows come in cursor order and the next run starts after the last
/// cursor value this run delivered (once every destination has committed it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SqliteReadConfig {
    /// The database file. A relative path is resolved against the flow file's folder.
    #[schemars(extend("x-sluice-widget" = "path"))]
    pub path: PathBuf,
    /// The table to read. Give either `table` or `query`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table: Option<String>,
    /// A SELECT query to read instead of a table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// A column that only grows (an id, an `updated_at`): each run reads the rows whose value is
    /// greater than the last one delivered. Rows with the same value as the last one, added later,
    /// are not read again — use a strictly increasing column, or a destination that upserts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

impl ComponentConfig for SqliteReadConfig {
    fn reaches(&self) -> Vec<Reach> {
        vec![Reach::Reads {
            path: self.path.clone(),
        }]
    }
}

impl SourceConfig for SqliteReadConfig {
    fn build<'run>(
        &self,
        context: &BuildContext<'run>,
    ) -> Result<Box<dyn Source + 'run>, ComponentError> {
        let from = match (&self.table, &self.query) {
            (Some(table), None) => quote(table),
            (None, Some(query)) => format!("({})", query.trim().trim_end_matches(';')),
            _ => {
                return Err(ComponentError::failed(
                    "give either `table` or `query`, not both or neither",
                ));
            }
        };
        let path = context.resolve_path(&self.path);
        if !path.exists() {
            return Err(ComponentError::failed(format!(
                "the database {} does not exist",
                path.display()
            )));
        }
        let connection = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|error| {
            ComponentError::failed(format!("cannot open {}: {error}", path.display()))
        })?;
        connection
            .busy_timeout(std::time::Duration::from_secs(10))
            .map_err(|error| ComponentError::failed(error.to_string()))?;
        let last_cursor = match (&self.cursor, context.state) {
            (Some(_), Some(state)) => state
                .get("cursor")
                .filter(|value| !value.is_null())
                .map(Value::from),
            _ => None,
        };
        let sql = match (&self.cursor, &last_cursor) {
            (Some(cursor), Some(_)) => format!(
                "SELECT * FROM {from} AS source WHERE {0} > ?1 ORDER BY {0}",
                quote(cursor)
            ),
            (Some(cursor), None) => {
                format!("SELECT * FROM {from} AS source ORDER BY {}", quote(cursor))
            }
            (None, _) => format!("SELECT * FROM {from} AS source"),
        };
        Ok(Box::new(SqliteRead {
            connection,
            sql,
            cursor: self.cursor.clone(),
            last_cursor,
            path,
        }))
    }
}

struct SqliteRead {
    connection: Connection,
    sql: String,
    cursor: Option<String>,
    last_cursor: Option<Value>,
    path: PathBuf,
}

impl Source for SqliteRead {
    fn read(&mut self, out: &mut Output) -> Result<(), ComponentError> {
        let failed = |error: rusqlite::Error| {
            ComponentError::failed(format!("reading {}: {error}", self.path.display()))
        };
        let mut statement = self.connection.prepare(&self.sql).map_err(failed)?;
        let columns: Vec<String> = statement
            .column_names()
            .into_iter()
            .map(str::to_string)
            .collect();
        let cursor_index = match &self.cursor {
            Some(cursor) => Some(
                columns
                    .iter()
                    .position(|column| column == cursor)
                    .ok_or_else(|| {
                        ComponentError::failed(format!(
                            "the cursor column `{cursor}` is not among the columns ({})",
                            columns.join(", ")
                        ))
                    })?,
            ),
            None => None,
        };
        let parameters: Vec<rusqlite::types::Value> = self.last_cursor.iter().map(to_sql).collect();
        let mut rows = statement
            .query(rusqlite::params_from_iter(parameters))
            .map_err(failed)?;
        let mut last = None;
        let result =
            stream_rows(&mut rows, &columns, cursor_index, out, &mut last).map_err(|error| {
                match error {
                    RowError::Sql(error) => failed(error),
                    RowError::Output(error) => error,
                }
            });
        // Also on an early stop: everything up to the last emitted row has been handed on.
        if let Some(value) = last {
            out.checkpoint(json!({ "cursor": value }));
        }
        result
    }
}

enum RowError {
    Sql(rusqlite::Error),
    Output(ComponentError),
}

fn stream_rows(
    rows: &mut rusqlite::Rows<'_>,
    columns: &[String],
    cursor_index: Option<usize>,
    out: &mut Output,
    last: &mut Option<Value>,
) -> Result<(), RowError> {
    let mut schema = BatchSchema::new(Schema::new(columns));
    while let Some(row) = rows.next().map_err(RowError::Sql)? {
        let mut values = Vec::with_capacity(columns.len());
        let mut bytes = 0u64;
        for index in 0..columns.len() {
            let value = row.get_ref(index).map_err(RowError::Sql)?;
            bytes += match value {
                rusqlite::types::ValueRef::Text(text) | rusqlite::types::ValueRef::Blob(text) => {
                    text.len() as u64
                }
                _ => 8,
            };
            values.push(to_value(value));
        }
        let record = if schema.schema().len() == values.len() {
            Record::from_parts(schema.hand_out(), values)
        } else {
            columns.iter().zip(values).collect()
        };
        out.add_bytes(bytes);
        if let Some(index) = cursor_index {
            *last = Some(record[&columns[index]].clone());
        }
        out.emit(record).map_err(RowError::Output)?;
    }
    Ok(())
}
