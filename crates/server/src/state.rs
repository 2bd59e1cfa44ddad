//! Shared application state: one `Arc` per service, cloned into every request.

use std::sync::Arc;

use robot_auth::SessionKeys;
use robot_platform::Db;
use robot_store::Store;

use crate::config::ServerConfig;
use crate::render_cache::RenderCache;

/// Services every handler may use. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// Static configuration.
    pub config: Arc<ServerConfig>,
    /// Platform database (users, wikis, members, login links).
    pub db: Db,
    /// Wiki repositories.
    pub store: Arc<Store>,
    /// Session signing keys.
    pub keys: Arc<SessionKeys>,
    /// Rendered-page cache keyed by content and head.
    pub renders: Arc<RenderCache>,
    /// Page catalogs and link graphs, one per wiki, kept in step with each wiki's head.
    pub catalogs: Arc<robot_index::CatalogCache>,
    /// Full-text search over every wiki, synced to a wiki's head before each search.
    pub search: Arc<robot_search::FullTextIndex>,
}

impl AppState {
    /// Opens (and on first start creates) everything under the configured data directory.
    pub async fn open(config: ServerConfig) -> anyhow::Result<Self> {
        use anyhow::Context as _;
        std::fs::create_dir_all(&config.data_dir)
            .with_context(|| format!("cannot create data dir {}", config.data_dir.display()))?;
        let db = Db::open(&config.db_path())
            .await
            .with_context(|| format!("cannot open platform DB {}", config.db_path().display()))?;
        let keys = SessionKeys::load_or_generate(&config.keys_dir())
            .map(|keys| keys.with_issuer(config.domain.clone()))
            .with_context(|| {
                format!("cannot load signing key in {}", config.keys_dir().display())
            })?;
        let store = Store::open(config.wikis_dir())
            .with_context(|| format!("cannot open wiki store {}", config.wikis_dir().display()))?;
        let search = robot_search::FullTextIndex::open(&config.search_db_path())
            .await
            .with_context(|| {
                format!(
                    "cannot open search index {} (it is derived data: delete it to rebuild)",
                    config.search_db_path().display()
                )
            })?;
        Ok(AppState {
            config: Arc::new(config),
            db,
            store: Arc::new(store),
            keys: Arc::new(keys),
            renders: Arc::new(RenderCache::new(512)),
            catalogs: Arc::new(robot_index::CatalogCache::new()),
            search: Arc::new(search),
        })
    }
}
