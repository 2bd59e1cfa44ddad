//! Each wiki's effective quota, and its usage recorded in the platform DB after every commit.
//!
//! The store checks every commit against the quota its repository handle holds (see
//! `robot_store::Quota`). New handles start with the server's default ([`LimitsConfig::quota`]);
//! before a request may write, [`apply`] reads the wiki's override from the DB (the CLI may have
//! changed it in another process) and sets the effective quota on the handle.
//!
//! Usage is recorded on every commit, whatever surface made it, without a cron: the store's
//! commit hook ([`usage_hook`]) queues the wiki's slug, and one background task ([`spawn_recorder`])
//! measures the repository (incrementally) and writes `wiki_usage`, coalescing bursts so a busy
//! agent costs one DB write per batch, not per commit, and writers never wait for the DB.
//!
//! Writers outside the store's commit path (a git push) call [`apply`] and
//! `WikiRepo::admit_growth` before accepting data, and [`record`] after.
//!
//! [`LimitsConfig::quota`]: super::LimitsConfig::quota

use std::collections::BTreeSet;
use std::sync::Arc;

use robot_platform::{Db, QuotaOverride, Wiki};
use robot_store::{Quota, Store, Usage, WikiRepo, human_bytes};
use serde::Serialize;
use tokio::sync::mpsc;

use crate::error::AppResult;
use crate::state::AppState;

/// The quota `wiki` is held to: the server default, with the wiki's overrides applied.
pub fn effective(default: Quota, over: QuotaOverride) -> Quota {
    Quota {
        max_bytes: over.max_bytes.unwrap_or(default.max_bytes),
        max_pages: over.max_pages.unwrap_or(default.max_pages),
    }
}

/// Reads the wiki's override and sets the effective quota on its repository handle.
pub async fn apply(state: &AppState, wiki: &Wiki, repo: &WikiRepo) -> AppResult<Quota> {
    let over = state.db.quota_override(wiki.id).await?;
    let quota = effective(state.config.limits.quota, over);
    repo.set_quota(Some(quota));
    Ok(quota)
}

/// Measures the wiki now and records it in the DB (for writers outside the commit path, and for
/// the CLI, whose process may end before the background recorder runs).
pub async fn record(state: &AppState, slug: &str) -> AppResult<Usage> {
    let usage = measure(&state.store, slug).await?;
    state
        .db
        .record_usage(slug, usage.bytes, usage.pages)
        .await?;
    Ok(usage)
}

async fn measure(store: &Arc<Store>, slug: &str) -> AppResult<Usage> {
    let store = Arc::clone(store);
    let slug = slug.to_string();
    Ok(tokio::task::spawn_blocking(move || store.wiki(&slug)?.usage()).await??)
}

async fn recent(store: &Arc<Store>, slug: &str) -> AppResult<Usage> {
    let store = Arc::clone(store);
    let slug = slug.to_string();
    Ok(tokio::task::spawn_blocking(move || store.wiki(&slug)?.usage_for_write()).await??)
}

/// Listens to `store`'s changes and queues every changed wiki for [`spawn_recorder`].
pub fn usage_queue(store: &Store) -> mpsc::UnboundedReceiver<String> {
    let (tx, rx) = mpsc::unbounded_channel();
    store.on_change(move |slug| {
        // The receiver only goes away when the runtime shuts down; then nobody needs the record.
        let _ = tx.send(slug.to_string());
    });
    rx
}

/// Runs the recorder: for every queued slug (duplicates within a batch merged), measure the
/// repository and write `wiki_usage`. Failures are logged; the next commit records again.
pub fn spawn_recorder(db: Db, store: Arc<Store>, mut queue: mpsc::UnboundedReceiver<String>) {
    tokio::spawn(async move {
        while let Some(first) = queue.recv().await {
            let mut batch = BTreeSet::from([first]);
            while let Ok(more) = queue.try_recv() {
                batch.insert(more);
            }
            for slug in batch {
                if !store.exists(&slug) {
                    // Deleted: its usage rows went with it.
                    continue;
                }
                // A burst of commits must not walk the repository once per commit: the
                // writers' running figure (a walk at most a second old plus what was written
                // since) is what gets recorded.
                let recorded = match recent(&store, &slug).await {
                    Ok(usage) => db
                        .record_usage(&slug, usage.bytes, usage.pages)
                        .await
                        .map_err(|e| e.to_string()),
                    Err(e) => Err(e.to_string()),
                };
                if let Err(error) = recorded {
                    tracing::warn!(wiki = %slug, %error, "could not record the wiki's usage");
                }
            }
        }
    });
}

/// A wiki's usage next to its quota, for the settings page and the API.
#[derive(Debug, Clone, Serialize)]
pub struct UsageReport {
    /// On-disk size of the wiki's git repository, in bytes.
    pub bytes: u64,
    /// The byte quota.
    pub max_bytes: u64,
    /// Pages.
    pub pages: u64,
    /// The page quota.
    pub max_pages: u64,
    /// One line for people, e.g. `1.2 MiB of 50.0 MiB, 12 of 500 pages`.
    pub summary: String,
}

impl UsageReport {
    /// Usage against quota.
    pub fn new(usage: Usage, quota: Quota) -> UsageReport {
        UsageReport {
            bytes: usage.bytes,
            max_bytes: quota.max_bytes,
            pages: usage.pages,
            max_pages: quota.max_pages,
            summary: format!(
                "{} of {}, {} of {} pages",
                human_bytes(usage.bytes),
                human_bytes(quota.max_bytes),
                usage.pages,
                quota.max_pages
            ),
        }
    }

    /// Used share of the tighter limit, in whole percent (for a progress bar).
    pub fn percent(&self) -> u64 {
        let share = |used: u64, max: u64| {
            if max == 0 {
                100
            } else {
                (u128::from(used) * 100 / u128::from(max)).min(100) as u64
            }
        };
        share(self.bytes, self.max_bytes).max(share(self.pages, self.max_pages))
    }
}

/// Measures `wiki` now and reports it against its effective quota.
pub async fn report(state: &AppState, wiki: &Wiki) -> AppResult<UsageReport> {
    let over = state.db.quota_override(wiki.id).await?;
    let quota = effective(state.config.limits.quota, over);
    let usage = record(state, wiki.slug.as_str()).await?;
    Ok(UsageReport::new(usage, quota))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_replace_only_what_they_set() {
        let default = Quota {
            max_bytes: 100,
            max_pages: 5,
        };
        assert_eq!(effective(default, QuotaOverride::default()), default);
        assert_eq!(
            effective(
                default,
                QuotaOverride {
                    max_bytes: None,
                    max_pages: Some(9)
                }
            ),
            Quota {
                max_bytes: 100,
                max_pages: 9
            }
        );
    }

    #[test]
    fn reports_say_usage_and_limit() {
        let report = UsageReport::new(
            Usage {
                bytes: 1024 * 1024 * 3 / 2,
                pages: 450,
            },
            Quota {
                max_bytes: 50 * 1024 * 1024,
                max_pages: 500,
            },
        );
        assert_eq!(report.summary, "1.5 MiB of 50.0 MiB, 450 of 500 pages");
        assert_eq!(report.percent(), 90);
    }
}
