//! Limits that keep one wiki or one client from taking the service down: per-wiki quotas and
//! per-client rate limits.
//!
//! - **Quotas** ([`quota`]): the store enforces them on every commit (see `robot_store::Quota`);
//!   this module decides each wiki's effective quota (the server's default, overridden per wiki
//!   in the platform DB), hands it to the repository before writes, and records usage in the DB
//!   after every commit.
//! - **Rate limits** ([`rate`], [`layer`]): one [`RateLimits`] per process, in `AppState`, with a
//!   GCRA limiter per [`Scope`] keyed by API token or client IP ([`client`]). Apply one to a route
//!   group with `.route_layer(RateLimitLayer::new(&state, Scope::Login))`, or let each request's
//!   action pick its scope with [`RateLimitLayer::by_action`]; refusals are 429 with
//!   `Retry-After`.

pub mod client;
pub mod layer;
pub mod quota;
pub mod rate;

use std::time::Duration;

pub use client::ClientKey;
pub use layer::RateLimitLayer;
pub use rate::{Rate, RateLimiter};
use robot_store::Quota;

/// Default byte quota per wiki: 50 MiB, git objects included.
pub const DEFAULT_QUOTA_BYTES: u64 = 50 * 1024 * 1024;
/// Default page quota per wiki.
pub const DEFAULT_QUOTA_PAGES: u64 = 500;

/// The limits a server enforces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitsConfig {
    /// Each wiki's quota unless the platform DB overrides it.
    pub quota: Quota,
    /// Request rates per scope.
    pub rates: Rates,
    /// Take the client IP from the last `X-Forwarded-For` hop (behind a reverse proxy that
    /// appends it) instead of the socket's peer address.
    pub trust_proxy: bool,
}

impl Default for LimitsConfig {
    fn default() -> LimitsConfig {
        LimitsConfig {
            quota: Quota {
                max_bytes: DEFAULT_QUOTA_BYTES,
                max_pages: DEFAULT_QUOTA_PAGES,
            },
            rates: Rates::default(),
            trust_proxy: false,
        }
    }
}

/// Request rates per [`Scope`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rates {
    /// Signing in (login links, handoffs, ATProto login), per client IP.
    pub login: Rate,
    /// Creating wikis, per client IP.
    pub create: Rate,
    /// Writes (UI form posts, REST and MCP changes), per API token or else per client IP.
    pub write: Rate,
    /// Renders on demand (the editor's live preview), per API token or else per client IP.
    pub render: Rate,
    /// Minting and revoking API tokens, per client IP.
    pub token: Rate,
}

impl Default for Rates {
    /// Generous enough that people and busy agents never meet them; tight enough that guessing
    /// or flooding is slow.
    fn default() -> Rates {
        let minute = Duration::from_secs(60);
        Rates {
            login: Rate::new(10, 10, minute),
            create: Rate::new(5, 5, Duration::from_secs(3600)),
            write: Rate::new(60, 10, Duration::from_secs(1)),
            // The editor previews 300 ms after typing stops and a person pauses about once a
            // second; a render of a large page costs real CPU, so the budget is per render.
            render: Rate::new(20, 1, Duration::from_secs(1)),
            token: Rate::new(10, 10, minute),
        }
    }
}

impl Rates {
    /// No rate limits at all (benchmarks).
    pub fn unlimited() -> Rates {
        Rates {
            login: Rate::unlimited(),
            create: Rate::unlimited(),
            write: Rate::unlimited(),
            render: Rate::unlimited(),
            token: Rate::unlimited(),
        }
    }
}

/// What a rate limit protects; each scope has its own budget per client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Signing in.
    Login,
    /// Creating wikis.
    CreateWiki,
    /// Changing wikis.
    Write,
    /// Rendering markdown on demand (the editor's live preview): CPU, not storage.
    Render,
    /// Managing API tokens.
    Token,
}

impl Scope {
    /// What the client was doing, for the refusal message.
    fn doing(self) -> &'static str {
        match self {
            Scope::Login => "sign-in attempts",
            Scope::CreateWiki => "wikis created",
            Scope::Write => "changes",
            Scope::Render => "previews",
            Scope::Token => "token changes",
        }
    }
}

/// Every rate limiter of the process, shared by all requests.
#[derive(Debug)]
pub struct RateLimits {
    login: RateLimiter<ClientKey>,
    create: RateLimiter<ClientKey>,
    write: RateLimiter<ClientKey>,
    render: RateLimiter<ClientKey>,
    token: RateLimiter<ClientKey>,
    trust_proxy: bool,
}

/// A request refused by a rate limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimited {
    /// The scope whose budget ran out.
    pub scope: Scope,
    /// Whole seconds to wait before the next attempt can succeed (at least 1).
    pub retry_after: u64,
}

impl RateLimited {
    /// What happened and what to do, for people and agents.
    pub fn message(&self) -> String {
        format!(
            "Too many {} from you in a short time; nothing was done. Try again in {} second{}.",
            self.scope.doing(),
            self.retry_after,
            if self.retry_after == 1 { "" } else { "s" }
        )
    }
}

impl RateLimits {
    /// Limiters for `config`'s rates.
    pub fn new(config: &LimitsConfig) -> RateLimits {
        RateLimits {
            login: RateLimiter::new(config.rates.login),
            create: RateLimiter::new(config.rates.create),
            write: RateLimiter::new(config.rates.write),
            render: RateLimiter::new(config.rates.render),
            token: RateLimiter::new(config.rates.token),
            trust_proxy: config.trust_proxy,
        }
    }

    /// Whether the client IP comes from `X-Forwarded-For`.
    pub fn trust_proxy(&self) -> bool {
        self.trust_proxy
    }

    /// Spends one request of `key`'s budget in `scope`, or refuses.
    pub fn check(&self, scope: Scope, key: &ClientKey) -> Result<(), RateLimited> {
        let limiter = match scope {
            Scope::Login => &self.login,
            Scope::CreateWiki => &self.create,
            Scope::Write => &self.write,
            Scope::Render => &self.render,
            Scope::Token => &self.token,
        };
        limiter.check(key).map_err(|wait| RateLimited {
            scope,
            retry_after: (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        let config = LimitsConfig {
            rates: Rates {
                login: Rate::new(1, 1, Duration::from_millis(1500)),
                ..Rates::unlimited()
            },
            ..LimitsConfig::default()
        };
        let limits = RateLimits::new(&config);
        let key = ClientKey::Unknown;
        assert!(limits.check(Scope::Login, &key).is_ok());
        let refused = limits.check(Scope::Login, &key).expect_err("limited");
        assert_eq!(refused.retry_after, 2);
        assert!(refused.message().contains("Try again in 2 seconds"));
        assert!(
            limits.check(Scope::Write, &key).is_ok(),
            "scopes are separate"
        );
    }

    #[test]
    fn default_writes_allow_a_busy_agent() {
        let limits = RateLimits::new(&LimitsConfig::default());
        let key = ClientKey::Token(7);
        for n in 0..60 {
            assert!(limits.check(Scope::Write, &key).is_ok(), "write {n}");
        }
        assert!(limits.check(Scope::Write, &key).is_err());
    }
}
