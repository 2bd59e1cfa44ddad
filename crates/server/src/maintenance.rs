//! Background repository maintenance: after every commit (any surface, pushes included), a wiki
//! whose loose objects or packs pass the store's limits is packed with git's own repack, off the
//! request path, one wiki at a time so that maintenance never takes more than one core from the
//! requests. See `robot_store`'s `maintenance.rs` for why writers never wait for it.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use robot_store::{MaintenanceReport, Store, StoreError};
use tokio::sync::mpsc;

/// Why a wiki is looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Check {
    /// It has a new commit.
    Changed,
    /// Once more after a burst: the store judges from a walk of the repository up to a second
    /// old, so the commits at the end of a burst may not be counted when they are checked.
    Trailing,
}

/// How long after a not-due check the trailing check comes: longer than the store keeps a walk.
const TRAILING_CHECK: Duration = Duration::from_millis(1_500);

/// Hears every change of `store` and packs the wikis that need it, in the background.
pub fn spawn(store: &Arc<Store>) {
    let (tx, mut queue) = mpsc::unbounded_channel::<(String, Check)>();
    let hook = tx.clone();
    store.on_change(move |slug| {
        // The receiver only goes away when the runtime shuts down.
        let _ = hook.send((slug.to_string(), Check::Changed));
    });
    let store = Arc::clone(store);
    tokio::spawn(async move {
        // Wikis with a trailing check on its way (one at a time per wiki).
        let mut scheduled: HashSet<String> = HashSet::new();
        while let Some((slug, check)) = queue.recv().await {
            let mut batch = BTreeMap::new();
            let mut next = Some((slug, check));
            while let Some((slug, check)) = next {
                if check == Check::Trailing {
                    // Received: the next burst may schedule one again.
                    scheduled.remove(&slug);
                }
                let merged = batch.entry(slug).or_insert(check);
                if check == Check::Changed {
                    *merged = Check::Changed;
                }
                next = queue.try_recv().ok();
            }
            for (slug, check) in batch {
                let store = Arc::clone(&store);
                let wiki = slug.clone();
                match tokio::task::spawn_blocking(move || maintain_if_due(&store, &wiki)).await {
                    Ok(Ok(Some(report))) => tracing::info!(
                        wiki = %slug,
                        loose_before = report.before.loose,
                        packs_before = report.before.packs,
                        packs_after = report.after.packs,
                        bytes_before = report.bytes_before,
                        bytes_after = report.bytes_after,
                        took_ms = report.took.as_millis() as u64,
                        "packed the repository"
                    ),
                    Ok(Ok(None)) => {
                        if check == Check::Changed && scheduled.insert(slug.clone()) {
                            let tx = tx.clone();
                            tokio::spawn(async move {
                                tokio::time::sleep(TRAILING_CHECK).await;
                                let _ = tx.send((slug, Check::Trailing));
                            });
                        }
                    }
                    Ok(Err(error)) => {
                        tracing::warn!(wiki = %slug, %error, "repository maintenance failed");
                    }
                    Err(error) => {
                        tracing::warn!(wiki = %slug, %error, "repository maintenance panicked");
                    }
                }
            }
        }
    });
}

/// Packs the wiki when the store says it is due; `None` when it was not (or is gone).
fn maintain_if_due(store: &Store, slug: &str) -> Result<Option<MaintenanceReport>, StoreError> {
    if !store.exists(slug) {
        return Ok(None);
    }
    let wiki = store.wiki(slug)?;
    if !wiki.maintenance_due()? {
        return Ok(None);
    }
    wiki.maintain().map(Some)
}
