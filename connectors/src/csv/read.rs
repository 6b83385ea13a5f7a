//! `csv.read`: streams rows of a CSV file as records keyed by the header row.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sluice_core::component::{BuildContext, ComponentConfig, Reach, Source, SourceConfig};
use sluice_core::engine::{LogLevel, Output};
use sluice_core::record::SPARE_FIELDS;
use sluice_core::{BatchSchema, ComponentError, Record, Schema, Text, Value};

use crate::bounded::{BoundedReader, MarkedEnd, ReadBound};

/// The file as the CSV parser reads it: bounded per row, with a marked end.
type CsvInput = BoundedReader<MarkedEnd<File>>;

/// The parser's own buffer; the row bound allows for it.
const BUFFER_BYTES: usize = 1 << 16;

/// Reads a CSV file (RFC 4180: quoted fields, quotes doubled inside quotes, newlines inside quotes,
/// CRLF or LF, an optional UTF-8 BOM). Every value is text as written: CSV has no types or nulls;
/// use `cast` to convert.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CsvReadConfig {
    /// The CSV file. A relative path is resolved against the flow file's folder.
    #[schemars(extend("x-sluice-widget" = "path"))]
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
    /// The longest a row may be, in bytes (default 16 MiB). A longer one stops the run with its
    /// line: usually a quote opened there is never closed. Raise it for files with huge fields.
    #[serde(default = "crate::bounded::default_max_record_bytes")]
    pub max_row_bytes: u64,
}

fn default_quote() -> String {
    "\"".into()
}

impl ComponentConfig for CsvReadConfig {
    fn reaches(&self) -> Vec<Reach> {
        vec![Reach::Reads {
            path: self.path.clone(),
        }]
    }
}

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
        let file_bytes = file.metadata().map(|metadata| metadata.len()).unwrap_or(0);
        let bound = ReadBound::new(self.max_row_bytes, BUFFER_BYTES as u64);
        let (marked, file_end) = MarkedEnd::new(file);
        let input = BoundedReader::new(marked, bound.clone());
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .quote(quote)
            .has_headers(false)
            .flexible(true)
            .buffer_capacity(BUFFER_BYTES)
            .from_reader(input);
        let mut guard = RowGuard {
            path: path.clone(),
            bound,
            max_bytes: self.max_row_bytes,
            file_end,
            trim: self.trim,
        };
        let header = match (&self.columns, self.has_header) {
            (Some(columns), has_header) => {
                if has_header {
                    let mut skipped = csv::StringRecord::new();
                    header_row(guard.read(&mut reader, &mut skipped)?, &path)?;
                }
                (columns.clone(), Vec::new())
            }
            (None, true) => {
                let mut header = csv::StringRecord::new();
                if !header_row(guard.read(&mut reader, &mut header)?, &path)? {
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
        let (header, renamed) = header;
        Ok(Box::new(CsvRead {
            guard,
            reader,
            schema: BatchSchema::new(Schema::new(&header)),
            header,
            renamed,
            file_bytes,
        }))
    }
}

/// Header names as written; a blank name becomes `column_N` and a repeated one gets `_2`, `_3`…
/// Also returns a note for each renamed one.
fn header_names(header: &csv::StringRecord) -> (Vec<String>, Vec<String>) {
    let mut names: Vec<String> = Vec::with_capacity(header.len());
    let mut taken: HashSet<String> = HashSet::with_capacity(header.len());
    // The next suffix to try per repeated name, so a name repeated n times costs n, not n².
    let mut next_suffix: HashMap<String, usize> = HashMap::new();
    let mut renamed = Vec::new();
    for (index, raw) in header.iter().enumerate() {
        let base = if raw.trim().is_empty() {
            format!("column_{}", index + 1)
        } else {
            raw.to_string()
        };
        let mut name = base.clone();
        if taken.contains(&name) {
            let counter = next_suffix.entry(base.clone()).or_insert(2);
            loop {
                name = format!("{base}_{counter}");
                *counter += 1;
                if !taken.contains(&name) {
                    break;
                }
            }
        }
        if name != base {
            renamed.push(format!(
                "column {} repeats the header name `{base}`; it is read as `{name}`",
                index + 1
            ));
        }
        taken.insert(name.clone());
        names.push(name);
    }
    (names, renamed)
}

/// What reading a row found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RowRead {
    Row,
    End,
    /// A row that is not UTF-8 text (a per-record error; reading goes on).
    NotUtf8,
}

/// Reads rows within the row bound and tells a quote left open at the end of the file.
struct RowGuard {
    path: PathBuf,
    bound: ReadBound,
    max_bytes: u64,
    /// Where the file ended (its byte length), once the parser has read that far.
    file_end: Arc<AtomicU64>,
    /// Remove spaces around values (after the end check, which needs the fields as read).
    trim: bool,
}

impl RowGuard {
    /// Reads the next row into `row`.
    fn read(
        &mut self,
        reader: &mut csv::Reader<CsvInput>,
        row: &mut csv::StringRecord,
    ) -> Result<RowRead, ComponentError> {
        let start = reader.position().clone();
        self.bound.mark(start.byte());
        // Read as bytes (reusing the row's buffer): the checks below hold for text that is not
        // UTF-8 too.
        let mut bytes = std::mem::take(row).into_byte_record();
        let result = reader.read_byte_record(&mut bytes);
        // Known once the parser has read the whole file, which it has before going past it.
        let file_end = self.file_end.load(Ordering::Relaxed);
        if result.is_ok() && reader.position().byte() > file_end.saturating_add(1) {
            // The row reached into the marked end: it is the marked end itself, or a row whose
            // quote never closed swallowed it (its last field then holds the marked end).
            let swallowed = bytes
                .iter()
                .next_back()
                .is_some_and(|field| field.ends_with(b"\n\0\n") || field.ends_with(b"\n\0"));
            if !swallowed {
                return Ok(RowRead::End);
            }
            return Err(ComponentError::failed(format!(
                "{} line {}: a quoted field opened on this row is never closed, so the rest of the file would be read as one value; close the quote (a quote inside a quoted field is written twice: \"\")",
                self.file_name(),
                start.line()
            )));
        }
        let result = result.map(|found| {
            match csv::StringRecord::from_byte_record(bytes) {
                Ok(text) => {
                    *row = text;
                    if self.trim {
                        row.trim();
                    }
                }
                Err(error) => {
                    *row = csv::StringRecord::from_byte_record_lossy(error.into_byte_record());
                    return RowRead::NotUtf8;
                }
            }
            if found { RowRead::Row } else { RowRead::End }
        });
        match result {
            Ok(read) => Ok(read),
            Err(_) if self.bound.exceeded() => Err(ComponentError::failed(format!(
                "{} line {}: the row is longer than {} bytes (`max_row_bytes`); a quote opened there is probably never closed — or raise `max_row_bytes`",
                self.file_name(),
                start.line(),
                self.max_bytes
            ))),
            Err(error) => Err(read_error(&self.path, &error)),
        }
    }

    fn file_name(&self) -> String {
        self.path.file_name().map_or_else(
            || self.path.display().to_string(),
            |name| name.to_string_lossy().into_owned(),
        )
    }
}

/// Whether a header row was read; a header that is not text is an error.
fn header_row(read: RowRead, path: &std::path::Path) -> Result<bool, ComponentError> {
    match read {
        RowRead::Row => Ok(true),
        RowRead::End => Ok(false),
        RowRead::NotUtf8 => Err(ComponentError::failed(format!(
            "the header row of {} is not valid UTF-8 text; save the file as UTF-8",
            path.display()
        ))),
    }
}

fn read_error(path: &std::path::Path, error: &csv::Error) -> ComponentError {
    ComponentError::failed(format!("cannot read {}: {error}", path.display()))
}

struct CsvRead {
    guard: RowGuard,
    reader: csv::Reader<CsvInput>,
    header: Vec<String>,
    /// The header's names, shared by the records of a batch (a repeated name counts once).
    schema: BatchSchema,
    /// Notes on header names that were renamed, logged when reading starts.
    renamed: Vec<String>,
    /// The file's size: the byte counter stops there (the end marker is not the file's).
    file_bytes: u64,
}

impl Source for CsvRead {
    fn read(&mut self, out: &mut Output) -> Result<(), ComponentError> {
        // A few notes say what happened; a header renamed by the thousand gets one line more.
        const NOTES: usize = 10;
        let renamed = std::mem::take(&mut self.renamed);
        for note in renamed.iter().take(NOTES) {
            out.log(LogLevel::Warn, format!("{}: {note}", self.file_name()));
        }
        if renamed.len() > NOTES {
            out.log(
                LogLevel::Warn,
                format!(
                    "{}: {} more columns repeat a header name and were renamed the same way",
                    self.file_name(),
                    renamed.len() - NOTES
                ),
            );
        }
        let mut row = csv::StringRecord::new();
        let mut bytes_seen = 0;
        loop {
            let line = self.reader.position().line();
            match self.guard.read(&mut self.reader, &mut row)? {
                RowRead::End => break,
                RowRead::Row => {
                    let line = row.position().map_or(line, |position| position.line());
                    let record = self.record_of(&row);
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
                RowRead::NotUtf8 => {
                    let message = format!(
                        "{} line {line}: the row is not valid UTF-8 text; save the file as UTF-8",
                        self.file_name()
                    );
                    let mut record = Record::new();
                    record.insert("_line", Value::from(line));
                    out.reject(record, message)?;
                }
            }
            let position = self.reader.position().byte().min(self.file_bytes);
            out.add_bytes(position - bytes_seen);
            bytes_seen = position;
        }
        out.add_bytes(self.file_bytes.saturating_sub(bytes_seen));
        Ok(())
    }
}

impl CsvRead {
    fn file_name(&self) -> String {
        self.guard.file_name()
    }

    /// The row as a record; fields beyond the header are kept as `column_N`.
    fn record_of(&mut self, row: &csv::StringRecord) -> Record {
        if row.len() == self.schema.schema().len() {
            let mut values = Vec::with_capacity(row.len() + SPARE_FIELDS);
            for text in row {
                Value::push_text(&mut values, text);
            }
            return Record::from_parts(self.schema.hand_out(), values);
        }
        let values = row.iter().map(|text| Value::String(Text::from(text)));
        let names = (0..row.len()).map(|index| match self.header.get(index) {
            Some(name) => name.clone(),
            None => format!("column_{}", index + 1),
        });
        names.zip(values).collect()
    }
}
