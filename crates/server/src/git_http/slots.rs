//! Who may run a git process now. A pool shared by all wikis bounds the machine's load; a share
//! per wiki, smaller than the pool, keeps one wiki's clones — or a client that stalls them on
//! purpose — from taking every slot: the other wikis always find free ones.
//!
//! A request first waits for its wiki's share, then for the pool, so requests queued behind a
//! busy wiki hold nothing the others need. Both waits together last at most the runner's slot
//! wait; then the client is told to come back (503).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// The process slots of one server.
#[derive(Debug)]
pub struct Slots {
    pool: Arc<Semaphore>,
    per_wiki: usize,
    /// Wiki → its share; a share is dropped from the map when nobody holds or awaits it.
    shares: Arc<Mutex<HashMap<String, Arc<Semaphore>>>>,
}

/// The right to run one git process for a wiki; both the wiki's share and the pool's slot are
/// given back when it is dropped.
#[derive(Debug)]
pub struct Slot {
    /// Held, never read.
    _pool: OwnedSemaphorePermit,
    /// Held, never read.
    _share: Share,
}

/// No slot came free in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy;

impl Slots {
    /// `processes` slots in all (at least one), at most `per_wiki` of them for one wiki. The share
    /// is kept below the pool whenever the pool has more than one slot.
    pub fn new(processes: usize, per_wiki: usize) -> Slots {
        let processes = processes.max(1);
        Slots {
            pool: Arc::new(Semaphore::new(processes)),
            per_wiki: per_wiki.clamp(1, processes.saturating_sub(1).max(1)),
            shares: Arc::default(),
        }
    }

    /// Most slots one wiki may hold at once.
    #[cfg(test)]
    fn per_wiki(&self) -> usize {
        self.per_wiki
    }

    /// Waits up to `wait` for one of `wiki`'s share, then for one of the pool.
    pub async fn acquire(&self, wiki: &str, wait: Duration) -> Result<Slot, Busy> {
        let deadline = Instant::now() + wait;
        let mut share = self.share(wiki);
        let semaphore = share.semaphore.clone().ok_or(Busy)?;
        let permit = tokio::time::timeout_at(deadline, semaphore.acquire_owned())
            .await
            .map_err(|_| Busy)?
            .map_err(|_| Busy)?;
        share.permit = Some(permit);
        let pool = tokio::time::timeout_at(deadline, Arc::clone(&self.pool).acquire_owned())
            .await
            .map_err(|_| Busy)?
            .map_err(|_| Busy)?;
        Ok(Slot {
            _pool: pool,
            _share: share,
        })
    }

    /// A handle on `wiki`'s share, created when it has none.
    fn share(&self, wiki: &str) -> Share {
        let mut shares = self.shares.lock().unwrap_or_else(PoisonError::into_inner);
        let semaphore = shares
            .entry(wiki.to_string())
            .or_insert_with(|| Arc::new(Semaphore::new(self.per_wiki)));
        Share {
            wiki: wiki.to_string(),
            semaphore: Some(Arc::clone(semaphore)),
            permit: None,
            shares: Arc::clone(&self.shares),
        }
    }

    /// Wikis with a share in the map (held or awaited).
    #[cfg(test)]
    fn tracked(&self) -> usize {
        self.shares
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

/// A claim on one wiki's share: awaited (no permit yet) or held.
#[derive(Debug)]
struct Share {
    wiki: String,
    semaphore: Option<Arc<Semaphore>>,
    permit: Option<OwnedSemaphorePermit>,
    shares: Arc<Mutex<HashMap<String, Arc<Semaphore>>>>,
}

impl Drop for Share {
    /// Gives the permit back, and forgets the wiki's share when this was its last user, so the
    /// map holds only wikis with git requests in flight. Handles are only cloned under the lock,
    /// so a count of one (the map's own) under the lock means nobody else holds or awaits it.
    fn drop(&mut self) {
        let mut shares = self.shares.lock().unwrap_or_else(PoisonError::into_inner);
        self.permit.take();
        self.semaphore.take();
        if shares
            .get(&self.wiki)
            .is_some_and(|share| Arc::strong_count(share) == 1)
        {
            shares.remove(&self.wiki);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WAIT: Duration = Duration::from_millis(50);

    #[tokio::test]
    async fn one_wiki_never_takes_the_whole_pool() {
        let slots = Slots::new(4, 2);
        let a1 = slots.acquire("a", WAIT).await.expect("a1");
        let _a2 = slots.acquire("a", WAIT).await.expect("a2");
        assert_eq!(slots.acquire("a", WAIT).await.err(), Some(Busy));
        let _b1 = slots.acquire("b", WAIT).await.expect("b1");
        let _b2 = slots.acquire("b", WAIT).await.expect("b2");
        // The pool is full now: a third wiki waits, and gets a slot when one is given back.
        assert_eq!(slots.acquire("c", WAIT).await.err(), Some(Busy));
        drop(a1);
        assert!(slots.acquire("c", WAIT).await.is_ok());
    }

    #[tokio::test]
    async fn the_share_stays_below_the_pool() {
        assert_eq!(Slots::new(4, 10).per_wiki(), 3);
        assert_eq!(Slots::new(4, 0).per_wiki(), 1);
        assert_eq!(Slots::new(1, 3).per_wiki(), 1);
        assert_eq!(Slots::new(0, 0).per_wiki(), 1);
    }

    #[tokio::test]
    async fn idle_wikis_are_forgotten() {
        let slots = Slots::new(4, 1);
        let held = slots.acquire("a", WAIT).await.expect("a");
        // A request that gives up waiting leaves the share to its holder…
        assert_eq!(slots.acquire("a", WAIT).await.err(), Some(Busy));
        assert_eq!(slots.tracked(), 1);
        // …and the last one out removes it.
        drop(held);
        assert_eq!(slots.tracked(), 0);
        let _again = slots.acquire("a", WAIT).await.expect("a again");
        assert_eq!(slots.tracked(), 1);
    }
}
