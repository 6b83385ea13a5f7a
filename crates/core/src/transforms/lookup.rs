//! `lookup`: adds fields from a table (any node connected to the `table` input: a file, a
//! database) to each record whose key is in it — one record out per record in, in order.

use std::collections::HashMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::component::{
    BuildContext, ComponentConfig, ComponentError, Input, Transform, TransformConfig,
};
use crate::engine::Output;
use crate::memory::MemoryShare;
use crate::record::{Batch, Record};
use crate::value::Value;

use super::join::key_of;

const TABLE: &str = "table";

/// Adds fields from the records of its `table` input (e.g. customers) to each record of its `in`
/// input (e.g. orders) whose key matches; the first table record with a key wins. Records keep
/// their order, one out for each in. Numbers match by value; a null key matches nothing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LookupConfig {
    /// The record's key field, e.g. `customer_id`.
    #[schemars(extend("x-sluice-widget" = "field", "x-sluice-input" = "in"))]
    pub key: String,
    /// The table's key field, e.g. `id`.
    #[schemars(extend("x-sluice-widget" = "field", "x-sluice-input" = "table"))]
    pub table_key: String,
    /// The table's fields to add, e.g. `["name", "country"]`. Empty: all but its key.
    #[serde(default)]
    #[schemars(extend("x-sluice-widget" = "field"))]
    pub fields: Vec<String>,
    /// A record whose key is not in the table: `keep` it (the added fields null), `drop` it, or
    /// make it an `error` (handled by the node's `on_error`).
    #[serde(default)]
    pub missing: Missing,
}

/// What happens to a record whose key is not in the table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Missing {
    #[default]
    Keep,
    Drop,
    Error,
}

impl ComponentConfig for LookupConfig {}

impl TransformConfig for LookupConfig {
    fn input_ports(&self) -> Vec<String> {
        vec![crate::flow::DEFAULT_INPUT_PORT.into(), TABLE.into()]
    }

    fn build<'run>(
        &self,
        context: &BuildContext<'run>,
    ) -> Result<Box<dyn Transform + 'run>, ComponentError> {
        Ok(Box::new(Lookup {
            config: self.clone(),
            table: HashMap::new(),
            table_fields: Vec::new(),
            table_open: context
                .upstream
                .iter()
                .filter(|input| input.port == TABLE)
                .count(),
            waiting: Vec::new(),
            memory: MemoryShare::new(context.memory.clone()),
        }))
    }
}

struct Lookup {
    config: LookupConfig,
    table: HashMap<Vec<u8>, Record>,
    /// The fields added, in the order the table has them.
    table_fields: Vec<String>,
    /// Edges into `table` still open: records wait until it is complete.
    table_open: usize,
    waiting: Vec<Record>,
    memory: MemoryShare,
}

impl Lookup {
    fn add_to_table(&mut self, batch: Batch, out: &mut Output) {
        let key = std::slice::from_ref(&self.config.table_key);
        for record in batch {
            for name in record.keys() {
                let wanted = match self.config.fields.is_empty() {
                    true => name != self.config.table_key,
                    false => self.config.fields.iter().any(|field| field == name),
                };
                if wanted && !self.table_fields.iter().any(|field| field == name) {
                    self.table_fields.push(name.to_string());
                }
            }
            if let Some(key) = key_of(&record, key) {
                let bytes = record.memory_bytes();
                self.table.entry(key).or_insert_with(|| {
                    self.memory.take(bytes);
                    record
                });
            }
        }
        out.note_memory(self.memory.held());
    }

    fn enrich(&self, mut record: Record, out: &mut Output) -> Result<(), ComponentError> {
        let found = key_of(&record, std::slice::from_ref(&self.config.key))
            .and_then(|key| self.table.get(&key));
        match (found, self.config.missing) {
            (None, Missing::Drop) => return Ok(()),
            (None, Missing::Error) => {
                let key = record
                    .get(&self.config.key)
                    .map_or(Value::Null, Value::clone);
                return out.reject(
                    record,
                    format!(
                        "`{}` {} is not in the table",
                        self.config.key,
                        key.to_json()
                    ),
                );
            }
            _ => {}
        }
        let fields: Vec<&String> = match self.config.fields.is_empty() {
            true => self.table_fields.iter().collect(),
            false => self.config.fields.iter().collect(),
        };
        for field in fields {
            let value = found
                .and_then(|row| row.get(field))
                .cloned()
                .unwrap_or_default();
            record.insert(field, value);
        }
        out.emit(record)
    }

    fn release(&mut self, out: &mut Output) -> Result<(), ComponentError> {
        for record in std::mem::take(&mut self.waiting) {
            self.enrich(record, out)?;
        }
        Ok(())
    }
}

impl Transform for Lookup {
    fn transform(
        &mut self,
        input: Input<'_>,
        batch: Batch,
        out: &mut Output,
    ) -> Result<(), ComponentError> {
        if input.port == TABLE {
            self.add_to_table(batch, out);
            return Ok(());
        }
        if self.table_open > 0 {
            let bytes: u64 = batch.iter().map(Record::memory_bytes).sum();
            self.memory.take(bytes);
            self.waiting.extend(batch);
            out.note_memory(self.memory.held());
            return Ok(());
        }
        batch
            .into_iter()
            .try_for_each(|record| self.enrich(record, out))
    }

    fn input_ended(&mut self, input: Input<'_>, out: &mut Output) -> Result<(), ComponentError> {
        if input.port == TABLE {
            self.table_open = self.table_open.saturating_sub(1);
            if self.table_open == 0 {
                return self.release(out);
            }
        }
        Ok(())
    }

    fn finish(&mut self, out: &mut Output) -> Result<(), ComponentError> {
        self.table_open = 0;
        self.release(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::OnError;
    use crate::transforms::testing::{context, records};
    use serde_json::json;

    const ORDERS: Input<'static> = Input {
        port: "in",
        from: "orders",
    };
    const CUSTOMERS: Input<'static> = Input {
        port: TABLE,
        from: "customers",
    };

    fn lookup(
        missing: Missing,
        fields: &[&str],
        table_first: bool,
    ) -> (Vec<serde_json::Value>, Vec<Record>) {
        let expressions = crate::expression::Expressions::for_validation();
        let context = BuildContext {
            upstream: vec![ORDERS, CUSTOMERS],
            ..context(&expressions)
        };
        let config = LookupConfig {
            key: "customer".into(),
            table_key: "id".into(),
            fields: fields.iter().map(|field| field.to_string()).collect(),
            missing,
        };
        let mut node = config.build(&context).unwrap();
        let mut out = Output::for_test(&["out"], OnError::Route);
        let orders = records(json!([
            {"order": 1, "customer": 10}, {"order": 2, "customer": 12}, {"order": 3, "customer": 10.0}, {"order": 4, "customer": null}
        ]));
        let customers = records(json!([
            {"id": 10, "name": "Ada", "country": "GB"}, {"id": 10, "name": "Ada (again)"}, {"id": 11, "name": "Bo", "country": "US"}
        ]));
        if table_first {
            node.transform(CUSTOMERS, customers, &mut out).unwrap();
            node.input_ended(CUSTOMERS, &mut out).unwrap();
            node.transform(ORDERS, orders, &mut out).unwrap();
        } else {
            node.transform(ORDERS, orders, &mut out).unwrap();
            assert!(
                out.take("out").is_empty(),
                "records wait for the whole table"
            );
            node.transform(CUSTOMERS, customers, &mut out).unwrap();
            node.input_ended(CUSTOMERS, &mut out).unwrap();
        }
        node.finish(&mut out).unwrap();
        let rows = out.take("out").iter().map(Record::to_value).collect();
        (rows, out.take("error"))
    }

    #[test]
    fn adds_the_first_matching_rows_fields_to_each_record_in_order() {
        for table_first in [true, false] {
            let (rows, _) = lookup(Missing::Keep, &[], table_first);
            assert_eq!(
                rows,
                [
                    json!({"order": 1, "customer": 10, "name": "Ada", "country": "GB"}),
                    json!({"order": 2, "customer": 12, "name": null, "country": null}),
                    json!({"order": 3, "customer": 10.0, "name": "Ada", "country": "GB"}),
                    json!({"order": 4, "customer": null, "name": null, "country": null}),
                ]
            );
        }
    }

    #[test]
    fn a_missing_key_is_dropped_or_an_error_when_asked() {
        let (rows, _) = lookup(Missing::Drop, &["name"], true);
        assert_eq!(
            rows,
            [
                json!({"order": 1, "customer": 10, "name": "Ada"}),
                json!({"order": 3, "customer": 10.0, "name": "Ada"})
            ]
        );
        let (rows, errors) = lookup(Missing::Error, &["name"], true);
        assert_eq!(rows.len(), 2);
        assert_eq!(errors.len(), 2);
        assert!(
            errors[0]["_error"]
                .as_str()
                .unwrap()
                .contains("`customer` 12 is not in the table")
        );
    }
}
