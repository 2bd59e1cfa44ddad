//! `robot`: the robot.wtf server and its admin CLI. A thin shell over the library crates.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context as _, bail};
use clap::{Parser, Subcommand};
use robot_platform::Slug;
use robot_server::wikis::{self, CreateWiki};
use robot_server::{AppState, ServerConfig};

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
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP server.
    Serve {
        /// Address to listen on.
        #[arg(long, env = "ROBOT_BIND", default_value = "127.0.0.1:8080")]
        bind: SocketAddr,
    },
    /// Manage wikis.
    #[command(subcommand)]
    Wiki(WikiCommand),
    /// Manage local users.
    #[command(subcommand)]
    User(UserCommand),
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
    let bind = match &cli.command {
        Command::Serve { bind } => *bind,
        _ => SocketAddr::from(([127, 0, 0, 1], 8080)),
    };
    let base_url = match cli.base_url.clone() {
        Some(url) => url,
        None => url::Url::parse(&format!("http://{}:{}", cli.domain, bind.port()))
            .context("invalid --domain")?,
    };
    let config = ServerConfig {
        bind,
        data_dir: cli.data_dir.clone(),
        domain: cli.domain.to_ascii_lowercase(),
        base_url,
    };
    let state = AppState::open(config).await?;
    match cli.command {
        Command::Serve { .. } => robot_server::serve(state).await,
        Command::Wiki(cmd) => wiki(&state, cmd).await,
        Command::User(cmd) => user(&state, cmd).await,
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
    }
}
