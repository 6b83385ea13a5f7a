//! `postgres.read`: streams the rows of a table or a query through a server-side cursor, in one
//! read-only snapshot; with a cursor column, only the rows the last successful run did not
//! deliver — rows that share the last cursor value included.

use postgres::types::{ToSql, Type};
use postgres::{IsolationLevel, Row};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sluice_core::component::{BuildContext, ComponentConfig, Reach, Source, SourceConfig};
use sluice_core::engine::Output;
use sluice_core::{BatchSchema, ComponentError, Record, Schema};

use super::connect::{Place, connect, describe};
use super::quote;
use super::types::{reading, select_item, value};
use crate::cursor::{Delivered, Progress};

/// Rows fetched from the server at a time: memory stays bounded whatever the table's size.
const FETCH_ROWS: i32 = 1000;

/// Reads rows from a PostgreSQL table or query, with a PostgreSQL credential. With `cursor`, the
/// read is incremental: rows come in cursor order, and the next run reads the rows past the last
/// cursor value this run delivered — and the rows with that same value it did not deliver yet —
/// once every destination has committed them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PostgresReadConfig {
    /// The table to read. Give either `table` or `query`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-sluice-widget" = "table"))]
    pub table: Option<String>,
    /// The table's schema; the user's search path (usually `public`) when empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-sluice-widget" = "schema"))]
    pub schema: Option<String>,
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

impl ComponentConfig for PostgresReadConfig {
    fn reaches(&self) -> Vec<Reach> {
        let what = match (&self.table, &self.query) {
            (_, Some(query)) => format!("runs the query {}", query.trim()),
            (Some(table), None) => {
                let schema = self.schema.as_deref().filter(|schema| !schema.is_empty());
                let mut what = match schema {
                    Some(schema) => format!("reads the table {schema}.{table}"),
                    None => format!("reads the table {table}"),
                };
                if let Some(condition) = self
                    .condition
                    .as_deref()
                    .filter(|text| !text.trim().is_empty())
                {
                    what.push_str(&format!(" where {}", condition.trim()));
                }
                what
            }
            (None, None) => return Vec::new(),
        };
        vec![Reach::Database { what }]
    }
}

impl PostgresReadConfig {
    /// The SELECT that reads what the node names, before columns are typed.
    fn select(&self) -> Result<String, ComponentError> {
        match (&self.table, &self.query) {
            (Some(table), None) => {
                let columns = if self.columns.is_empty() {
                    "*".to_string()
                } else {
                    let quoted: Vec<String> =
                        self.columns.iter().map(|column| quote(column)).collect();
                    quoted.join(", ")
                };
                let table = match &self.schema {
                    Some(schema) if !schema.is_empty() => {
                        format!("{}.{}", quote(schema), quote(table))
                    }
                    _ => quote(table),
                };
                let condition = match &self.condition {
                    Some(condition) if !condition.trim().is_empty() => {
                        format!(" WHERE ({condition})")
                    }
                    _ => String::new(),
                };
                Ok(format!("SELECT {columns} FROM {table}{condition}"))
            }
            (None, Some(query)) => Ok(query.trim().trim_end_matches(';').to_string()),
            _ => Err(ComponentError::failed(
                "give either `table` or `query`, not both or neither",
            )),
        }
    }
}

impl SourceConfig for PostgresReadConfig {
    fn build<'run>(
        &self,
        context: &BuildContext<'run>,
    ) -> Result<Box<dyn Source + 'run>, ComponentError> {
        let select = self.select()?;
        let credential = context.credential.clone().ok_or_else(|| {
            ComponentError::failed("choose a PostgreSQL credential for this node")
        })?;
        let (client, place) = connect(credential.as_ref()).map_err(ComponentError::failed)?;
        let delivered = match &self.cursor {
            Some(_) => Delivered::from_state(context.state),
            None => Delivered::default(),
        };
        Ok(Box::new(PostgresRead {
            client,
            place,
            select,
            cursor: self.cursor.clone(),
            delivered,
        }))
    }
}

struct PostgresRead {
    client: postgres::Client,
    place: Place,
    select: String,
    cursor: Option<String>,
    /// What the last successful run delivered.
    delivered: Delivered,
}

impl Source for PostgresRead {
    fn read(&mut self, out: &mut Output) -> Result<(), ComponentError> {
        let place = self.place.clone();
        let failed = |error: postgres::Error| {
            ComponentError::failed(format!("reading: {}", describe(&error, &place)))
        };
        let mut transaction = self
            .client
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .map_err(failed)?;
        let described = transaction.prepare(&self.select).map_err(failed)?;
        let columns: Vec<(String, Type)> = described
            .columns()
            .iter()
            .map(|column| (column.name().to_string(), column.type_().clone()))
            .collect();
        let names: Vec<&str> = columns.iter().map(|(name, _)| name.as_str()).collect();
        if let Some(repeated) =
            (names.iter()).find(|name| names.iter().filter(|other| other == name).count() > 1)
        {
            return Err(ComponentError::failed(format!(
                "the query returns more than one column named `{repeated}`: name them apart with AS"
            )));
        }
        let cursor = match &self.cursor {
            Some(cursor) => Some(
                columns
                    .iter()
                    .position(|(name, _)| name == cursor)
                    .ok_or_else(|| {
                        ComponentError::failed(format!(
                            "the cursor column `{cursor}` is not among the columns ({})",
                            names.join(", ")
                        ))
                    })?,
            ),
            None => None,
        };
        let items: Vec<String> = (columns.iter())
            .map(|(name, column_type)| select_item(name, reading(column_type)))
            .collect();
        let mut sql = format!(
            "SELECT {} FROM ({}) AS source",
            items.join(", "),
            self.select
        );
        let mut parameters: Vec<&(dyn ToSql + Sync)> = Vec::new();
        if let (Some(index), Some(last)) = (cursor, &self.delivered.last) {
            let (name, column_type) = &columns[index];
            sql.push_str(&format!(
                " WHERE {} >= ($1::text)::{}.{}",
                quote(name),
                quote(column_type.schema()),
                quote(column_type.name())
            ));
            parameters.push(last);
        }
        if let Some(index) = cursor {
            sql.push_str(&format!(" ORDER BY {}", quote(&columns[index].0)));
        }
        let statement = transaction.prepare(&sql).map_err(failed)?;
        let types: Vec<Type> = (statement.columns().iter())
            .map(|column| column.type_().clone())
            .collect();
        let portal = transaction.bind(&statement, &parameters).map_err(failed)?;
        let mut schema = BatchSchema::new(Schema::new(&names));
        let mut progress = cursor.map(|index| {
            Progress::new(
                index,
                |value| value.to_text().into_owned(),
                std::mem::take(&mut self.delivered),
            )
        });
        let result = loop {
            let rows = transaction
                .query_portal(&portal, FETCH_ROWS)
                .map_err(failed)?;
            if rows.is_empty() {
                break Ok(());
            }
            if let Err(error) = deliver(&rows, &mut schema, &types, progress.as_mut(), out) {
                break Err(error);
            }
        };
        if let Some(progress) = &progress {
            progress.checkpoint(out);
        }
        result
    }
}

/// Emits a fetch of rows; with a cursor, skips the rows already delivered with the last value and
/// keeps track of the new last value.
fn deliver(
    rows: &[Row],
    schema: &mut BatchSchema,
    types: &[Type],
    mut progress: Option<&mut Progress>,
    out: &mut Output,
) -> Result<(), ComponentError> {
    for row in rows {
        let mut values = Vec::with_capacity(types.len());
        for (index, column_type) in types.iter().enumerate() {
            values.push(value(row, index, column_type).map_err(|error| {
                ComponentError::failed(format!(
                    "column `{}`: {error}",
                    schema.schema().names()[index]
                ))
            })?);
        }
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
        out.emit(record)?;
    }
    Ok(())
}
