//! A binary COPY that stays open while a run's records come: a thread of its own holds the
//! connection and streams the encoded rows to the server while the sink encodes the next ones.
//! Closing it ends the COPY and hands the connection back.

use std::io::Write;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

use super::encode::{COPY_HEADER, COPY_TRAILER};

/// Why a COPY failed: the server's error, or the connection's.
pub(super) enum CopyFailure {
    Server(postgres::Error),
    Connection(std::io::Error),
}

/// Encoded chunks waiting for the COPY thread (memory stays bounded: the sink waits beyond).
const CHUNKS_IN_FLIGHT: usize = 2;

/// An open COPY.
pub(super) struct OpenCopy {
    chunks: SyncSender<Vec<u8>>,
    thread: JoinHandle<(postgres::Client, Result<(), CopyFailure>)>,
}

impl OpenCopy {
    /// Starts `copy` (a `COPY … FROM STDIN (FORMAT binary)`) on `client`.
    pub fn start(client: postgres::Client, copy: String) -> OpenCopy {
        let (chunks, received) = sync_channel(CHUNKS_IN_FLIGHT);
        let thread = std::thread::spawn(move || {
            let mut client = client;
            let result = stream(&mut client, &copy, &received);
            (client, result)
        });
        OpenCopy { chunks, thread }
    }

    /// Hands rows to the COPY; `false` when it has stopped (closing it says why).
    pub fn send(&self, rows: Vec<u8>) -> bool {
        self.chunks.send(rows).is_ok()
    }

    /// Ends the COPY once every row sent is written, and gives the connection back.
    pub fn close(self) -> (postgres::Client, Result<(), CopyFailure>) {
        drop(self.chunks);
        self.thread
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    }
}

fn stream(
    client: &mut postgres::Client,
    copy: &str,
    chunks: &Receiver<Vec<u8>>,
) -> Result<(), CopyFailure> {
    let mut writer = client.copy_in(copy).map_err(CopyFailure::Server)?;
    writer
        .write_all(COPY_HEADER)
        .map_err(CopyFailure::Connection)?;
    while let Ok(chunk) = chunks.recv() {
        writer.write_all(&chunk).map_err(CopyFailure::Connection)?;
    }
    writer
        .write_all(COPY_TRAILER)
        .map_err(CopyFailure::Connection)?;
    writer.finish().map(drop).map_err(CopyFailure::Server)
}
