//! A node's inputs: one channel per incoming edge, taken from in whatever order batches come.
//! An edge ends when its upstream node is done.

use std::sync::Arc;

use crossbeam_channel::{Receiver, Select};

use crate::record::Batch;

/// One edge into the node.
pub(crate) struct IncomingEdge {
    /// The input port it arrives at.
    pub port: Arc<str>,
    /// The node it comes from.
    pub from: Arc<str>,
    pub receiver: Receiver<Batch>,
}

/// What came in next.
pub(crate) enum Arrival {
    Batch {
        port: Arc<str>,
        from: Arc<str>,
        batch: Batch,
    },
    /// An edge has ended: its upstream node is done.
    Ended { port: Arc<str>, from: Arc<str> },
}

/// The edges into a node that are still open.
#[derive(Default)]
pub(crate) struct Inputs {
    edges: Vec<IncomingEdge>,
}

impl Inputs {
    pub(crate) fn new(edges: Vec<IncomingEdge>) -> Inputs {
        Inputs { edges }
    }

    /// The next batch from any edge, or the end of one; `None` once every edge has ended.
    /// Blocks while nothing has come.
    pub(crate) fn next(&mut self) -> Option<Arrival> {
        let (index, received) = match self.edges.as_slice() {
            [] => return None,
            [only] => (0, only.receiver.recv()),
            edges => {
                let mut select = Select::new();
                for edge in edges {
                    select.recv(&edge.receiver);
                }
                let operation = select.select();
                let index = operation.index();
                (index, operation.recv(&edges[index].receiver))
            }
        };
        Some(match received {
            Ok(batch) => {
                let edge = &self.edges[index];
                Arrival::Batch {
                    port: edge.port.clone(),
                    from: edge.from.clone(),
                    batch,
                }
            }
            Err(_) => {
                let ended = self.edges.remove(index);
                Arrival::Ended {
                    port: ended.port,
                    from: ended.from,
                }
            }
        })
    }
}
