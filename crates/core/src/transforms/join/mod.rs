//! `join`: records of two inputs, `left` and `right`, combined where their keys are equal — a
//! hash join that builds a table of the side that ends first (the right, for a lookup), or of
//! the smaller when both are held, and past the run's memory budget spreads both sides over
//! temporary files by key and joins them file by file.

mod hash;
mod shape;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::component::{
    BuildContext, ComponentConfig, ComponentError, Input, Transform, TransformConfig,
};
use crate::engine::Output;
use crate::memory::MemoryShare;
use crate::record::{Batch, Record};
use crate::spill::{SpillArea, SpillRun};
use hash::Table;
pub(crate) use hash::key_of;
use shape::Shape;

/// Combines the records of its `left` and `right` inputs whose key fields are equal. Numbers
/// match by value (1 = 1.0); text does not match a number, so convert types first when one
/// side's key is text. A null key matches nothing. Records come out in the order of the input
/// that is read through (the left, when the right ends first), or by key past the memory budget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct JoinConfig {
    /// inner: pairs that match. left: every left record, with the right's fields null when none
    /// matches. right: every right record. full: both. semi: the left records that have a match
    /// (once each, left fields only). anti: the left records that have none.
    #[serde(default)]
    pub kind: JoinKind,
    /// The fields that must be equal, e.g. `[{"left": "customer_id", "right": "id"}]`.
    pub on: Vec<JoinKey>,
    /// A right field named like a left one: `prefix` (it is kept as `prefix` + its name) or
    /// `drop` (it is left out).
    #[serde(default)]
    pub collisions: Collisions,
    /// What goes before a right field named like a left one.
    #[serde(default = "default_prefix")]
    pub prefix: String,
}

fn default_prefix() -> String {
    "right_".into()
}

/// A pair of fields that must be equal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct JoinKey {
    /// The left record's field.
    #[schemars(extend("x-sluice-widget" = "field", "x-sluice-input" = "left"))]
    pub left: String,
    /// The right record's field.
    #[schemars(extend("x-sluice-widget" = "field", "x-sluice-input" = "right"))]
    pub right: String,
}

/// Which records a join keeps.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum JoinKind {
    #[default]
    Inner,
    Left,
    Right,
    Full,
    Semi,
    Anti,
}

impl JoinKind {
    /// Whether records of `side` are kept without a match (with nulls for the other side).
    fn keeps(self, side: Side) -> bool {
        matches!(
            (self, side),
            (JoinKind::Full, _) | (JoinKind::Left, Side::Left) | (JoinKind::Right, Side::Right)
        )
    }
}

/// What happens to a right field named like a left one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Collisions {
    #[default]
    Prefix,
    Drop,
}

/// The two inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Left,
    Right,
}

impl Side {
    fn other(self) -> Side {
        match self {
            Side::Left => Side::Right,
            Side::Right => Side::Left,
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

const LEFT: &str = "left";
const RIGHT: &str = "right";
/// How many files each side is spread over past the memory budget.
const PARTITIONS: usize = 16;
/// Records gathered per partition before they are written.
const PARTITION_BUFFER: usize = 4096;

impl ComponentConfig for JoinConfig {}

impl TransformConfig for JoinConfig {
    fn input_ports(&self) -> Vec<String> {
        vec![LEFT.into(), RIGHT.into()]
    }

    fn build<'run>(
        &self,
        context: &BuildContext<'run>,
    ) -> Result<Box<dyn Transform + 'run>, ComponentError> {
        if self.on.is_empty() {
            return Err(ComponentError::failed(
                "`on` is empty; name at least one pair of fields that must be equal",
            ));
        }
        let open = |port: &str| {
            context
                .upstream
                .iter()
                .filter(|input| input.port == port)
                .count()
        };
        Ok(Box::new(Join {
            kind: self.kind,
            fields: [
                self.on.iter().map(|key| key.left.clone()).collect(),
                self.on.iter().map(|key| key.right.clone()).collect(),
            ],
            shape: Shape::new(self.collisions, self.prefix.clone()),
            held: [Vec::new(), Vec::new()],
            open: [open(LEFT), open(RIGHT)],
            memory: MemoryShare::new(context.memory.clone()),
            table: None,
            partitions: None,
        }))
    }
}

struct Join {
    kind: JoinKind,
    /// The key fields of the left and the right.
    fields: [Vec<String>; 2],
    shape: Shape,
    /// Records waiting for the table, per side.
    held: [Vec<Record>; 2],
    /// Edges still open into each side.
    open: [usize; 2],
    memory: MemoryShare,
    /// Built once a side has ended: the other side streams through it.
    table: Option<Table>,
    /// Past the memory budget: both sides spread over files by key.
    partitions: Option<Partitions>,
}

/// Both sides spread over temporary files by key.
struct Partitions {
    area: SpillArea,
    runs: [Vec<Vec<SpillRun>>; 2],
    buffers: [Vec<Vec<Record>>; 2],
}

impl Partitions {
    fn new() -> Result<Partitions, ComponentError> {
        fn empty<T>() -> Vec<Vec<T>> {
            (0..PARTITIONS).map(|_| Vec::new()).collect()
        }
        Ok(Partitions {
            area: SpillArea::new()?,
            runs: [empty(), empty()],
            buffers: [empty(), empty()],
        })
    }

    /// Adds a record to its partition, writing the partition's buffer when it is full.
    fn add(
        &mut self,
        side: Side,
        key: Option<&[u8]>,
        record: Record,
    ) -> Result<u64, ComponentError> {
        let partition = key.map_or(0, partition_of);
        let buffer = &mut self.buffers[side.index()][partition];
        buffer.push(record);
        if buffer.len() < PARTITION_BUFFER {
            return Ok(0);
        }
        self.write(side, partition)
    }

    fn write(&mut self, side: Side, partition: usize) -> Result<u64, ComponentError> {
        let records = std::mem::take(&mut self.buffers[side.index()][partition]);
        if records.is_empty() {
            return Ok(0);
        }
        let before = self.area.spilled_bytes;
        let run = self.area.write(records)?;
        self.runs[side.index()][partition].push(run);
        Ok(self.area.spilled_bytes - before)
    }

    fn read(&self, side: Side, partition: usize) -> Result<Vec<Record>, ComponentError> {
        let mut records = Vec::new();
        for run in &self.runs[side.index()][partition] {
            for record in self.area.read(run)? {
                records.push(record?);
            }
        }
        Ok(records)
    }
}

fn partition_of(key: &[u8]) -> usize {
    use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
    (BuildHasherDefault::<DefaultHasher>::default().hash_one(key) % PARTITIONS as u64) as usize
}

impl Join {
    fn side_of(input: Input<'_>) -> Side {
        match input.port {
            RIGHT => Side::Right,
            _ => Side::Left,
        }
    }

    /// Builds the table of `side` from what is held, and streams the other side's held records
    /// through it.
    fn build_table(&mut self, side: Side, out: &mut Output) -> Result<(), ComponentError> {
        let records = std::mem::take(&mut self.held[side.index()]);
        let mut table = Table::build(side, records, &self.fields[side.index()]);
        let probe = side.other();
        for record in std::mem::take(&mut self.held[probe.index()]) {
            let key = key_of(&record, &self.fields[probe.index()]);
            table.probe(self.kind, &self.shape, record, key, &mut |made| {
                out.emit(made)
            })?;
        }
        self.table = Some(table);
        Ok(())
    }

    /// Moves everything held into partition files; from now on records go there.
    fn spill(&mut self, out: &mut Output) -> Result<(), ComponentError> {
        let mut partitions = Partitions::new()?;
        let mut spilled = 0;
        for side in [Side::Left, Side::Right] {
            for record in std::mem::take(&mut self.held[side.index()]) {
                let key = key_of(&record, &self.fields[side.index()]);
                spilled += partitions.add(side, key.as_deref(), record)?;
            }
        }
        out.add_spilled(spilled);
        self.memory.give_back_all();
        self.partitions = Some(partitions);
        Ok(())
    }

    /// Joins the partition files one by one, building each on its smaller side.
    fn join_partitions(&mut self, out: &mut Output) -> Result<(), ComponentError> {
        let mut partitions = self.partitions.take().expect("partitioned");
        let mut spilled = 0;
        for partition in 0..PARTITIONS {
            spilled += partitions.write(Side::Left, partition)?;
            spilled += partitions.write(Side::Right, partition)?;
        }
        out.add_spilled(spilled);
        for partition in 0..PARTITIONS {
            let left = partitions.read(Side::Left, partition)?;
            let right = partitions.read(Side::Right, partition)?;
            let build = if left.len() < right.len() {
                Side::Left
            } else {
                Side::Right
            };
            self.held = [left, right];
            self.build_table(build, out)?;
            let table = self.table.take().expect("just built");
            table.finish(self.kind, &self.shape, &mut |made| out.emit(made))?;
        }
        Ok(())
    }
}

impl Transform for Join {
    fn transform(
        &mut self,
        input: Input<'_>,
        batch: Batch,
        out: &mut Output,
    ) -> Result<(), ComponentError> {
        let side = Join::side_of(input);
        self.shape.learn(side == Side::Left, &batch);
        if let Some(table) = self.table.as_mut().filter(|table| table.side != side) {
            for record in batch {
                let key = key_of(&record, &self.fields[side.index()]);
                table.probe(self.kind, &self.shape, record, key, &mut |made| {
                    out.emit(made)
                })?;
            }
            return Ok(());
        }
        if let Some(partitions) = self.partitions.as_mut() {
            let mut spilled = 0;
            for record in batch {
                let key = key_of(&record, &self.fields[side.index()]);
                spilled += partitions.add(side, key.as_deref(), record)?;
            }
            out.add_spilled(spilled);
            return Ok(());
        }
        let bytes: u64 = batch.iter().map(Record::memory_bytes).sum();
        let fits = self.memory.try_take(bytes);
        if !fits {
            self.memory.take(bytes);
        }
        self.held[side.index()].extend(batch);
        out.note_memory(self.memory.held());
        if !fits {
            return self.spill(out);
        }
        Ok(())
    }

    fn input_ended(&mut self, input: Input<'_>, out: &mut Output) -> Result<(), ComponentError> {
        let side = Join::side_of(input);
        let open = &mut self.open[side.index()];
        *open = open.saturating_sub(1);
        if *open > 0 || self.table.is_some() || self.partitions.is_some() {
            return Ok(());
        }
        // This side is complete: it becomes the table — unless the other ended too and is smaller.
        let other = side.other();
        let build = match self.open[other.index()] == 0
            && self.held[other.index()].len() < self.held[side.index()].len()
        {
            true => other,
            false => side,
        };
        self.build_table(build, out)
    }

    fn finish(&mut self, out: &mut Output) -> Result<(), ComponentError> {
        if self.partitions.is_some() {
            self.join_partitions(out)?;
        } else {
            if self.table.is_none() {
                // Inputs without edges (only in tests): the right is complete.
                self.build_table(Side::Right, out)?;
            }
            let table = self.table.take().expect("built");
            table.finish(self.kind, &self.shape, &mut |made| out.emit(made))?;
        }
        self.memory.give_back_all();
        Ok(())
    }
}

#[cfg(test)]
mod tests;
