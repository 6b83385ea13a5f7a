//! Bounding what one record can make a source hold: a reader that refuses to read more than a
//! limit past the start of the record being read (a hostile or broken file cannot turn the rest
//! of itself into one value), and the marked end the CSV reader uses to tell a quote that was
//! never closed.

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

/// A file followed by one short extra line, remembering where the file itself ended: the CSV
/// reader needs the parser to go past the file's last byte to tell a row that ended cleanly
/// from a quote still open at the end (which swallows the extra line).
#[derive(Debug)]
pub struct MarkedEnd<R> {
    inner: R,
    read: u64,
    marker: &'static [u8],
    ended_at: Arc<AtomicU64>,
}

impl<R> MarkedEnd<R> {
    /// The reader, and where its inner reader ended (`u64::MAX` until it has).
    pub fn new(inner: R) -> (Self, Arc<AtomicU64>) {
        let ended_at = Arc::new(AtomicU64::new(u64::MAX));
        let reader = MarkedEnd {
            inner,
            read: 0,
            marker: b"\n\0\n",
            ended_at: ended_at.clone(),
        };
        (reader, ended_at)
    }
}

impl<R: Read> Read for MarkedEnd<R> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        if self.ended_at.load(Ordering::Relaxed) == u64::MAX {
            let got = self.inner.read(buffer)?;
            if got > 0 || buffer.is_empty() {
                self.read += got as u64;
                return Ok(got);
            }
            self.ended_at.store(self.read, Ordering::Relaxed);
        }
        let count = self.marker.len().min(buffer.len());
        buffer[..count].copy_from_slice(&self.marker[..count]);
        self.marker = &self.marker[count..];
        Ok(count)
    }
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

    #[test]
    fn a_marked_end_follows_the_file_and_says_where_it_ended() {
        let (mut reader, ended_at) = MarkedEnd::new(&b"a,b"[..]);
        let mut all = Vec::new();
        reader.read_to_end(&mut all).unwrap();
        assert_eq!(all, b"a,b\n\0\n");
        assert_eq!(ended_at.load(Ordering::Relaxed), 3);
    }
}
