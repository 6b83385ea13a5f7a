//! `mysql.write`: stages a run's records in a side table of the database with multi-row prepared
//! INSERTs, then publishes them — append, replace or upsert by key — when the run commits.

use std::sync::Arc;

use mysql::prelude::Queryable;
use mysql::{Conn, Statement, Value as SqlValue};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sluice_core::commit::Staging;
use sluice_core::component::{BuildContext, ComponentConfig, Reach, Sink, SinkConfig};
use sluice_core::credential::CredentialAccess;
use sluice_core::engine::Output;
use sluice_core::{Batch, ComponentError, Record};

use super::connect::{Place, connect, describe, settings};
use super::publish::{
    SEQUENCE, StagedTable, TableColumn, drop_staging, has_unique_key, no_unique_key, publish_rows,
    rename_into_place, table_columns,
};
use super::quote;
use super::values::{Staged, fit};
use crate::table_write::{
    BindPlans, WriteMode, append_advice, check_target, key_problem, new_fields, staging_table_name,
};

/// Writes records into a MySQL or MariaDB table, with a MySQL credential. A missing table is
/// created from the records' fields and types, and columns that appear later are added (MySQL
/// adds those at once, even if the run then fails: they stay, empty). The run's records are
/// staged beside the table and published when the run commits: a failed or cancelled run leaves
/// the table's rows exactly as they were, and readers never see them half written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MysqlWriteConfig {
    /// The table to write to, in the credential's database (created if missing).
    #[schemars(extend("x-sluice-widget" = "table"))]
    pub table: String,
    /// How the records meet the rows already in the table.
    #[serde(default)]
    pub mode: WriteMode,
    /// The fields that identify a row, for `upsert`, e.g. `["id"]`. The table needs a primary
    /// key or unique index on them (a table Sluice creates gets one).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("x-sluice-widget" = "column"))]
    pub key: Vec<String>,
}

/// MySQL's longest name, in characters.
const MAX_NAME: usize = 64;

/// The most rows one INSERT carries (and never more than MySQL's 65,535 placeholders).
const ROWS_PER_INSERT: usize = 500;

impl ComponentConfig for MysqlWriteConfig {
    fn reaches(&self) -> Vec<Reach> {
        let table = &self.table;
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

impl SinkConfig for MysqlWriteConfig {
    fn staging(&self, context: &BuildContext<'_>) -> Result<Staging, ComponentError> {
        check_target(&self.table, self.mode, &self.key).map_err(ComponentError::Failed)?;
        if self.table.chars().count() > MAX_NAME {
            return Err(ComponentError::failed(format!(
                "the table name “{}” is longer than MySQL's {MAX_NAME} characters: shorten it",
                self.table
            )));
        }
        let credential = context
            .credential
            .as_ref()
            .ok_or_else(|| ComponentError::failed("choose a MySQL credential for this node"))?;
        let (_, place) = settings(credential.as_ref()).map_err(ComponentError::Failed)?;
        let staged = StagedTable {
            credential: credential.name().to_string(),
            table: self.table.clone(),
            staging: staging_table_name(context),
            mode: self.mode,
            key: self.key.clone(),
        };
        let destination = format!("{}/{}", place.database_url(), self.table);
        Ok(Staging {
            kind: "mysql".into(),
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
        let credential = context
            .credential
            .clone()
            .ok_or_else(|| ComponentError::failed("choose a MySQL credential for this node"))?;
        let (mut connection, place) =
            connect(credential.as_ref()).map_err(ComponentError::failed)?;
        let fail = |error: mysql::Error| ComponentError::failed(describe(&error, &place));
        let target = table_columns(&mut connection, &staged.table).map_err(fail)?;
        let engine: Option<String> = connection
            .exec_first(
                "SELECT ENGINE FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?",
                (&staged.table,),
            )
            .map_err(fail)?;
        if let Some(engine) = engine.filter(|engine| !engine.eq_ignore_ascii_case("InnoDB")) {
            return Err(ComponentError::failed(format!(
                "the table {} uses the {engine} engine, which has no transactions, so a failed run could leave it half written: convert it (ALTER TABLE {} ENGINE = InnoDB) or write to another table",
                staged.table,
                quote(&staged.table)
            )));
        }
        if staged.mode == WriteMode::Upsert
            && target.is_some()
            && !has_unique_key(&mut connection, &staged.table, &staged.key).map_err(fail)?
        {
            return Err(no_unique_key(&staged.table, &staged.key));
        }
        Ok(Box::new(MysqlWrite {
            connection,
            credential,
            place,
            staged,
            target,
            columns: Vec::new(),
            plans: BindPlans::default(),
            statements: Vec::new(),
            rows: Vec::new(),
            phase: Phase::Staging,
        }))
    }
}

/// Where a sink is in its run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Inserting records into the staging table (created with the first batch).
    Staging,
    /// The rows are applied to the existing table in an open transaction.
    Publishing,
    /// The table is new: the staging table is renamed to it when the run commits.
    Renaming,
    /// Prepared with no records: there is nothing to publish.
    Empty,
}

/// A column of the staging table.
struct StagingColumn {
    name: String,
    staged: Staged,
}

struct MysqlWrite {
    connection: Conn,
    /// To connect again when the connection is lost and the staging table must go.
    credential: Arc<dyn CredentialAccess>,
    place: Place,
    staged: StagedTable,
    /// The table's columns, when it existed as the run started.
    target: Option<Vec<TableColumn>>,
    columns: Vec<StagingColumn>,
    plans: BindPlans,
    /// Prepared INSERTs by rows per statement.
    statements: Vec<(usize, Statement)>,
    /// Rows bound, waiting for a full INSERT.
    rows: Vec<Vec<SqlValue>>,
    phase: Phase,
}

impl MysqlWrite {
    fn fail(&self, error: &mysql::Error) -> ComponentError {
        ComponentError::failed(format!(
            "writing {}: {}",
            self.staged.table,
            describe(error, &self.place)
        ))
    }

    fn execute(&mut self, sql: &str) -> Result<(), ComponentError> {
        let result = self.connection.query_drop(sql);
        result.map_err(|error| self.fail(&error))
    }

    /// How a new column holds field `name`: as the table's column of that name does, or as the
    /// values of this batch suggest.
    fn staged_for(&self, name: &str, batch: &Batch) -> Staged {
        let existing = (self.target.iter().flatten()).find(|column| column.name == name);
        if let Some(column) = existing {
            return Staged::for_column(
                &column.data_type,
                &column.column_type,
                column.precision,
                column.scale,
            );
        }
        let key = self.staged.key.iter().any(|key| key == name);
        (batch.iter().filter_map(|record| record.get(name)))
            .filter_map(|value| Staged::for_value(value, key))
            .reduce(Staged::widen)
            .unwrap_or(Staged::Text { key })
    }

    /// Adds the staging columns this batch's fields (and the key) need: creates the staging
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
        if let Some(bad) = new
            .iter()
            .find(|name| name.chars().count() > MAX_NAME || name.as_str() == SEQUENCE)
        {
            return Err(ComponentError::failed(format!(
                "the field “{bad}” cannot be a MySQL column (at most {MAX_NAME} characters, and not {SEQUENCE}): rename it (e.g. with a map)"
            )));
        }
        self.insert_rows()?;
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
        let staging = quote(&self.staged.staging);
        let sql = if self.columns.is_empty() {
            let mut parts = definitions;
            if self.target.is_some() {
                parts.insert(
                    0,
                    format!("{} BIGINT AUTO_INCREMENT PRIMARY KEY", quote(SEQUENCE)),
                );
            } else if self.staged.mode == WriteMode::Upsert {
                let key: Vec<String> = self.staged.key.iter().map(|name| quote(name)).collect();
                parts.push(format!("PRIMARY KEY ({})", key.join(", ")));
            }
            format!(
                "CREATE TABLE {staging} ({}) DEFAULT CHARSET = utf8mb4",
                parts.join(", ")
            )
        } else {
            let adds: Vec<String> = (definitions.iter())
                .map(|definition| format!("ADD COLUMN {definition}"))
                .collect();
            format!("ALTER TABLE {staging} {}", adds.join(", "))
        };
        self.execute(&sql)?;
        // MySQL commits around every CREATE and ALTER: the rows that follow go in one
        // transaction again.
        self.execute("START TRANSACTION")?;
        self.columns.extend(added);
        self.plans.clear();
        self.statements.clear();
        Ok(())
    }

    /// One record's values bound for the staging table's columns; why not, when one does not fit.
    fn bind(&mut self, record: &Record) -> Result<Vec<SqlValue>, String> {
        if let Some(problem) = key_problem(record, &self.staged.key) {
            return Err(problem);
        }
        let names = self.columns.iter().map(|column| column.name.as_str());
        let positions = self.plans.positions(record.schema(), names);
        let values = record.values();
        (self.columns.iter().zip(positions))
            .map(|(column, position)| {
                let value = position.map(|position| &values[position]);
                fit(value, &column.staged)
                    .map_err(|problem| format!("field `{}`: {problem}", column.name))
            })
            .collect()
    }

    /// The rows per INSERT for this many columns.
    fn rows_per_insert(&self) -> usize {
        ROWS_PER_INSERT
            .min(65_535 / self.columns.len().max(1))
            .max(1)
    }

    /// The prepared INSERT of `rows` rows.
    fn statement(&mut self, rows: usize) -> Result<Statement, ComponentError> {
        if let Some((_, statement)) = self.statements.iter().find(|(count, _)| *count == rows) {
            return Ok(statement.clone());
        }
        let names: Vec<String> = self.columns.iter().map(|c| quote(&c.name)).collect();
        let row = format!("({})", vec!["?"; names.len()].join(", "));
        let mut sql = format!(
            "INSERT INTO {} ({}) VALUES {}",
            quote(&self.staged.staging),
            names.join(", "),
            vec![row; rows].join(", ")
        );
        if self.target.is_none() && self.staged.mode == WriteMode::Upsert {
            // The staging table is the new table: the last record of each key wins.
            let updates: Vec<String> = (names.iter())
                .map(|name| format!("{name} = VALUES({name})"))
                .collect();
            sql.push_str(&format!(" ON DUPLICATE KEY UPDATE {}", updates.join(", ")));
        }
        let prepared = self.connection.prep(sql);
        let statement = prepared.map_err(|error| self.fail(&error))?;
        self.statements.push((rows, statement.clone()));
        Ok(statement)
    }

    /// Inserts the rows waiting, many per statement.
    fn insert_rows(&mut self) -> Result<(), ComponentError> {
        let per_statement = self.rows_per_insert();
        while !self.rows.is_empty() {
            let count = self.rows.len().min(per_statement);
            let statement = self.statement(count)?;
            let parameters: Vec<SqlValue> = self.rows.drain(..count).flatten().collect();
            let result = self.connection.exec_drop(&statement, parameters);
            result.map_err(|error| self.fail(&error))?;
        }
        Ok(())
    }
}

impl Sink for MysqlWrite {
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
            match self.bind(&record) {
                Ok(values) => self.rows.push(values),
                Err(problem) => out.reject(record, problem)?,
            }
            if self.rows.len() >= self.rows_per_insert() {
                self.insert_rows()?;
            }
        }
        Ok(())
    }

    fn prepare(&mut self, out: &mut Output) -> Result<(), ComponentError> {
        self.insert_rows()?;
        // The staging table's rows become durable.
        self.execute("COMMIT")?;
        if self.columns.is_empty() {
            self.phase = Phase::Empty;
            return Ok(());
        }
        let fail = |error: mysql::Error| ComponentError::failed(describe(&error, &self.place));
        let existing = table_columns(&mut self.connection, &self.staged.table).map_err(fail)?;
        let staging = table_columns(&mut self.connection, &self.staged.staging).map_err(fail)?;
        let (Some(existing), Some(staging)) = (existing, staging) else {
            self.phase = Phase::Renaming;
            return Ok(());
        };
        self.phase = Phase::Publishing;
        publish_rows(
            &mut self.connection,
            &self.staged,
            &staging,
            &existing,
            &self.place,
            &mut |record, message| out.reject(record, message),
        )?;
        Ok(())
    }

    fn commit(mut self: Box<Self>) -> Result<(), ComponentError> {
        match self.phase {
            Phase::Publishing => self.execute("COMMIT")?,
            Phase::Renaming => {
                let fail =
                    |error: mysql::Error| ComponentError::failed(describe(&error, &self.place));
                let staging = table_columns(&mut self.connection, &self.staged.staging)
                    .map_err(fail)?
                    .unwrap_or_default();
                rename_into_place(&mut self.connection, &self.staged, &staging).map_err(fail)?;
            }
            Phase::Staging | Phase::Empty => {}
        }
        drop_staging(&mut self.connection, &self.staged);
        Ok(())
    }

    fn abort(mut self: Box<Self>) {
        let _ = self.connection.query_drop("ROLLBACK");
        // The staging table was committed when it was made (MySQL commits every CREATE): on a
        // lost connection, a new one removes it.
        if !drop_staging(&mut self.connection, &self.staged)
            && let Ok((mut connection, _)) = connect(self.credential.as_ref())
        {
            drop_staging(&mut connection, &self.staged);
        }
    }
}
