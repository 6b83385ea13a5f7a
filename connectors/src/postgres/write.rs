//! `postgres.write`: streams a run's records into a staging table with binary COPY, then
//! publishes them into the table in one transaction — append, replace or upsert by key.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sluice_core::commit::Staging;
use sluice_core::component::{BuildContext, ComponentConfig, Reach, Sink, SinkConfig};
use sluice_core::engine::Output;
use sluice_core::{Batch, ComponentError, Record, Value};

use super::connect::{Place, connect, describe, settings};
use super::copy::{CopyFailure, OpenCopy};
use super::encode::{ColumnKind, Staged, field};
use super::publish::{
    StagedTable, TableColumn, has_unique_key, no_unique_key, publish_staged, resolve_schema,
    table_columns,
};
use super::quote;
use crate::table_write::{
    BindPlans, WriteMode, append_advice, check_target, key_problem, new_fields, staging_table_name,
};

/// Writes records into a PostgreSQL table, with a PostgreSQL credential. A missing table is
/// created from the records' fields and types, and columns that appear later are added. The
/// run's records are copied into a staging table beside it and published in one transaction when
/// the run commits: a failed or cancelled run leaves the table exactly as it was, and readers
/// never see it half written or empty.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PostgresWriteConfig {
    /// The table to write to (created if missing).
    #[schemars(extend("x-sluice-widget" = "table"))]
    pub table: String,
    /// The table's schema; the user's current schema (usually `public`) when empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-sluice-widget" = "schema"))]
    pub schema: Option<String>,
    /// Create the schema when it does not exist.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub create_schema: bool,
    /// How the records meet the rows already in the table.
    #[serde(default)]
    pub mode: WriteMode,
    /// The fields that identify a row, for `upsert`, e.g. `["id"]`. The table needs a primary
    /// key or unique index on them (a table Sluice creates gets one).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("x-sluice-widget" = "column"))]
    pub key: Vec<String>,
}

/// PostgreSQL's longest name, in bytes.
const MAX_NAME: usize = 63;

/// Encoded rows handed to the COPY at a time.
const COPY_CHUNK: usize = 1 << 20;

impl ComponentConfig for PostgresWriteConfig {
    fn reaches(&self) -> Vec<Reach> {
        let table = match self.schema.as_deref().filter(|schema| !schema.is_empty()) {
            Some(schema) => format!("{schema}.{}", self.table),
            None => self.table.clone(),
        };
        let what = match self.mode {
            WriteMode::Append => format!("adds rows to the table {table}"),
            WriteMode::Replace => format!("replaces every row of the table {table}"),
            WriteMode::Upsert => format!(
                "inserts and updates rows of the table {table} by {}",
                self.key.join(", ")
            ),
        };
        vec![Reach::Database { what }]
    }

    fn advice(&self) -> Vec<(String, String)> {
        append_advice(self.mode, &self.key)
    }
}

impl PostgresWriteConfig {
    fn check(&self) -> Result<(), ComponentError> {
        check_target(&self.table, self.mode, &self.key).map_err(ComponentError::Failed)?;
        let names = [Some(&self.table), self.schema.as_ref()];
        if let Some(long) = names
            .into_iter()
            .flatten()
            .find(|name| name.len() > MAX_NAME)
        {
            return Err(ComponentError::failed(format!(
                "the name “{long}” is longer than PostgreSQL's {MAX_NAME} bytes: shorten it"
            )));
        }
        Ok(())
    }
}

impl SinkConfig for PostgresWriteConfig {
    fn staging(&self, context: &BuildContext<'_>) -> Result<Staging, ComponentError> {
        self.check()?;
        let credential = context.credential.as_ref().ok_or_else(|| {
            ComponentError::failed("choose a PostgreSQL credential for this node")
        })?;
        let (_, place) = settings(credential.as_ref()).map_err(ComponentError::Failed)?;
        let staged = StagedTable {
            credential: credential.name().to_string(),
            schema: self.schema.clone().filter(|schema| !schema.is_empty()),
            table: self.table.clone(),
            staging: staging_table_name(context),
            mode: self.mode,
            key: self.key.clone(),
            create_schema: self.create_schema,
        };
        let schema = staged.schema.as_deref().unwrap_or("(current schema)");
        let destination = format!("{}/{schema}.{}", place.database_url(), self.table);
        Ok(Staging {
            kind: "postgres".into(),
            lock_key: destination.clone(),
            destination,
            detail: serde_json::to_value(&staged)
                .map_err(|error| ComponentError::failed(error.to_string()))?,
        })
    }

    fn build<'run>(
        &self,
        context: &BuildContext<'run>,
        staging: &Staging,
    ) -> Result<Box<dyn Sink + 'run>, ComponentError> {
        let staged: StagedTable = serde_json::from_value(staging.detail.clone())
            .map_err(|error| ComponentError::failed(format!("unreadable staging: {error}")))?;
        let credential = context.credential.clone().ok_or_else(|| {
            ComponentError::failed("choose a PostgreSQL credential for this node")
        })?;
        let (mut client, place) = connect(credential.as_ref()).map_err(ComponentError::failed)?;
        let fail = |error: postgres::Error| ComponentError::failed(describe(&error, &place));
        client.batch_execute("BEGIN").map_err(fail)?;
        if let Some(schema) = staged.schema.as_deref().filter(|_| staged.create_schema) {
            client
                .batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {}", quote(schema)))
                .map_err(fail)?;
        }
        let schema =
            resolve_schema(&mut client, &staged, &place).map_err(ComponentError::Failed)?;
        let schema_exists = client
            .query_opt("SELECT 1 FROM pg_namespace WHERE nspname = $1", &[&schema])
            .map_err(fail)?
            .is_some();
        if !schema_exists {
            return Err(ComponentError::failed(format!(
                "the schema {schema} does not exist in {}: create it, or turn on “create schema”",
                place.database_url()
            )));
        }
        let target = table_columns(&mut client, &schema, &staged.table).map_err(fail)?;
        if staged.mode == WriteMode::Upsert
            && target.is_some()
            && !has_unique_key(&mut client, &schema, &staged.table, &staged.key).map_err(fail)?
        {
            return Err(no_unique_key(&schema, &staged.table, &staged.key));
        }
        Ok(Box::new(PostgresWrite {
            client: Some(client),
            copy: None,
            place,
            schema,
            staged,
            target: target.unwrap_or_default(),
            columns: Vec::new(),
            plans: BindPlans::default(),
            buffer: Vec::with_capacity(COPY_CHUNK + (64 << 10)),
            phase: Phase::Staging,
        }))
    }
}

/// Where a sink is in its run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Copying records into the staging table (created with the first batch), in a transaction.
    Staging,
    /// The staging table is committed; its rows are applied to the table in an open transaction.
    Publishing,
    /// Prepared with no records: there is nothing to publish.
    Empty,
}

/// A column of the staging table.
struct StagingColumn {
    name: String,
    staged: Staged,
}

struct PostgresWrite {
    /// The connection, while no COPY holds it.
    client: Option<postgres::Client>,
    /// The COPY into the staging table, while one is open.
    copy: Option<OpenCopy>,
    place: Place,
    /// The schema, resolved.
    schema: String,
    staged: StagedTable,
    /// The table's columns, when it exists.
    target: Vec<TableColumn>,
    columns: Vec<StagingColumn>,
    plans: BindPlans,
    /// Rows encoded for COPY, not yet handed to it.
    buffer: Vec<u8>,
    phase: Phase,
}

impl PostgresWrite {
    fn fail(&self, error: &postgres::Error) -> ComponentError {
        ComponentError::failed(format!(
            "writing {}.{}: {}",
            self.schema,
            self.staged.table,
            describe(error, &self.place)
        ))
    }

    fn staging_name(&self) -> String {
        format!("{}.{}", quote(&self.schema), quote(&self.staged.staging))
    }

    /// How a new column holds field `name`: as the table's column of that name does, or as the
    /// values of this batch suggest.
    fn staged_for(&self, name: &str, batch: &Batch) -> Staged {
        if let Some(column) = self.target.iter().find(|column| column.name == name) {
            return Staged::for_column(&column.column_type, column.numeric);
        }
        let mut kind: Option<ColumnKind> = None;
        for value in batch.iter().filter_map(|record| record.get(name)) {
            let Some(next) = ColumnKind::for_value(value) else {
                continue;
            };
            kind = match kind {
                None => Some(next),
                Some(kind) => match kind.widen(next) {
                    Some(wider) => Some(wider),
                    None => return Staged::Binary(ColumnKind::Text),
                },
            };
        }
        Staged::Binary(kind.unwrap_or(ColumnKind::Text))
    }

    /// Adds the staging columns that this batch's fields (and the key) need: creates the staging
    /// table with the first batch.
    fn add_columns(&mut self, batch: &Batch) -> Result<(), ComponentError> {
        let key: &[String] = if self.columns.is_empty() {
            &self.staged.key
        } else {
            &[]
        };
        let new = new_fields(batch, key, |name| {
            self.columns.iter().any(|c| c.name == name)
        });
        if new.is_empty() {
            return Ok(());
        }
        if let Some(long) = new.iter().find(|name| name.len() > MAX_NAME) {
            return Err(ComponentError::failed(format!(
                "the field “{long}” is longer than PostgreSQL's {MAX_NAME}-byte column names: rename it (e.g. with a map)"
            )));
        }
        let added: Vec<StagingColumn> = new
            .into_iter()
            .map(|name| StagingColumn {
                staged: self.staged_for(&name, batch),
                name,
            })
            .collect();
        let definitions: Vec<String> = added
            .iter()
            .map(|column| format!("{} {}", quote(&column.name), column.staged.sql_type()))
            .collect();
        let sql = if self.columns.is_empty() {
            format!(
                "CREATE TABLE {} ({})",
                self.staging_name(),
                definitions.join(", ")
            )
        } else {
            let adds: Vec<String> = definitions
                .iter()
                .map(|definition| format!("ADD COLUMN {definition}"))
                .collect();
            format!("ALTER TABLE {} {}", self.staging_name(), adds.join(", "))
        };
        self.execute(&sql)?;
        self.columns.extend(added);
        self.plans.clear();
        Ok(())
    }

    /// Encodes one record as a COPY row; why not, when a field does not fit its column.
    fn encode(&mut self, record: &Record) -> Result<(), String> {
        if let Some(problem) = key_problem(record, &self.staged.key) {
            return Err(problem);
        }
        let names = self.columns.iter().map(|column| column.name.as_str());
        let positions = self.plans.positions(record.schema(), names);
        let start = self.buffer.len();
        let count = i16::try_from(self.columns.len()).unwrap_or(i16::MAX);
        self.buffer.extend_from_slice(&count.to_be_bytes());
        let values = record.values();
        for (column, position) in self.columns.iter().zip(positions) {
            let value: Option<&Value> = position.map(|position| &values[position]);
            if let Err(problem) = field(value, column.staged, &mut self.buffer) {
                self.buffer.truncate(start);
                return Err(format!("field `{}`: {problem}", column.name));
            }
        }
        Ok(())
    }

    /// Runs `sql` once any open COPY has ended.
    fn execute(&mut self, sql: &str) -> Result<(), ComponentError> {
        let result = self.client()?.batch_execute(sql);
        result.map_err(|error| self.fail(&error))
    }

    /// The connection, once any open COPY has ended (its failure, when it failed).
    fn client(&mut self) -> Result<&mut postgres::Client, ComponentError> {
        self.flush()?;
        if let Some(copy) = self.copy.take() {
            let (client, result) = copy.close();
            self.client = Some(client);
            if let Err(failure) = result {
                return Err(self.copy_failed(failure));
            }
        }
        self.client
            .as_mut()
            .ok_or_else(|| ComponentError::failed("the connection to PostgreSQL was lost"))
    }

    /// Hands the encoded rows to the COPY (opened with the first rows).
    fn flush(&mut self) -> Result<(), ComponentError> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let rows = std::mem::replace(
            &mut self.buffer,
            Vec::with_capacity(COPY_CHUNK + (64 << 10)),
        );
        if self.copy.is_none() {
            let names: Vec<String> = self.columns.iter().map(|c| quote(&c.name)).collect();
            let sql = format!(
                "COPY {} ({}) FROM STDIN (FORMAT binary)",
                self.staging_name(),
                names.join(", ")
            );
            let client = self
                .client
                .take()
                .ok_or_else(|| ComponentError::failed("the connection to PostgreSQL was lost"))?;
            self.copy = Some(OpenCopy::start(client, sql));
        }
        let sent = self.copy.as_ref().is_some_and(|copy| copy.send(rows));
        if !sent {
            // The COPY stopped: closing it says why.
            self.client()?;
        }
        Ok(())
    }

    fn copy_failed(&self, failure: CopyFailure) -> ComponentError {
        match failure {
            CopyFailure::Server(error) => self.fail(&error),
            CopyFailure::Connection(error) => ComponentError::failed(format!(
                "writing {}.{}: the connection to {} failed: {error}",
                self.schema,
                self.staged.table,
                self.place.database_url()
            )),
        }
    }
}

impl Sink for PostgresWrite {
    fn write(&mut self, batch: Batch, out: &mut Output) -> Result<(), ComponentError> {
        if batch.is_empty() {
            return Ok(());
        }
        self.add_columns(&batch)?;
        if self.columns.is_empty() {
            // No field in any record yet: a row needs at least one column.
            for record in batch {
                out.reject(record, "the record has no fields to write".to_string())?;
            }
            return Ok(());
        }
        for record in batch {
            if let Err(problem) = self.encode(&record) {
                out.reject(record, problem)?;
            }
        }
        if self.buffer.len() >= COPY_CHUNK {
            self.flush()?;
        }
        Ok(())
    }

    fn prepare(&mut self, out: &mut Output) -> Result<(), ComponentError> {
        // The staging table becomes durable; then the table takes its rows in a transaction that
        // stays open until the run's decision.
        self.execute("COMMIT")?;
        if self.columns.is_empty() {
            self.phase = Phase::Empty;
            return Ok(());
        }
        self.execute("BEGIN")?;
        self.phase = Phase::Publishing;
        let (staged, schema, place) = (&self.staged, &self.schema, &self.place);
        let client = self
            .client
            .as_mut()
            .ok_or_else(|| ComponentError::failed("the connection to PostgreSQL was lost"))?;
        publish_staged(client, staged, schema, place, &mut |record, message| {
            out.reject(record, message)
        })?;
        Ok(())
    }

    fn commit(mut self: Box<Self>) -> Result<(), ComponentError> {
        if self.phase != Phase::Publishing {
            return Ok(());
        }
        self.execute("COMMIT")
    }

    fn abort(mut self: Box<Self>) {
        self.buffer.clear();
        let _ = self.client();
        let _ = self.execute("ROLLBACK");
        let drop = format!("DROP TABLE IF EXISTS {}", self.staging_name());
        let _ = self.execute(&drop);
    }
}
