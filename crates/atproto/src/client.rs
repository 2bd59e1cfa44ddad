//! The confidential web client: starts a login (resolve, discover, PAR) and finishes it (code
//! exchange, token checks), and revokes tokens on logout. It keeps no state of its own: a
//! [`PendingLogin`] goes to the caller's store between the two halves, a [`Session`] after.

use serde::Deserialize;
use serde_json::{Value, json};
use url::Url;

use crate::AtprotoError;
use crate::client_key::ClientKey;
use crate::dpop::DpopState;
use crate::fetch::{Fetcher, Reply};
use crate::identity::{Did, Handle, Identifier, IdentityResolver, ResolverConfig};
use crate::jose::{CLIENT_ASSERTION_TYPE, EsKey, client_assertion, random_id};
use crate::metadata::{self, origin};
use crate::pkce;

/// The scopes we ask for: identity plus the transitional generic scope, so the session can later
/// act on the user's repository.
pub const SCOPE: &str = "atproto transition:generic";

/// What the client needs to know about itself and the network.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// The URL of our client metadata document; it is our `client_id`.
    pub client_id: Url,
    /// Where the authorization server sends the browser back.
    pub redirect_uri: Url,
    /// Shown on the consent screen.
    pub client_name: String,
    /// Our home page.
    pub client_uri: Url,
    /// Where identities are looked up.
    pub resolver: ResolverConfig,
    /// Allow `http` and loopback/private addresses (tests against a local PDS only).
    pub insecure_test: bool,
}

/// A login between the redirect to the authorization server and the callback. Everything here
/// is secret to the server; the caller stores it keyed by `state`, once.
#[derive(Debug, Clone)]
pub struct PendingLogin {
    /// The random `state` sent with the request; the callback must bring it back.
    pub state: String,
    /// The authorization server's issuer; the callback's `iss` must equal it.
    pub issuer: String,
    /// The DID resolved at login; the token's `sub` must equal it.
    pub did: String,
    /// The handle the login started from, if it started from one.
    pub handle: Option<String>,
    /// The account's PDS.
    pub pds: String,
    /// Code exchange endpoint.
    pub token_endpoint: String,
    /// Revocation endpoint, if the server has one.
    pub revocation_endpoint: Option<String>,
    /// PKCE verifier.
    pub pkce_verifier: String,
    /// The session's DPoP key ([`EsKey::to_secret_string`]).
    pub dpop_key: String,
    /// The authorization server's last DPoP nonce.
    pub dpop_nonce: Option<String>,
}

/// Where to send the browser, and what to keep until it comes back.
#[derive(Debug, Clone)]
pub struct LoginStart {
    /// The authorization URL (`{authorization_endpoint}?client_id=…&request_uri=…`).
    pub authorize_url: Url,
    /// To store under `pending.state`.
    pub pending: PendingLogin,
}

/// A signed-in ATProto session: who, and the DPoP-bound tokens (kept server-side to revoke them
/// on logout).
#[derive(Debug, Clone)]
pub struct Session {
    /// The account.
    pub did: String,
    /// Its verified handle, re-resolved after the token exchange.
    pub handle: String,
    /// The authorization server that issued the tokens.
    pub issuer: String,
    /// The account's PDS (the resource server for the tokens).
    pub pds: String,
    /// Token endpoint (for refreshing).
    pub token_endpoint: String,
    /// Revocation endpoint, if any.
    pub revocation_endpoint: Option<String>,
    /// The access token (`DPoP` type).
    pub access_token: String,
    /// The refresh token, if issued.
    pub refresh_token: Option<String>,
    /// Granted scopes.
    pub scope: String,
    /// When the access token expires (seconds since the epoch), if stated.
    pub expires_at: Option<i64>,
    /// The DPoP key the tokens are bound to ([`EsKey::to_secret_string`]).
    pub dpop_key: String,
    /// The authorization server's last DPoP nonce.
    pub dpop_nonce: Option<String>,
}

/// The ATProto OAuth confidential client.
#[derive(Debug, Clone)]
pub struct OAuthClient {
    config: ClientConfig,
    key: ClientKey,
    fetcher: Fetcher,
    resolver: IdentityResolver,
}

#[derive(Deserialize)]
struct ParResponse {
    request_uri: String,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    token_type: String,
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    sub: Option<String>,
    #[serde(default)]
    expires_in: Option<i64>,
}

impl OAuthClient {
    /// A client with its signing key. Fails only if the HTTP client cannot be built.
    pub fn new(config: ClientConfig, key: ClientKey) -> Result<OAuthClient, AtprotoError> {
        let fetcher = Fetcher::new(config.insecure_test)?;
        let resolver = IdentityResolver::new(config.resolver.clone(), fetcher.clone());
        Ok(OAuthClient {
            config,
            key,
            fetcher,
            resolver,
        })
    }

    /// The client metadata document served at `client_id`.
    pub fn client_metadata(&self) -> Value {
        json!({
            "client_id": self.config.client_id.as_str(),
            "client_name": self.config.client_name,
            "client_uri": self.config.client_uri.as_str(),
            "application_type": "web",
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
            "redirect_uris": [self.config.redirect_uri.as_str()],
            "scope": SCOPE,
            "dpop_bound_access_tokens": true,
            "token_endpoint_auth_method": "private_key_jwt",
            "token_endpoint_auth_signing_alg": "ES256",
            "jwks": self.key.jwks(),
        })
    }

    /// The client's public keys.
    pub fn jwks(&self) -> Value {
        self.key.jwks()
    }

    /// The identity resolver (the server re-resolves handles with it).
    pub fn resolver(&self) -> &IdentityResolver {
        &self.resolver
    }

    /// Starts a login for what someone typed: resolves and verifies the identity, discovers and
    /// validates the authorization server, and pushes the authorization request.
    pub async fn start(&self, input: &str) -> Result<LoginStart, AtprotoError> {
        let identifier = Identifier::parse(input)?;
        let identity = self.resolver.resolve(&identifier).await?;
        let server = metadata::discover(&self.fetcher, &identity.pds).await?;
        let login_hint = match &identifier {
            Identifier::Handle(h) => h.as_str().to_string(),
            Identifier::Did(d) => d.as_str().to_string(),
        };
        let state = random_id() + &random_id();
        let verifier = pkce::verifier();
        let challenge = pkce::challenge(&verifier);
        let mut dpop = DpopState::fresh();
        let assertion = self.assertion(&server.issuer);
        let client_id = self.config.client_id.as_str();
        let redirect_uri = self.config.redirect_uri.as_str();
        let form = [
            ("client_id", client_id),
            ("response_type", "code"),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
            ("state", state.as_str()),
            ("redirect_uri", redirect_uri),
            ("scope", SCOPE),
            ("login_hint", login_hint.as_str()),
            ("client_assertion_type", CLIENT_ASSERTION_TYPE),
            ("client_assertion", assertion.as_str()),
        ];
        let reply = dpop
            .post_form(&self.fetcher, &server.par_endpoint, &form)
            .await?;
        if reply.status != 201 && reply.status != 200 {
            return Err(oauth_error(&reply));
        }
        let par: ParResponse = reply.json()?;
        let mut authorize_url = server.authorization_endpoint.clone();
        authorize_url
            .query_pairs_mut()
            .append_pair("client_id", client_id)
            .append_pair("request_uri", &par.request_uri);
        Ok(LoginStart {
            authorize_url,
            pending: PendingLogin {
                state,
                issuer: server.issuer.clone(),
                did: identity.did.to_string(),
                handle: match identifier {
                    Identifier::Handle(h) => Some(h.to_string()),
                    Identifier::Did(_) => None,
                },
                pds: identity.pds.to_string(),
                token_endpoint: server.token_endpoint.to_string(),
                revocation_endpoint: server.revocation_endpoint.map(|u| u.to_string()),
                pkce_verifier: verifier,
                dpop_key: dpop.key.to_secret_string(),
                dpop_nonce: dpop.nonce,
            },
        })
    }

    /// Finishes a login: `iss` must be the issuer the login started with; the code is exchanged
    /// (PKCE verifier, DPoP, client assertion); the token must be a DPoP token for the DID
    /// resolved at login, with the `atproto` scope; and the DID is resolved again, so the handle
    /// is fresh and the DID's PDS still trusts this issuer.
    pub async fn finish(
        &self,
        pending: &PendingLogin,
        iss: &str,
        code: &str,
    ) -> Result<Session, AtprotoError> {
        if iss != pending.issuer {
            return Err(AtprotoError::BadCallback(format!(
                "the response comes from {iss:?}, but the sign-in was sent to {:?}",
                pending.issuer
            )));
        }
        let token_endpoint = parse_stored_url(&pending.token_endpoint)?;
        let mut dpop = DpopState {
            key: EsKey::from_secret_string(&pending.dpop_key)?,
            nonce: pending.dpop_nonce.clone(),
        };
        let assertion = self.assertion(&pending.issuer);
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", self.config.redirect_uri.as_str()),
            ("code_verifier", pending.pkce_verifier.as_str()),
            ("client_id", self.config.client_id.as_str()),
            ("client_assertion_type", CLIENT_ASSERTION_TYPE),
            ("client_assertion", assertion.as_str()),
        ];
        let reply = dpop
            .post_form(&self.fetcher, &token_endpoint, &form)
            .await?;
        if reply.status != 200 {
            return Err(oauth_error(&reply));
        }
        let token: TokenResponse = reply.json()?;
        check_token(&token, &pending.did)?;
        // Re-resolve: the handle may have changed since the login started, and the DID's PDS
        // must still name this issuer as its authorization server.
        let did = Did::parse(&pending.did)?;
        let identity = self.resolver.resolve_did_identity(&did).await?;
        let server = metadata::discover(&self.fetcher, &identity.pds).await?;
        if server.issuer != pending.issuer {
            return Err(AtprotoError::BadToken(format!(
                "{did} is now served by {}, not by {}",
                server.issuer, pending.issuer
            )));
        }
        if let Some(started) = &pending.handle
            && Handle::parse(started).ok().as_ref() != Some(&identity.handle)
        {
            tracing::info!(%did, from = %started, to = %identity.handle, "handle changed during login");
        }
        Ok(Session {
            did: did.to_string(),
            handle: identity.handle.to_string(),
            issuer: pending.issuer.clone(),
            pds: identity.pds.to_string(),
            token_endpoint: pending.token_endpoint.clone(),
            revocation_endpoint: pending.revocation_endpoint.clone(),
            access_token: token.access_token,
            refresh_token: token.refresh_token,
            scope: token.scope,
            expires_at: token
                .expires_in
                .map(|secs| crate::jose::now().saturating_add(secs)),
            dpop_key: pending.dpop_key.clone(),
            dpop_nonce: dpop.nonce,
        })
    }

    /// Revokes a session's refresh and access tokens at the authorization server. Errors are
    /// returned so the caller can log them; the local session should be dropped regardless.
    pub async fn revoke(&self, session: &Session) -> Result<(), AtprotoError> {
        let Some(endpoint) = &session.revocation_endpoint else {
            return Ok(());
        };
        let endpoint = parse_stored_url(endpoint)?;
        let mut dpop = DpopState {
            key: EsKey::from_secret_string(&session.dpop_key)?,
            nonce: session.dpop_nonce.clone(),
        };
        let tokens = session
            .refresh_token
            .iter()
            .map(|t| (t.as_str(), "refresh_token"))
            .chain([(session.access_token.as_str(), "access_token")]);
        for (token, hint) in tokens {
            let assertion = self.assertion(&session.issuer);
            let form = [
                ("token", token),
                ("token_type_hint", hint),
                ("client_id", self.config.client_id.as_str()),
                ("client_assertion_type", CLIENT_ASSERTION_TYPE),
                ("client_assertion", assertion.as_str()),
            ];
            let reply = dpop.post_form(&self.fetcher, &endpoint, &form).await?;
            if !reply.is_success() {
                return Err(oauth_error(&reply));
            }
        }
        Ok(())
    }

    /// The display name in the public Bluesky profile of the session's account, read from its
    /// PDS through the hardened fetcher ([`crate::profile::fetch_display_name`]).
    pub async fn display_name(&self, session: &Session) -> Result<Option<String>, AtprotoError> {
        let pds = parse_stored_url(&session.pds)?;
        let did = Did::parse(&session.did)?;
        crate::profile::fetch_display_name(&self.fetcher, &pds, &did).await
    }

    /// Calls an XRPC query on the session's PDS with its DPoP-bound token (used to check a
    /// session works, e.g. `com.atproto.server.getSession`).
    pub async fn xrpc_get(&self, session: &Session, method: &str) -> Result<Reply, AtprotoError> {
        let url = parse_stored_url(&session.pds)?
            .join(&format!("/xrpc/{method}"))
            .map_err(|e| AtprotoError::Key(e.to_string()))?;
        let mut dpop = DpopState {
            key: EsKey::from_secret_string(&session.dpop_key)?,
            nonce: None,
        };
        dpop.get_resource(&self.fetcher, &url, &session.access_token)
            .await
    }

    fn assertion(&self, issuer: &str) -> String {
        client_assertion(
            self.key.key(),
            self.key.kid(),
            self.config.client_id.as_str(),
            issuer,
        )
    }
}

/// The token response must be a DPoP token for `did` carrying the `atproto` scope.
fn check_token(token: &TokenResponse, did: &str) -> Result<(), AtprotoError> {
    if !token.token_type.eq_ignore_ascii_case("DPoP") {
        return Err(AtprotoError::BadToken(format!(
            "the token type is {:?}, not DPoP",
            token.token_type
        )));
    }
    match token.sub.as_deref() {
        Some(sub) if sub == did => {}
        Some(sub) => {
            return Err(AtprotoError::BadToken(format!(
                "the token is for {sub}, but the sign-in was for {did}"
            )));
        }
        None => return Err(AtprotoError::BadToken("the token names no account".into())),
    }
    if !token.scope.split(' ').any(|s| s == "atproto") {
        return Err(AtprotoError::BadToken(format!(
            "the token's scope {:?} lacks atproto",
            token.scope
        )));
    }
    Ok(())
}

/// An OAuth error reply (`{error, error_description}`), or the status when there is none.
fn oauth_error(reply: &Reply) -> AtprotoError {
    match reply.json::<Value>() {
        Ok(body) if body["error"].is_string() => AtprotoError::OAuth {
            error: body["error"].as_str().unwrap_or_default().to_string(),
            description: body["error_description"].as_str().map(str::to_string),
        },
        _ => reply.status_error(),
    }
}

fn parse_stored_url(raw: &str) -> Result<Url, AtprotoError> {
    Url::parse(raw).map_err(|e| AtprotoError::Key(format!("stored URL {raw:?} is invalid: {e}")))
}

/// The origin of the PDS or issuer as text, for messages.
pub fn display_origin(raw: &str) -> String {
    Url::parse(raw)
        .map(|u| origin(&u))
        .unwrap_or_else(|_| raw.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(token_type: &str, sub: Option<&str>, scope: &str) -> TokenResponse {
        TokenResponse {
            access_token: "at".into(),
            token_type: token_type.into(),
            refresh_token: None,
            scope: scope.into(),
            sub: sub.map(str::to_string),
            expires_in: None,
        }
    }

    #[test]
    fn token_checks() {
        let did = "did:plc:ewvi7nxzyoun6zhxrhs64oiz";
        assert!(check_token(&token("DPoP", Some(did), "atproto transition:generic"), did).is_ok());
        assert!(check_token(&token("Bearer", Some(did), "atproto"), did).is_err());
        assert!(check_token(&token("DPoP", Some("did:plc:someoneelse"), "atproto"), did).is_err());
        assert!(check_token(&token("DPoP", None, "atproto"), did).is_err());
        assert!(check_token(&token("DPoP", Some(did), "transition:generic"), did).is_err());
    }

    #[test]
    fn client_metadata_document() {
        let config = ClientConfig {
            client_id: Url::parse("https://robot.wtf/oauth/client-metadata.json").expect("url"),
            redirect_uri: Url::parse("https://robot.wtf/auth/atproto/callback").expect("url"),
            client_name: "robot.wtf".into(),
            client_uri: Url::parse("https://robot.wtf/").expect("url"),
            resolver: ResolverConfig {
                plc_url: Url::parse("https://plc.directory").expect("url"),
                handle_resolver: None,
            },
            insecure_test: false,
        };
        let key = ClientKey::from_key(EsKey::generate());
        let client = OAuthClient::new(config, key.clone()).expect("client");
        let doc = client.client_metadata();
        assert_eq!(
            doc["client_id"],
            "https://robot.wtf/oauth/client-metadata.json"
        );
        assert_eq!(doc["application_type"], "web");
        assert_eq!(doc["dpop_bound_access_tokens"], true);
        assert_eq!(doc["token_endpoint_auth_method"], "private_key_jwt");
        assert_eq!(
            doc["redirect_uris"][0],
            "https://robot.wtf/auth/atproto/callback"
        );
        assert_eq!(doc["scope"], SCOPE);
        assert_eq!(doc["jwks"]["keys"][0]["kid"], key.kid());
        assert!(doc["jwks"]["keys"][0].get("d").is_none());
    }

    #[tokio::test]
    async fn finish_refuses_a_foreign_issuer_before_any_request() {
        let config = ClientConfig {
            client_id: Url::parse("https://robot.wtf/oauth/client-metadata.json").expect("url"),
            redirect_uri: Url::parse("https://robot.wtf/auth/atproto/callback").expect("url"),
            client_name: "robot.wtf".into(),
            client_uri: Url::parse("https://robot.wtf/").expect("url"),
            resolver: ResolverConfig {
                plc_url: Url::parse("https://plc.directory").expect("url"),
                handle_resolver: None,
            },
            insecure_test: false,
        };
        let client =
            OAuthClient::new(config, ClientKey::from_key(EsKey::generate())).expect("client");
        let pending = PendingLogin {
            state: "s".into(),
            issuer: "https://bsky.social".into(),
            did: "did:plc:ewvi7nxzyoun6zhxrhs64oiz".into(),
            handle: None,
            pds: "https://pds.example.com".into(),
            // A token endpoint that must never be contacted.
            token_endpoint: "https://127.0.0.1/oauth/token".into(),
            revocation_endpoint: None,
            pkce_verifier: pkce::verifier(),
            dpop_key: EsKey::generate().to_secret_string(),
            dpop_nonce: None,
        };
        let result = client
            .finish(&pending, "https://evil.example.com", "code")
            .await;
        assert!(
            matches!(result, Err(AtprotoError::BadCallback(_))),
            "{result:?}"
        );
    }
}
