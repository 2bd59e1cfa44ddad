//! `GET /app/admin`: the operators' status page, for platform admins only: health of the
//! platform database, the repositories and the search index, disk usage of the data directory,
//! free space on its filesystem (with a warning under 10%), counts, and every wiki with its owner
//! and size.

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::disk_space::{DiskSpace, LOW_FREE_PERCENT, disk_space};
use super::pages::{PageCtx, nav, show};
use super::principal::PlatformUser;
use super::service::dir_size;
use super::views::{StatusTpl, StatusWiki, date, size};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// The handler.
pub(super) async fn status(
    State(state): State<AppState>,
    caller: PlatformUser,
    req: Request,
) -> AppResult<Response> {
    if !caller.user.is_platform_admin {
        return Err(AppError::Forbidden(
            "The system status page is for platform admins.".into(),
        ));
    }
    let ctx = PageCtx::of(&req);
    let counts = state.db.platform_counts().await?;
    let wikis = state.db.list_wikis().await?;
    let owners = state.db.list_users().await?;
    let data_dir = state.config.data_dir.clone();
    let wikis_dir = state.store.root().to_path_buf();
    let search_db = state.config.search_db_path();
    let db_path = state.config.db_path();
    let slugs: Vec<String> = wikis.iter().map(|w| w.slug.to_string()).collect();
    // Walking directories is blocking IO.
    let (total, repos, search_bytes, db_bytes, sizes, writable, space) =
        tokio::task::spawn_blocking(move || {
            let sizes: Vec<u64> = slugs
                .iter()
                .map(|slug| dir_size(&wikis_dir.join(format!("{slug}.git"))))
                .collect();
            let probe = wikis_dir.join(".status-probe");
            let writable = std::fs::write(&probe, b"ok").is_ok();
            let _ = std::fs::remove_file(&probe);
            let space = disk_space(&data_dir);
            (
                dir_size(&data_dir),
                dir_size(&wikis_dir),
                dir_size(&search_db),
                dir_size(&db_path),
                sizes,
                writable,
                space,
            )
        })
        .await?;
    let mut checks = vec![
        (
            "Platform database".to_string(),
            true,
            format!("answering ({})", state.config.db_path().display()),
        ),
        (
            "Repositories".to_string(),
            writable,
            if writable {
                format!("writable ({})", state.store.root().display())
            } else {
                format!("NOT writable: {}", state.store.root().display())
            },
        ),
        (
            "Search index".to_string(),
            search_bytes > 0,
            format!(
                "{} ({})",
                size(search_bytes),
                state.config.search_db_path().display()
            ),
        ),
    ];
    let (space_ok, space_detail) = describe_space(space, &state.config.data_dir);
    checks.push((
        "Free disk space".to_string(),
        space_ok,
        space_detail.clone(),
    ));
    let disk_warning = if space_ok {
        String::new()
    } else {
        format!(
            "Low disk space: {space_detail}. Every commit, upload and search update needs room; \
             free some space or grow the volume."
        )
    };
    let wikis = wikis
        .iter()
        .zip(sizes)
        .map(|(wiki, bytes)| StatusWiki {
            slug: wiki.slug.to_string(),
            name: wiki.display_name.clone(),
            url: state.config.wiki_url(wiki.slug.as_str()),
            owner: owners
                .iter()
                .find(|u| u.id == wiki.owner_id)
                .map(|u| u.handle.clone())
                .unwrap_or_default(),
            size: size(bytes),
            created: date(wiki.created_at),
            read_access: wiki.access.read.to_string(),
        })
        .collect();
    show(
        StatusCode::OK,
        &StatusTpl {
            chrome: ctx.chrome(&state, &caller.user, "System status", None),
            nav: nav(&state, &caller.user, "admin", None).await?,
            checks,
            counts: vec![
                ("Users".into(), counts.users.to_string()),
                ("Wikis".into(), counts.wikis.to_string()),
                ("Memberships".into(), counts.members.to_string()),
                ("Live API tokens".into(), counts.live_tokens.to_string()),
                (
                    "Pending access requests".into(),
                    counts.pending_requests.to_string(),
                ),
            ],
            disk: vec![
                (
                    format!("Total ({})", state.config.data_dir.display()),
                    size(total),
                ),
                ("Repositories".into(), size(repos)),
                ("Platform database".into(), size(db_bytes)),
                ("Search index".into(), size(search_bytes)),
            ],
            disk_free: space.map(|s| size(s.free)).unwrap_or_default(),
            disk_total: space.map(|s| size(s.total)).unwrap_or_default(),
            disk_warning,
            wikis,
        },
    )
}

/// The status check for free space: ok, and what to show. Unknown space is not an alarm (the
/// platform may run where statvfs is missing), but it says so.
fn describe_space(space: Option<DiskSpace>, data_dir: &std::path::Path) -> (bool, String) {
    match space {
        Some(space) => (
            !space.is_low(),
            format!(
                "{} free of {} ({}%) on the filesystem of {}{}",
                size(space.free),
                size(space.total),
                space.free_percent(),
                data_dir.display(),
                if space.is_low() {
                    format!(", under {LOW_FREE_PERCENT}%")
                } else {
                    String::new()
                }
            ),
        ),
        None => (true, format!("unknown for {}", data_dir.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn low_space_fails_the_check_and_says_so() {
        let dir = std::path::Path::new("/data");
        let (ok, text) = describe_space(
            Some(DiskSpace {
                free: 5 * 1024 * 1024,
                total: 100 * 1024 * 1024,
            }),
            dir,
        );
        assert!(!ok);
        assert_eq!(
            text,
            "5.0 MiB free of 100.0 MiB (5%) on the filesystem of /data, under 10%"
        );
        let (ok, text) = describe_space(
            Some(DiskSpace {
                free: 50 * 1024,
                total: 100 * 1024,
            }),
            dir,
        );
        assert!(ok);
        assert_eq!(
            text,
            "50.0 KiB free of 100.0 KiB (50%) on the filesystem of /data"
        );
        assert_eq!(
            describe_space(None, dir),
            (true, "unknown for /data".into())
        );
    }
}
