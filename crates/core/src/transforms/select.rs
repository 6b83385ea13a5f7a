//! `select`: keeps the listed fields, in the listed order.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::component::{
    BuildContext, ComponentConfig, ComponentError, Input, Transform, TransformConfig,
};
use crate::engine::Output;
use crate::record::{Batch, BatchSchema, Record, Schema};

/// Keeps only the listed fields, in the listed order. A listed field a record lacks is set to
/// null, so every record leaves with the same fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SelectConfig {
    /// The fields to keep.
    pub fields: Vec<String>,
}

impl ComponentConfig for SelectConfig {}

impl TransformConfig for SelectConfig {
    fn is_stateless(&self) -> bool {
        true
    }

    fn build<'run>(
        &self,
        _context: &BuildContext<'run>,
    ) -> Result<Box<dyn Transform + 'run>, ComponentError> {
        if self.fields.is_empty() {
            return Err(ComponentError::failed(
                "`fields` is empty; list at least one field to keep",
            ));
        }
        let schema = Schema::new(&self.fields);
        Ok(Box::new(Select {
            fields: schema.names().iter().map(|name| name.to_string()).collect(),
            schema: BatchSchema::new(schema),
        }))
    }
}

struct Select {
    fields: Vec<String>,
    /// Every record out has these fields, so they share one schema.
    schema: BatchSchema,
}

impl Transform for Select {
    fn transform(
        &mut self,
        _input: Input<'_>,
        batch: Batch,
        out: &mut Output,
    ) -> Result<(), ComponentError> {
        for mut record in batch {
            let values = self
                .fields
                .iter()
                .map(|field| {
                    record
                        .get_mut(field)
                        .map(std::mem::take)
                        .unwrap_or_default()
                })
                .collect();
            out.emit(Record::from_parts(self.schema.hand_out(), values))?;
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

    #[test]
    fn keeps_listed_fields_in_order_and_fills_missing_with_null() {
        let config = SelectConfig {
            fields: vec!["email".into(), "id".into(), "phone".into()],
        };
        let input = records(json!([{"id": 1, "name": "Ada", "email": "a@x.org"}]));
        let mut out = run(&config, input, OnError::Fail);
        let record = &out.take("out")[0];
        assert_eq!(record.keys().collect::<Vec<_>>(), ["email", "id", "phone"]);
        assert_eq!(
            record.to_value(),
            json!({"email": "a@x.org", "id": 1, "phone": null})
        );
    }
}
