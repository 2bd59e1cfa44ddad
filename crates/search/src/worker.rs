//! The background indexer: keeps every wiki's index in step with git off the request path.
//!
//! The store tells it about every commit from any surface ([`Indexer::changed`]); it then syncs
//! the wiki's full-text rows and chunks to the new head at once, and embeds chunks that lack a
//! vector in small batches, checking for new commits between batches so full-text never waits
//! for embeddings. Searches also sync before they run, so keyword results are exact even before
//! the worker gets to a commit; only vectors can lag, and searches report by how much.
//!
//! On start every wiki is queued, which heals whatever a crash between a commit and its index
//! update left behind, and wikis deleted while no indexer listened are forgotten, so no rows or
//! FTS tables of a deleted wiki stay in the file.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use robot_embed::Embedder;
use robot_store::Store;
use tokio::sync::mpsc;

use crate::index::SearchIndex;

/// Chunks embedded between two looks at the queue: enough to amortise finding them, few enough
/// that a new commit waits a few seconds at most for its sync.
const EMBED_BATCH: usize = 64;

/// How often an idle worker with an embedder looks for passages that other processes indexed
/// without telling it (one indexed query when there are none).
pub const IDLE_RECHECK: Duration = Duration::from_secs(3);

/// The state of the last full rebuild of a wiki started through [`Indexer::reindex`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ReindexStatus {
    /// No rebuild was started since the server started.
    Idle,
    /// Rebuilding.
    Running {
        /// Seconds since the Unix epoch.
        started_at: i64,
    },
    /// The full-text rows and chunks were rebuilt from git; vectors follow in the background.
    Complete {
        /// Seconds since the Unix epoch.
        started_at: i64,
        /// Seconds since the Unix epoch.
        completed_at: i64,
        /// Pages indexed.
        pages: usize,
    },
    /// The rebuild failed; the index is as it was before.
    Failed {
        /// Seconds since the Unix epoch.
        started_at: i64,
        /// Seconds since the Unix epoch.
        completed_at: i64,
        /// What went wrong.
        error: String,
    },
}

/// A handle on the background indexer. Cheap to clone.
#[derive(Clone)]
pub struct Indexer {
    queue: mpsc::UnboundedSender<String>,
    index: Arc<SearchIndex>,
    store: Arc<Store>,
    embedder: Option<Arc<dyn Embedder>>,
    rebuilds: Arc<Mutex<BTreeMap<String, ReindexStatus>>>,
}

impl std::fmt::Debug for Indexer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Indexer").finish_non_exhaustive()
    }
}

/// The reindex request was refused because one is already running for the wiki.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReindexRunning;

impl Indexer {
    /// Starts the worker on the current tokio runtime, hooks it to `store`'s changes and queues
    /// every existing wiki.
    pub fn start(
        index: Arc<SearchIndex>,
        store: Arc<Store>,
        embedder: Option<Arc<dyn Embedder>>,
    ) -> Indexer {
        let (queue, inbox) = mpsc::unbounded_channel();
        let indexer = Indexer {
            queue,
            index,
            store,
            embedder,
            rebuilds: Arc::default(),
        };
        let hook = indexer.queue.clone();
        indexer.store.on_change(move |slug| {
            // The worker is gone only when the runtime shuts down.
            let _ = hook.send(slug.to_string());
        });
        match indexer.store.slugs() {
            Ok(slugs) => slugs.into_iter().for_each(|slug| indexer.changed(&slug)),
            Err(e) => tracing::warn!(error = %e, "cannot list wikis to index"),
        }
        tokio::spawn(indexer.clone().run(inbox));
        indexer
    }

    /// The embedder, when semantic search is enabled.
    pub fn embedder(&self) -> Option<&Arc<dyn Embedder>> {
        self.embedder.as_ref()
    }

    /// Queues wiki `slug` for syncing (and embedding).
    pub fn changed(&self, slug: &str) {
        let _ = self.queue.send(slug.to_string());
    }

    /// Starts rebuilding the wiki's index from git in the background, unless one is running.
    pub fn reindex(&self, slug: &str) -> Result<(), ReindexRunning> {
        let started_at = now();
        {
            let Ok(mut rebuilds) = self.rebuilds.lock() else {
                return Err(ReindexRunning);
            };
            if matches!(rebuilds.get(slug), Some(ReindexStatus::Running { .. })) {
                return Err(ReindexRunning);
            }
            rebuilds.insert(slug.to_string(), ReindexStatus::Running { started_at });
        }
        let indexer = self.clone();
        let slug = slug.to_string();
        tokio::spawn(async move {
            let status = match indexer.rebuild(&slug).await {
                Ok(pages) => ReindexStatus::Complete {
                    started_at,
                    completed_at: now(),
                    pages,
                },
                Err(error) => ReindexStatus::Failed {
                    started_at,
                    completed_at: now(),
                    error,
                },
            };
            if let Ok(mut rebuilds) = indexer.rebuilds.lock() {
                rebuilds.insert(slug.clone(), status);
            }
            indexer.changed(&slug);
        });
        Ok(())
    }

    /// The state of the wiki's last rebuild.
    pub fn reindex_status(&self, slug: &str) -> ReindexStatus {
        self.rebuilds
            .lock()
            .ok()
            .and_then(|r| r.get(slug).cloned())
            .unwrap_or(ReindexStatus::Idle)
    }

    /// Drops the wiki's rows and indexes it again from its head; returns the pages indexed.
    pub async fn rebuild(&self, slug: &str) -> Result<usize, String> {
        let repo = self.store.wiki(slug).map_err(|e| e.to_string())?;
        self.index.forget(slug).await.map_err(|e| e.to_string())?;
        // Another sync may get there first after the forget; it rebuilds everything too.
        self.index
            .sync(slug, &repo)
            .await
            .map_err(|e| e.to_string())?;
        self.index.page_count(slug).await.map_err(|e| e.to_string())
    }

    /// Forgets the indexed wikis the store no longer has (deleted while no indexer listened).
    /// The index is listed before the store, so a wiki created in between is never forgotten.
    async fn forget_deleted(&self) {
        let indexed = match self.index.indexed_wikis().await {
            Ok(indexed) => indexed,
            Err(e) => {
                tracing::warn!(error = %e, "cannot list indexed wikis");
                return;
            }
        };
        let existing: BTreeSet<String> = match self.store.slugs() {
            Ok(slugs) => slugs.into_iter().collect(),
            Err(e) => {
                tracing::warn!(error = %e, "cannot list wikis to forget deleted ones");
                return;
            }
        };
        for slug in indexed.iter().filter(|slug| !existing.contains(*slug)) {
            if let Err(e) = self.index.forget(slug).await {
                tracing::warn!(slug, error = %e, "cannot forget a deleted wiki's index");
            }
        }
    }

    async fn run(self, mut inbox: mpsc::UnboundedReceiver<String>) {
        self.forget_deleted().await;
        let mut embedding = self.embedder.is_some();
        loop {
            let mut dirty = BTreeSet::new();
            if !embedding {
                // Idle. Another process (a CLI import, a second server) may leave passages
                // waiting for vectors without any change reaching this one's queue, so with an
                // embedder the worker also looks for them now and then.
                let next = match &self.embedder {
                    Some(_) => tokio::time::timeout(IDLE_RECHECK, inbox.recv()).await.ok(),
                    None => Some(inbox.recv().await),
                };
                match next {
                    Some(Some(slug)) => {
                        dirty.insert(slug);
                    }
                    Some(None) => return,
                    None => {}
                }
            }
            while let Ok(slug) = inbox.try_recv() {
                dirty.insert(slug);
            }
            for slug in &dirty {
                self.sync(slug).await;
            }
            if let Some(embedder) = &self.embedder {
                embedding = match self.index.embed_pending(embedder, EMBED_BATCH).await {
                    Ok(0) => {
                        if let Err(e) = self.index.collect_vectors(embedder.model_id()).await {
                            tracing::warn!(error = %e, "cannot delete unused vectors");
                        }
                        false
                    }
                    Ok(_) => true,
                    Err(e) => {
                        tracing::error!(error = %e, "embedding failed; retrying after the next change");
                        false
                    }
                };
                // Let other tasks (and queued commits) run between batches.
                tokio::task::yield_now().await;
            }
        }
    }

    async fn sync(&self, slug: &str) {
        let result = match self.store.wiki(slug) {
            Ok(repo) => self.index.sync(slug, &repo).await.map(|_| ()),
            Err(robot_store::StoreError::WikiNotFound(_)) => self.index.forget(slug).await,
            Err(e) => {
                tracing::warn!(slug, error = %e, "cannot open wiki to index it");
                return;
            }
        };
        if let Err(e) = result {
            tracing::warn!(slug, error = %e, "cannot index wiki");
        }
    }
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}
