//! Incremental reads by a cursor column, for the database sources: the sync state (the last
//! cursor value delivered, as text, and fingerprints of the rows delivered with it), skipping
//! those rows when the next run reads from that same value (`>=`), and the checkpoint.

use std::collections::HashSet;

use serde_json::json;
use sluice_core::engine::{LogLevel, Output};
use sluice_core::{Record, Value};

/// The rows sharing the last cursor value that the sync state remembers (beyond, the rest are
/// read again next time rather than skipped).
pub const MAX_TIES: usize = 100_000;

/// What the last successful run delivered: the last cursor value (as text) and the fingerprints
/// of the rows delivered with it.
#[derive(Debug, Clone, Default)]
pub struct Delivered {
    pub last: Option<String>,
    pub ties: HashSet<u64>,
}

impl Delivered {
    /// From a committed sync state (none: nothing delivered yet).
    pub fn from_state(state: Option<&serde_json::Value>) -> Delivered {
        let Some(state) = state else {
            return Delivered::default();
        };
        Delivered {
            last: state["cursor"].as_str().map(str::to_string),
            ties: state["ties"]
                .as_array()
                .map(|ties| ties.iter().filter_map(serde_json::Value::as_u64).collect())
                .unwrap_or_default(),
        }
    }
}

/// Where a read in cursor order stands.
pub struct Progress {
    /// The cursor's position in the records.
    index: usize,
    /// How a cursor value is written in the state (and bound when the next run reads from it).
    text_of: fn(&Value) -> String,
    last: Option<String>,
    ties: Vec<u64>,
    /// The rows an earlier run delivered with the value it stopped at.
    skipped: HashSet<u64>,
}

impl Progress {
    pub fn new(index: usize, text_of: fn(&Value) -> String, delivered: Delivered) -> Progress {
        Progress {
            index,
            text_of,
            ties: delivered.ties.iter().copied().collect(),
            last: delivered.last,
            skipped: delivered.ties,
        }
    }

    /// Whether to emit `record` (records come in cursor order); false for a row an earlier run
    /// delivered already. A row without a cursor value is emitted but moves nothing.
    pub fn admit(&mut self, record: &Record) -> bool {
        let value = &record.values()[self.index];
        if value.is_null() {
            return true;
        }
        let text = (self.text_of)(value);
        let fingerprint = fingerprint(record);
        if self.last.as_deref() == Some(text.as_str()) {
            if self.skipped.contains(&fingerprint) {
                return false;
            }
            if self.ties.len() < MAX_TIES {
                self.ties.push(fingerprint);
            }
        } else {
            self.last = Some(text);
            self.ties = vec![fingerprint];
            self.skipped.clear();
        }
        true
    }

    /// Records where the read got to (also after an early stop: everything up to the last row
    /// emitted has been handed on).
    pub fn checkpoint(&self, out: &mut Output) {
        let Some(last) = &self.last else {
            return;
        };
        if self.ties.len() >= MAX_TIES {
            out.log(
                LogLevel::Warn,
                format!("more than {MAX_TIES} rows share the cursor value {last}: those beyond are read again next run"),
            );
        }
        out.checkpoint(json!({ "cursor": last, "ties": self.ties }));
    }
}

/// A row's fingerprint, the same from run to run (FNV-1a over its JSON).
fn fingerprint(record: &Record) -> u64 {
    let text = serde_json::to_string(record).unwrap_or_default();
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}
