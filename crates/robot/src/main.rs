//! `robot`: the robot.wtf server and its admin CLI. A thin shell over the library crates.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context as _, bail};
use clap::{Parser, Subcommand};
use robot_platform::policy::{AccessLevel, AccessSettings};
use robot_platform::{QuotaOverride, Slug, TokenRole};
use robot_server::config::DEFAULT_MAX_WIKIS_PER_USER;
use robot_server::limits::{self, LimitsConfig, Rate, Rates};
use robot_server::wikis::{self, CreateWiki};
use robot_server::{AppState, SemanticConfig, ServerConfig};
use robot_store::Quota;

mod backup;
mod reindex;

/// robot.wtf: git-backed wikis for people and their agents.
#[derive(Parser)]
#[command(name = "robot", version, about)]
struct Cli {
    /// Where the platform DB, keys and repositories live.
    #[arg(long, global = true, env = "ROBOT_DATA_DIR", default_value = "./data")]
    data_dir: PathBuf,
    /// Public domain: the platform is at the bare domain, wiki `x` at `x.{domain}`.
    #[arg(long, global = true, env = "ROBOT_DOMAIN", default_value = "localhost")]
    domain: String,
    /// Public base URL of the platform (scheme, domain, port) used in links.
    #[arg(long, global = true, env = "ROBOT_BASE_URL")]
    base_url: Option<url::Url>,
    /// The embedding model directory (filled by `scripts/fetch-model`); defaults to
    /// `{data-dir}/models/all-MiniLM-L6-v2`.
    #[arg(long, global = true, env = "ROBOT_MODEL_DIR")]
    model_dir: Option<PathBuf>,
    /// Turn semantic search off (keyword search still works).
    #[arg(long, global = true, env = "ROBOT_NO_SEMANTIC")]
    no_semantic: bool,
    /// Threads computing embeddings (default: all cores but one).
    #[arg(long, global = true, env = "ROBOT_EMBED_THREADS")]
    embed_threads: Option<usize>,
    #[command(flatten)]
    limits: LimitArgs,
    #[command(flatten)]
    git: GitArgs,
    /// PLC directory for resolving `did:plc` identities at Bluesky sign-in.
    #[arg(long, global = true, env = "ROBOT_ATPROTO_PLC_URL", default_value = robot_server::config::DEFAULT_PLC_URL)]
    atproto_plc_url: url::Url,
    /// XRPC service resolving handles (`com.atproto.identity.resolveHandle`) instead of DNS and
    /// `/.well-known/atproto-did`; for tests against a local PDS.
    #[arg(long, global = true, env = "ROBOT_ATPROTO_HANDLE_RESOLVER")]
    atproto_handle_resolver: Option<url::Url>,
    /// TESTS ONLY: let Bluesky sign-in use http and loopback/private addresses (a local PDS).
    /// Never use this in production: it disables the SSRF protections.
    #[arg(long, global = true, env = "ROBOT_ATPROTO_INSECURE_TEST")]
    atproto_insecure_test: bool,
    #[command(subcommand)]
    command: Command,
}

/// Quotas and rate limits (rates are `BURST:COUNT/UNIT`, e.g. `60:10/s`, or `off`).
#[derive(clap::Args)]
struct LimitArgs {
    /// Default disk quota per wiki in bytes, git objects included (per-wiki: `robot wiki quota`).
    #[arg(long, global = true, env = "ROBOT_QUOTA_BYTES", default_value_t = limits::DEFAULT_QUOTA_BYTES)]
    quota_bytes: u64,
    /// Default page quota per wiki.
    #[arg(long, global = true, env = "ROBOT_QUOTA_PAGES", default_value_t = limits::DEFAULT_QUOTA_PAGES)]
    quota_pages: u64,
    /// Sign-in attempts per client IP.
    #[arg(long, global = true, env = "ROBOT_RATE_LOGIN", default_value_t = Rates::default().login)]
    rate_login: Rate,
    /// Wikis created per client IP.
    #[arg(long, global = true, env = "ROBOT_RATE_CREATE", default_value_t = Rates::default().create)]
    rate_create: Rate,
    /// Writes (UI, REST, MCP) per API token, or per client IP without one.
    #[arg(long, global = true, env = "ROBOT_RATE_WRITE", default_value_t = Rates::default().write)]
    rate_write: Rate,
    /// Live previews (renders on demand) per API token, or per client IP without one.
    #[arg(long, global = true, env = "ROBOT_RATE_RENDER", default_value_t = Rates::default().render)]
    rate_render: Rate,
    /// API token changes per client IP.
    #[arg(long, global = true, env = "ROBOT_RATE_TOKEN", default_value_t = Rates::default().token)]
    rate_token: Rate,
    /// Behind a reverse proxy: take the client IP from the last `X-Forwarded-For` hop.
    #[arg(long, global = true, env = "ROBOT_TRUST_PROXY")]
    trust_proxy: bool,
}

impl LimitArgs {
    fn config(&self) -> LimitsConfig {
        LimitsConfig {
            quota: Quota {
                max_bytes: self.quota_bytes,
                max_pages: self.quota_pages,
            },
            rates: Rates {
                login: self.rate_login,
                create: self.rate_create,
                write: self.rate_write,
                render: self.rate_render,
                token: self.rate_token,
            },
            trust_proxy: self.trust_proxy,
        }
    }
}

/// Git smart HTTP: how many git processes run at once, and how long a silent client keeps one.
#[derive(clap::Args)]
struct GitArgs {
    /// Most git processes (clone, fetch, push) at once, all wikis together [default: 2 × cores, at least 8].
    #[arg(long, global = true, env = "ROBOT_GIT_PROCESSES")]
    git_processes: Option<usize>,
    /// Most git processes at once for one wiki (kept below --git-processes) [default: a quarter of them, at least 2].
    #[arg(long, global = true, env = "ROBOT_GIT_PROCESSES_PER_WIKI")]
    git_processes_per_wiki: Option<usize>,
    /// Seconds a git client may stop sending its request or reading the answer before it is cut off.
    #[arg(long, global = true, env = "ROBOT_GIT_IDLE_TIMEOUT", default_value_t = robot_server::config::DEFAULT_GIT_IDLE_TIMEOUT.as_secs())]
    git_idle_timeout: u64,
}

impl GitArgs {
    fn config(&self) -> robot_server::GitConfig {
        let mut config = match self.git_processes {
            Some(processes) => robot_server::GitConfig::for_processes(processes),
            None => robot_server::GitConfig::default(),
        };
        if let Some(per_wiki) = self.git_processes_per_wiki {
            config.processes_per_wiki = per_wiki;
        }
        config.idle_timeout = std::time::Duration::from_secs(self.git_idle_timeout.max(1));
        config
    }
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP server.
    Serve {
        /// Address to listen on.
        #[arg(long, env = "ROBOT_BIND", default_value = "127.0.0.1:8080")]
        bind: SocketAddr,
        /// How many wikis one user may create in the dashboard (platform admins are exempt).
        #[arg(long, env = "ROBOT_MAX_WIKIS_PER_USER", default_value_t = DEFAULT_MAX_WIKIS_PER_USER)]
        max_wikis_per_user: u32,
    },
    /// Manage wikis.
    #[command(subcommand)]
    Wiki(WikiCommand),
    /// Manage local users.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage a wiki's API tokens (for agents: REST and MCP).
    #[command(subcommand)]
    Token(TokenCommand),
    /// Rebuild the history and search indexes from git (one wiki, or all) and wait until every
    /// passage has its embedding, showing progress. Safe while the server runs.
    Reindex {
        /// Slug of the wiki (all wikis when omitted).
        slug: Option<String>,
    },
    /// Back up the platform database, the keys and every wiki repository into a new directory
    /// under DIR (safe while the server runs; the search index is rebuilt after a restore).
    Backup {
        /// Where the backup directory (`robot-backup-{time}`) is created.
        dir: PathBuf,
    },
    /// Restore a backup into the (empty) data directory, then start the server as usual.
    Restore {
        /// A directory made by `robot backup`.
        backup: PathBuf,
    },
    /// Print a one-time URL that logs USER in (valid 15 minutes).
    LoginLink {
        /// The user's handle.
        handle: String,
        /// Where to go after logging in (a path or a wiki URL).
        #[arg(long)]
        return_to: Option<String>,
    },
}

#[derive(Subcommand)]
enum WikiCommand {
    /// Create a wiki seeded with template pages, or imported from a git repository.
    Create {
        /// Slug: 3–30 lowercase letters, digits and hyphens.
        slug: String,
        /// Handle of the owner.
        #[arg(long)]
        owner: String,
        /// Display name (defaults to the slug).
        #[arg(long)]
        name: Option<String>,
        /// What the wiki is for.
        #[arg(long, default_value = "")]
        description: String,
        /// Import this git repository (all history) instead of the templates.
        #[arg(long)]
        from_git: Option<PathBuf>,
    },
    /// List wikis: slug, owner, URL.
    List,
    /// Show a wiki's usage and quota, or set its own quota (`default` returns to the server's).
    Quota {
        /// Slug of the wiki.
        slug: String,
        /// Disk quota in bytes (git objects included), or `default`.
        #[arg(long)]
        bytes: Option<String>,
        /// Page quota, or `default`.
        #[arg(long)]
        pages: Option<String>,
    },
    /// Show or switch a wiki's git access (clone and push at `{wiki URL}/.git` with a token).
    Git {
        /// Slug of the wiki.
        slug: String,
        /// `on` or `off`; without it, the current state is shown.
        state: Option<String>,
    },
    /// Show or change who may read, write and upload (`anonymous`, `registered`, `approved`,
    /// `admin`); a new wiki is private (`approved` everywhere).
    Access {
        /// Slug of the wiki.
        slug: String,
        /// Who may read pages, history and attachments.
        #[arg(long)]
        read: Option<AccessLevel>,
        /// Who may edit, rename and delete pages.
        #[arg(long)]
        write: Option<AccessLevel>,
        /// Who may upload and change attachments.
        #[arg(long)]
        attachments: Option<AccessLevel>,
    },
    /// Delete a wiki with its repository.
    Delete {
        /// Slug of the wiki.
        slug: String,
        /// Confirm deletion.
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Mint a token for a wiki; the secret is printed once.
    Create {
        /// Slug of the wiki.
        slug: String,
        /// A name to recognise the token by (e.g. the machine or agent).
        #[arg(long)]
        name: String,
        /// `editor` (read and write) or `read-only`.
        #[arg(long, default_value = "editor")]
        role: String,
        /// Handle of the user the token acts for (defaults to the wiki's owner).
        #[arg(long)]
        user: Option<String>,
    },
    /// List a wiki's tokens: name, role, created, last used, revoked.
    List {
        /// Slug of the wiki.
        slug: String,
    },
    /// Revoke a token by name; it stops working at once.
    Revoke {
        /// Slug of the wiki.
        slug: String,
        /// The token's name.
        #[arg(long)]
        name: String,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a local user.
    Add {
        /// Handle: lowercase letters, digits, dots and hyphens.
        handle: String,
        /// Display name (defaults to the handle).
        #[arg(long)]
        name: Option<String>,
        /// Make the user a platform admin.
        #[arg(long)]
        admin: bool,
    },
    /// List users: handle, display name.
    List,
    /// Sign a user out of every session (all browsers, copied cookies, platform bearer tokens)
    /// and revoke their Bluesky sign-ins; wiki API tokens are not affected.
    LogoutEverywhere {
        /// The user's handle.
        handle: String,
    },
}

/// Lifetime of a CLI login link.
const LOGIN_LINK_TTL_SECS: i64 = 15 * 60;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("ROBOT_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,tower_http=warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    // A restore fills the data directory, so it runs before anything opens it.
    if let Command::Restore { backup } = &cli.command {
        let wikis = backup::restore(backup, &cli.data_dir)?;
        println!(
            "restored {wikis} wikis into {}; start the server (the search index is rebuilt on start)",
            cli.data_dir.display()
        );
        return Ok(());
    }
    let (bind, max_wikis_per_user) = match &cli.command {
        Command::Serve {
            bind,
            max_wikis_per_user,
        } => (*bind, *max_wikis_per_user),
        _ => (
            SocketAddr::from(([127, 0, 0, 1], 8080)),
            DEFAULT_MAX_WIKIS_PER_USER,
        ),
    };
    let base_url = match cli.base_url.clone() {
        Some(url) => url,
        None => url::Url::parse(&format!("http://{}:{}", cli.domain, bind.port()))
            .context("invalid --domain")?,
    };
    let needs_model = matches!(cli.command, Command::Serve { .. } | Command::Reindex { .. });
    let semantic = if cli.no_semantic || !needs_model {
        SemanticConfig::disabled()
    } else {
        let dir = cli.model_dir.clone().unwrap_or_else(|| {
            cli.data_dir
                .join("models")
                .join(robot_embed::MODEL_DIR_NAME)
        });
        let mut semantic = SemanticConfig::model(dir);
        if let Some(threads) = cli.embed_threads {
            semantic.threads = threads.max(1);
        }
        semantic
    };
    let config = ServerConfig {
        bind,
        data_dir: cli.data_dir.clone(),
        domain: cli.domain.to_ascii_lowercase(),
        base_url,
        semantic,
        max_wikis_per_user,
        limits: cli.limits.config(),
        git: cli.git.config(),
        atproto: robot_server::AtprotoConfig {
            plc_url: cli.atproto_plc_url.clone(),
            handle_resolver: cli.atproto_handle_resolver.clone(),
            insecure_test: cli.atproto_insecure_test,
        },
    };
    let state = AppState::open(config).await?;
    match cli.command {
        Command::Serve { .. } => robot_server::serve(state).await,
        Command::Wiki(cmd) => wiki(&state, cmd).await,
        Command::User(cmd) => user(&state, cmd).await,
        Command::Token(cmd) => token(&state, cmd).await,
        Command::Reindex { slug } => reindex::run(&state, slug.as_deref()).await,
        Command::Backup { dir } => {
            let made = backup::backup(&state, &dir).await?;
            println!("{}", made.display());
            Ok(())
        }
        // Handled above, before the data directory was opened.
        Command::Restore { .. } => bail!("restore must run before the data directory is opened"),
        Command::LoginLink { handle, return_to } => {
            let user = find_user(&state, &handle).await?;
            let token = state
                .db
                .create_login_link(user.id, LOGIN_LINK_TTL_SECS, return_to.as_deref())
                .await?;
            println!(
                "{}",
                state.config.platform_url(&format!("/auth/link/{token}"))
            );
            Ok(())
        }
    }
}

async fn find_user(state: &AppState, handle: &str) -> anyhow::Result<robot_platform::User> {
    state
        .db
        .user_by_handle(&handle.to_ascii_lowercase())
        .await?
        .with_context(|| format!("no user {handle}; add one with `robot user add {handle}`"))
}

async fn wiki(state: &AppState, cmd: WikiCommand) -> anyhow::Result<()> {
    match cmd {
        WikiCommand::Create {
            slug,
            owner,
            name,
            description,
            from_git,
        } => {
            let slug = Slug::parse(&slug).map_err(|err| anyhow::anyhow!("invalid slug: {err}"))?;
            let owner = find_user(state, &owner).await?;
            let wiki = wikis::create(
                state,
                CreateWiki {
                    slug,
                    owner,
                    display_name: name,
                    description,
                    from_git,
                },
            )
            .await?;
            // Indexed here, before the process ends: a server running beside the CLI hears of
            // no change, but finds the passages waiting for vectors and embeds them.
            let pages = state
                .indexer
                .rebuild(wiki.slug.as_str())
                .await
                .map_err(|e| {
                    anyhow::anyhow!("the wiki was created, but indexing it failed: {e}")
                })?;
            eprintln!("{}: {pages} pages indexed for search", wiki.slug);
            println!("{}", state.config.wiki_url(wiki.slug.as_str()));
            Ok(())
        }
        WikiCommand::List => {
            for wiki in state.db.list_wikis().await? {
                let owner = state
                    .db
                    .user_by_id(wiki.owner_id)
                    .await?
                    .map(|u| u.handle)
                    .unwrap_or_default();
                println!(
                    "{}\t{}\t{}",
                    wiki.slug,
                    owner,
                    state.config.wiki_url(wiki.slug.as_str())
                );
            }
            Ok(())
        }
        WikiCommand::Quota { slug, bytes, pages } => {
            let wiki = find_wiki(state, &slug).await?;
            if bytes.is_some() || pages.is_some() {
                let current = state.db.quota_override(wiki.id).await?;
                let updated = QuotaOverride {
                    max_bytes: quota_value(bytes.as_deref(), current.max_bytes, "--bytes")?,
                    max_pages: quota_value(pages.as_deref(), current.max_pages, "--pages")?,
                };
                state.db.set_quota_override(&wiki.slug, updated).await?;
            }
            let report = limits::quota::report(state, &wiki).await?;
            println!("{}\t{}", wiki.slug, report.summary);
            Ok(())
        }
        WikiCommand::Git {
            slug,
            state: switch,
        } => {
            let mut wiki = find_wiki(state, &slug).await?;
            if let Some(switch) = switch {
                let enabled = match switch.trim() {
                    "on" => true,
                    "off" => false,
                    other => bail!("git access is `on` or `off`, not {other:?}"),
                };
                wiki = state.db.set_git_access(&wiki.slug, enabled).await?;
            }
            let url = state.config.wiki_url(wiki.slug.as_str());
            if wiki.git_access {
                println!("{}	on	{url}/.git", wiki.slug);
            } else {
                println!("{}	off", wiki.slug);
            }
            Ok(())
        }
        WikiCommand::Access {
            slug,
            read,
            write,
            attachments,
        } => {
            let mut wiki = find_wiki(state, &slug).await?;
            if read.is_some() || write.is_some() || attachments.is_some() {
                let access = AccessSettings {
                    read: read.unwrap_or(wiki.access.read),
                    write: write.unwrap_or(wiki.access.write),
                    attachments: attachments.unwrap_or(wiki.access.attachments),
                };
                wiki = state
                    .db
                    .update_wiki(&wiki.slug, &wiki.display_name, &wiki.description, &access)
                    .await?;
            }
            let access = wiki.access;
            println!(
                "{}\tread={}\twrite={}\tattachments={}",
                wiki.slug, access.read, access.write, access.attachments
            );
            Ok(())
        }
        WikiCommand::Delete { slug, yes } => {
            if !yes {
                bail!(
                    "deleting a wiki removes its repository and history; repeat with --yes to confirm"
                );
            }
            let slug = Slug::parse(&slug).map_err(|err| anyhow::anyhow!("invalid slug: {err}"))?;
            if !wikis::delete(state, &slug).await? {
                bail!("no wiki {slug}");
            }
            println!("deleted {slug}");
            Ok(())
        }
    }
}

/// A quota flag: absent keeps `current`, `default` clears the override, else a number.
fn quota_value(
    given: Option<&str>,
    current: Option<u64>,
    flag: &str,
) -> anyhow::Result<Option<u64>> {
    match given.map(str::trim) {
        None => Ok(current),
        Some("default") => Ok(None),
        Some(n) => n
            .parse()
            .map(Some)
            .map_err(|_| anyhow::anyhow!("{flag} takes a whole number or `default`, not {n:?}")),
    }
}

async fn find_wiki(state: &AppState, slug: &str) -> anyhow::Result<robot_platform::Wiki> {
    let slug = Slug::parse(slug).map_err(|err| anyhow::anyhow!("invalid slug: {err}"))?;
    state
        .db
        .wiki_by_slug(&slug)
        .await?
        .with_context(|| format!("no wiki {slug}; `robot wiki list` shows the wikis"))
}

async fn token(state: &AppState, cmd: TokenCommand) -> anyhow::Result<()> {
    match cmd {
        TokenCommand::Create {
            slug,
            name,
            role,
            user,
        } => {
            let wiki = find_wiki(state, &slug).await?;
            let role: TokenRole = role
                .parse()
                .map_err(|_| anyhow::anyhow!("unknown role {role:?}: use editor or read-only"))?;
            let creator = match user {
                Some(handle) => find_user(state, &handle).await?,
                None => state
                    .db
                    .user_by_id(wiki.owner_id)
                    .await?
                    .context("the wiki's owner no longer exists; pass --user")?,
            };
            let (_, secret) = state
                .db
                .create_api_token(wiki.id, creator.id, &name, role)
                .await?;
            println!("{secret}");
            eprintln!(
                "Token {name:?} ({role}) for {}. It is shown only once. Connect an MCP client with:\n  \
                 claude mcp add --transport http {slug} {}/mcp --header \"Authorization: Bearer {secret}\"",
                state.config.wiki_url(wiki.slug.as_str()),
                state.config.wiki_url(wiki.slug.as_str()),
            );
            Ok(())
        }
        TokenCommand::List { slug } => {
            let wiki = find_wiki(state, &slug).await?;
            for t in state.db.list_api_tokens(wiki.id).await? {
                let state_text = match t.revoked_at {
                    Some(_) => "revoked",
                    None => "live",
                };
                let last = t
                    .last_used_at
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| "never".into());
                println!(
                    "{}\t{}\t{}\tcreated {} by {}\tlast used {}",
                    t.name, t.role, state_text, t.created_at, t.created_by_handle, last
                );
            }
            Ok(())
        }
        TokenCommand::Revoke { slug, name } => {
            let wiki = find_wiki(state, &slug).await?;
            if !state.db.revoke_api_token(wiki.id, &name).await? {
                bail!("no live token named {name:?} on {slug}");
            }
            println!("revoked {name}");
            Ok(())
        }
    }
}

async fn user(state: &AppState, cmd: UserCommand) -> anyhow::Result<()> {
    match cmd {
        UserCommand::Add {
            handle,
            name,
            admin,
        } => {
            let display = name.unwrap_or_else(|| handle.clone());
            let user = state.db.create_user(&handle, &display).await?;
            if admin {
                state.db.set_platform_admin(user.id, true).await?;
            }
            println!("{}", user.handle);
            Ok(())
        }
        UserCommand::List => {
            for user in state.db.list_users().await? {
                println!("{}\t{}", user.handle, user.display_name);
            }
            Ok(())
        }
        UserCommand::LogoutEverywhere { handle } => {
            let user = find_user(state, &handle).await?;
            robot_server::session::log_out_everywhere(state, user.id).await?;
            println!("signed {} out of every session", user.handle);
            Ok(())
        }
    }
}
