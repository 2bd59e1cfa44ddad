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
    /// Rendered pages, keyed by page, blob and which of their link targets exist.
    pub renders: Arc<RenderCache>,
    /// Thumbnails of image attachments: cached, and decoded within memory limits.
    pub thumbnails: Arc<crate::thumbnail::Thumbnails>,
    /// Each wiki's page listing (sidebar, A–Z index), rebuilt when its head moves.
    pub listings: Arc<crate::listing_cache::ListingCache>,
    /// Whole anonymous page views by validator (see `view_cache`).
    pub views: Arc<crate::view_cache::ViewCache>,
    /// Page catalogs and link graphs, one per wiki, kept in step with each wiki's head.
    pub catalogs: Arc<robot_index::CatalogCache>,
    /// Full-text and passage search over every wiki, synced to a wiki's head before each search.
    pub search: Arc<robot_search::SearchIndex>,
    /// Keeps the search index in step with every commit and computes embeddings, off the
    /// request path.
    pub indexer: robot_search::Indexer,
    /// Recent query embeddings.
    pub query_vectors: Arc<crate::query_vectors::QueryVectors>,
    /// The process's rate limiters, shared by every request.
    pub limits: Arc<crate::limits::RateLimits>,
    /// The ATProto OAuth client (Bluesky login).
    pub atproto: Arc<robot_atproto::OAuthClient>,
    /// Fetches documents that requests point at (OAuth client metadata documents) with the
    /// same SSRF rules as the ATProto login.
    pub fetcher: robot_atproto::fetch::Fetcher,
    /// Starts git for clone and push (git smart HTTP).
    pub git: crate::git_http::GitRunner,
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
            .with_context(|| format!("cannot open wiki store {}", config.wikis_dir().display()))?
            .with_default_quota(Some(config.limits.quota));
        let store = Arc::new(store);
        // Every commit, from any surface, queues the wiki for the usage recorder.
        let usage_queue = crate::limits::quota::usage_queue(&store);
        crate::limits::quota::spawn_recorder(db.clone(), Arc::clone(&store), usage_queue);
        // ... and for maintenance, which packs it once loose objects pile up.
        crate::maintenance::spawn(&store);
        let search = robot_search::SearchIndex::open(&config.search_db_path())
            .await
            .with_context(|| {
                format!(
                    "cannot open search index {} (it is derived data: delete it to rebuild)",
                    config.search_db_path().display()
                )
            })?;
        let embedder = load_embedder(&config.semantic).await;
        let search = Arc::new(search);
        let indexer =
            robot_search::Indexer::start(Arc::clone(&search), Arc::clone(&store), embedder);
        let atproto = atproto_client(&config)?;
        let fetcher = robot_atproto::fetch::Fetcher::new(config.atproto.insecure_test)
            .context("cannot build the HTTP client")?;
        let git = crate::git_http::GitRunner::install(&config.git_hooks_dir(), &config.git)
            .with_context(|| {
                format!(
                    "cannot write git hooks in {}",
                    config.git_hooks_dir().display()
                )
            })?;
        Ok(AppState {
            limits: Arc::new(crate::limits::RateLimits::new(&config.limits)),
            config: Arc::new(config),
            db,
            store,
            keys: Arc::new(keys),
            renders: Arc::new(RenderCache::new(512)),
            thumbnails: Arc::default(),
            listings: Arc::new(crate::listing_cache::ListingCache::new()),
            views: Arc::new(crate::view_cache::ViewCache::new(
                crate::view_cache::DEFAULT_CAPACITY_BYTES,
            )),
            catalogs: Arc::new(robot_index::CatalogCache::new()),
            search,
            indexer,
            query_vectors: Arc::default(),
            atproto: Arc::new(atproto),
            fetcher,
            git,
        })
    }
}

/// The configured embedding model, or `None` (semantic search off) with a warning saying why.
async fn load_embedder(
    config: &crate::config::SemanticConfig,
) -> Option<Arc<dyn robot_embed::Embedder>> {
    let dir = config.model_dir.clone()?;
    let threads = config.threads;
    let loaded = tokio::task::spawn_blocking(move || {
        let model = robot_embed::MiniLm::load(&dir, threads)?;
        // The first inference pays for the threads' start and the weights' first touch (over a
        // second on two cores); paid here, at start-up, not by the first agent's search.
        robot_embed::Embedder::embed(&model, &["warm up"])?;
        Ok::<_, robot_embed::EmbedError>(model)
    })
    .await;
    match loaded {
        Ok(Ok(model)) => {
            tracing::info!(
                model = robot_embed::Embedder::model_id(&model),
                "semantic search enabled"
            );
            Some(Arc::new(model))
        }
        Ok(Err(e)) => {
            tracing::warn!("semantic search disabled: {e}");
            None
        }
        Err(e) => {
            tracing::warn!("semantic search disabled: model loading failed: {e}");
            None
        }
    }
}

/// The ATProto client: its `client_id` is the metadata document on the platform host, its key
/// lives next to the session key (generated on first start).
fn atproto_client(config: &ServerConfig) -> anyhow::Result<robot_atproto::OAuthClient> {
    use anyhow::Context as _;
    let url = |path: &str| {
        url::Url::parse(&config.platform_url(path))
            .with_context(|| format!("invalid platform URL for {path}"))
    };
    let key = robot_atproto::ClientKey::load_or_generate(&config.keys_dir())
        .context("cannot load the ATProto client key")?;
    let client_config = robot_atproto::ClientConfig {
        client_id: url(crate::views::atproto::CLIENT_METADATA_PATH)?,
        redirect_uri: url::Url::parse(&config.atproto_redirect_uri())
            .context("invalid ATProto redirect URI")?,
        client_name: config.domain.clone(),
        client_uri: url("/")?,
        resolver: robot_atproto::ResolverConfig {
            plc_url: config.atproto.plc_url.clone(),
            handle_resolver: config.atproto.handle_resolver.clone(),
        },
        insecure_test: config.atproto.insecure_test,
    };
    if config.atproto.insecure_test && config.domain != "localhost" {
        anyhow::bail!(
            "--atproto-insecure-test turns off the SSRF protections of the Bluesky login and only \
             works for a platform on localhost (this one is {}); remove the flag",
            config.domain
        );
    }
    if config.atproto.insecure_test {
        tracing::warn!(
            "ATProto insecure test mode: http and private addresses are allowed for logins"
        );
    }
    Ok(robot_atproto::OAuthClient::new(client_config, key)?)
}
