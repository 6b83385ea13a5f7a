//! `filter`: keeps the records for which a condition is true.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::component::{
    BuildContext, ComponentConfig, ComponentError, ExpressionField, Input, Transform,
    TransformConfig,
};
use crate::engine::Output;
use crate::expression::{CompiledExpression, RecordScope};
use crate::record::Batch;

/// Keeps the records for which a condition is true and drops the others.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FilterConfig {
    /// The condition, e.g. `status == 'active' and amount | float > 10`. A record is kept when it
    /// is true.
    #[schemars(extend("x-sluice-widget" = "expression"))]
    pub when: String,
}

impl ComponentConfig for FilterConfig {
    fn expressions(&self) -> Vec<ExpressionField> {
        vec![ExpressionField::new("when", &self.when)]
    }
}

impl TransformConfig for FilterConfig {
    fn is_stateless(&self) -> bool {
        true
    }

    fn runs_beside_source(&self) -> bool {
        true
    }

    fn build<'run>(
        &self,
        context: &BuildContext<'run>,
    ) -> Result<Box<dyn Transform + 'run>, ComponentError> {
        let when = context
            .expressions
            .compile(&self.when)
            .map_err(|error| ComponentError::failed(format!("condition `when`: {error}")))?;
        Ok(Box::new(Filter { when }))
    }
}

struct Filter<'run> {
    when: CompiledExpression<'run>,
}

impl Transform for Filter<'_> {
    fn transform(
        &mut self,
        _input: Input<'_>,
        batch: Batch,
        out: &mut Output,
    ) -> Result<(), ComponentError> {
        for record in batch {
            let scope = RecordScope::enter(record);
            let verdict = self.when.is_true(&scope);
            let record = scope.leave();
            match verdict {
                Ok(true) => out.emit(record)?,
                Ok(false) => {}
                Err(error) => out.reject(record, format!("condition `when`: {error}"))?,
            }
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
    fn keeps_only_matching_records() {
        let config = FilterConfig {
            when: "status == 'active' and amount | float > 10".into(),
        };
        let input = records(json!([
            {"id": 1, "status": "active", "amount": "20"},
            {"id": 2, "status": "inactive", "amount": "20"},
            {"id": 3, "status": "active", "amount": "5"},
            {"id": 4, "status": "active", "amount": "10.5"},
        ]));
        let mut out = run(&config, input, OnError::Fail);
        let ids: Vec<_> = out
            .take("out")
            .iter()
            .map(|record| record["id"].clone())
            .collect();
        assert_eq!(ids, vec![json!(1), json!(4)]);
    }

    #[test]
    fn a_record_that_cannot_be_judged_is_routed_with_the_reason() {
        let config = FilterConfig {
            when: "amount | float > 10".into(),
        };
        let input = records(json!([{"id": 1, "amount": "n/a"}, {"id": 2, "amount": "11"}]));
        let mut out = run(&config, input, OnError::Route);
        assert_eq!(out.take("out").len(), 1);
        let errors = out.take("error");
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0]["id"], json!(1));
        assert!(
            errors[0]["_error"]
                .as_str()
                .unwrap()
                .starts_with("condition `when`:")
        );
        assert_eq!(out.stats().records_errored, 1);
    }
}
