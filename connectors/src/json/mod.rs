//! JSON files: `json.read` and `json.write`, as one JSON array or as NDJSON (one object per line).

mod read;
#[cfg(test)]
mod tests;
mod write;

pub use read::JsonReadConfig;
pub use write::JsonWriteConfig;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sluice_core::registry::ComponentDescriptor;

/// How records are laid out in a JSON file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum JsonLayout {
    /// Decide from the first character: `[` means an array, anything else NDJSON (reading only).
    #[default]
    Auto,
    /// One JSON array of objects (or an object holding one, see `record_path`).
    Array,
    /// One JSON object per line (NDJSON / JSON Lines).
    Ndjson,
}

pub fn descriptors() -> Vec<ComponentDescriptor> {
    vec![
        ComponentDescriptor::source::<JsonReadConfig>(
            "json.read",
            "Read JSON",
            "Files",
            "Reads records from a JSON array or an NDJSON file, optionally from a path inside it.",
        ),
        ComponentDescriptor::sink::<JsonWriteConfig>(
            "json.write",
            "Write JSON",
            "Files",
            "Writes records to an NDJSON file or a JSON array, replacing it only when the run succeeds.",
        ),
    ]
}
