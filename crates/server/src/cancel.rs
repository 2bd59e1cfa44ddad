//! Blocking work that stops when nobody waits for it any more.
//!
//! Axum drops a handler's future when the client goes away, but a task handed to
//! `spawn_blocking` runs to its end regardless: a client that sends a costly request and hangs up
//! at once would still cost the full work. [`spawn_blocking_until_dropped`] ties the work to the
//! future awaiting it: dropped before the work starts, the work never starts; dropped while it
//! runs, the work's [`CancellationToken`] is cancelled so it can skip what is left (a render
//! stops asking the store whether its link targets exist, for example).

use tokio::task::JoinError;
pub use tokio_util::sync::CancellationToken;

/// Runs `work` on the blocking pool for as long as the returned future is awaited.
///
/// `Ok(None)` means the work did not run because the caller had already gone (only observable
/// when the future is polled after that, which axum never does, but the type says it honestly).
pub async fn spawn_blocking_until_dropped<T, F>(work: F) -> Result<Option<T>, JoinError>
where
    T: Send + 'static,
    F: FnOnce(&CancellationToken) -> T + Send + 'static,
{
    let token = CancellationToken::new();
    // Cancels the token when this future is dropped before the work is done.
    let guard = token.clone().drop_guard();
    let result =
        tokio::task::spawn_blocking(move || (!token.is_cancelled()).then(|| work(&token))).await;
    guard.disarm();
    result
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, mpsc};
    use std::time::{Duration, Instant};

    use super::*;

    #[tokio::test]
    async fn dropping_the_caller_cancels_the_work() {
        let (started_tx, started_rx) = mpsc::channel();
        let saw_cancel = Arc::new(AtomicBool::new(false));
        let saw = Arc::clone(&saw_cancel);
        let caller = tokio::spawn(spawn_blocking_until_dropped(move |token| {
            let _ = started_tx.send(());
            let deadline = Instant::now() + Duration::from_secs(10);
            while !token.is_cancelled() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(5));
            }
            saw.store(token.is_cancelled(), Ordering::SeqCst);
        }));
        tokio::task::spawn_blocking(move || started_rx.recv())
            .await
            .expect("join")
            .expect("started");
        caller.abort();
        let deadline = Instant::now() + Duration::from_secs(10);
        while !saw_cancel.load(Ordering::SeqCst) && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert!(
            saw_cancel.load(Ordering::SeqCst),
            "the work saw the caller go"
        );
    }

    #[tokio::test]
    async fn an_awaited_call_returns_the_result() {
        let result = spawn_blocking_until_dropped(|token| !token.is_cancelled()).await;
        assert_eq!(result.ok(), Some(Some(true)));
    }
}
