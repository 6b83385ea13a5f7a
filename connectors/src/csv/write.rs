//! `csv.write`: writes records to a CSV file through a staging file renamed on commit.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sluice_core::commit::Staging;
use sluice_core::component::{BuildContext, ComponentConfig, Reach, Sink, SinkConfig};
use sluice_core::engine::Output;
use sluice_core::{Batch, ComponentError, Schema, Value};

use crate::file::StagedFile;

/// Writes records to a CSV file with a header row. The file is written beside its target and
/// only replaces it when the whole run succeeds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CsvWriteConfig {
    /// The CSV file to write. A relative path is resolved against the flow file's folder.
    #[schemars(extend("x-sluice-widget" = "path"))]
    pub path: PathBuf,
    /// The columns, in order. Default: the fields of the first record. A record with a field
    /// that is not a column is an error (see `on_error`); a missing field is left empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub columns: Option<Vec<String>>,
    /// The character between fields: `,` (default), `;`, `\t` for a tab, …
    #[serde(default = "super::default_delimiter")]
    pub delimiter: String,
    /// Add to the end of an existing file (keeping its columns) instead of replacing it.
    #[serde(default)]
    pub append: bool,
    /// Write a header row (not repeated when appending to a file that has one).
    #[serde(default = "super::default_true")]
    pub header: bool,
}

impl ComponentConfig for CsvWriteConfig {
    fn reaches(&self) -> Vec<Reach> {
        vec![Reach::Writes {
            path: self.path.clone(),
        }]
    }
}

impl SinkConfig for CsvWriteConfig {
    fn staging(&self, context: &BuildContext<'_>) -> Result<Staging, ComponentError> {
        crate::file::file_staging(
            &context.resolve_path(&self.path),
            context.run_id,
            self.append,
        )
    }

    fn build<'run>(
        &self,
        _context: &BuildContext<'run>,
        staging: &Staging,
    ) -> Result<Box<dyn Sink + 'run>, ComponentError> {
        let delimiter = super::single_byte(&self.delimiter, "delimiter")?;
        let (staged, file) = StagedFile::create(staging)?;
        let mut columns = self.columns.clone();
        let mut header_written = false;
        if self.append && staged.target_has_content()? {
            if self.header && columns.is_none() {
                columns = existing_header(staged.target(), delimiter)?;
            }
            header_written = self.header;
        }
        let writer = csv::WriterBuilder::new()
            .delimiter(delimiter)
            .from_writer(file);
        Ok(Box::new(CsvWrite {
            staged,
            writer,
            columns,
            write_header: self.header && !header_written,
            row: Vec::new(),
            plan: None,
        }))
    }
}

/// The most bytes the header row of a file appended to may take.
const MAX_HEADER_BYTES: u64 = 1 << 20;

/// The header row of an existing CSV file (only the first record is read).
fn existing_header(path: &Path, delimiter: u8) -> Result<Option<Vec<String>>, ComponentError> {
    let file = File::open(path).map_err(|error| ComponentError::io("read", path, &error))?;
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .from_reader(std::io::Read::take(file, MAX_HEADER_BYTES));
    let mut header = csv::StringRecord::new();
    match reader.read_record(&mut header) {
        Ok(true) if reader.position().byte() >= MAX_HEADER_BYTES => {
            Err(ComponentError::failed(format!(
                "the header row of {} is longer than {MAX_HEADER_BYTES} bytes; is it a CSV file?",
                path.display()
            )))
        }
        Ok(true) => Ok(Some(header.iter().map(str::to_string).collect())),
        Ok(false) => Ok(None),
        Err(error) => Err(ComponentError::failed(format!(
            "cannot read the header of {}: {error}",
            path.display()
        ))),
    }
}

struct CsvWrite {
    staged: StagedFile,
    writer: csv::Writer<BufWriter<File>>,
    columns: Option<Vec<String>>,
    write_header: bool,
    row: Vec<String>,
    /// For the last schema seen: each column's position in it, and a field that is no column.
    plan: Option<ColumnPlan>,
}

struct ColumnPlan {
    schema: Arc<Schema>,
    positions: Vec<Option<usize>>,
    extra: Option<String>,
}

impl ColumnPlan {
    fn new(schema: &Arc<Schema>, columns: &[String]) -> ColumnPlan {
        ColumnPlan {
            schema: schema.clone(),
            positions: columns
                .iter()
                .map(|column| schema.position(column))
                .collect(),
            extra: schema
                .names()
                .iter()
                .find(|name| {
                    !columns
                        .iter()
                        .any(|column| column.as_str() == name.as_ref())
                })
                .map(|name| name.to_string()),
        }
    }
}

impl CsvWrite {
    fn write_error(&self, error: &csv::Error) -> ComponentError {
        ComponentError::failed(format!(
            "cannot write {}: {error}",
            self.staged.staging_path().display()
        ))
    }
}

/// A value as CSV text (see [`Value::to_text`]).
fn cell(value: &Value, into: &mut String) {
    into.clear();
    value.write_text(into);
}

impl Sink for CsvWrite {
    fn write(&mut self, batch: Batch, out: &mut Output) -> Result<(), ComponentError> {
        for record in batch {
            let columns = self
                .columns
                .get_or_insert_with(|| record.keys().map(str::to_string).collect());
            if !self
                .plan
                .as_ref()
                .is_some_and(|plan| Arc::ptr_eq(&plan.schema, record.schema()))
            {
                self.plan = Some(ColumnPlan::new(record.schema(), columns));
            }
            let plan = self.plan.as_ref().expect("set above");
            if let Some(extra) = &plan.extra {
                let message = format!(
                    "field `{extra}` is not one of the CSV columns ({}); add it to `columns` or drop it with a map",
                    columns.join(", ")
                );
                out.reject(record, message)?;
                continue;
            }
            if self.write_header {
                self.write_header = false;
                let header = columns.clone();
                self.writer
                    .write_record(&header)
                    .map_err(|error| self.write_error(&error))?;
            }
            self.row.resize(plan.positions.len(), String::new());
            for (cell_text, position) in self.row.iter_mut().zip(&plan.positions) {
                match position {
                    Some(position) => cell(&record.values()[*position], cell_text),
                    None => cell_text.clear(),
                }
            }
            self.writer
                .write_record(&self.row)
                .map_err(|error| self.write_error(&error))?;
        }
        Ok(())
    }

    fn prepare(&mut self, _out: &mut Output) -> Result<(), ComponentError> {
        if self.write_header
            && let Some(columns) = self.columns.clone()
        {
            self.write_header = false;
            self.writer
                .write_record(&columns)
                .map_err(|error| self.write_error(&error))?;
        }
        self.writer
            .flush()
            .map_err(|error| ComponentError::io("write", self.staged.staging_path(), &error))?;
        self.staged.prepare(self.writer.get_ref().get_ref())
    }

    fn commit(self: Box<Self>) -> Result<(), ComponentError> {
        let this = *self;
        drop(this.writer);
        this.staged.commit()
    }

    fn abort(self: Box<Self>) {
        let this = *self;
        drop(this.writer);
        this.staged.discard();
    }
}
