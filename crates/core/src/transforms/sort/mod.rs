//! `sort`: orders records by fields, stably, within the run's memory budget — past its share it
//! writes sorted runs to temporary files and merges them at the end (an external merge sort).

mod merge;

use std::cmp::Ordering;
use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::component::{
    BuildContext, ComponentConfig, ComponentError, Input, Transform, TransformConfig,
};
use crate::engine::Output;
use crate::memory::MemoryShare;
use crate::record::{Batch, Record};
use crate::spill::{SpillArea, SpillRun};

/// Orders records by one or more fields, the first deciding first. Records that compare equal
/// keep the order they came in. Numbers sort by value, text by its characters, dates in time;
/// to sort text that holds numbers as numbers, convert its type first. Sorts more records than
/// fit in memory: past the flow's memory budget it uses temporary files.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SortConfig {
    /// The fields to sort by.
    pub by: Vec<SortKey>,
}

/// One field to sort by.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SortKey {
    /// The field.
    #[schemars(extend("x-sluice-widget" = "field"))]
    pub field: String,
    /// `asc`: smallest first; `desc`: largest first.
    #[serde(default)]
    pub order: SortOrder,
    /// Where records whose field is null or missing go: `last` or `first`.
    #[serde(default)]
    pub nulls: NullsAt,
}

/// Smallest first, or largest first.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SortOrder {
    #[default]
    Asc,
    Desc,
}

/// Where null and missing values go.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum NullsAt {
    First,
    #[default]
    Last,
}

impl ComponentConfig for SortConfig {}

impl TransformConfig for SortConfig {
    fn build<'run>(
        &self,
        context: &BuildContext<'run>,
    ) -> Result<Box<dyn Transform + 'run>, ComponentError> {
        if self.by.is_empty() {
            return Err(ComponentError::failed(
                "`by` is empty; name at least one field to sort by",
            ));
        }
        Ok(Box::new(Sort {
            keys: Arc::from(self.by.clone()),
            held: Vec::new(),
            memory: MemoryShare::new(context.memory.clone()),
            spill: None,
            runs: Vec::new(),
        }))
    }
}

/// How two records are ordered by `keys`.
pub(crate) fn compare_records(keys: &[SortKey], left: &Record, right: &Record) -> Ordering {
    for key in keys {
        fn value<'r>(record: &'r Record, field: &str) -> Option<&'r crate::value::Value> {
            let position = record.schema().position(field)?;
            Some(&record.values()[position]).filter(|value| !value.is_null())
        }
        let nulls_first = key.nulls == NullsAt::First;
        let order = match (value(left, &key.field), value(right, &key.field)) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) if nulls_first => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (Some(_), None) if nulls_first => Ordering::Greater,
            (Some(_), None) => Ordering::Less,
            (Some(left), Some(right)) => match key.order {
                SortOrder::Asc => crate::ordering::compare(left, right),
                SortOrder::Desc => crate::ordering::compare(left, right).reverse(),
            },
        };
        if order != Ordering::Equal {
            return order;
        }
    }
    Ordering::Equal
}

struct Sort {
    keys: Arc<[SortKey]>,
    /// The records not spilled yet, in arrival order.
    held: Vec<Record>,
    memory: MemoryShare,
    spill: Option<SpillArea>,
    /// Sorted runs on disk, oldest first.
    runs: Vec<SpillRun>,
}

impl Sort {
    /// Sorts what is held and writes it to a new spill file.
    fn spill_held(&mut self, out: &mut Output) -> Result<(), ComponentError> {
        let keys = self.keys.clone();
        self.held
            .sort_by(|left, right| compare_records(&keys, left, right));
        let area = match &mut self.spill {
            Some(area) => area,
            None => self.spill.insert(SpillArea::new()?),
        };
        let before = area.spilled_bytes;
        let run = area.write(std::mem::take(&mut self.held))?;
        out.add_spilled(area.spilled_bytes - before);
        self.runs.push(run);
        self.memory.give_back_all();
        Ok(())
    }
}

impl Transform for Sort {
    fn transform(
        &mut self,
        _input: Input<'_>,
        batch: Batch,
        out: &mut Output,
    ) -> Result<(), ComponentError> {
        let bytes: u64 = batch.iter().map(Record::memory_bytes).sum();
        if !self.memory.try_take(bytes) {
            if !self.held.is_empty() {
                self.spill_held(out)?;
            }
            // Held even past the budget: a full budget slows the run down, never stops it.
            if !self.memory.try_take(bytes) {
                self.memory.take(bytes);
            }
        }
        self.held.extend(batch);
        out.note_memory(self.memory.held());
        Ok(())
    }

    fn finish(&mut self, out: &mut Output) -> Result<(), ComponentError> {
        let keys = self.keys.clone();
        self.held
            .sort_by(|left, right| compare_records(&keys, left, right));
        let held = std::mem::take(&mut self.held);
        let result = match self.spill.as_mut() {
            None => held.into_iter().try_for_each(|record| out.emit(record)),
            Some(area) => {
                let runs = std::mem::take(&mut self.runs);
                merge::merge(area, runs, held, &keys, out)
            }
        };
        self.memory.give_back_all();
        result
    }
}

#[cfg(test)]
mod tests;
