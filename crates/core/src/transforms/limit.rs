//! `limit`: passes the first N records on and then stops asking for more.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::component::{
    BuildContext, ComponentConfig, ComponentError, Input, Transform, TransformConfig,
};
use crate::engine::Output;
use crate::record::Batch;

/// Passes on the first `count` records. Once it has them, upstream nodes stop reading.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LimitConfig {
    /// How many records to pass on.
    pub count: u64,
}

impl ComponentConfig for LimitConfig {}

impl TransformConfig for LimitConfig {
    fn build<'run>(
        &self,
        _context: &BuildContext<'run>,
    ) -> Result<Box<dyn Transform + 'run>, ComponentError> {
        Ok(Box::new(Limit {
            remaining: self.count,
        }))
    }
}

struct Limit {
    remaining: u64,
}

impl Transform for Limit {
    fn transform(
        &mut self,
        _input: Input<'_>,
        batch: Batch,
        out: &mut Output,
    ) -> Result<(), ComponentError> {
        for record in batch {
            if self.remaining == 0 {
                break;
            }
            self.remaining -= 1;
            out.emit(record)?;
        }
        Ok(())
    }

    fn is_done(&self) -> bool {
        self.remaining == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::OnError;
    use crate::transforms::testing::{records, run};
    use serde_json::json;

    #[test]
    fn passes_the_first_records_and_is_then_done() {
        let input = records(json!([{"n": 1}, {"n": 2}, {"n": 3}, {"n": 4}, {"n": 5}]));
        let mut out = run(&LimitConfig { count: 3 }, input, OnError::Fail);
        let kept: Vec<_> = out
            .take("out")
            .iter()
            .map(|record| record["n"].clone())
            .collect();
        assert_eq!(kept, [json!(1), json!(2), json!(3)]);
    }
}
