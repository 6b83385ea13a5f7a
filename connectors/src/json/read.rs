//! `json.read`: streams the objects of a JSON array (anywhere in the document) or of an NDJSON
//! file, one record each, without loading the file into memory.

use std::cell::Cell;
use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;

use schemars::JsonSchema;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sluice_core::component::{BuildContext, ComponentConfig, Reach, Source, SourceConfig};
use sluice_core::engine::Output;
use sluice_core::json_records::{ShapeCache, read_object};
use sluice_core::{ComponentError, Record};

use super::JsonLayout;

/// Reads records from a JSON file: a top-level array of objects, an array found at `record_path`
/// inside a document (e.g. `data.items`), or NDJSON with one object per line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct JsonReadConfig {
    /// The JSON file. A relative path is resolved against the flow file's folder.
    #[schemars(extend("x-sluice-widget" = "path"))]
    pub path: PathBuf,
    /// `array`, `ndjson`, or `auto` (default: decided by the file's first character).
    #[serde(default)]
    pub format: JsonLayout,
    /// Where the records are inside each document, as dot-separated keys, e.g. `data.items`.
    /// Empty: the document itself (an array of records, or in NDJSON each line is a record).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub record_path: String,
    /// The longest a record (an NDJSON line, or one item of the array) may be, in bytes
    /// (default 16 MiB). A longer one stops the run, naming where it starts.
    #[serde(default = "crate::bounded::default_max_record_bytes")]
    pub max_record_bytes: u64,
}

impl ComponentConfig for JsonReadConfig {
    fn reaches(&self) -> Vec<Reach> {
        vec![Reach::Reads {
            path: self.path.clone(),
        }]
    }
}

impl SourceConfig for JsonReadConfig {
    fn build<'run>(
        &self,
        context: &BuildContext<'run>,
    ) -> Result<Box<dyn Source + 'run>, ComponentError> {
        let path = context.resolve_path(&self.path);
        let file = File::open(&path)
            .map_err(|error| ComponentError::io("open the JSON file", &path, &error))?;
        let mut reader = BufReader::with_capacity(1 << 16, file);
        let layout = match self.format {
            JsonLayout::Auto => {
                let buffer = reader
                    .fill_buf()
                    .map_err(|error| ComponentError::io("read", &path, &error))?;
                // The first byte that is not whitespace or part of a UTF-8 BOM.
                let first = buffer.iter().find(|byte| {
                    !byte.is_ascii_whitespace() && !matches!(**byte, 0xEF | 0xBB | 0xBF)
                });
                if first == Some(&b'[')
                    || (first == Some(&b'{')
                        && !self.record_path.is_empty()
                        && !looks_like_ndjson(buffer))
                {
                    JsonLayout::Array
                } else {
                    JsonLayout::Ndjson
                }
            }
            other => other,
        };
        let record_path = self
            .record_path
            .split('.')
            .filter(|key| !key.is_empty())
            .map(str::to_string)
            .collect();
        Ok(Box::new(JsonRead {
            path,
            reader,
            layout,
            record_path,
            max_record_bytes: self.max_record_bytes,
            shapes: ShapeCache::default(),
        }))
    }
}

/// A document that spans lines with `}` then `{` on the next line is NDJSON.
fn looks_like_ndjson(buffer: &[u8]) -> bool {
    let text = String::from_utf8_lossy(buffer);
    let mut lines = text.lines().map(str::trim).filter(|line| !line.is_empty());
    match (lines.next(), lines.next()) {
        (Some(first), Some(second)) => first.ends_with('}') && second.starts_with('{'),
        (Some(_), None) => false,
        _ => false,
    }
}

struct JsonRead {
    path: PathBuf,
    reader: BufReader<File>,
    layout: JsonLayout,
    record_path: Vec<String>,
    max_record_bytes: u64,
    /// Records of one shape share their schema.
    shapes: ShapeCache,
}

impl Source for JsonRead {
    fn read(&mut self, out: &mut Output) -> Result<(), ComponentError> {
        match self.layout {
            JsonLayout::Ndjson => self.read_lines(out),
            _ => self.read_document(out),
        }
    }
}

impl JsonRead {
    fn file_name(&self) -> String {
        self.path.file_name().map_or_else(
            || self.path.display().to_string(),
            |name| name.to_string_lossy().into_owned(),
        )
    }

    fn read_lines(&mut self, out: &mut Output) -> Result<(), ComponentError> {
        let name = self.file_name();
        let mut line = String::new();
        let mut number = 0u64;
        loop {
            line.clear();
            let read = (&mut self.reader)
                .take(self.max_record_bytes.saturating_add(1))
                .read_line(&mut line)
                .map_err(|error| ComponentError::io("read", &self.path, &error))?;
            if read == 0 {
                return Ok(());
            }
            number += 1;
            if read as u64 > self.max_record_bytes && !line.ends_with('\n') {
                return Err(ComponentError::failed(format!(
                    "{name} line {number}: the line is longer than {} bytes (`max_record_bytes`); raise it if the file really holds such records",
                    self.max_record_bytes
                )));
            }
            out.add_bytes(read as u64);
            let text = line.trim_start_matches('\u{feff}').trim();
            if text.is_empty() {
                continue;
            }
            if self.record_path.is_empty() {
                // The common case, an object per line, is read straight into a record.
                if let Ok(record) = read_object(text, &mut self.shapes) {
                    out.emit(record)?;
                    continue;
                }
            }
            let document: Value = match serde_json::from_str(text) {
                Ok(document) => document,
                Err(error) => {
                    let mut record = Record::new();
                    record.insert("_line", sluice_core::Value::from(number));
                    out.reject(
                        record,
                        format!("{name} line {number}: not valid JSON ({error})"),
                    )?;
                    continue;
                }
            };
            let mut found = Some(document);
            for key in &self.record_path {
                found = found.and_then(|mut value| value.get_mut(key.as_str()).map(Value::take));
            }
            match found {
                Some(Value::Object(record)) => out.emit(self.shapes.record(record))?,
                Some(Value::Array(items)) => {
                    for (index, item) in items.into_iter().enumerate() {
                        emit_value(out, &mut self.shapes, item, || {
                            format!("{name} line {number}, item {index}")
                        })?;
                    }
                }
                Some(other) => emit_value(out, &mut self.shapes, other, || {
                    format!("{name} line {number}")
                })?,
                None => {
                    let mut record = Record::new();
                    record.insert("_line", sluice_core::Value::from(number));
                    let message = format!(
                        "{name} line {number}: there is nothing at `{}`",
                        self.record_path.join(".")
                    );
                    out.reject(record, message)?;
                }
            }
        }
    }

    fn read_document(&mut self, out: &mut Output) -> Result<(), ComponentError> {
        let name = self.file_name();
        let bytes = Cell::new(0);
        let record_start = Cell::new(None);
        let counted = CountingReader {
            inner: &mut self.reader,
            bytes: &bytes,
            record_start: &record_start,
            max_record_bytes: self.max_record_bytes,
        };
        let mut deserializer = serde_json::Deserializer::from_reader(counted);
        let mut stream = Stream {
            out,
            shapes: &mut self.shapes,
            name: &name,
            stopped: None,
            index: 0,
            bytes: &bytes,
            record_start: &record_start,
        };
        let result = RecordsAt {
            path: &self.record_path,
            stream: &mut stream,
        }
        .deserialize(&mut deserializer);
        let stopped = stream.stopped.take();
        let index = stream.index;
        out.add_bytes(bytes.get());
        if let Some(start) = record_start.get()
            && bytes.get().saturating_sub(start) > self.max_record_bytes
        {
            return Err(ComponentError::failed(format!(
                "{name} item {index} (from byte {start}): the record is longer than {} bytes (`max_record_bytes`); raise it if the file really holds such records",
                self.max_record_bytes
            )));
        }
        match (result, stopped) {
            (_, Some(stop)) => Err(stop),
            (Ok(true), None) => {
                deserializer
                    .end()
                    .map_err(|error| document_error(&name, &error))?;
                Ok(())
            }
            (Ok(false), None) if self.record_path.is_empty() => {
                Err(ComponentError::failed(format!(
                    "{name} is not an array of records; set `record_path` to where the records are (e.g. `data.items`)"
                )))
            }
            (Ok(false), None) => Err(ComponentError::failed(format!(
                "{name}: there is no array at `{}`; check `record_path`",
                self.record_path.join(".")
            ))),
            (Err(error), None) => Err(document_error(&name, &error)),
        }
    }
}

fn document_error(name: &str, error: &serde_json::Error) -> ComponentError {
    ComponentError::failed(format!("{name} is not valid JSON: {error}"))
}

fn emit_value(
    out: &mut Output,
    shapes: &mut ShapeCache,
    value: Value,
    place: impl Fn() -> String,
) -> Result<(), ComponentError> {
    match value {
        Value::Object(record) => out.emit(shapes.record(record)),
        other => {
            let kind = match other {
                Value::Array(_) => "an array",
                Value::String(_) => "text",
                Value::Number(_) => "a number",
                Value::Bool(_) => "true/false",
                _ => "null",
            };
            let mut record = Record::new();
            record.insert("_value", other);
            out.reject(
                record,
                format!("{}: the item is {kind}, not an object", place()),
            )
        }
    }
}

/// Counts bytes as serde_json pulls them, for the node's byte counter, and stops a record that
/// grows past the limit (inside the records array, from where the record started).
struct CountingReader<'a, R> {
    inner: &'a mut R,
    bytes: &'a Cell<u64>,
    record_start: &'a Cell<Option<u64>>,
    max_record_bytes: u64,
}

impl<R: Read> Read for CountingReader<'_, R> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        if let Some(start) = self.record_start.get()
            && self.bytes.get().saturating_sub(start) > self.max_record_bytes
        {
            return Err(std::io::Error::other("a record is longer than the limit"));
        }
        let read = self.inner.read(buffer)?;
        self.bytes.set(self.bytes.get() + read as u64);
        Ok(read)
    }
}

/// Where streamed records go while serde walks the document.
struct Stream<'a, 'o, 'run> {
    out: &'o mut Output<'run>,
    shapes: &'a mut ShapeCache,
    name: &'a str,
    /// Set when the output said stop (or failed); serde is then unwound with an error.
    stopped: Option<ComponentError>,
    index: u64,
    /// Bytes read so far, and where the record being read started (inside the records array).
    bytes: &'a Cell<u64>,
    record_start: &'a Cell<Option<u64>>,
}

/// Walks to `path` inside the document, then streams the array found there. Produces `true`
/// when an array was found.
struct RecordsAt<'p, 's, 'a, 'o, 'run> {
    path: &'p [String],
    stream: &'s mut Stream<'a, 'o, 'run>,
}

impl<'de> DeserializeSeed<'de> for RecordsAt<'_, '_, '_, '_, '_> {
    type Value = bool;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for RecordsAt<'_, '_, '_, '_, '_> {
    type Value = bool;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a JSON array of objects, or an object holding one")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<bool, A::Error> {
        if !self.path.is_empty() {
            while items.next_element::<IgnoredAny>()?.is_some() {}
            return Ok(false);
        }
        self.stream.record_start.set(Some(self.stream.bytes.get()));
        while let Some(item) = items.next_element::<Value>()? {
            self.stream.record_start.set(Some(self.stream.bytes.get()));
            let index = self.stream.index;
            self.stream.index += 1;
            let name = self.stream.name;
            let stream = &mut *self.stream;
            if let Err(stop) = emit_value(stream.out, stream.shapes, item, || {
                format!("{name} item {index}")
            }) {
                self.stream.stopped = Some(stop);
                return Err(serde::de::Error::custom("stopped"));
            }
        }
        self.stream.record_start.set(None);
        Ok(true)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut entries: A) -> Result<bool, A::Error> {
        let mut found = false;
        while let Some(key) = entries.next_key::<String>()? {
            if !found && self.path.first() == Some(&key) {
                found = entries.next_value_seed(RecordsAt {
                    path: &self.path[1..],
                    stream: self.stream,
                })?;
            } else {
                entries.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }

    fn visit_bool<E>(self, _: bool) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_i64<E>(self, _: i64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_u64<E>(self, _: u64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_f64<E>(self, _: f64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_str<E>(self, _: &str) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_unit<E>(self) -> Result<bool, E> {
        Ok(false)
    }
}
