//! `dedupe`: keeps the first record for each key.

use std::collections::HashSet;
use std::hash::{DefaultHasher, Hash, Hasher};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::component::{
    BuildContext, ComponentConfig, ComponentError, Input, Transform, TransformConfig,
};
use crate::engine::Output;
use crate::record::{Batch, Record};

/// Keeps the first record for each key and drops the later ones. It remembers a 128-bit
/// fingerprint per key seen (16 bytes each), not the records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DedupeConfig {
    /// The fields that together identify a record, e.g. `["email"]`. Empty: the whole record.
    #[serde(default)]
    pub key: Vec<String>,
}

impl ComponentConfig for DedupeConfig {}

impl TransformConfig for DedupeConfig {
    fn build<'run>(
        &self,
        _context: &BuildContext<'run>,
    ) -> Result<Box<dyn Transform + 'run>, ComponentError> {
        Ok(Box::new(Dedupe {
            key: self.key.clone(),
            seen: HashSet::new(),
        }))
    }
}

struct Dedupe {
    key: Vec<String>,
    seen: HashSet<u128>,
}

impl Dedupe {
    fn fingerprint(&self, record: &Record) -> u128 {
        let mut low = DefaultHasher::new();
        let mut high = DefaultHasher::new();
        0xA5u8.hash(&mut high);
        let mut feed = |text: &str| {
            text.hash(&mut low);
            text.hash(&mut high);
        };
        if self.key.is_empty() {
            feed(&record.to_value().to_string());
        } else {
            for field in &self.key {
                // Values are fed with their type and as JSON, so "1" (text), 1 (number) and a
                // decimal 1 are different keys.
                match record.get(field) {
                    Some(value) => {
                        feed(value.type_name());
                        feed(&value.to_json().to_string());
                    }
                    None => feed("\u{0}missing"),
                }
            }
        }
        (u128::from(high.finish()) << 64) | u128::from(low.finish())
    }
}

impl Transform for Dedupe {
    fn transform(
        &mut self,
        _input: Input<'_>,
        batch: Batch,
        out: &mut Output,
    ) -> Result<(), ComponentError> {
        for record in batch {
            if self.seen.insert(self.fingerprint(&record)) {
                out.emit(record)?;
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
    fn keeps_the_first_record_per_key_across_batches() {
        let config = DedupeConfig {
            key: vec!["email".into()],
        };
        let input = records(json!([
            {"id": 1, "email": "a@x"}, {"id": 2, "email": "b@x"},
            {"id": 3, "email": "a@x"}, {"id": 4, "email": "c@x"}, {"id": 5, "email": "b@x"},
        ]));
        let mut out = run(&config, input, OnError::Fail);
        let ids: Vec<_> = out
            .take("out")
            .iter()
            .map(|record| record["id"].clone())
            .collect();
        assert_eq!(ids, [json!(1), json!(2), json!(4)]);
    }

    #[test]
    fn without_a_key_whole_records_are_compared() {
        let config = DedupeConfig { key: vec![] };
        let input = records(json!([{"a": 1}, {"a": "1"}, {"a": 1}]));
        let mut out = run(&config, input, OnError::Fail);
        assert_eq!(out.take("out").len(), 2);
    }
}
