//! The hash join of records held in memory: a table of one side's keys, probed with each record
//! of the other; records whose side is kept whole (an outer side, a semi or anti join's left)
//! come out even without a match.

use std::collections::HashMap;

use super::shape::Shape;
use super::{JoinKind, Side};
use crate::component::ComponentError;
use crate::record::Record;

/// A record's key on `fields`: `None` when one is null or missing (a null matches nothing).
pub(crate) fn key_of(record: &Record, fields: &[String]) -> Option<Vec<u8>> {
    let mut key = Vec::new();
    for field in fields {
        let value = record.get(field).filter(|value| !value.is_null())?;
        crate::keys::push_value(&mut key, value);
    }
    Some(key)
}

/// The records of one side, ready to be probed: by key, and which found a match.
pub(super) struct Table {
    pub(super) side: Side,
    records: Vec<Record>,
    by_key: HashMap<Vec<u8>, Vec<usize>>,
    matched: Vec<bool>,
}

impl Table {
    pub(super) fn build(side: Side, records: Vec<Record>, fields: &[String]) -> Table {
        let mut by_key: HashMap<Vec<u8>, Vec<usize>> = HashMap::new();
        for (index, record) in records.iter().enumerate() {
            if let Some(key) = key_of(record, fields) {
                by_key.entry(key).or_default().push(index);
            }
        }
        Table {
            side,
            matched: vec![false; records.len()],
            records,
            by_key,
        }
    }

    /// Joins one record of the other side, handing on what it makes.
    pub(super) fn probe(
        &mut self,
        kind: JoinKind,
        shape: &Shape,
        record: Record,
        key: Option<Vec<u8>>,
        emit: &mut dyn FnMut(Record) -> Result<(), ComponentError>,
    ) -> Result<(), ComponentError> {
        let matches: &[usize] = key
            .and_then(|key| self.by_key.get(&key))
            .map_or(&[], Vec::as_slice);
        for &index in matches {
            self.matched[index] = true;
        }
        let probe = self.side.other();
        match (kind, probe) {
            (JoinKind::Semi, Side::Left) if !matches.is_empty() => emit(record),
            (JoinKind::Anti, Side::Left) if matches.is_empty() => emit(record),
            (JoinKind::Semi | JoinKind::Anti, _) => Ok(()),
            _ if matches.is_empty() => match kind.keeps(probe) {
                true => emit(pair(shape, probe, &record, None)),
                false => Ok(()),
            },
            _ => {
                for &index in matches {
                    emit(pair(shape, probe, &record, Some(&self.records[index])))?;
                }
                Ok(())
            }
        }
    }

    /// After every probe: the table's records the join keeps without a match (or, for a semi
    /// join built on the left, with one).
    pub(super) fn finish(
        self,
        kind: JoinKind,
        shape: &Shape,
        emit: &mut dyn FnMut(Record) -> Result<(), ComponentError>,
    ) -> Result<(), ComponentError> {
        for (record, matched) in self.records.into_iter().zip(self.matched) {
            let kept = match (kind, self.side) {
                (JoinKind::Semi, Side::Left) => matched,
                (JoinKind::Anti, Side::Left) => !matched,
                (JoinKind::Semi | JoinKind::Anti, Side::Right) => false,
                (kind, side) => !matched && kind.keeps(side),
            };
            if !kept {
                continue;
            }
            match kind {
                JoinKind::Semi | JoinKind::Anti => emit(record)?,
                _ => emit(pair(shape, self.side, &record, None))?,
            }
        }
        Ok(())
    }
}

/// A record of `side` with its match on the other side (or none) as one output record.
fn pair(shape: &Shape, side: Side, record: &Record, other: Option<&Record>) -> Record {
    match side {
        Side::Left => shape.combine(Some(record), other),
        Side::Right => shape.combine(other, Some(record)),
    }
}
