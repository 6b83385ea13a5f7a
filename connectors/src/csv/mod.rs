//! CSV files (RFC 4180): `csv.read` and `csv.write`.

mod read;
#[cfg(test)]
mod tests;
mod write;

pub use read::CsvReadConfig;
pub use write::CsvWriteConfig;

use sluice_core::registry::ComponentDescriptor;

pub fn descriptors() -> Vec<ComponentDescriptor> {
    vec![
        ComponentDescriptor::source::<CsvReadConfig>(
            "csv.read",
            "Read CSV",
            "Files",
            "Reads rows from a CSV file with a header row; every value is text.",
        ),
        ComponentDescriptor::sink::<CsvWriteConfig>(
            "csv.write",
            "Write CSV",
            "Files",
            "Writes records to a CSV file, replacing it (or appending) only when the run succeeds.",
        ),
    ]
}

fn default_delimiter() -> String {
    ",".into()
}

fn default_true() -> bool {
    true
}

/// A one-character setting (delimiter, quote) as the byte the csv crate wants.
fn single_byte(value: &str, field: &str) -> Result<u8, sluice_core::ComponentError> {
    match value.as_bytes() {
        [byte] => Ok(*byte),
        _ if value == "\\t" => Ok(b'\t'),
        _ => Err(sluice_core::ComponentError::failed(format!(
            "`{field}` must be a single ASCII character (use \\t for a tab), not '{value}'"
        ))),
    }
}
