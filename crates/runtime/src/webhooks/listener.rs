//! The webhook server's connections, bounded: at most [`MAX_CONNECTIONS`] open at once (more
//! are closed as they come), each closed when it sends nothing for [`IDLE_TIMEOUT`] or has been
//! open for [`MAX_LIFETIME`] — so slow or idle clients cannot hold the server.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::{Instant, Sleep, sleep, sleep_until};

/// Connections open at once.
pub(super) const MAX_CONNECTIONS: usize = 64;
/// How long a connection may send nothing (a request's headers, its body, the next request).
pub(super) const IDLE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a connection may stay open, whatever it sends.
pub(super) const MAX_LIFETIME: Duration = Duration::from_secs(120);

/// A TCP listener handing out bounded connections.
pub(super) struct BoundedListener {
    listener: TcpListener,
    slots: Arc<Semaphore>,
}

impl BoundedListener {
    pub(super) fn new(listener: TcpListener) -> BoundedListener {
        BoundedListener {
            listener,
            slots: Arc::new(Semaphore::new(MAX_CONNECTIONS)),
        }
    }
}

impl axum::serve::Listener for BoundedListener {
    type Io = BoundedStream;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (BoundedStream, std::net::SocketAddr) {
        loop {
            let (stream, address) = match self.listener.accept().await {
                Ok(accepted) => accepted,
                Err(error) => {
                    tracing::debug!(%error, "a webhook connection failed");
                    sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            // Over the limit: closed at once (dropped), the server goes on.
            let Ok(slot) = self.slots.clone().try_acquire_owned() else {
                continue;
            };
            let now = Instant::now();
            return (
                BoundedStream {
                    stream,
                    _slot: slot,
                    idle: Box::pin(sleep_until(now + IDLE_TIMEOUT)),
                    end: Box::pin(sleep_until(now + MAX_LIFETIME)),
                },
                address,
            );
        }
    }

    fn local_addr(&self) -> io::Result<std::net::SocketAddr> {
        self.listener.local_addr()
    }
}

/// A connection that fails its reads once it is idle or old (the server then closes it).
pub(super) struct BoundedStream {
    stream: TcpStream,
    _slot: OwnedSemaphorePermit,
    idle: Pin<Box<Sleep>>,
    end: Pin<Box<Sleep>>,
}

impl AsyncRead for BoundedStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        context: &mut Context<'_>,
        buffer: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buffer.filled().len();
        match Pin::new(&mut self.stream).poll_read(context, buffer) {
            Poll::Ready(result) => {
                if buffer.filled().len() > before {
                    let next = Instant::now() + IDLE_TIMEOUT;
                    self.idle.as_mut().reset(next);
                }
                Poll::Ready(result)
            }
            Poll::Pending => {
                let expired = self.idle.as_mut().poll(context).is_ready()
                    || self.end.as_mut().poll(context).is_ready();
                if expired {
                    Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "the webhook client sent nothing for too long",
                    )))
                } else {
                    Poll::Pending
                }
            }
        }
    }
}

impl AsyncWrite for BoundedStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        context: &mut Context<'_>,
        bytes: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(context, bytes)
    }

    fn poll_flush(mut self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(context)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(context)
    }
}
