//! `aggregate`: one record per group of records with the same values in the `group_by` fields,
//! with counts, sums, averages, extremes, firsts and lasts, lists and joined text. Groups live in
//! memory within the run's budget; past it, their partial results are spilled to temporary files
//! by a hash of the group, and each file's groups are finished at the end.

mod state;

use std::collections::HashMap;
use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::component::{
    BuildContext, ComponentConfig, ComponentError, Input, Transform, TransformConfig,
};
use crate::engine::Output;
use crate::memory::MemoryShare;
use crate::record::{Batch, Record, Schema};
use crate::spill::{SpillArea, SpillRun};
use crate::value::Value;
use state::State;

/// One record per group: the `group_by` fields, then each computed field. Groups come out in
/// the order they first appeared (when they fit in the flow's memory budget; past it, by
/// group). Nulls are left out of every function but `count` of records; text that holds a
/// number is summed as an exact decimal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AggregateConfig {
    /// The fields whose values make a group, e.g. `["country"]`. Empty: all records are one group.
    #[serde(default)]
    #[schemars(extend("x-sluice-widget" = "field"))]
    pub group_by: Vec<String>,
    /// What to compute for each group.
    pub compute: Vec<Aggregation>,
}

/// One computed field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Aggregation {
    /// The output field, e.g. `total`.
    pub name: String,
    /// What to compute.
    pub function: AggregateFunction,
    /// The field it reads; `count` without one counts records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-sluice-widget" = "field"))]
    pub field: Option<String>,
    /// For `string_agg`: what goes between the values (`, ` when not given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub separator: Option<String>,
}

/// The functions of `aggregate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AggregateFunction {
    /// Records (without a field), or values that are not null.
    Count,
    /// Different values.
    CountDistinct,
    /// The sum: exact for whole numbers and decimals.
    Sum,
    /// The mean.
    Avg,
    Min,
    Max,
    /// The first value that is not null.
    First,
    /// The last value that is not null.
    Last,
    /// Every value, as a list.
    List,
    /// The values as text, joined by `separator`.
    StringAgg,
}

/// How many files the groups are spread over when they spill.
const PARTITIONS: usize = 16;

impl ComponentConfig for AggregateConfig {}

impl TransformConfig for AggregateConfig {
    fn build<'run>(
        &self,
        context: &BuildContext<'run>,
    ) -> Result<Box<dyn Transform + 'run>, ComponentError> {
        if self.compute.is_empty() {
            return Err(ComponentError::failed(
                "`compute` is empty; add at least one field to compute (e.g. a count)",
            ));
        }
        for aggregation in &self.compute {
            if aggregation.field.is_none() && aggregation.function != AggregateFunction::Count {
                return Err(ComponentError::failed(format!(
                    "`{}` needs a `field` to read",
                    aggregation.name
                )));
            }
        }
        let mut names = self.group_by.clone();
        names.extend(
            self.compute
                .iter()
                .map(|aggregation| aggregation.name.clone()),
        );
        Ok(Box::new(Aggregate {
            config: self.clone(),
            output: Arc::new(Schema::new(&names)),
            groups: HashMap::new(),
            order: Vec::new(),
            memory: MemoryShare::new(context.memory.clone()),
            spill: None,
            partitions: (0..PARTITIONS).map(|_| Vec::new()).collect(),
        }))
    }
}

/// A group: its fields' values (from its first record) and its aggregations' states.
struct Group {
    values: Vec<Value>,
    states: Vec<State>,
}

struct Aggregate {
    config: AggregateConfig,
    output: Arc<Schema>,
    groups: HashMap<Vec<u8>, Group>,
    /// The groups' keys in the order they first appeared.
    order: Vec<Vec<u8>>,
    memory: MemoryShare,
    spill: Option<SpillArea>,
    /// Spilled partial groups, per partition, oldest first.
    partitions: Vec<Vec<SpillRun>>,
}

impl Aggregate {
    /// Adds a record to its group; a value a function cannot take is the record's error.
    fn add(&mut self, record: &Record) -> Result<u64, String> {
        // Checked first: a record a function refuses changes no group.
        for aggregation in &self.config.compute {
            let value = aggregation
                .field
                .as_ref()
                .and_then(|field| record.get(field));
            state::check(aggregation.function, value)
                .map_err(|problem| format!("`{}`: {problem}", aggregation.name))?;
        }
        let values: Vec<Value> = (self.config.group_by.iter())
            .map(|field| record.get(field).cloned().unwrap_or_default())
            .collect();
        let key = crate::keys::key_of(&values);
        let mut added = 0;
        if !self.groups.contains_key(&key) {
            // The group in the map (its key twice: there and in `order`), values and states.
            use std::mem::size_of;
            let bytes = size_of::<Group>()
                + 2 * (size_of::<Vec<u8>>() + key.len())
                + 16
                + values.len() * size_of::<Value>()
                + values.iter().map(Value::heap_bytes).sum::<usize>()
                + self.config.compute.len() * size_of::<State>();
            added += bytes as u64;
            let states = (self.config.compute.iter())
                .map(|aggregation| State::new(aggregation.function))
                .collect();
            self.groups.insert(key.clone(), Group { values, states });
            self.order.push(key.clone());
        }
        let group = self.groups.get_mut(&key).expect("the group is there");
        for (aggregation, state) in self.config.compute.iter().zip(&mut group.states) {
            let before = state.memory_bytes();
            let value = aggregation
                .field
                .as_ref()
                .and_then(|field| record.get(field));
            state
                .update(aggregation, value)
                .map_err(|problem| format!("`{}`: {problem}", aggregation.name))?;
            added += state.memory_bytes().saturating_sub(before);
        }
        Ok(added)
    }

    /// Writes every group's partial state to its partition's file and forgets the groups.
    fn spill_groups(&mut self, out: &mut Output) -> Result<(), ComponentError> {
        let area = match &mut self.spill {
            Some(area) => area,
            None => self.spill.insert(SpillArea::new()?),
        };
        let before = area.spilled_bytes;
        let mut by_partition: Vec<Vec<Record>> = (0..PARTITIONS).map(|_| Vec::new()).collect();
        let partial_schema = self.output.clone();
        for key in self.order.drain(..) {
            let group = self.groups.remove(&key).expect("every key has a group");
            let mut values = group.values;
            values.extend(group.states.iter().map(State::to_partial));
            by_partition[partition_of(&key)]
                .push(Record::from_parts(partial_schema.clone(), values));
        }
        for (partition, records) in by_partition.into_iter().enumerate() {
            if !records.is_empty() {
                self.partitions[partition].push(area.write(records)?);
            }
        }
        out.add_spilled(area.spilled_bytes - before);
        self.memory.give_back_all();
        Ok(())
    }

    /// The result record of a group.
    fn finish_group(&self, group: Group) -> Record {
        let mut values = group.values;
        values.extend(group.states.into_iter().map(State::finish));
        Record::from_parts(self.output.clone(), values)
    }

    /// Finishes one partition's spilled groups (merged oldest first) into `out`.
    fn finish_partition(&self, runs: &[SpillRun], out: &mut Output) -> Result<(), ComponentError> {
        let area = self.spill.as_ref().expect("spilled");
        let width = self.config.group_by.len();
        let mut groups: HashMap<Vec<u8>, Group> = HashMap::new();
        let mut order = Vec::new();
        for run in runs {
            for record in area.read(run)? {
                let (_, mut values) = record?.into_parts();
                let partials = values.split_off(width);
                let states: Vec<State> = (self.config.compute.iter())
                    .zip(partials)
                    .map(|(aggregation, partial)| {
                        State::from_partial(aggregation.function, partial)
                    })
                    .collect();
                let key = crate::keys::key_of(&values);
                match groups.get_mut(&key) {
                    Some(group) => {
                        // The group's state so far came from earlier spills: merge the newer in.
                        for ((aggregation, kept), newer) in self
                            .config
                            .compute
                            .iter()
                            .zip(&mut group.states)
                            .zip(states)
                        {
                            let mut newer = newer;
                            newer.merge_earlier(
                                std::mem::replace(kept, State::new(aggregation.function)),
                                aggregation,
                            );
                            *kept = newer;
                        }
                    }
                    None => {
                        order.push(key.clone());
                        groups.insert(key, Group { values, states });
                    }
                }
            }
        }
        for key in order {
            let group = groups.remove(&key).expect("every key has a group");
            out.emit(self.finish_group(group))?;
        }
        Ok(())
    }
}

/// The partition a group's key spills to.
fn partition_of(key: &[u8]) -> usize {
    use std::hash::{BuildHasher, BuildHasherDefault};
    let hash = BuildHasherDefault::<std::hash::DefaultHasher>::default().hash_one(key);
    (hash % PARTITIONS as u64) as usize
}

impl Transform for Aggregate {
    fn transform(
        &mut self,
        _input: Input<'_>,
        batch: Batch,
        out: &mut Output,
    ) -> Result<(), ComponentError> {
        let mut added = 0;
        for record in batch {
            match self.add(&record) {
                Ok(bytes) => added += bytes,
                Err(message) => out.reject(record, message)?,
            }
        }
        let fits = self.memory.try_take(added);
        if !fits {
            self.memory.take(added);
        }
        out.note_memory(self.memory.held());
        if !fits {
            return self.spill_groups(out);
        }
        Ok(())
    }

    fn finish(&mut self, out: &mut Output) -> Result<(), ComponentError> {
        if self.groups.is_empty() && self.spill.is_none() && self.config.group_by.is_empty() {
            // No records: one group of nothing (a count of 0), as SQL gives without GROUP BY.
            let states = (self.config.compute.iter())
                .map(|aggregation| State::new(aggregation.function))
                .collect();
            return out.emit(self.finish_group(Group {
                values: Vec::new(),
                states,
            }));
        }
        if self.spill.is_some() {
            self.spill_groups(out)?;
            let partitions = std::mem::take(&mut self.partitions);
            for runs in &partitions {
                self.finish_partition(runs, out)?;
            }
            return Ok(());
        }
        for key in std::mem::take(&mut self.order) {
            let group = self.groups.remove(&key).expect("every key has a group");
            out.emit(self.finish_group(group))?;
        }
        self.memory.give_back_all();
        Ok(())
    }
}

#[cfg(test)]
mod tests;
