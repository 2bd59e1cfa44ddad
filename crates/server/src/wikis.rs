//! Wiki lifecycle shared by the CLI and (later) the dashboard: create (seeded or imported) and
//! delete, keeping the platform DB and the repository in step.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context as _, bail};
use robot_platform::{NewWiki, Slug, User, Wiki};
use robot_store::Author;

use crate::seed::{SeedValues, seed_files};
use crate::state::AppState;

/// What a new wiki should be.
pub struct CreateWiki {
    /// Its slug (validated).
    pub slug: Slug,
    /// Owner.
    pub owner: User,
    /// Display name (defaults to the slug).
    pub display_name: Option<String>,
    /// Purpose, up to 200 characters.
    pub description: String,
    /// Import this git repository instead of seeding templates.
    pub from_git: Option<PathBuf>,
}

/// The author of platform-made commits.
pub fn system_author() -> Author {
    Author {
        name: "robot.wtf".into(),
        email: "system@robot.wtf".into(),
    }
}

/// Creates the repository and the platform record; undoes the repository if the record fails.
pub async fn create(state: &AppState, req: CreateWiki) -> anyhow::Result<Wiki> {
    let slug = req.slug.to_string();
    let display_name = req.display_name.clone().unwrap_or_else(|| slug.clone());
    if display_name.trim().is_empty() || display_name.chars().count() > 100 {
        bail!("the display name must be 1 to 100 characters");
    }
    if req.description.chars().count() > 200 {
        bail!("the description must be at most 200 characters");
    }
    if state.db.wiki_by_slug(&req.slug).await?.is_some() || state.store.exists(&slug) {
        bail!("a wiki called {slug} already exists");
    }
    let store = Arc::clone(&state.store);
    let wiki_url = state.config.wiki_url(&slug);
    let (repo_slug, name, description) =
        (slug.clone(), display_name.clone(), req.description.clone());
    let from_git = req.from_git.clone();
    tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
        match from_git {
            Some(source) => {
                store
                    .import_wiki(&repo_slug, &source)
                    .with_context(|| format!("cannot import {}", source.display()))?;
            }
            None => {
                let files = seed_files(&SeedValues {
                    display_name: &name,
                    description: &description,
                    wiki_url: &wiki_url,
                    slug: &repo_slug,
                });
                store.create_wiki(&repo_slug, &files, &system_author(), "Initial commit")?;
            }
        }
        Ok(())
    })
    .await??;
    let created = state
        .db
        .create_wiki(NewWiki {
            slug: req.slug.clone(),
            display_name,
            description: req.description,
            owner_id: req.owner.id,
        })
        .await;
    match created {
        Ok(wiki) => {
            // The seed or import was committed before the wiki had a record to attach usage to.
            if let Err(error) = crate::limits::quota::record(state, &slug).await {
                tracing::warn!(wiki = %slug, %error, "could not record the new wiki's usage");
            }
            Ok(wiki)
        }
        Err(err) => {
            if let Err(cleanup) = state.store.delete_wiki(&slug) {
                tracing::error!(%cleanup, "could not remove the repository of a wiki that failed to register");
            }
            Err(err.into())
        }
    }
}

/// Deletes the platform record and the repository.
pub async fn delete(state: &AppState, slug: &Slug) -> anyhow::Result<bool> {
    let existed = state.db.delete_wiki(slug).await?;
    let store = Arc::clone(&state.store);
    let name = slug.to_string();
    let had_repo = store.exists(&name);
    if had_repo {
        tokio::task::spawn_blocking(move || store.delete_wiki(&name)).await??;
    }
    state.catalogs.forget(slug.as_str());
    state.listings.forget(slug.as_str());
    state.renders.clear();
    state.search.forget(slug.as_ref()).await?;
    Ok(existed || had_repo)
}
