//! ATProto (Bluesky) OAuth, as a confidential web client.
//!
//! - [`identity`]: handles and DIDs, resolution and the bidirectional check.
//! - [`metadata`]: PDS → authorization server discovery and the profile's metadata rules.
//! - [`client::OAuthClient`]: PAR + PKCE + DPoP + `private_key_jwt`, the code exchange with its
//!   checks, revocation.
//! - [`profile`]: the display name from the account's public profile record on its PDS.
//! - [`fetch::Fetcher`]: every outbound request, hardened against SSRF.
//! - [`jose`], [`pkce`], [`dpop`]: the small cryptographic pieces, by hand.
//! - [`client_key::ClientKey`]: our ES256 key, generated on first start.
//!
//! The crate stores nothing: a [`client::PendingLogin`] and a [`client::Session`] are handed to
//! the caller, who keeps them (the server uses the platform database).

#![warn(missing_docs)]

pub mod client;
pub mod client_key;
pub mod dpop;
mod error;
pub mod fetch;
pub mod identity;
pub mod jose;
pub mod metadata;
pub mod pkce;
pub mod profile;

pub use client::{ClientConfig, LoginStart, OAuthClient, PendingLogin, SCOPE, Session};
pub use client_key::ClientKey;
pub use error::AtprotoError;
pub use identity::{Did, Handle, Identifier, IdentityResolver, ResolverConfig};
