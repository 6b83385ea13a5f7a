//! `csv.read`: streams rows of a CSV file as records keyed by the header row.

use std::fs::File;
use std::path::PathBuf;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sluice_core::component::{BuildContext, ComponentConfig, Source, SourceConfig};
use sluice_core::engine::Output;
use sluice_core::{ComponentError, Record};

/// Reads a CSV file (RFC 4180: quoted fields, quotes doubled inside quotes, newlines inside quotes,
/// CRLF or LF, an optional UTF-8 BOM). Every value is text as written: CSV has no types or nulls;
/// use `cast` to convert.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CsvReadConfig {
    /// The CSV file. A relative path is resolved against the flow file's folder.
    pub path: PathBuf,
    /// The character between fields: `,` (default), `;`, `\t` for a tab, `|`, …
    #[serde(default = "super::default_delimiter")]
    pub delimiter: String,
    /// The character that quotes a field.
    #[serde(default = "default_quote")]
    pub quote: String,
    /// Whether the first row holds the field names.
    #[serde(default = "super::default_true")]
    pub has_header: bool,
    /// Field names to use instead of the header row (required when there is no header row).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub columns: Option<Vec<String>>,
    /// Remove spaces around values.
    #[serde(default)]
    pub trim: bool,
}

fn default_quote() -> String {
    "\"".into()
}

impl ComponentConfig for CsvReadConfig {}

impl SourceConfig for CsvReadConfig {
    fn build<'run>(
        &self,
        context: &BuildContext<'run>,
    ) -> Result<Box<dyn Source + 'run>, ComponentError> {
        let delimiter = super::single_byte(&self.delimiter, "delimiter")?;
        let quote = super::single_byte(&self.quote, "quote")?;
        let path = context.resolve_path(&self.path);
        let file = File::open(&path)
            .map_err(|error| ComponentError::io("open the CSV file", &path, &error))?;
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .quote(quote)
            .has_headers(false)
            .flexible(true)
            .trim(if self.trim {
                csv::Trim::All
            } else {
                csv::Trim::None
            })
            .buffer_capacity(1 << 16)
            .from_reader(file);
        let header = match (&self.columns, self.has_header) {
            (Some(columns), has_header) => {
                if has_header {
                    let mut skipped = csv::StringRecord::new();
                    reader
                        .read_record(&mut skipped)
                        .map_err(|error| read_error(&path, &error))?;
                }
                columns.clone()
            }
            (None, true) => {
                let mut header = csv::StringRecord::new();
                if !reader
                    .read_record(&mut header)
                    .map_err(|error| read_error(&path, &error))?
                {
                    return Err(ComponentError::failed(format!(
                        "{} is empty; it has no header row",
                        path.display()
                    )));
                }
                header_names(&header)
            }
            (None, false) => {
                return Err(ComponentError::failed(
                    "the file has no header row, so `columns` must list the field names",
                ));
            }
        };
        Ok(Box::new(CsvRead {
            path,
            reader,
            header,
        }))
    }
}

/// Header names as written; a blank name becomes `column_N` and a repeated one gets `_2`, `_3`…
fn header_names(header: &csv::StringRecord) -> Vec<String> {
    let mut names: Vec<String> = Vec::with_capacity(header.len());
    for (index, raw) in header.iter().enumerate() {
        let base = if raw.trim().is_empty() {
            format!("column_{}", index + 1)
        } else {
            raw.to_string()
        };
        let mut name = base.clone();
        let mut counter = 2;
        while names.contains(&name) {
            name = format!("{base}_{counter}");
            counter += 1;
        }
        names.push(name);
    }
    names
}

fn read_error(path: &std::path::Path, error: &csv::Error) -> ComponentError {
    ComponentError::failed(format!("cannot read {}: {error}", path.display()))
}

struct CsvRead {
    path: PathBuf,
    reader: csv::Reader<File>,
    header: Vec<String>,
}

impl Source for CsvRead {
    fn read(&mut self, out: &mut Output) -> Result<(), ComponentError> {
        let mut row = csv::StringRecord::new();
        let mut bytes_seen = 0;
        loop {
            let line = self.reader.position().line();
            match self.reader.read_record(&mut row) {
                Ok(false) => break,
                Ok(true) => {
                    let line = row.position().map_or(line, |position| position.line());
                    let record = self.to_record(&row);
                    if row.len() != self.header.len() {
                        let message = format!(
                            "{} line {line}: the row has {} fields but the header has {}",
                            self.file_name(),
                            row.len(),
                            self.header.len()
                        );
                        out.reject(record, message)?;
                    } else {
                        out.emit(record)?;
                    }
                }
                Err(error) if matches!(error.kind(), csv::ErrorKind::Utf8 { .. }) => {
                    let message = format!(
                        "{} line {line}: the row is not valid UTF-8 text; save the file as UTF-8",
                        self.file_name()
                    );
                    let mut record = Record::new();
                    record.insert("_line".into(), Value::from(line));
                    out.reject(record, message)?;
                }
                Err(error) => return Err(read_error(&self.path, &error)),
            }
            let position = self.reader.position().byte();
            out.add_bytes(position - bytes_seen);
            bytes_seen = position;
        }
        out.add_bytes(self.reader.position().byte() - bytes_seen);
        Ok(())
    }
}

impl CsvRead {
    fn file_name(&self) -> String {
        self.path.file_name().map_or_else(
            || self.path.display().to_string(),
            |name| name.to_string_lossy().into_owned(),
        )
    }

    /// The row as a record; fields beyond the header are kept as `column_N`.
    fn to_record(&self, row: &csv::StringRecord) -> Record {
        // Room for a few computed fields, so a `map` downstream does not have to grow the record.
        let mut record = Record::with_capacity(row.len() + 4);
        for (index, value) in row.iter().enumerate() {
            let name = match self.header.get(index) {
                Some(name) => name.clone(),
                None => format!("column_{}", index + 1),
            };
            record.insert(name, Value::String(value.to_string()));
        }
        record
    }
}
