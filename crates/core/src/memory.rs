//! The run's memory budget: what the nodes that hold records back (sort, and later join and
//! aggregate) may hold together before they spill to temporary files, and the peak they reached.

use std::sync::atomic::{AtomicU64, Ordering};

/// The budget when a flow names none: 256 MiB.
pub const DEFAULT_MEMORY_BUDGET: u64 = 256 << 20;

/// Bytes the stateful nodes of one run hold, against a limit shared by all of them.
#[derive(Debug)]
pub struct MemoryBudget {
    limit: u64,
    held: AtomicU64,
    peak: AtomicU64,
}

impl MemoryBudget {
    pub fn new(limit: u64) -> MemoryBudget {
        MemoryBudget {
            limit,
            held: AtomicU64::new(0),
            peak: AtomicU64::new(0),
        }
    }

    /// Takes `bytes` if they fit under the limit with what the others hold; false when they do
    /// not (the node spills what it holds first).
    pub fn try_take(&self, bytes: u64) -> bool {
        let mut held = self.held.load(Ordering::Relaxed);
        loop {
            let wanted = held.saturating_add(bytes);
            if wanted > self.limit {
                return false;
            }
            match self.held.compare_exchange_weak(
                held,
                wanted,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => {
                    self.peak.fetch_max(wanted, Ordering::Relaxed);
                    return true;
                }
                Err(now) => held = now,
            }
        }
    }

    /// Takes `bytes` even past the limit: what a node holds while it has nothing to spill (one
    /// batch at least, so a full budget slows a run down but never stops it).
    pub fn take(&self, bytes: u64) {
        let held = self.held.fetch_add(bytes, Ordering::Relaxed) + bytes;
        self.peak.fetch_max(held, Ordering::Relaxed);
    }

    /// Gives back `bytes` taken before.
    pub fn give_back(&self, bytes: u64) {
        let _ = self
            .held
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |held| {
                Some(held.saturating_sub(bytes))
            });
    }

    pub fn limit(&self) -> u64 {
        self.limit
    }

    /// The most the nodes held at once.
    pub fn peak(&self) -> u64 {
        self.peak.load(Ordering::Relaxed)
    }
}

impl Default for MemoryBudget {
    fn default() -> MemoryBudget {
        MemoryBudget::new(DEFAULT_MEMORY_BUDGET)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_up_to_the_limit_and_keeps_the_peak() {
        let budget = MemoryBudget::new(100);
        assert!(budget.try_take(60));
        assert!(!budget.try_take(50), "past the limit");
        budget.take(50);
        budget.give_back(110);
        assert!(budget.try_take(100));
        assert_eq!(budget.peak(), 110);
    }
}
