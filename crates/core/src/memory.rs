//! The run's memory budget: what the nodes that hold records back (sort, join, aggregate, union,
//! lookup) may hold together before they spill to temporary files, and the peak they reached;
//! and each node's share of it.

use std::sync::Arc;
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

/// What one node holds of the run's budget: taken as it holds records, given back when it lets
/// them go — and when the node is dropped (a failed or cancelled run).
#[derive(Debug)]
pub struct MemoryShare {
    budget: Arc<MemoryBudget>,
    held: u64,
}

impl MemoryShare {
    pub fn new(budget: Arc<MemoryBudget>) -> MemoryShare {
        MemoryShare { budget, held: 0 }
    }

    /// What the node holds now.
    pub fn held(&self) -> u64 {
        self.held
    }

    /// Takes `bytes` if they fit under the budget; false (nothing taken) when they do not.
    pub fn try_take(&mut self, bytes: u64) -> bool {
        let fits = self.budget.try_take(bytes);
        if fits {
            self.held += bytes;
        }
        fits
    }

    /// Takes `bytes` even past the budget (see [`MemoryBudget::take`]).
    pub fn take(&mut self, bytes: u64) {
        self.budget.take(bytes);
        self.held += bytes;
    }

    /// Gives back everything the node holds.
    pub fn give_back_all(&mut self) {
        self.budget.give_back(std::mem::take(&mut self.held));
    }
}

impl Drop for MemoryShare {
    fn drop(&mut self) {
        self.give_back_all();
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
