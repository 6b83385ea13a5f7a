//! `union`: the records of every input in one stream, fields matched by name.

use std::collections::HashSet;
use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::component::{
    BuildContext, ComponentConfig, ComponentError, Input, Transform, TransformConfig,
};
use crate::engine::Output;
use crate::memory::MemoryShare;
use crate::record::{Batch, Record, Schema};
use crate::value::Value;

/// Stacks the records of every node connected to it, matching fields by name: each record
/// leaves with the fields of all inputs (a field its input lacks is null), in the order they
/// first appear. It waits for the first records of every input (or its end) to know them all.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UnionConfig {
    /// A field to add with the id of the node each record came from, e.g. `source`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_field: Option<String>,
}

impl ComponentConfig for UnionConfig {}

impl TransformConfig for UnionConfig {
    fn build<'run>(
        &self,
        context: &BuildContext<'run>,
    ) -> Result<Box<dyn Transform + 'run>, ComponentError> {
        let source_field = self
            .source_field
            .clone()
            .filter(|field| !field.trim().is_empty());
        let mut fields = Schema::default();
        if let Some(field) = &source_field {
            fields.push(field);
        }
        Ok(Box::new(Union {
            output: Arc::new(fields.clone()),
            fields,
            source_field,
            waiting_for: context
                .upstream
                .iter()
                .map(|input| input.from.to_string())
                .collect(),
            held: Vec::new(),
            memory: MemoryShare::new(context.memory.clone()),
            last_schema: None,
        }))
    }
}

struct Union {
    source_field: Option<String>,
    /// Every field seen, in order (the source field first).
    fields: Schema,
    output: Arc<Schema>,
    /// The inputs not heard from yet: records are held until each has sent some or ended.
    waiting_for: HashSet<String>,
    held: Vec<(String, Batch)>,
    memory: MemoryShare,
    /// The schema whose fields were last learnt, so a batch of one shape is looked at once.
    last_schema: Option<Arc<Schema>>,
}

impl Union {
    /// Adds the fields of `batch` it has not seen.
    fn learn(&mut self, batch: &Batch) {
        let before = self.fields.len();
        for record in batch {
            if self
                .last_schema
                .as_ref()
                .is_some_and(|last| Arc::ptr_eq(last, record.schema()))
            {
                continue;
            }
            for name in record.schema().names() {
                self.fields.push(name);
            }
            self.last_schema = Some(record.schema().clone());
        }
        if self.fields.len() != before {
            self.output = Arc::new(self.fields.clone());
        }
    }

    fn send(&self, from: &str, batch: Batch, out: &mut Output) -> Result<(), ComponentError> {
        for record in batch {
            let values = self
                .output
                .names()
                .iter()
                .map(|name| match &self.source_field {
                    Some(field) if field.as_str() == &**name => Value::from(from),
                    _ => record.get(name).cloned().unwrap_or_default(),
                })
                .collect();
            out.emit(Record::from_parts(self.output.clone(), values))?;
        }
        Ok(())
    }

    /// Sends what was held, once every input was heard from (or memory ran short).
    fn release(&mut self, out: &mut Output) -> Result<(), ComponentError> {
        for (from, batch) in std::mem::take(&mut self.held) {
            self.send(&from, batch, out)?;
        }
        self.memory.give_back_all();
        Ok(())
    }
}

impl Transform for Union {
    fn transform(
        &mut self,
        input: Input<'_>,
        batch: Batch,
        out: &mut Output,
    ) -> Result<(), ComponentError> {
        self.learn(&batch);
        self.waiting_for.remove(input.from);
        if self.waiting_for.is_empty() && self.held.is_empty() {
            return self.send(input.from, batch, out);
        }
        let bytes: u64 = batch.iter().map(Record::memory_bytes).sum();
        self.held.push((input.from.to_string(), batch));
        let fits = self.memory.try_take(bytes);
        if !fits || self.waiting_for.is_empty() {
            // Out of memory to wait in (or nothing left to wait for): go on with the fields
            // known so far.
            self.waiting_for.clear();
            if !fits {
                self.memory.take(bytes);
            }
            return self.release(out);
        }
        out.note_memory(self.memory.held());
        Ok(())
    }

    fn input_ended(&mut self, input: Input<'_>, out: &mut Output) -> Result<(), ComponentError> {
        self.waiting_for.remove(input.from);
        match self.waiting_for.is_empty() {
            true => self.release(out),
            false => Ok(()),
        }
    }

    fn finish(&mut self, out: &mut Output) -> Result<(), ComponentError> {
        self.release(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Output;
    use crate::flow::OnError;
    use crate::transforms::testing::records;
    use serde_json::json;

    fn union(
        source_field: Option<&str>,
        upstream: &[&'static str],
    ) -> Box<dyn Transform + 'static> {
        let expressions = Box::leak(Box::new(crate::expression::Expressions::for_validation()));
        let context = BuildContext {
            upstream: upstream
                .iter()
                .map(|from| Input { port: "in", from })
                .collect(),
            ..crate::transforms::testing::context(expressions)
        };
        let config = UnionConfig {
            source_field: source_field.map(str::to_string),
        };
        config.build(&context).unwrap()
    }

    #[test]
    fn stacks_inputs_by_field_name_with_missing_fields_null_and_the_source_named() {
        let mut node = union(Some("source"), &["shop", "crm"]);
        let mut out = Output::for_test(&["out"], OnError::Fail);
        let shop = Input {
            port: "in",
            from: "shop",
        };
        let crm = Input {
            port: "in",
            from: "crm",
        };
        node.transform(shop, records(json!([{"id": 1, "email": "a@x"}])), &mut out)
            .unwrap();
        assert!(
            out.take("out").is_empty(),
            "held until every input is heard from"
        );
        node.transform(
            crm,
            records(json!([{"email": "b@x", "name": "Bo"}])),
            &mut out,
        )
        .unwrap();
        node.transform(shop, records(json!([{"id": 3}])), &mut out)
            .unwrap();
        node.input_ended(shop, &mut out).unwrap();
        node.input_ended(crm, &mut out).unwrap();
        node.finish(&mut out).unwrap();
        let rows: Vec<_> = out.take("out").iter().map(Record::to_value).collect();
        assert_eq!(
            rows,
            [
                json!({"source": "shop", "id": 1, "email": "a@x", "name": null}),
                json!({"source": "crm", "id": null, "email": "b@x", "name": "Bo"}),
                json!({"source": "shop", "id": 3, "email": null, "name": null}),
            ]
        );
    }

    #[test]
    fn an_input_that_ends_empty_does_not_hold_the_others_back() {
        let mut node = union(None, &["a", "b"]);
        let mut out = Output::for_test(&["out"], OnError::Fail);
        node.input_ended(
            Input {
                port: "in",
                from: "b",
            },
            &mut out,
        )
        .unwrap();
        node.transform(
            Input {
                port: "in",
                from: "a",
            },
            records(json!([{"n": 1}])),
            &mut out,
        )
        .unwrap();
        assert_eq!(out.take("out").len(), 1);
    }
}
