//! Relays git's answer to a client that must keep reading it.
//!
//! A clone's pack streams from `git upload-pack` through a small buffer to the HTTP response.
//! When the client stops reading, the buffer fills and the relay waits; past the idle timeout it
//! gives up, so the caller can kill git and give its process slot back. Without this, a client
//! that never reads (on purpose or not) would keep a slot until the clone's overall timeout.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use axum::body::Body;
use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWriteExt as _, DuplexStream, ReadBuf};

/// Bytes waiting between git and the client.
const BUFFER: usize = 64 * 1024;

/// Why a relay stopped before git's answer ended.
#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    /// The client took nothing for the whole idle timeout.
    #[error("the client stopped reading for {0:?}")]
    Stalled(Duration),
    /// The client hung up.
    #[error("the client hung up")]
    Gone,
    /// Reading git's output failed.
    #[error("reading git's output failed: {0}")]
    Read(io::Error),
}

/// The sending end: fed by [`Sender::relay`].
#[derive(Debug)]
pub struct Sender {
    to: DuplexStream,
    complete: Arc<AtomicBool>,
}

/// A sender, and the response body its bytes reach the client through.
pub fn channel() -> (Sender, Body) {
    let (to, from) = tokio::io::duplex(BUFFER);
    let complete = Arc::new(AtomicBool::new(false));
    let answer = Answer {
        from,
        complete: Arc::clone(&complete),
    };
    let body = Body::from_stream(tokio_util::io::ReaderStream::new(answer));
    (Sender { to, complete }, body)
}

impl Sender {
    /// Copies `from` to the client until it ends. Every write must make progress within `idle`.
    /// An answer that is not relayed to its end makes the body fail instead of ending, so the
    /// connection is aborted and the client cannot take a cut answer for a whole one.
    pub async fn relay(
        mut self,
        mut from: impl AsyncRead + Unpin,
        idle: Duration,
    ) -> Result<(), RelayError> {
        let mut chunk = vec![0; BUFFER];
        loop {
            let read = from.read(&mut chunk).await.map_err(RelayError::Read)?;
            if read == 0 {
                self.complete.store(true, Ordering::Release);
                return Ok(());
            }
            let mut sent = 0;
            while sent < read {
                match tokio::time::timeout(idle, self.to.write(&chunk[sent..read])).await {
                    Err(_) => return Err(RelayError::Stalled(idle)),
                    Ok(Err(_) | Ok(0)) => return Err(RelayError::Gone),
                    Ok(Ok(n)) => sent += n,
                }
            }
        }
    }
}

/// The client's end of the relay.
struct Answer {
    from: DuplexStream,
    complete: Arc<AtomicBool>,
}

impl AsyncRead for Answer {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        ready!(Pin::new(&mut self.from).poll_read(cx, buf))?;
        let ended = buf.filled().len() == before && buf.remaining() > 0;
        if ended && !self.complete.load(Ordering::Acquire) {
            return Poll::Ready(Err(io::Error::other(
                "git's answer was cut off before its end",
            )));
        }
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use http_body_util::BodyExt as _;

    use super::*;

    #[tokio::test]
    async fn a_reading_client_gets_the_whole_answer() {
        let (sender, body) = channel();
        let answer = vec![7u8; 3 * BUFFER + 5];
        let source = answer.clone();
        let relay = tokio::spawn(async move {
            sender
                .relay(source.as_slice(), Duration::from_secs(5))
                .await
        });
        let got = body.collect().await.expect("body").to_bytes();
        assert_eq!(got.len(), answer.len());
        assert!(relay.await.expect("join").is_ok());
    }

    #[tokio::test]
    async fn a_client_that_stops_reading_is_cut_off() {
        let (sender, body) = channel();
        let answer = vec![7u8; 4 * BUFFER];
        let idle = Duration::from_millis(100);
        let relayed = sender.relay(answer.as_slice(), idle).await;
        assert!(
            matches!(relayed, Err(RelayError::Stalled(_))),
            "{relayed:?}"
        );
        // What the client reads afterwards ends in an error, not in a clean end.
        assert!(body.collect().await.is_err());
    }

    #[tokio::test]
    async fn a_client_that_hangs_up_ends_the_relay() {
        let (sender, body) = channel();
        drop(body);
        let answer = vec![7u8; 4 * BUFFER];
        let relayed = sender
            .relay(answer.as_slice(), Duration::from_secs(5))
            .await;
        assert!(matches!(relayed, Err(RelayError::Gone)), "{relayed:?}");
    }
}
