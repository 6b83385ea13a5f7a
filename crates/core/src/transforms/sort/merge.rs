//! The end of an external sort: sorted runs (on disk, and the last one in memory) merged into
//! one order, stably — of records that compare equal, the one from the earlier run goes first.
//! More runs than can be open at once are merged in passes.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::{SortKey, compare_records};
use crate::component::ComponentError;
use crate::engine::Output;
use crate::record::Record;
use crate::spill::{SpillArea, SpillRun};

/// The most runs merged at once (each an open file and a read buffer).
const MAX_FAN_IN: usize = 64;

type Source<'a> = Box<dyn Iterator<Item = Result<Record, ComponentError>> + 'a>;

/// Merges the spilled `runs` (oldest first) and the sorted `held` records (the newest run) into
/// `out`.
pub(super) fn merge(
    area: &mut SpillArea,
    mut runs: Vec<SpillRun>,
    held: Vec<Record>,
    keys: &[SortKey],
    out: &mut Output,
) -> Result<(), ComponentError> {
    while runs.len() + 1 > MAX_FAN_IN {
        let first: Vec<SpillRun> = runs.drain(..MAX_FAN_IN).collect();
        let sources = first
            .iter()
            .map(|run| area.read(run).map(|reader| Box::new(reader) as Source<'_>))
            .collect::<Result<Vec<_>, _>>()?;
        let before = area.spilled_bytes;
        let mut writer = area.start()?;
        merge_sources(sources, keys, &mut |record| writer.push(&record))?;
        let merged = writer.finish()?;
        out.add_spilled(area.spilled_bytes - before);
        // The merged run holds the oldest records: it goes first.
        runs.insert(0, merged);
    }
    let mut sources = runs
        .iter()
        .map(|run| area.read(run).map(|reader| Box::new(reader) as Source<'_>))
        .collect::<Result<Vec<_>, _>>()?;
    sources.push(Box::new(held.into_iter().map(Ok)));
    merge_sources(sources, keys, &mut |record| out.emit(record))
}

/// The next record of one source, in the heap: the smallest first, then the earliest source.
struct Head<'k> {
    record: Record,
    source: usize,
    keys: &'k [SortKey],
}

impl Ord for Head<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        // BinaryHeap pops the greatest: reversed, so it pops the smallest.
        compare_records(self.keys, &self.record, &other.record)
            .then(self.source.cmp(&other.source))
            .reverse()
    }
}

impl PartialOrd for Head<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Head<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Head<'_> {}

fn merge_sources(
    mut sources: Vec<Source<'_>>,
    keys: &[SortKey],
    emit: &mut dyn FnMut(Record) -> Result<(), ComponentError>,
) -> Result<(), ComponentError> {
    let mut heap = BinaryHeap::with_capacity(sources.len());
    for (source, records) in sources.iter_mut().enumerate() {
        if let Some(record) = records.next().transpose()? {
            heap.push(Head {
                record,
                source,
                keys,
            });
        }
    }
    while let Some(Head { record, source, .. }) = heap.pop() {
        emit(record)?;
        if let Some(next) = sources[source].next().transpose()? {
            heap.push(Head {
                record: next,
                source,
                keys,
            });
        }
    }
    Ok(())
}
