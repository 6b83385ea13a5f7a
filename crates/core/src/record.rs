//! Records, the unit of data that flows between nodes, and batches of them.

use std::ops::{Deref, DerefMut};

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Records travel between nodes in batches of about this many.
pub const DEFAULT_BATCH_SIZE: usize = 1000;

/// A group of records sent between two nodes in one message.
pub type Batch = Vec<Record>;

/// One record: named fields holding JSON values, in the order they were first set.
///
/// It reads and writes like a JSON object (`get`, `insert`, `record["id"]`, …, through its map).
/// Field lookups use a fast non-cryptographic hash: a record is looked up dozens of times on its
/// way through a flow, and SipHash cost more than any transform.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Record(IndexMap<String, Value, foldhash::fast::RandomState>);

impl Record {
    /// An empty record.
    pub fn new() -> Record {
        Record::default()
    }

    /// An empty record with room for `fields` fields.
    pub fn with_capacity(fields: usize) -> Record {
        Record(IndexMap::with_capacity_and_hasher(
            fields,
            Default::default(),
        ))
    }

    /// The record as a JSON object value.
    pub fn to_value(&self) -> Value {
        Value::Object(
            self.0
                .iter()
                .map(|(key, value)| (key.clone(), value.clone()))
                .collect(),
        )
    }

    /// The record as a JSON object value, without copying.
    pub fn into_value(self) -> Value {
        Value::Object(self.0.into_iter().collect())
    }
}

impl Deref for Record {
    type Target = IndexMap<String, Value, foldhash::fast::RandomState>;

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl DerefMut for Record {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

impl From<serde_json::Map<String, Value>> for Record {
    fn from(object: serde_json::Map<String, Value>) -> Record {
        object.into_iter().collect()
    }
}

impl FromIterator<(String, Value)> for Record {
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(fields: I) -> Record {
        Record(fields.into_iter().collect())
    }
}

impl IntoIterator for Record {
    type Item = (String, Value);
    type IntoIter = indexmap::map::IntoIter<String, Value>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a Record {
    type Item = (&'a String, &'a Value);
    type IntoIter = indexmap::map::Iter<'a, String, Value>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// A short, human-readable rendering of a value for error messages: strings are quoted and long
/// values are cut so a message never turns into a data dump.
pub fn describe_value(value: &Value) -> String {
    const MAX: usize = 60;
    let text = match value {
        Value::String(text) => format!("'{text}'"),
        other => other.to_string(),
    };
    if text.chars().count() > MAX {
        let cut: String = text.chars().take(MAX).collect();
        format!("{cut}…")
    } else {
        text
    }
}
