//! `GET /app/admin`: the operators' status page, for platform admins only: health of the
//! platform database, the repositories and the search index, disk usage of the data directory,
//! counts, and every wiki with its owner and size.

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;

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
    let (total, repos, search_bytes, db_bytes, sizes, writable) =
        tokio::task::spawn_blocking(move || {
            let sizes: Vec<u64> = slugs
                .iter()
                .map(|slug| dir_size(&wikis_dir.join(format!("{slug}.git"))))
                .collect();
            let probe = wikis_dir.join(".status-probe");
            let writable = std::fs::write(&probe, b"ok").is_ok();
            let _ = std::fs::remove_file(&probe);
            (
                dir_size(&data_dir),
                dir_size(&wikis_dir),
                dir_size(&search_db),
                dir_size(&db_path),
                sizes,
                writable,
            )
        })
        .await?;
    let checks = vec![
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
            wikis,
        },
    )
}
