//! Background repository maintenance: after every commit (any surface, pushes included), a wiki
//! whose loose objects or packs pass the store's limits is packed with git's own repack, off the
//! request path, one wiki at a time so that maintenance never takes more than one core from the
//! requests. See `robot_store`'s `maintenance.rs` for why writers never wait for it.

use std::collections::BTreeSet;
use std::sync::Arc;

use robot_store::{MaintenanceReport, Store, StoreError};
use tokio::sync::mpsc;

/// Hears every change of `store` and packs the wikis that need it, in the background.
pub fn spawn(store: &Arc<Store>) {
    let (tx, mut queue) = mpsc::unbounded_channel::<String>();
    store.on_change(move |slug| {
        // The receiver only goes away when the runtime shuts down.
        let _ = tx.send(slug.to_string());
    });
    let store = Arc::clone(store);
    tokio::spawn(async move {
        while let Some(first) = queue.recv().await {
            let mut batch = BTreeSet::from([first]);
            while let Ok(more) = queue.try_recv() {
                batch.insert(more);
            }
            for slug in batch {
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
                    Ok(Ok(None)) => {}
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
