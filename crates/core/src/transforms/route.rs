//! `route`: sends each record to a named port chosen by conditions, or to `else`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::component::{
    BuildContext, ComponentConfig, ComponentError, ExpressionField, Input, Transform,
    TransformConfig,
};
use crate::engine::Output;
use crate::expression::{CompiledExpression, RecordScope};
use crate::record::Batch;

/// The port records go to when no condition matches.
pub const ELSE_PORT: &str = "else";

/// Sends each record to the port of the first condition it matches (or of every condition, with
/// `all_matches`), and to the `else` port when none matches.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RouteConfig {
    /// The conditions, checked in order.
    pub routes: Vec<RouteRule>,
    /// Send a record to every matching port instead of only the first.
    #[serde(default)]
    pub all_matches: bool,
}

/// One condition and the port its records leave through.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RouteRule {
    /// The port name; connect edges from it with `"from_port"`.
    pub port: String,
    /// The condition, e.g. `country in ['DE', 'FR']`.
    #[schemars(extend("x-sluice-widget" = "expression"))]
    pub when: String,
}

impl ComponentConfig for RouteConfig {
    fn output_ports(&self) -> Vec<String> {
        let mut ports: Vec<String> = self.routes.iter().map(|rule| rule.port.clone()).collect();
        ports.push(ELSE_PORT.into());
        ports
    }

    fn expressions(&self) -> Vec<ExpressionField> {
        self.routes
            .iter()
            .enumerate()
            .map(|(index, rule)| ExpressionField::new(format!("routes[{index}].when"), &rule.when))
            .collect()
    }
}

impl TransformConfig for RouteConfig {
    fn is_stateless(&self) -> bool {
        true
    }

    fn build<'run>(
        &self,
        context: &BuildContext<'run>,
    ) -> Result<Box<dyn Transform + 'run>, ComponentError> {
        let mut rules = Vec::with_capacity(self.routes.len());
        for (index, rule) in self.routes.iter().enumerate() {
            if matches!(rule.port.as_str(), ELSE_PORT | crate::flow::ERROR_PORT)
                || rule.port.is_empty()
            {
                return Err(ComponentError::failed(format!(
                    "`routes[{index}].port`: '{}' is reserved; choose another port name",
                    rule.port
                )));
            }
            let when = context.expressions.compile(&rule.when).map_err(|error| {
                ComponentError::failed(format!("`routes[{index}].when`: {error}"))
            })?;
            rules.push((rule.port.clone(), when));
        }
        Ok(Box::new(Route {
            rules,
            all_matches: self.all_matches,
        }))
    }
}

struct Route<'run> {
    rules: Vec<(String, CompiledExpression<'run>)>,
    all_matches: bool,
}

impl Transform for Route<'_> {
    fn transform(
        &mut self,
        _input: Input<'_>,
        batch: Batch,
        out: &mut Output,
    ) -> Result<(), ComponentError> {
        for record in batch {
            let scope = RecordScope::enter(record);
            let mut matched = Vec::new();
            let mut failure = None;
            for (index, (port, when)) in self.rules.iter().enumerate() {
                match when.is_true(&scope) {
                    Ok(true) => {
                        matched.push(port.as_str());
                        if !self.all_matches {
                            break;
                        }
                    }
                    Ok(false) => {}
                    Err(error) => {
                        failure = Some(format!("`routes[{index}].when`: {error}"));
                        break;
                    }
                }
            }
            let record = scope.leave();
            if let Some(message) = failure {
                out.reject(record, message)?;
                continue;
            }
            match matched.split_last() {
                None => out.emit_to(ELSE_PORT, record)?,
                Some((last, others)) => {
                    for port in others {
                        out.emit_to(port, record.clone())?;
                    }
                    out.emit_to(last, record)?;
                }
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

    fn config(all_matches: bool) -> RouteConfig {
        serde_json::from_value(json!({
            "routes": [{"port": "big", "when": "amount > 100"},
                       {"port": "eu", "when": "country in ['DE', 'FR']"}],
            "all_matches": all_matches
        }))
        .unwrap()
    }

    fn ids(records: Vec<crate::Record>) -> Vec<serde_json::Value> {
        records
            .iter()
            .map(|record| record["id"].to_json())
            .collect()
    }

    #[test]
    fn first_match_wins_and_the_rest_go_to_else() {
        let input = records(json!([
            {"id": 1, "amount": 500, "country": "DE"},
            {"id": 2, "amount": 5, "country": "FR"},
            {"id": 3, "amount": 5, "country": "US"},
        ]));
        let mut out = run(&config(false), input, OnError::Fail);
        assert_eq!(ids(out.take("big")), [json!(1)]);
        assert_eq!(ids(out.take("eu")), [json!(2)]);
        assert_eq!(ids(out.take("else")), [json!(3)]);
    }

    #[test]
    fn all_matches_copies_a_record_to_every_matching_port() {
        let input = records(json!([{"id": 1, "amount": 500, "country": "DE"}]));
        let mut out = run(&config(true), input, OnError::Fail);
        assert_eq!(ids(out.take("big")), [json!(1)]);
        assert_eq!(ids(out.take("eu")), [json!(1)]);
        assert!(out.take("else").is_empty());
    }
}
