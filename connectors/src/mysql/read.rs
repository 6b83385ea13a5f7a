//! `mysql.read`: streams the rows of a table or a query (the server sends them as they are
//! read), in one consistent snapshot; with a cursor column, only the rows the last successful
//! run did not deliver — rows that share the last cursor value included.

use std::collections::HashSet;

use mysql::prelude::Queryable;
use mysql::{Conn, Params};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sluice_core::component::{BuildContext, ComponentConfig, Reach, Source, SourceConfig};
use sluice_core::engine::Output;
use sluice_core::{BatchSchema, ComponentError, Record, Schema};

use super::connect::{Place, connect, describe};
use super::quote;
use super::types::{Reading, cursor_cast, cursor_text, value};
use crate::cursor::{Delivered, Progress};

/// Reads rows from a MySQL or MariaDB table or query, with a MySQL credential. With `cursor`, the
/// read is incremental: rows come in cursor order, and the next run reads the rows past the last
/// cursor value this run delivered — and the rows with that same value it did not deliver yet —
/// once every destination has committed them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MysqlReadConfig {
    /// The table to read, in the credential's database. Give either `table` or `query`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-sluice-widget" = "table"))]
    pub table: Option<String>,
    /// Only these columns of the table, in this order; every column when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("x-sluice-widget" = "column"))]
    pub columns: Vec<String>,
    /// A condition the table's rows must meet, in SQL, e.g. `status = 'active'`.
    #[serde(default, rename = "where", skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-sluice-widget" = "sql"))]
    pub condition: Option<String>,
    /// A SELECT query to read instead of a table. Its columns need distinct names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-sluice-widget" = "sql"))]
    pub query: Option<String>,
    /// A column that only grows (an id, an `updated_at`): each run reads the rows past the last
    /// value delivered, and the rows with that same value that were not delivered yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-sluice-widget" = "column"))]
    pub cursor: Option<String>,
}

impl ComponentConfig for MysqlReadConfig {
    fn reaches(&self) -> Vec<Reach> {
        let what = match (&self.table, &self.query) {
            (_, Some(query)) => format!("runs the query {}", query.trim()),
            (Some(table), None) => {
                let condition = self.condition.as_deref().map(str::trim);
                match condition.filter(|condition| !condition.is_empty()) {
                    Some(condition) => format!("reads the table {table} where {condition}"),
                    None => format!("reads the table {table}"),
                }
            }
            (None, None) => return Vec::new(),
        };
        vec![Reach::Database { what }]
    }
}

impl MysqlReadConfig {
    /// The SELECT that reads what the node names.
    fn select(&self) -> Result<String, ComponentError> {
        match (&self.table, &self.query) {
            (Some(table), None) => {
                let columns = if self.columns.is_empty() {
                    "*".to_string()
                } else {
                    let quoted: Vec<String> = self.columns.iter().map(|c| quote(c)).collect();
                    quoted.join(", ")
                };
                let condition = match &self.condition {
                    Some(condition) if !condition.trim().is_empty() => {
                        format!(" WHERE ({condition})")
                    }
                    _ => String::new(),
                };
                Ok(format!("SELECT {columns} FROM {}{condition}", quote(table)))
            }
            (None, Some(query)) => Ok(query.trim().trim_end_matches(';').to_string()),
            _ => Err(ComponentError::failed(
                "give either `table` or `query`, not both or neither",
            )),
        }
    }
}

impl SourceConfig for MysqlReadConfig {
    fn build<'run>(
        &self,
        context: &BuildContext<'run>,
    ) -> Result<Box<dyn Source + 'run>, ComponentError> {
        let select = self.select()?;
        let credential = context
            .credential
            .clone()
            .ok_or_else(|| ComponentError::failed("choose a MySQL credential for this node"))?;
        let (connection, place) = connect(credential.as_ref()).map_err(ComponentError::failed)?;
        let delivered = match &self.cursor {
            Some(_) => Delivered::from_state(context.state),
            None => Delivered::default(),
        };
        Ok(Box::new(MysqlRead {
            connection,
            place,
            select,
            table: self.query.is_none().then(|| self.table.clone()).flatten(),
            cursor: self.cursor.clone(),
            delivered,
            limit: context.record_limit,
        }))
    }
}

struct MysqlRead {
    connection: Conn,
    place: Place,
    select: String,
    /// The table read, when the node names one (not a query).
    table: Option<String>,
    cursor: Option<String>,
    delivered: Delivered,
    /// A preview's limit: the server sends no more.
    limit: Option<u64>,
}

impl Source for MysqlRead {
    fn read(&mut self, out: &mut Output) -> Result<(), ComponentError> {
        let place = self.place.clone();
        let failed = |error: mysql::Error| {
            ComponentError::failed(format!("reading: {}", describe(&error, &place)))
        };
        self.connection
            .query_drop("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")
            .map_err(failed)?;
        let json_columns = json_columns(&mut self.connection);
        let described = self.connection.prep(&self.select).map_err(failed)?;
        let names: Vec<String> = (described.columns().iter())
            .map(|column| column.name_str().into_owned())
            .collect();
        if let Some(repeated) =
            (names.iter()).find(|name| names.iter().filter(|other| other == name).count() > 1)
        {
            return Err(ComponentError::failed(format!(
                "the query returns more than one column named `{repeated}`: name them apart with AS"
            )));
        }
        let cursor = match &self.cursor {
            Some(cursor) => Some(names.iter().position(|name| name == cursor).ok_or_else(
                || {
                    ComponentError::failed(format!(
                        "the cursor column `{cursor}` is not among the columns ({})",
                        names.join(", ")
                    ))
                },
            )?),
            None => None,
        };
        let mut sql = format!("SELECT * FROM ({}) AS source", self.select);
        let mut parameters = Vec::new();
        if let (Some(index), Some(last)) = (cursor, &self.delivered.last) {
            let column = quote(&names[index]);
            match cursor_cast(&described.columns()[index]) {
                Some(cast) => sql.push_str(&format!(" WHERE {column} >= CAST(? AS {cast})")),
                None => sql.push_str(&format!(" WHERE {column} >= ?")),
            }
            parameters.push(mysql::Value::from(last.as_str()));
        }
        if let Some(index) = cursor {
            sql.push_str(&format!(" ORDER BY {}", quote(&names[index])));
        }
        if let Some(limit) = self.limit {
            sql.push_str(&format!(" LIMIT {limit}"));
        }
        let mut progress = cursor
            .map(|index| Progress::new(index, cursor_text, std::mem::take(&mut self.delivered)));
        let mut schema = BatchSchema::new(Schema::new(&names));
        // Where each column comes from, as the query itself says (the wrapping below hides it).
        let json: Vec<bool> = (described.columns().iter())
            .map(|column| {
                let origin = (
                    column.org_table_str().into_owned(),
                    column.org_name_str().into_owned(),
                );
                let own = (
                    self.table.clone().unwrap_or_default(),
                    column.name_str().into_owned(),
                );
                json_columns.contains(&origin)
                    || (self.table.is_some() && json_columns.contains(&own))
            })
            .collect();
        let result = stream(
            &mut self.connection,
            &sql,
            parameters,
            &json,
            &mut schema,
            progress.as_mut(),
            out,
        )
        .map_err(|error| match error {
            Streamed::Server(error) => failed(error),
            Streamed::Stopped(error) => error,
        });
        if let Some(progress) = &progress {
            progress.checkpoint(out);
        }
        result
    }
}

/// Why streaming stopped.
enum Streamed {
    Server(mysql::Error),
    Stopped(ComponentError),
}

/// Runs `sql` and emits its rows as they arrive (`json`: which columns hold JSON).
fn stream(
    connection: &mut Conn,
    sql: &str,
    parameters: Vec<mysql::Value>,
    json: &[bool],
    schema: &mut BatchSchema,
    mut progress: Option<&mut Progress>,
    out: &mut Output,
) -> Result<(), Streamed> {
    let mut rows = connection
        .exec_iter(sql, Params::Positional(parameters))
        .map_err(Streamed::Server)?;
    let columns: Vec<mysql::Column> = rows.columns().as_ref().to_vec();
    let readings: Vec<Reading> = (columns.iter().zip(json))
        .map(|(column, json)| Reading::of(column, *json))
        .collect();
    for row in rows.by_ref() {
        let row = row.map_err(Streamed::Server)?;
        let raw = row.unwrap();
        let values: Vec<sluice_core::Value> = (raw.into_iter().zip(&readings).zip(&columns))
            .map(|((raw, reading), column)| value(raw, *reading, column))
            .collect();
        out.add_bytes(
            values
                .iter()
                .map(|value| value.size_in_bytes() as u64)
                .sum(),
        );
        let record = Record::from_parts(schema.hand_out(), values);
        if let Some(progress) = progress.as_deref_mut()
            && !progress.admit(&record)
        {
            continue;
        }
        out.emit(record).map_err(Streamed::Stopped)?;
    }
    Ok(())
}

/// MariaDB's JSON columns of the database (a `longtext` with a `json_valid` check named after the
/// column), as (table, column); none on MySQL, whose JSON columns say so themselves.
fn json_columns(connection: &mut Conn) -> HashSet<(String, String)> {
    connection
        .query::<(String, String), _>(
            "SELECT TABLE_NAME, CONSTRAINT_NAME FROM information_schema.CHECK_CONSTRAINTS \
             WHERE CONSTRAINT_SCHEMA = DATABASE() AND CHECK_CLAUSE LIKE 'json_valid(%'",
        )
        .map(|rows| rows.into_iter().collect())
        .unwrap_or_default()
}
