//! The records a join makes: the left record's fields, then the right one's — a right field
//! named like a left one prefixed or left out — with nulls for the side that has no match.

use std::sync::Arc;

use super::Collisions;
use crate::record::{Record, Schema};
use crate::value::Value;

/// The fields of each side seen so far and the output schema they make.
pub(super) struct Shape {
    collisions: Collisions,
    prefix: String,
    left: Schema,
    right: Schema,
    /// For each output field after the left ones: the right field it takes.
    right_sources: Vec<Arc<str>>,
    pub(super) output: Arc<Schema>,
    last_left: Option<Arc<Schema>>,
    last_right: Option<Arc<Schema>>,
}

impl Shape {
    pub(super) fn new(collisions: Collisions, prefix: String) -> Shape {
        Shape {
            collisions,
            prefix,
            left: Schema::default(),
            right: Schema::default(),
            right_sources: Vec::new(),
            output: Arc::default(),
            last_left: None,
            last_right: None,
        }
    }

    /// Learns the fields of records from the left (`true`) or right side.
    pub(super) fn learn<'r>(&mut self, left: bool, records: impl IntoIterator<Item = &'r Record>) {
        let before = (self.left.len(), self.right.len());
        for record in records {
            let (fields, last) = match left {
                true => (&mut self.left, &mut self.last_left),
                false => (&mut self.right, &mut self.last_right),
            };
            if last
                .as_ref()
                .is_some_and(|last| Arc::ptr_eq(last, record.schema()))
            {
                continue;
            }
            for name in record.schema().names() {
                fields.push(name);
            }
            *last = Some(record.schema().clone());
        }
        if before != (self.left.len(), self.right.len()) {
            self.rebuild();
        }
    }

    fn rebuild(&mut self) {
        let mut output = self.left.clone();
        self.right_sources.clear();
        for name in self.right.names() {
            let taken = output.position(name).is_some();
            let output_name = match (taken, self.collisions) {
                (false, _) => name.to_string(),
                (true, Collisions::Drop) => continue,
                (true, Collisions::Prefix) => format!("{}{name}", self.prefix),
            };
            if output.position(&output_name).is_some() {
                continue;
            }
            output.push(&output_name);
            self.right_sources.push(name.clone());
        }
        self.output = Arc::new(output);
    }

    /// A left record (or nulls) and a right record (or nulls) as one record.
    pub(super) fn combine(&self, left: Option<&Record>, right: Option<&Record>) -> Record {
        let mut values = Vec::with_capacity(self.output.len());
        for name in self.left.names() {
            values.push(
                left.and_then(|record| record.get(name))
                    .cloned()
                    .unwrap_or_default(),
            );
        }
        for name in &self.right_sources {
            values.push(
                right
                    .and_then(|record| record.get(name))
                    .cloned()
                    .unwrap_or(Value::Null),
            );
        }
        Record::from_parts(self.output.clone(), values)
    }
}
