//! `map`: computes fields, renames fields and drops fields — in that order.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::component::{
    BuildContext, ComponentConfig, ComponentError, ExpressionField, Input, Transform,
    TransformConfig,
};
use crate::engine::Output;
use crate::expression::{CompiledExpression, RecordScope};
use crate::record::{Batch, Record, Schema, Value};
use std::sync::Arc;

/// Reshapes each record: `set` computes fields, then `rename` renames fields, then `drop` removes
/// fields. Every `set` expression sees the record as it came in.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MapConfig {
    /// Fields to compute: field name → expression, e.g. `"full_name": "first_name ~ ' ' ~ last_name"`.
    /// An existing field is replaced in place; a new one is added at the end.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    #[schemars(extend("x-sluice-widget" = "expression"))]
    pub set: IndexMap<String, String>,
    /// Fields to rename: old name → new name. A field the record does not have is left alone.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub rename: IndexMap<String, String>,
    /// Fields to remove (names after renaming).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub drop: Vec<String>,
}

impl ComponentConfig for MapConfig {
    fn expressions(&self) -> Vec<ExpressionField> {
        self.set
            .iter()
            .map(|(field, source)| ExpressionField::new(format!("set.{field}"), source))
            .collect()
    }
}

impl TransformConfig for MapConfig {
    fn is_stateless(&self) -> bool {
        true
    }

    fn build<'run>(
        &self,
        context: &BuildContext<'run>,
    ) -> Result<Box<dyn Transform + 'run>, ComponentError> {
        let mut set = Vec::with_capacity(self.set.len());
        for (field, source) in &self.set {
            let compiled = context
                .expressions
                .compile(source)
                .map_err(|error| ComponentError::failed(format!("`set.{field}`: {error}")))?;
            set.push((field.clone(), compiled));
        }
        Ok(Box::new(Map {
            set,
            rename: self.rename.clone(),
            drop: self.drop.clone(),
            values: Vec::with_capacity(self.set.len()),
            reshaped: Vec::new(),
            shapes: Vec::new(),
        }))
    }
}

struct Map<'run> {
    set: Vec<(String, CompiledExpression<'run>)>,
    rename: IndexMap<String, String>,
    drop: Vec<String>,
    /// Reused per record to hold the computed values until the scope is left.
    values: Vec<Value>,
    /// Reused per record to put the values in their new order before they go back into the
    /// record's own vector (no allocation when it has room, see [`crate::record::SPARE_FIELDS`]).
    reshaped: Vec<Value>,
    /// What the map makes of the shapes seen lately.
    shapes: Vec<Shape>,
}

/// What the map makes of records of one schema: the schema out, and where each value comes from.
struct Shape {
    input: Arc<Schema>,
    output: Arc<Schema>,
    sources: Vec<ValueSource>,
}

#[derive(Clone, Copy)]
enum ValueSource {
    Input(usize),
    Computed(usize),
}

impl Map<'_> {
    /// Renames and drops in place, so every field keeps its position.
    fn reshape(&self, record: &mut Record) {
        for (old, new) in &self.rename {
            record.rename(old, new);
        }
        for name in &self.drop {
            record.remove(name);
        }
    }

    /// The shape for `input`: the map applied once to a record of markers, so shapes follow the
    /// same rules as single records. Looked for newest first: each batch comes with a schema of
    /// its own (see [`crate::record::BatchSchema`]).
    fn shape(&mut self, input: &Arc<Schema>) -> &Shape {
        if let Some(index) = self
            .shapes
            .iter()
            .rposition(|shape| Arc::ptr_eq(&shape.input, input))
        {
            return &self.shapes[index];
        }
        let fields = input.len();
        let markers = (0..fields).map(|index| Value::Int(index as i64)).collect();
        let mut prototype = Record::from_parts(input.clone(), markers);
        for (index, (field, _)) in self.set.iter().enumerate() {
            prototype.insert(field, Value::Int((fields + index) as i64));
        }
        self.reshape(&mut prototype);
        let (output, markers) = prototype.into_parts();
        let sources = markers
            .iter()
            .map(|marker| match marker {
                Value::Int(index) if (*index as usize) < fields => {
                    ValueSource::Input(*index as usize)
                }
                Value::Int(index) => ValueSource::Computed(*index as usize - fields),
                _ => unreachable!("every marker is an index"),
            })
            .collect();
        if self.shapes.len() >= 8 {
            self.shapes.remove(0);
        }
        self.shapes.push(Shape {
            input: input.clone(),
            output,
            sources,
        });
        self.shapes.last().expect("just pushed")
    }
}

/// The most bytes of text and data a record may hold once a map has set its fields: each
/// expression makes at most about 16 MiB, and this keeps a chain of maps from piling them up.
pub const MAX_RECORD_BYTES: usize = 64 << 20;

/// Why `record` with the `computed` values would be too large, if it would. (Counted only when
/// the computed values are large themselves, so ordinary records cost nothing here.)
fn too_large(record: &Record, computed: &[Value]) -> Option<String> {
    const LARGE: usize = 1 << 20;
    let added: usize = computed.iter().map(Value::size_in_bytes).sum();
    if added < LARGE {
        return None;
    }
    let total = added
        + record
            .values()
            .iter()
            .map(Value::size_in_bytes)
            .sum::<usize>();
    (total > MAX_RECORD_BYTES).then(|| {
        format!(
            "the record would hold {} MiB with the fields `set` makes, more than a record may ({} MiB); make them smaller, or drop fields before",
            total >> 20,
            MAX_RECORD_BYTES >> 20
        )
    })
}

impl Transform for Map<'_> {
    fn transform(
        &mut self,
        _input: Input<'_>,
        batch: Batch,
        out: &mut Output,
    ) -> Result<(), ComponentError> {
        for record in batch {
            let scope = RecordScope::enter(record);
            self.values.clear();
            let mut failure = None;
            for (field, expression) in &self.set {
                match expression.evaluate(&scope) {
                    Ok(value) => self.values.push(value),
                    Err(error) => {
                        failure = Some(format!("`set.{field}`: {error}"));
                        break;
                    }
                }
            }
            let record = scope.leave();
            if failure.is_none() {
                failure = too_large(&record, &self.values);
            }
            if let Some(message) = failure {
                out.reject(record, message)?;
                continue;
            }
            let (schema, mut values) = record.into_parts();
            let mut computed = std::mem::take(&mut self.values);
            let mut reshaped = std::mem::take(&mut self.reshaped);
            let shape = self.shape(&schema);
            reshaped.extend(shape.sources.iter().map(|source| match *source {
                ValueSource::Input(index) => std::mem::take(&mut values[index]),
                ValueSource::Computed(index) => std::mem::take(&mut computed[index]),
            }));
            let output = shape.output.clone();
            values.clear();
            values.append(&mut reshaped);
            (self.values, self.reshaped) = (computed, reshaped);
            out.emit(Record::from_parts(output, values))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::OnError;
    use crate::transforms::testing::{records, run};
    use serde_json::json;

    fn standard_map() -> MapConfig {
        serde_json::from_value(json!({
            "set": {"full_name": "first_name ~ ' ' ~ last_name",
                    "amount_cents": "(amount | float * 100) | round | int"},
            "rename": {"created_at": "signup_ts"},
            "drop": ["amount"]
        }))
        .unwrap()
    }

    #[test]
    fn set_then_rename_then_drop_keeping_field_order() {
        let input = records(json!([{
            "id": "1", "first_name": "Ada", "last_name": "Lovelace",
            "amount": "19.99", "created_at": "2026-01-02"
        }]));
        let mut out = run(&standard_map(), input, OnError::Fail);
        let record = &out.take("out")[0];
        assert_eq!(
            record.to_value(),
            json!({"id": "1", "first_name": "Ada", "last_name": "Lovelace",
                   "signup_ts": "2026-01-02", "full_name": "Ada Lovelace", "amount_cents": 1999})
        );
        let keys: Vec<&str> = record.keys().collect();
        assert_eq!(
            keys,
            [
                "id",
                "first_name",
                "last_name",
                "signup_ts",
                "full_name",
                "amount_cents"
            ]
        );
    }

    #[test]
    fn text_and_records_have_a_size_limit_with_errors_that_name_it() {
        let mib = |count: usize| "x".repeat(count << 20);
        let config: MapConfig = serde_json::from_value(json!({
            "set": {"joined": "a ~ b", "c2": "c ~ '!'"}
        }))
        .unwrap();
        // 7 + 7 MiB joined, 15 + 15 + 15 MiB in the record: under both limits with 30 MiB of
        // fields; with 18 MiB more in `d`, over the record's 64 MiB.
        let small = json!({"a": mib(7), "b": mib(7), "c": mib(15)});
        let mut out = run(&config, records(json!([small])), OnError::Route);
        assert_eq!(out.take("out").len(), 1);
        let large = json!({"a": mib(7), "b": mib(7), "c": mib(15), "d": mib(18)});
        let mut out = run(&config, records(json!([large])), OnError::Route);
        let refused = out.take("error");
        assert_eq!(refused.len(), 1);
        let message = refused[0].get("_error").unwrap().to_text().into_owned();
        assert!(
            message.contains("more than a record may (64 MiB)"),
            "{message}"
        );
        // One expression making more than about 16 MiB of text is refused on its own.
        let doubled = json!({"a": mib(9), "b": mib(9), "c": ""});
        let mut out = run(&config, records(json!([doubled])), OnError::Route);
        let message = out.take("error")[0]
            .get("_error")
            .unwrap()
            .to_text()
            .into_owned();
        assert!(
            message.contains("`set.joined`") && message.contains("too much text"),
            "{message}"
        );
    }

    #[test]
    fn set_sees_the_incoming_record_and_can_replace_a_field() {
        let config: MapConfig = serde_json::from_value(json!({
            "set": {"name": "name | upper", "original": "name"}
        }))
        .unwrap();
        let mut out = run(&config, records(json!([{"name": "ada"}])), OnError::Fail);
        assert_eq!(
            out.take("out")[0].to_value(),
            json!({"name": "ADA", "original": "ada"})
        );
    }

    #[test]
    fn renaming_onto_a_taken_name_replaces_that_field_in_its_place() {
        let config: MapConfig = serde_json::from_value(json!({
            "rename": {"a": "c"}
        }))
        .unwrap();
        let input = records(json!([{"a": 1, "b": 2, "c": 3}, {"a": 4, "b": 5, "c": 6}]));
        let out = run(&config, input, OnError::Fail).take("out");
        assert_eq!(out[0].to_value(), json!({"b": 2, "c": 1}));
        assert_eq!(out[1].keys().collect::<Vec<_>>(), ["b", "c"]);
        assert!(std::sync::Arc::ptr_eq(out[0].schema(), out[1].schema()));
    }

    #[test]
    fn a_failing_expression_skips_the_record_when_asked() {
        let input = records(json!([
            {"first_name": "A", "last_name": "B", "amount": "x", "created_at": ""},
            {"first_name": "C", "last_name": "D", "amount": "2", "created_at": ""},
        ]));
        let mut out = run(&standard_map(), input, OnError::Skip);
        let kept = out.take("out");
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0]["full_name"], json!("C D"));
        assert_eq!(out.stats().records_errored, 1);
    }
}
