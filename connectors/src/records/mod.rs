//! `records`: a few records written into the flow itself — test input for the nodes after it,
//! a pinned preview sample, or a small fixed list (countries, tiers) to feed a flow.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sluice_core::component::{BuildContext, ComponentConfig, Source, SourceConfig};
use sluice_core::engine::Output;
use sluice_core::registry::ComponentDescriptor;
use sluice_core::{ComponentError, Record};

#[cfg(test)]
mod tests;

/// The most records the node may hold: the flow file carries them, so it stays small.
pub const MAX_RECORDS: usize = 10_000;

/// Sends the records written here, in order, every run. Each record is a JSON object, e.g.
/// `{"id": 1, "name": "Ada"}`. Use it for test input, or for a small fixed list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordsConfig {
    /// The records, as a list of JSON objects (at most 10,000).
    pub records: Vec<serde_json::Map<String, serde_json::Value>>,
}

impl ComponentConfig for RecordsConfig {}

impl SourceConfig for RecordsConfig {
    fn build<'run>(
        &self,
        _context: &BuildContext<'run>,
    ) -> Result<Box<dyn Source + 'run>, ComponentError> {
        if self.records.len() > MAX_RECORDS {
            return Err(ComponentError::failed(format!(
                "it holds {} records; a records node holds at most {MAX_RECORDS} — put larger data in a file and read it with a file node",
                self.records.len()
            )));
        }
        Ok(Box::new(Records {
            records: self.records.clone(),
        }))
    }
}

struct Records {
    records: Vec<serde_json::Map<String, serde_json::Value>>,
}

impl Source for Records {
    fn read(&mut self, out: &mut Output) -> Result<(), ComponentError> {
        for fields in std::mem::take(&mut self.records) {
            out.emit(Record::from(fields))?;
        }
        Ok(())
    }
}

pub fn descriptors() -> Vec<ComponentDescriptor> {
    vec![ComponentDescriptor::source::<RecordsConfig>(
        "records",
        "Records",
        "Data",
        "Sends a few records written into the flow: test input, a pinned sample, or a small fixed list.",
    )]
}
