//! Bounding what one record can make a source hold: a reader that refuses to read more than a
//! limit past the start of the record being read (a hostile or broken file cannot turn the rest
//! of itself into one value), and the end-of-file marker the CSV reader uses to tell a quote that
//! was never closed.

use std::io::Read;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// 16 MiB: the default longest record (a CSV row, a JSON record).
pub const DEFAULT_MAX_RECORD_BYTES: u64 = 16 * 1024 * 1024;

/// The default of a `max_*_bytes` config field.
pub fn default_max_record_bytes() -> u64 {
    DEFAULT_MAX_RECORD_BYTES
}

/// Where the reader stands and how far it may go; shared by the reader and its owner.
#[derive(Debug, Clone)]
pub struct ReadBound {
    read: Arc<AtomicU64>,
    limit: Arc<AtomicU64>,
    max: u64,
}

impl ReadBound {
    /// A bound allowing `max` bytes (plus `slack`, for the parser's own buffer) past each mark.
    pub fn new(max: u64, slack: u64) -> Self {
        ReadBound {
            read: Arc::new(AtomicU64::new(0)),
            limit: Arc::new(AtomicU64::new(max.saturating_add(slack))),
            max: max.saturating_add(slack),
        }
    }

    /// A record starts at byte `position`: it may read `max` bytes from there.
    pub fn mark(&self, position: u64) {
        self.limit
            .store(position.saturating_add(self.max), Ordering::Relaxed);
    }

    /// Whether the reader stopped because a record passed the limit.
    pub fn exceeded(&self) -> bool {
        self.read.load(Ordering::Relaxed) >= self.limit.load(Ordering::Relaxed)
    }
}

/// A reader that fails once it has read past its bound's limit.
#[derive(Debug)]
pub struct BoundedReader<R> {
    inner: R,
    bound: ReadBound,
}

impl<R> BoundedReader<R> {
    pub fn new(inner: R, bound: ReadBound) -> Self {
        BoundedReader { inner, bound }
    }
}

impl<R: Read> Read for BoundedReader<R> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        let read = self.bound.read.load(Ordering::Relaxed);
        let room = self
            .bound
            .limit
            .load(Ordering::Relaxed)
            .saturating_sub(read);
        if room == 0 {
            return Err(std::io::Error::other("a record is longer than the limit"));
        }
        let wanted = buffer
            .len()
            .min(usize::try_from(room).unwrap_or(usize::MAX));
        let got = self.inner.read(&mut buffer[..wanted])?;
        self.bound.read.fetch_add(got as u64, Ordering::Relaxed);
        Ok(got)
    }
}

/// Appended to a CSV file as one more line: read back as a row of its own, the file ended
/// cleanly; found at the end of a field, a quote was still open at the end of the file.
pub const END_MARKER: &str = "\u{0}sluice:end-of-file\u{0}";

/// The bytes appended after a CSV file's own.
pub fn end_marker_line() -> &'static [u8] {
    b"\n\x00sluice:end-of-file\x00\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reading_stops_past_the_limit_and_a_mark_moves_it() {
        let bound = ReadBound::new(4, 0);
        let mut reader = BoundedReader::new(&b"0123456789"[..], bound.clone());
        let mut buffer = [0u8; 3];
        assert_eq!(reader.read(&mut buffer).unwrap(), 3);
        assert_eq!(reader.read(&mut buffer).unwrap(), 1);
        assert!(reader.read(&mut buffer).is_err());
        assert!(bound.exceeded());
        bound.mark(4);
        assert!(!bound.exceeded());
        assert_eq!(reader.read(&mut buffer).unwrap(), 3);
    }
}
