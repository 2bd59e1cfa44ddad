//! `robot reindex`: rebuild the history index (page log) and the search indexes from git, then
//! follow the background embedding with a progress bar until every passage has its vector.

use std::time::Duration;

use anyhow::{Context as _, bail};
use indicatif::{ProgressBar, ProgressStyle};
use robot_server::AppState;

/// Rebuilds `slug` (or every wiki) and waits for its embeddings.
pub async fn run(state: &AppState, slug: Option<&str>) -> anyhow::Result<()> {
    let slugs = match slug {
        Some(slug) => {
            if !state.store.exists(slug) {
                bail!("no wiki named '{slug}' (see `robot wiki list`)");
            }
            vec![slug.to_string()]
        }
        None => state.store.slugs().context("cannot list wikis")?,
    };
    for slug in &slugs {
        let wiki = state.store.wiki(slug)?;
        let commits = tokio::task::spawn_blocking(move || {
            wiki.rebuild_history()?;
            wiki.commit_count()
        })
        .await?
        .map_err(|e| anyhow::anyhow!("cannot rebuild the history index of '{slug}': {e}"))?;
        eprintln!("{slug}: {commits} commits in the history index");
        let pages = state
            .indexer
            .rebuild(slug)
            .await
            .map_err(|e| anyhow::anyhow!("cannot rebuild the index of '{slug}': {e}"))?;
        eprintln!("{slug}: {pages} pages indexed for keyword search");
        state.indexer.changed(slug);
    }
    let Some(embedder) = state.indexer.embedder().cloned() else {
        eprintln!(
            "semantic search is off (no model: run scripts/fetch-model); keyword index rebuilt"
        );
        return Ok(());
    };
    let model = embedder.model_id().to_string();
    let bar = ProgressBar::new(0).with_style(
        ProgressStyle::with_template("embedding {bar:40} {pos}/{len} passages ({per_sec}, {eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    loop {
        let (mut chunks, mut pending) = (0, 0);
        for slug in &slugs {
            let lag = state.search.vector_lag(slug, &model).await?;
            chunks += lag.chunks;
            pending += lag.pending;
        }
        bar.set_length(chunks as u64);
        bar.set_position((chunks - pending) as u64);
        if pending == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    bar.finish();
    eprintln!("every passage has its embedding ({model})");
    Ok(())
}
