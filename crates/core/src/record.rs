//! Records, the unit of data that flows between nodes, and batches of them.

/// One record: a JSON object whose keys keep the order in which they were first set.
pub type Record = serde_json::Map<String, serde_json::Value>;

/// Records travel between nodes in batches of about this many.
pub const DEFAULT_BATCH_SIZE: usize = 1000;

/// A group of records sent between two nodes in one message.
pub type Batch = Vec<Record>;

/// A short, human-readable rendering of a value for error messages: strings are quoted and long
/// values are cut so a message never turns into a data dump.
pub fn describe_value(value: &serde_json::Value) -> String {
    const MAX: usize = 60;
    let text = match value {
        serde_json::Value::String(text) => format!("'{text}'"),
        other => other.to_string(),
    };
    if text.chars().count() > MAX {
        let cut: String = text.chars().take(MAX).collect();
        format!("{cut}…")
    } else {
        text
    }
}
