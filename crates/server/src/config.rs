//! Server configuration: where to listen, where data lives, and which public domain we serve.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Everything `robot serve` needs to know about its environment.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Address the HTTP listener binds to.
    pub bind: SocketAddr,
    /// Root of all persistent state (platform DB, keys, repositories).
    pub data_dir: PathBuf,
    /// Public domain: the bare domain is the platform, `{slug}.{domain}` is a wiki.
    pub domain: String,
    /// Public base URL of the platform (scheme, domain and port), used to build absolute links.
    pub base_url: url::Url,
    /// How many wikis one user may own through the dashboard and the management API (platform
    /// admins and the CLI are exempt).
    pub max_wikis_per_user: u32,
    /// Semantic search: where the embedding model is, and how many threads embed.
    pub semantic: SemanticConfig,
    /// Quotas and rate limits.
    pub limits: crate::limits::LimitsConfig,
    /// ATProto (Bluesky) login: where identities are looked up, and the test switch.
    pub atproto: AtprotoConfig,
    /// How many git processes (clone, fetch, push) run at once, and how long a silent client
    /// keeps one.
    pub git: GitConfig,
}

/// Limits on the git processes git smart HTTP starts. Each holds a process slot while it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GitConfig {
    /// Most git processes at once, all wikis together: a burst of clones queues instead of
    /// forking the machine to a halt.
    pub processes: usize,
    /// Most git processes at once for one wiki. Kept below [`GitConfig::processes`] (the runner
    /// clamps it), so one wiki's clones can never take every slot from the others.
    pub processes_per_wiki: usize,
    /// Longest a client may stop sending its request body, or stop reading the answer, before
    /// the request is cut off and its git process killed: a stalled client must not keep a slot.
    pub idle_timeout: Duration,
}

/// The default of [`GitConfig::idle_timeout`].
pub const DEFAULT_GIT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);

impl GitConfig {
    /// `processes` in all, a quarter of them (at least 2) per wiki, and a minute of patience
    /// with a silent client.
    pub fn for_processes(processes: usize) -> GitConfig {
        GitConfig {
            processes,
            processes_per_wiki: (processes / 4).max(2),
            idle_timeout: DEFAULT_GIT_IDLE_TIMEOUT,
        }
    }
}

impl Default for GitConfig {
    /// Twice as many processes as cores, at least 8 (a stalled process costs no CPU, and one
    /// wiki's share must leave room for the others).
    fn default() -> GitConfig {
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        GitConfig::for_processes((2 * cores).max(8))
    }
}

/// How the ATProto login reaches the network.
#[derive(Debug, Clone)]
pub struct AtprotoConfig {
    /// The PLC directory that resolves `did:plc` identities.
    pub plc_url: url::Url,
    /// An XRPC service for `com.atproto.identity.resolveHandle`, used instead of DNS and
    /// `/.well-known/atproto-did` (tests point it at a local PDS).
    pub handle_resolver: Option<url::Url>,
    /// Allow `http` and loopback/private addresses for identity, PDS and authorization server
    /// requests. Only for tests against a local ATProto stack; never in production.
    pub insecure_test: bool,
}

/// The public PLC directory.
pub const DEFAULT_PLC_URL: &str = "https://plc.directory";

impl Default for AtprotoConfig {
    fn default() -> Self {
        AtprotoConfig {
            plc_url: url::Url::parse(DEFAULT_PLC_URL).expect("the default PLC URL is valid"),
            handle_resolver: None,
            insecure_test: false,
        }
    }
}

/// Semantic search settings.
#[derive(Debug, Clone, Default)]
pub struct SemanticConfig {
    /// Directory of the all-MiniLM-L6-v2 model (`config.json`, `tokenizer.json`,
    /// `model.safetensors`); `None` disables semantic search (keyword search still works).
    pub model_dir: Option<PathBuf>,
    /// Threads that compute embeddings (at least one). Fewer than the cores leaves room for
    /// page views while a large wiki is embedded.
    pub threads: usize,
}

impl SemanticConfig {
    /// Semantic search off.
    pub fn disabled() -> SemanticConfig {
        SemanticConfig::default()
    }

    /// The model in `dir`, embedding on all cores but one.
    pub fn model(dir: PathBuf) -> SemanticConfig {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        SemanticConfig {
            model_dir: Some(dir),
            threads: cores.saturating_sub(1).max(1),
        }
    }
}

/// The default of [`ServerConfig::max_wikis_per_user`].
pub const DEFAULT_MAX_WIKIS_PER_USER: u32 = 1;

impl ServerConfig {
    /// A configuration with every optional part at its default: semantic search off, default
    /// quotas and rate limits, one wiki per user, the public ATProto network, default git limits.
    pub fn new(
        bind: SocketAddr,
        data_dir: PathBuf,
        domain: &str,
        base_url: url::Url,
    ) -> ServerConfig {
        ServerConfig {
            bind,
            data_dir,
            domain: domain.to_ascii_lowercase(),
            base_url,
            max_wikis_per_user: DEFAULT_MAX_WIKIS_PER_USER,
            semantic: SemanticConfig::disabled(),
            limits: crate::limits::LimitsConfig::default(),
            atproto: AtprotoConfig::default(),
            git: GitConfig::default(),
        }
    }

    /// The public URL scheme (`http` or `https`).
    pub fn scheme(&self) -> &str {
        self.base_url.scheme()
    }

    /// The `:port` suffix of public URLs, empty for the scheme's default port.
    pub fn port_suffix(&self) -> String {
        self.base_url
            .port()
            .map(|p| format!(":{p}"))
            .unwrap_or_default()
    }

    /// The public URL of a wiki's front page, e.g. `http://notes.localhost:8080`.
    pub fn wiki_url(&self, slug: &str) -> String {
        format!(
            "{}://{slug}.{}{}",
            self.scheme(),
            self.domain,
            self.port_suffix()
        )
    }

    /// The public URL of a platform path, e.g. `http://localhost:8080/auth/login`.
    pub fn platform_url(&self, path: &str) -> String {
        format!(
            "{}://{}{}{path}",
            self.scheme(),
            self.domain,
            self.port_suffix()
        )
    }

    /// The redirect URI of the ATProto login. Authorization servers refuse `http://localhost`
    /// redirect URIs (RFC 8252 §8.3 asks for a loopback IP), so a platform on `localhost` uses
    /// `http://127.0.0.1:{port}`, which only forwards the browser back to the platform host (see
    /// [`ServerConfig::loopback_alias_host`]).
    pub fn atproto_redirect_uri(&self) -> String {
        match self.loopback_alias_host() {
            Some(host) => format!(
                "{}://{host}{}",
                self.scheme(),
                crate::views::atproto::CALLBACK_PATH
            ),
            None => self.platform_url(crate::views::atproto::CALLBACK_PATH),
        }
    }

    /// `127.0.0.1[:port]` when the platform is served on `localhost`: the loopback IP that
    /// stands in for it in the ATProto redirect URI.
    pub fn loopback_alias_host(&self) -> Option<String> {
        (self.domain == "localhost").then(|| format!("127.0.0.1{}", self.port_suffix()))
    }

    /// Whether session cookies may carry `Domain={domain}` so that every wiki host shares them.
    /// Browsers refuse such cookies for `localhost`, where the sign-in handoff does the job instead.
    pub fn shares_parent_cookie(&self) -> bool {
        self.domain != "localhost" && self.domain.contains('.')
    }

    /// Whether cookies must be `Secure` (the public URL is https).
    pub fn secure_cookies(&self) -> bool {
        self.scheme() == "https"
    }

    /// The data directory's platform database file.
    pub fn db_path(&self) -> PathBuf {
        self.data_dir.join("robot.db")
    }

    /// The full-text search index (derived from the wikis; safe to delete).
    pub fn search_db_path(&self) -> PathBuf {
        self.data_dir.join("search.db")
    }

    /// The directory holding signing keys.
    pub fn keys_dir(&self) -> PathBuf {
        self.data_dir.join("keys")
    }

    /// The hooks git runs for pushes (written on every start).
    pub fn git_hooks_dir(&self) -> PathBuf {
        self.data_dir.join("git-hooks")
    }

    /// The directory holding one bare repository per wiki.
    pub fn wikis_dir(&self) -> PathBuf {
        self.data_dir.join("wikis")
    }
}
