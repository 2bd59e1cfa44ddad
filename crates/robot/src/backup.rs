//! `robot backup DIR` and `robot restore BACKUP`: everything a server needs to come back, in one
//! directory, taken while it runs.
//!
//! A backup holds the platform database (a `VACUUM INTO` snapshot), the signing keys (so
//! sessions, API tokens and the Bluesky client identity survive a restore) and a consistent copy
//! of every wiki repository (`WikiRepo::copy_to`). The search index and the embedding model are
//! left out: both are rebuilt or re-fetched (the index heals itself when the server starts).
//! The backup directory is private (mode 0700): it holds the keys.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use robot_server::AppState;

/// Written last: a backup without it is incomplete and `restore` refuses it.
const MANIFEST: &str = "manifest.json";
/// Bumped when the layout changes.
const FORMAT: u64 = 1;

/// Takes a backup into a new directory under `parent`; returns its path.
pub async fn backup(state: &AppState, parent: &Path) -> anyhow::Result<PathBuf> {
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    let dir = parent.join(format!("robot-backup-{stamp}"));
    if dir.exists() {
        bail!(
            "{} already exists; wait a second and try again",
            dir.display()
        );
    }
    create_private_dir(&dir)?;
    let db_path = dir.join("robot.db");
    let db_path_str = db_path
        .to_str()
        .with_context(|| format!("the backup path {} is not UTF-8", db_path.display()))?;
    state
        .db
        .snapshot_to(db_path_str)
        .await
        .context("cannot snapshot the platform database")?;
    copy_dir(&state.config.keys_dir(), &dir.join("keys")).context("cannot copy the keys")?;
    let store = std::sync::Arc::clone(&state.store);
    let wikis_dir = dir.join("wikis");
    let wikis = tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<serde_json::Value>> {
        let mut copied = Vec::new();
        for slug in store.slugs()? {
            let head = store
                .wiki(&slug)?
                .copy_to(&wikis_dir.join(format!("{slug}.git")))
                .with_context(|| format!("cannot copy the wiki {slug}"))?;
            copied.push(serde_json::json!({"slug": slug, "head": head.map(|h| h.to_string())}));
        }
        Ok(copied)
    })
    .await??;
    let manifest = serde_json::json!({
        "format": FORMAT,
        "robot_version": env!("CARGO_PKG_VERSION"),
        "created_at": chrono::Utc::now().to_rfc3339(),
        "wikis": wikis,
    });
    fs::write(dir.join(MANIFEST), serde_json::to_vec_pretty(&manifest)?)?;
    Ok(dir)
}

/// Restores `backup` into `data_dir`, which must not hold a platform database or wikis yet.
/// Runs before anything opens the data directory.
pub fn restore(backup: &Path, data_dir: &Path) -> anyhow::Result<usize> {
    let manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(backup.join(MANIFEST)).with_context(|| {
            format!(
                "{} is not a complete robot backup (no {MANIFEST})",
                backup.display()
            )
        })?)
        .context("the backup's manifest is not valid JSON")?;
    if manifest["format"].as_u64() != Some(FORMAT) {
        bail!(
            "unknown backup format {} (this robot reads format {FORMAT})",
            manifest["format"]
        );
    }
    let db = data_dir.join("robot.db");
    let wikis = data_dir.join("wikis");
    let occupied =
        db.exists() || fs::read_dir(&wikis).is_ok_and(|mut entries| entries.next().is_some());
    if occupied {
        bail!(
            "{} already holds a platform database or wikis; restore into an empty data directory",
            data_dir.display()
        );
    }
    fs::create_dir_all(data_dir)?;
    fs::copy(backup.join("robot.db"), &db).context("cannot restore the platform database")?;
    copy_dir(&backup.join("keys"), &data_dir.join("keys")).context("cannot restore the keys")?;
    copy_dir(&backup.join("wikis"), &wikis).context("cannot restore the wikis")?;
    Ok(manifest["wikis"].as_array().map_or(0, Vec::len))
}

fn create_private_dir(dir: &Path) -> anyhow::Result<()> {
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// Copies a directory tree, keeping file permissions (the keys stay 0600).
fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}
