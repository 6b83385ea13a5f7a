//! `sql`: a SQL query over the node's inputs, in a SQLite database of its own (a temporary file,
//! so inputs larger than memory work): each input is a table named after the node it comes from.

use std::collections::HashMap;
use std::path::PathBuf;

use rusqlite::Connection;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sluice_core::component::{
    BuildContext, ComponentConfig, ComponentError, Input, Transform, TransformConfig,
};
use sluice_core::engine::Output;
use sluice_core::record::{Batch, BatchSchema, Record, Schema};
use sluice_core::spill::SpillArea;

use super::{Bind, column_type, quote, to_value};

/// Runs a SQL query (SQLite's dialect: joins, CTEs, window functions) over the records of every
/// node connected to it; each input is a table named after its node (`orders`, `customers`). One
/// `SELECT` (or `WITH … SELECT`); it cannot change anything or open files.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SqlConfig {
    /// The query, e.g. `SELECT country, SUM(total) AS sales FROM orders JOIN customers ON customers.id = orders.customer_id GROUP BY country`.
    #[schemars(extend("x-sluice-widget" = "sql"))]
    pub query: String,
}

impl ComponentConfig for SqlConfig {}

impl TransformConfig for SqlConfig {
    fn build<'run>(
        &self,
        context: &BuildContext<'run>,
    ) -> Result<Box<dyn Transform + 'run>, ComponentError> {
        if self.query.trim().is_empty() {
            return Err(ComponentError::failed(
                "`query` is empty; write the SELECT to run",
            ));
        }
        let area = SpillArea::new()?;
        let path = area.folder().join("inputs.db");
        let connection = Connection::open(&path).map_err(|error| {
            ComponentError::failed(format!("cannot make the query's database: {error}"))
        })?;
        // Nothing to keep after the node: no journal, no waiting for the disk; no other files.
        connection
            .execute_batch(
                "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA temp_store = FILE;",
            )
            .map_err(|error| {
                ComponentError::failed(format!("cannot set up the query's database: {error}"))
            })?;
        // No ATTACH: the query sees its inputs and nothing else on this machine.
        connection
            .set_limit(rusqlite::limits::Limit::SQLITE_LIMIT_ATTACHED, 0)
            .map_err(|error| {
                ComponentError::failed(format!("cannot set up the query's database: {error}"))
            })?;
        Ok(Box::new(SqlQuery {
            query: self.query.clone(),
            connection,
            tables: HashMap::new(),
            _area: area,
            path,
            expected: context
                .upstream
                .iter()
                .map(|input| input.from.to_string())
                .collect(),
        }))
    }
}

/// One input's table: its columns so far.
struct Table {
    columns: Vec<String>,
}

struct SqlQuery {
    query: String,
    connection: Connection,
    tables: HashMap<String, Table>,
    /// The database's folder, removed with the node.
    _area: SpillArea,
    path: PathBuf,
    /// The nodes feeding it: each gets a table, even one that sends nothing.
    expected: Vec<String>,
}

impl SqlQuery {
    /// The table for records from `from`, made (or widened) to hold `record`'s fields.
    fn table_for(&mut self, from: &str, record: &Record) -> Result<(), ComponentError> {
        let failed = |error: rusqlite::Error| {
            ComponentError::failed(format!(
                "cannot keep the records of `{from}` for the query: {error}"
            ))
        };
        match self.tables.get_mut(from) {
            None => {
                let columns: Vec<String> = record.keys().map(str::to_string).collect();
                let definitions: Vec<String> = record
                    .iter()
                    .map(|(name, value)| match column_type(value) {
                        Some(kind) => format!("{} {kind}", quote(name)),
                        None => quote(name),
                    })
                    .collect();
                let definitions = match definitions.is_empty() {
                    true => "\"_no_fields\"".to_string(),
                    false => definitions.join(", "),
                };
                self.connection
                    .execute_batch(&format!("CREATE TABLE {} ({definitions})", quote(from)))
                    .map_err(failed)?;
                self.tables.insert(from.to_string(), Table { columns });
            }
            Some(table) => {
                for name in record.keys() {
                    if !table.columns.iter().any(|column| column == name) {
                        self.connection
                            .execute_batch(&format!(
                                "ALTER TABLE {} ADD COLUMN {}",
                                quote(from),
                                quote(name)
                            ))
                            .map_err(failed)?;
                        table.columns.push(name.to_string());
                    }
                }
            }
        }
        Ok(())
    }

    fn insert(&mut self, from: &str, batch: &Batch) -> Result<(), ComponentError> {
        for record in batch {
            self.table_for(from, record)?;
        }
        let Some(table) = self.tables.get(from) else {
            return Ok(());
        };
        let columns: Vec<String> = table.columns.iter().map(|column| quote(column)).collect();
        let marks = vec!["?"; columns.len()].join(", ");
        let sql = format!(
            "INSERT INTO {} ({}) VALUES ({marks})",
            quote(from),
            columns.join(", ")
        );
        let failed = |error: rusqlite::Error| {
            ComponentError::failed(format!(
                "cannot keep the records of `{from}` for the query: {error}"
            ))
        };
        let transaction = self.connection.unchecked_transaction().map_err(failed)?;
        {
            let mut statement = transaction.prepare_cached(&sql).map_err(failed)?;
            for record in batch {
                let values: Vec<Bind<'_>> = table
                    .columns
                    .iter()
                    .map(|column| Bind(record.get(column)))
                    .collect();
                statement
                    .execute(rusqlite::params_from_iter(values))
                    .map_err(failed)?;
            }
        }
        transaction.commit().map_err(failed)
    }

    /// Runs the query, handing on each row as a record; a cancel interrupts it.
    fn run(&mut self, out: &mut Output) -> Result<(), ComponentError> {
        for from in self.expected.clone() {
            if !self.tables.contains_key(&from) {
                self.table_for(&from, &Record::new())?;
            }
        }
        let refused =
            |error: rusqlite::Error| ComponentError::failed(format!("the query: {error}"));
        let (statement_text, rest) = split_first_statement(&self.query);
        if !rest.trim().is_empty() {
            return Err(ComponentError::failed(
                "the query: write one statement (a SELECT); what follows the first `;` is not run",
            ));
        }
        let mut statement = self.connection.prepare(statement_text).map_err(refused)?;
        if !statement.readonly() || statement.column_count() == 0 {
            return Err(ComponentError::failed(
                "the query must be a SELECT (or WITH … SELECT): it reads the inputs and changes nothing",
            ));
        }
        let mut schema = BatchSchema::new(Schema::new(statement.column_names()));
        let width = schema.schema().len();
        let control = out.control();
        let interrupt = self.connection.get_interrupt_handle();
        let finished = std::sync::atomic::AtomicBool::new(false);
        std::thread::scope(|scope| {
            // A cancel stops a query that runs long inside one step (a big sort, a runaway CTE).
            scope.spawn(|| {
                while !finished.load(std::sync::atomic::Ordering::Relaxed) {
                    if control.is_stopping() {
                        interrupt.interrupt();
                        return;
                    }
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
            });
            let result = (|| {
                let mut rows = statement.query([]).map_err(refused)?;
                while let Some(row) = rows.next().map_err(refused)? {
                    let values = (0..width)
                        .map(|index| row.get_ref(index).map(to_value))
                        .collect::<Result<Vec<_>, _>>()
                        .map_err(refused)?;
                    out.emit(Record::from_parts(schema.hand_out(), values))?;
                }
                Ok(())
            })();
            finished.store(true, std::sync::atomic::Ordering::Relaxed);
            result
        })?;
        let size = std::fs::metadata(&self.path)
            .map(|meta| meta.len())
            .unwrap_or(0);
        out.add_spilled(size);
        Ok(())
    }
}

/// The first statement of `sql` and what follows it (a `;` in quotes or comments counts not).
fn split_first_statement(sql: &str) -> (&str, &str) {
    let bytes = sql.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        let closing: Option<&[u8]> = match bytes[at] {
            b'\'' => Some(b"'"),
            b'"' => Some(b"\""),
            b'`' => Some(b"`"),
            b'[' => Some(b"]"),
            b'-' if bytes.get(at + 1) == Some(&b'-') => Some(b"\n"),
            b'/' if bytes.get(at + 1) == Some(&b'*') => Some(b"*/"),
            b';' => return (&sql[..at], &sql[at + 1..]),
            _ => None,
        };
        at += 1;
        if let Some(closing) = closing {
            let skip = if closing == b"*/" || closing == b"\n" {
                1
            } else {
                0
            };
            at += skip;
            match bytes[at..]
                .windows(closing.len())
                .position(|window| window == closing)
            {
                Some(found) => at += found + closing.len(),
                None => return (sql, ""),
            }
        }
    }
    (sql, "")
}

impl Transform for SqlQuery {
    fn transform(
        &mut self,
        input: Input<'_>,
        batch: Batch,
        _out: &mut Output,
    ) -> Result<(), ComponentError> {
        self.insert(input.from, &batch)
    }

    fn finish(&mut self, out: &mut Output) -> Result<(), ComponentError> {
        self.run(out)
    }
}

#[cfg(test)]
mod tests;
