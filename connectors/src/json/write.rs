//! `json.write`: writes records as NDJSON or as one JSON array, through a staging file.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sluice_core::commit::Staging;
use sluice_core::component::{BuildContext, ComponentConfig, Reach, Sink, SinkConfig};
use sluice_core::engine::Output;
use sluice_core::{Batch, ComponentError};

use super::JsonLayout;
use crate::file::StagedFile;

/// Writes records to a JSON file: NDJSON (one object per line, the default) or one array. The
/// file only replaces the previous one when the whole run succeeds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct JsonWriteConfig {
    /// The file to write. A relative path is resolved against the flow file's folder.
    #[schemars(extend("x-sluice-widget" = "path"))]
    pub path: PathBuf,
    /// `ndjson` (default) or `array`.
    #[serde(default = "default_layout")]
    pub format: JsonLayout,
    /// Indent the output for people to read (array layout only).
    #[serde(default)]
    pub pretty: bool,
    /// Add to the end of an existing NDJSON file instead of replacing it.
    #[serde(default)]
    pub append: bool,
}

fn default_layout() -> JsonLayout {
    JsonLayout::Ndjson
}

impl ComponentConfig for JsonWriteConfig {
    fn reaches(&self) -> Vec<Reach> {
        vec![Reach::Writes {
            path: self.path.clone(),
        }]
    }
}

impl SinkConfig for JsonWriteConfig {
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
        let array = self.format == JsonLayout::Array;
        if self.append && array {
            return Err(ComponentError::failed(
                "`append` works with the `ndjson` format only; a JSON array cannot be appended to",
            ));
        }
        let (staged, writer) = StagedFile::create(staging)?;
        Ok(Box::new(JsonWrite {
            staged,
            writer,
            array,
            pretty: self.pretty && array,
            written: 0,
        }))
    }
}

struct JsonWrite {
    staged: StagedFile,
    writer: BufWriter<File>,
    array: bool,
    pretty: bool,
    written: u64,
}

impl JsonWrite {
    fn put(&mut self, bytes: &[u8]) -> Result<(), ComponentError> {
        self.writer
            .write_all(bytes)
            .map_err(|error| ComponentError::io("write", self.staged.staging_path(), &error))
    }
}

impl Sink for JsonWrite {
    fn write(&mut self, batch: Batch, out: &mut Output) -> Result<(), ComponentError> {
        let mut text = Vec::with_capacity(256);
        for record in batch {
            text.clear();
            if self.array {
                text.extend_from_slice(if self.written == 0 { b"[\n" } else { b",\n" });
                if self.pretty {
                    serde_json::to_writer_pretty(&mut text, &record)
                } else {
                    serde_json::to_writer(&mut text, &record)
                }
            } else {
                serde_json::to_writer(&mut text, &record).map(|()| text.push(b'\n'))
            }
            .map_err(|error| {
                ComponentError::failed(format!("cannot encode a record as JSON: {error}"))
            })?;
            self.put(&text)?;
            out.add_bytes(text.len() as u64);
            self.written += 1;
        }
        Ok(())
    }

    fn prepare(&mut self, _out: &mut Output) -> Result<(), ComponentError> {
        if self.array {
            let closing: &[u8] = if self.written == 0 { b"[]\n" } else { b"\n]\n" };
            self.put(closing)?;
        }
        self.writer
            .flush()
            .map_err(|error| ComponentError::io("write", self.staged.staging_path(), &error))?;
        self.staged.prepare(self.writer.get_ref())
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
