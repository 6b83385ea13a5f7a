//! Records, the unit of data that flows between nodes: a row of typed values by position, sharing
//! its field names (the schema) with every record of the same shape; and batches of them.

use std::fmt;
use std::ops::Index;
use std::sync::{Arc, LazyLock};

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub use crate::value::{Value, describe_value};

/// Records travel between nodes in batches of about this many.
pub const DEFAULT_BATCH_SIZE: usize = 1000;

/// Room a source leaves in each record for fields added later, so that a `map` adding a few
/// reshapes the record in its own vector instead of allocating another (on another thread, which
/// makes freeing the first one dearer too).
pub const SPARE_FIELDS: usize = 4;

/// A group of records sent between two nodes in one message.
pub type Batch = Vec<Record>;

/// A field's name, shared by every record with that field.
pub type FieldName = Arc<str>;

/// The field names of records of one shape, in order, with their positions. Built once per shape
/// (by a source for its rows, by a transform for what it makes of a shape) and shared.
#[derive(Debug, Clone, Default)]
pub struct Schema {
    names: Vec<FieldName>,
    positions: std::collections::HashMap<FieldName, usize, foldhash::fast::FixedState>,
}

impl PartialEq for Schema {
    fn eq(&self, other: &Schema) -> bool {
        self.names == other.names
    }
}

static EMPTY_SCHEMA: LazyLock<Arc<Schema>> = LazyLock::new(Arc::default);

impl Schema {
    /// A schema with these names in this order; a repeated name keeps its first position.
    pub fn new<N: AsRef<str>>(names: impl IntoIterator<Item = N>) -> Schema {
        let mut schema = Schema::default();
        for name in names {
            schema.push(name.as_ref());
        }
        schema
    }

    /// The names, in order.
    pub fn names(&self) -> &[FieldName] {
        &self.names
    }

    /// Where `name` sits, if the schema has it.
    pub fn position(&self, name: &str) -> Option<usize> {
        self.positions.get(name).copied()
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Adds `name` at the end unless it is there; its position either way.
    pub fn push(&mut self, name: &str) -> usize {
        if let Some(position) = self.position(name) {
            return position;
        }
        let name: FieldName = Arc::from(name);
        self.positions.insert(name.clone(), self.names.len());
        self.names.push(name);
        self.names.len() - 1
    }

    fn remove(&mut self, position: usize) {
        let name = self.names.remove(position);
        self.positions.remove(&name);
        for later in &self.names[position..] {
            *self
                .positions
                .get_mut(later)
                .expect("every name has a position") -= 1;
        }
    }

    fn rename(&mut self, position: usize, name: &str) {
        let name: FieldName = Arc::from(name);
        let old = std::mem::replace(&mut self.names[position], name.clone());
        self.positions.remove(&old);
        self.positions.insert(name, position);
    }
}

/// Hands out the schema for the records a node makes, a fresh copy of it every
/// [`DEFAULT_BATCH_SIZE`] records: the records of one batch share a reference count that records of
/// other batches, on other threads by then, never touch. (One count shared by every record in
/// flight is a cache line that moves between the cores for each record made on one thread and
/// dropped on another: 2–3% of the standard job's CPU, in the threads that make and drop them.)
#[derive(Debug, Clone)]
pub struct BatchSchema {
    schema: Arc<Schema>,
    handed_out: usize,
}

impl BatchSchema {
    pub fn new(schema: Schema) -> BatchSchema {
        BatchSchema {
            schema: Arc::new(schema),
            handed_out: 0,
        }
    }

    /// Continues with `schema`, which one record holds already.
    pub fn starting_with(schema: Arc<Schema>) -> BatchSchema {
        BatchSchema {
            schema,
            handed_out: 1,
        }
    }

    /// The schema for the next record.
    pub fn hand_out(&mut self) -> Arc<Schema> {
        if self.handed_out == DEFAULT_BATCH_SIZE {
            self.handed_out = 0;
            self.schema = Arc::new(Schema::clone(&self.schema));
        }
        self.handed_out += 1;
        self.schema.clone()
    }

    /// The names, without handing out a schema.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }
}

/// One record: values by position, named by a shared [`Schema`].
///
/// Reads like a JSON object (`get`, `insert`, `record["id"]`, iteration in field order) and
/// serialises as one. Adding or removing a field on one record copies its schema; components that
/// reshape every record (a source, `map`) build the new schema once and use [`Record::from_parts`].
#[derive(Clone)]
pub struct Record {
    schema: Arc<Schema>,
    values: Vec<Value>,
}

impl Default for Record {
    fn default() -> Record {
        Record::new()
    }
}

impl Record {
    /// An empty record.
    pub fn new() -> Record {
        Record {
            schema: EMPTY_SCHEMA.clone(),
            values: Vec::new(),
        }
    }

    /// A record of `schema` holding `values` (one per name, in order).
    pub fn from_parts(schema: Arc<Schema>, values: Vec<Value>) -> Record {
        debug_assert_eq!(schema.len(), values.len(), "one value per field");
        Record { schema, values }
    }

    /// The schema and the values.
    pub fn into_parts(self) -> (Arc<Schema>, Vec<Value>) {
        (self.schema, self.values)
    }

    pub fn schema(&self) -> &Arc<Schema> {
        &self.schema
    }

    /// About how much memory the record takes: its vector with the room it leaves for more
    /// fields ([`SPARE_FIELDS`]), and what its values hold on the heap.
    pub fn memory_bytes(&self) -> u64 {
        let values = self.values.capacity() * std::mem::size_of::<Value>()
            + crate::value::ALLOCATION_OVERHEAD;
        let content: usize = self.values.iter().map(Value::heap_bytes).sum();
        (std::mem::size_of::<Record>() + values + content) as u64
    }

    /// The values, in field order.
    pub fn values(&self) -> &[Value] {
        &self.values
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    pub fn get(&self, name: &str) -> Option<&Value> {
        self.schema
            .position(name)
            .map(|position| &self.values[position])
    }

    pub fn get_mut(&mut self, name: &str) -> Option<&mut Value> {
        self.schema
            .position(name)
            .map(|position| &mut self.values[position])
    }

    pub fn contains_key(&self, name: &str) -> bool {
        self.schema.position(name).is_some()
    }

    /// Sets a field: in place when the record has it (giving back the old value), at the end when
    /// it does not.
    pub fn insert(&mut self, name: impl AsRef<str>, value: impl Into<Value>) -> Option<Value> {
        let name = name.as_ref();
        let value = value.into();
        match self.schema.position(name) {
            Some(position) => Some(std::mem::replace(&mut self.values[position], value)),
            None => {
                Arc::make_mut(&mut self.schema).push(name);
                self.values.push(value);
                None
            }
        }
    }

    /// Removes a field, keeping the order of the others.
    pub fn remove(&mut self, name: &str) -> Option<Value> {
        let position = self.schema.position(name)?;
        Arc::make_mut(&mut self.schema).remove(position);
        Some(self.values.remove(position))
    }

    /// Renames a field in its place; when `new` is taken, the renamed value replaces that field's
    /// value in that field's place. False when the record has no field `old`.
    pub fn rename(&mut self, old: &str, new: &str) -> bool {
        let Some(position) = self.schema.position(old) else {
            return false;
        };
        if old == new {
            return true;
        }
        if self.schema.position(new).is_some() {
            let value = self.remove(old).expect("the field is there");
            let existing = self.schema.position(new).expect("the field is there");
            self.values[existing] = value;
        } else {
            Arc::make_mut(&mut self.schema).rename(position, new);
        }
        true
    }

    /// The field names, in order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.schema.names.iter().map(|name| name.as_ref())
    }

    /// Names and values, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.keys().zip(&self.values)
    }

    /// The record as a JSON object value.
    pub fn to_value(&self) -> serde_json::Value {
        serde_json::Value::Object(
            self.iter()
                .map(|(name, value)| (name.to_string(), value.to_json()))
                .collect(),
        )
    }

    /// The record as a JSON object value, moving its values.
    pub fn into_value(self) -> serde_json::Value {
        serde_json::Value::Object(
            self.schema
                .names
                .iter()
                .zip(self.values)
                .map(|(name, value)| (name.to_string(), value.into_json()))
                .collect(),
        )
    }
}

impl PartialEq for Record {
    fn eq(&self, other: &Record) -> bool {
        self.values == other.values
            && (Arc::ptr_eq(&self.schema, &other.schema) || self.schema == other.schema)
    }
}

impl fmt::Debug for Record {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl Index<&str> for Record {
    type Output = Value;

    /// The field's value; panics when the record has no such field (use `get` otherwise).
    fn index(&self, name: &str) -> &Value {
        self.get(name)
            .unwrap_or_else(|| panic!("the record has no field `{name}`"))
    }
}

impl From<serde_json::Map<String, serde_json::Value>> for Record {
    fn from(object: serde_json::Map<String, serde_json::Value>) -> Record {
        object.into_iter().collect()
    }
}

impl<N: AsRef<str>, V: Into<Value>> FromIterator<(N, V)> for Record {
    fn from_iter<I: IntoIterator<Item = (N, V)>>(fields: I) -> Record {
        let mut record = Record::new();
        let mut schema = Schema::default();
        for (name, value) in fields {
            let position = schema.push(name.as_ref());
            if position == record.values.len() {
                record.values.push(value.into());
            } else {
                record.values[position] = value.into();
            }
        }
        record.schema = Arc::new(schema);
        record
    }
}

impl Serialize for Record {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.len()))?;
        for (name, value) in self.iter() {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Record {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Record, D::Error> {
        struct RecordVisitor;
        impl<'de> Visitor<'de> for RecordVisitor {
            type Value = Record;

            fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
                formatter.write_str("a JSON object")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Record, A::Error> {
                let mut fields: Vec<(String, Value)> = Vec::new();
                while let Some(entry) = map.next_entry::<String, Value>()? {
                    fields.push(entry);
                }
                Ok(fields.into_iter().collect())
            }
        }
        deserializer.deserialize_map(RecordVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(json: serde_json::Value) -> Record {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn reads_and_writes_like_a_json_object_in_field_order() {
        let mut record = record(json!({"b": 1, "a": "x"}));
        assert_eq!(record["a"], json!("x"));
        assert_eq!(record.insert("b", 2i64), Some(Value::Int(1)));
        record.insert("c", true);
        assert_eq!(record.keys().collect::<Vec<_>>(), ["b", "a", "c"]);
        assert_eq!(record.remove("a"), Some(Value::from("x")));
        assert_eq!(record.to_value(), json!({"b": 2, "c": true}));
        assert_eq!(
            serde_json::to_string(&record).unwrap(),
            r#"{"b":2,"c":true}"#
        );
    }

    #[test]
    fn rename_keeps_the_place_and_fills_a_taken_name() {
        let mut one = record(json!({"a": 1, "b": 2, "c": 3}));
        assert!(one.rename("a", "z"));
        assert_eq!(one.to_value(), json!({"z": 1, "b": 2, "c": 3}));
        assert!(one.rename("c", "z"));
        assert_eq!(one.keys().collect::<Vec<_>>(), ["z", "b"]);
        assert_eq!(one["z"], json!(3));
        assert!(!one.rename("missing", "y"));
    }

    #[test]
    fn a_batch_schema_is_shared_within_a_batch_and_copied_for_the_next() {
        let mut schemas = BatchSchema::new(Schema::new(["id"]));
        let batch: Vec<Arc<Schema>> = (0..DEFAULT_BATCH_SIZE)
            .map(|_| schemas.hand_out())
            .collect();
        assert!(batch.iter().all(|schema| Arc::ptr_eq(schema, &batch[0])));
        let next = schemas.hand_out();
        assert!(!Arc::ptr_eq(&next, &batch[0]));
        assert_eq!(*next, *batch[0]);
    }

    #[test]
    fn records_of_one_shape_share_their_schema_until_one_changes() {
        let schema = Arc::new(Schema::new(["id", "name"]));
        let first = Record::from_parts(schema.clone(), vec![Value::Int(1), Value::from("a")]);
        let mut second = Record::from_parts(schema.clone(), vec![Value::Int(2), Value::from("b")]);
        assert!(Arc::ptr_eq(first.schema(), second.schema()));
        second.insert("extra", 1i64);
        assert!(!Arc::ptr_eq(first.schema(), second.schema()));
        assert_eq!(first.keys().count(), 2);
        assert_eq!(second.get("extra"), Some(&Value::Int(1)));
    }

    #[test]
    fn a_records_memory_counts_the_room_it_leaves_and_only_text_kept_off_line() {
        let schema = Arc::new(Schema::new(["id", "short", "long"]));
        let long = "x".repeat(100);
        let values = || {
            vec![
                Value::Int(1),
                Value::from("short"),
                Value::from(long.as_str()),
            ]
        };
        let tight = Record::from_parts(schema.clone(), values());
        let mut roomy_values = Vec::with_capacity(3 + SPARE_FIELDS);
        roomy_values.extend(values());
        let roomy = Record::from_parts(schema, roomy_values);
        let value_size = std::mem::size_of::<Value>() as u64;
        assert_eq!(
            roomy.memory_bytes() - tight.memory_bytes(),
            SPARE_FIELDS as u64 * value_size
        );
        // The vector's values, the 100 bytes of text on the heap; "short" is kept inline.
        assert!(tight.memory_bytes() >= 3 * value_size + 100);
        assert!(tight.memory_bytes() < 3 * value_size + 100 + 100);
        assert_eq!(Value::from("short").heap_bytes(), 0);
    }
}
