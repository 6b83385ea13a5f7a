//! Records spilled to temporary files when a node that holds records back outgrows its share of
//! the run's memory budget: each spill is a run of records written in order and read back in
//! order. The files live in a folder of their own that is deleted when the node ends — done,
//! failed or cancelled.

mod encoding;

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::PathBuf;
use std::sync::Arc;

use crate::component::ComponentError;
use crate::record::{Record, Schema};

/// A node's spill files.
pub struct SpillArea {
    folder: tempfile::TempDir,
    /// The schemas of the records spilled, by number (kept here, not in the files).
    schemas: Vec<Arc<Schema>>,
    files: usize,
    /// Bytes written to spill files so far.
    pub spilled_bytes: u64,
}

/// One spilled run of records, in the order they were written.
#[derive(Debug)]
pub struct SpillRun {
    path: PathBuf,
    pub records: u64,
}

impl SpillArea {
    /// A new spill folder in the system's temporary folder.
    pub fn new() -> Result<SpillArea, ComponentError> {
        let folder = tempfile::Builder::new()
            .prefix("sluice-spill-")
            .tempdir()
            .map_err(|error| {
                ComponentError::failed(format!(
                    "cannot make a folder for spill files in {}: {error}",
                    std::env::temp_dir().display()
                ))
            })?;
        Ok(SpillArea {
            folder,
            schemas: Vec::new(),
            files: 0,
            spilled_bytes: 0,
        })
    }

    /// Where the files are.
    pub fn folder(&self) -> &std::path::Path {
        self.folder.path()
    }

    /// Writes `records` to a new spill file.
    pub fn write(
        &mut self,
        records: impl IntoIterator<Item = Record>,
    ) -> Result<SpillRun, ComponentError> {
        let mut writer = self.start()?;
        for record in records {
            writer.push(&record)?;
        }
        writer.finish()
    }

    /// Starts a new spill file, written record by record.
    pub fn start(&mut self) -> Result<SpillWriter<'_>, ComponentError> {
        self.files += 1;
        let path = self.folder.path().join(format!("run-{}.bin", self.files));
        let file = File::create(&path)
            .map_err(|error| ComponentError::io("write the spill file", &path, &error))?;
        Ok(SpillWriter {
            out: BufWriter::with_capacity(1 << 16, file),
            path,
            records: 0,
            area: self,
        })
    }

    /// Reads a run back, in order.
    pub fn read(&self, run: &SpillRun) -> Result<SpillReader, ComponentError> {
        let file = File::open(&run.path)
            .map_err(|error| ComponentError::io("read the spill file", &run.path, &error))?;
        Ok(SpillReader {
            input: BufReader::with_capacity(1 << 16, file),
            schemas: self.schemas.clone(),
            path: run.path.clone(),
        })
    }

    fn schema_number(&mut self, schema: &Arc<Schema>) -> u32 {
        // Records of one shape share one schema: the last one matches almost always.
        if let Some(position) = self
            .schemas
            .iter()
            .rposition(|known| Arc::ptr_eq(known, schema) || **known == **schema)
        {
            return position as u32;
        }
        self.schemas.push(schema.clone());
        (self.schemas.len() - 1) as u32
    }
}

/// A spill file being written.
pub struct SpillWriter<'a> {
    out: BufWriter<File>,
    path: PathBuf,
    records: u64,
    area: &'a mut SpillArea,
}

impl SpillWriter<'_> {
    fn failed(&self, error: std::io::Error) -> ComponentError {
        ComponentError::io("write the spill file", &self.path, &error)
    }

    /// Adds a record at the end.
    pub fn push(&mut self, record: &Record) -> Result<(), ComponentError> {
        let number = self.area.schema_number(record.schema());
        encoding::write_record(&mut self.out, number, record.values())
            .map_err(|error| self.failed(error))?;
        self.records += 1;
        Ok(())
    }

    /// Ends the file: the run, to read back.
    pub fn finish(mut self) -> Result<SpillRun, ComponentError> {
        self.out.flush().map_err(|error| self.failed(error))?;
        let length = self
            .out
            .get_ref()
            .metadata()
            .map_err(|error| self.failed(error))?
            .len();
        self.area.spilled_bytes += length;
        Ok(SpillRun {
            path: self.path,
            records: self.records,
        })
    }
}

/// The records of one spilled run.
pub struct SpillReader {
    input: BufReader<File>,
    schemas: Vec<Arc<Schema>>,
    path: PathBuf,
}

impl Iterator for SpillReader {
    type Item = Result<Record, ComponentError>;

    fn next(&mut self) -> Option<Self::Item> {
        let failed =
            |error: std::io::Error| ComponentError::io("read the spill file", &self.path, &error);
        match encoding::read_record(&mut self.input) {
            Ok(None) => None,
            Ok(Some((number, values))) => Some(match self.schemas.get(number as usize) {
                Some(schema) => Ok(Record::from_parts(schema.clone(), values)),
                None => Err(failed(std::io::Error::other("an unknown schema"))),
            }),
            Err(error) => Some(Err(failed(error))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spilled_runs_read_back_in_order_and_the_folder_goes_with_the_area() {
        let records = crate::transforms::testing::records(serde_json::json!([
            {"id": 1, "name": "Ada"}, {"id": 2, "name": "Grace"}, {"other": true}
        ]));
        let mut area = SpillArea::new().unwrap();
        let folder = area.folder().to_path_buf();
        let run = area.write(records.clone()).unwrap();
        assert_eq!(run.records, 3);
        assert!(area.spilled_bytes > 0);
        let back: Vec<Record> = area.read(&run).unwrap().map(Result::unwrap).collect();
        assert_eq!(back, records);
        drop(area);
        assert!(!folder.exists());
    }
}
