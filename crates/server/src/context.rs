//! The wiki request context: which wiki, who is asking, and what they may do — resolved once.
//!
//! `resolve_wiki` runs as middleware on every wiki-host request and stores an [`Arc<WikiCtx>`] in
//! the request; handlers take it with `Extension` and never look at cookies or headers for auth.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use robot_platform::oauth::{OAUTH_ACCESS_PREFIX, OAuthAccess};
use robot_platform::policy::{self, Credential, Permissions, Principal, Role};
use robot_platform::{ApiToken, Slug, User, Wiki};
use robot_store::{Author, WikiRepo};

use crate::csrf::CsrfToken;
use crate::error::{AppError, AppResult};
use crate::session::{cookie_value, current_user};
use crate::state::AppState;
use crate::templates::{Chrome, Flash};

/// Everything a wiki handler needs to know about the request's tenant and principal.
pub struct WikiCtx {
    /// The wiki's platform record (name, owner, access levels).
    pub wiki: Wiki,
    /// Its repository.
    pub repo: Arc<WikiRepo>,
    /// The signed-in user, if any. For token requests, the user who minted the token.
    pub user: Option<User>,
    /// The API token that authenticated this request (REST, MCP), if any.
    pub token: Option<ApiToken>,
    /// The OAuth grant whose access token authenticated this request, if any. The request then
    /// acts as [`WikiCtx::user`] with their current role.
    pub oauth: Option<OAuthAccess>,
    /// The user's role in this wiki (for token and OAuth requests: the role of the person the
    /// agent acts for, which caps what it may do).
    pub role: Option<Role>,
    /// What the principal may do here.
    pub perms: Permissions,
    /// Public base URL of this wiki.
    pub url: String,
    /// CSRF token for forms.
    pub csrf: String,
    /// Visitor's theme choice.
    pub theme: Option<String>,
    /// One-shot message from the previous request.
    pub flash: Option<Flash>,
}

/// Which wiki a wiki host addresses, inserted by the dispatcher before `resolve_wiki` runs.
#[derive(Clone, Debug)]
pub struct WikiLabel(pub String);

/// Name of the cookie carrying a one-shot flash message.
pub const FLASH_COOKIE: &str = "robot_flash";

/// Middleware: resolves the wiki and the principal, or answers 404 for unknown wikis.
pub async fn resolve_wiki(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let label = req.extensions().get::<WikiLabel>().map(|l| l.0.clone());
    let csrf = req
        .extensions()
        .get::<CsrfToken>()
        .map(|t| t.0.clone())
        .unwrap_or_default();
    let headers = req.headers().clone();
    let surface = Surface::of(req.uri().path());
    let built = match build(&state, label, csrf, &headers, surface).await {
        // Only requests that may write need the wiki's current quota on its repository.
        Ok(ctx) if !req.method().is_safe() => {
            crate::limits::quota::apply(&state, &ctx.wiki, &ctx.repo)
                .await
                .map(|_| ctx)
        }
        other => other,
    };
    match built {
        Ok(ctx) => {
            let had_flash = ctx.flash.is_some();
            req.extensions_mut().insert(Arc::new(ctx));
            let response = next.run(req).await;
            // A flash message is shown by the first HTML page after the redirect that set it.
            let is_page = response
                .headers()
                .get(axum::http::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|ct| ct.starts_with("text/html"));
            if had_flash && is_page && !response.status().is_redirection() {
                crate::respond::clear_flash(response)
            } else {
                response
            }
        }
        Err(err) => err.into_response(),
    }
}

/// Where on the wiki host a request goes, as far as credentials are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Surface {
    /// The web UI and `/api/v1`: a Bearer token, else the session cookie.
    Web,
    /// `/mcp`: a Bearer token (its gate refuses requests without one).
    Mcp,
    /// Git smart HTTP (`/.git`): HTTP Basic (the password is a token) or Bearer, never cookies,
    /// and nothing at all while the wiki's git access is off.
    Git,
}

impl Surface {
    fn of(path: &str) -> Surface {
        if crate::git_http::is_git_path(path) {
            Surface::Git
        } else if path == "/mcp" || path.starts_with("/mcp/") {
            Surface::Mcp
        } else {
            Surface::Web
        }
    }
}

async fn build(
    state: &AppState,
    label: Option<String>,
    csrf: String,
    headers: &HeaderMap,
    surface: Surface,
) -> AppResult<WikiCtx> {
    let label = label.ok_or_else(|| AppError::NotFound("No wiki here.".into()))?;
    let missing = || AppError::NotFound(format!("There is no wiki called “{label}”."));
    let slug = Slug::parse(&label).map_err(|_| missing())?;
    let wiki = state.db.wiki_by_slug(&slug).await?.ok_or_else(missing)?;
    // Off means absent: no challenge, no token check, nothing to probe.
    if surface == Surface::Git && !wiki.git_access {
        return Err(AppError::NotFound(format!(
            "Git access is off for “{label}”; the wiki's owner can turn it on in the dashboard."
        )));
    }
    let repo = match state.store.open_wiki(slug.as_str()) {
        Some(repo) => repo,
        None => {
            let store = Arc::clone(&state.store);
            let slug = slug.to_string();
            tokio::task::spawn_blocking(move || store.wiki(&slug)).await??
        }
    };
    // A bearer token, when present, is the only credential considered: cookies are ignored so a
    // token request can never pick up a browser session's rights.
    let secret = match surface {
        Surface::Web | Surface::Mcp => bearer(headers)?,
        Surface::Git => git_credential(headers)?,
    };
    let (user, token, oauth, role, principal) = match secret {
        Some(secret) => {
            let agent = agent(state, &wiki, &secret).await?;
            if let Some(access) = &agent.oauth {
                check_audience(state, &wiki, access, surface)?;
            }
            let principal = Principal::Agent {
                user_id: agent.person.id,
                credential: agent.credential,
            };
            (
                Some(agent.person),
                agent.token,
                agent.oauth,
                agent.role,
                principal,
            )
        }
        // Git clients carry no browser session; a cookie sent to `/.git` is not a credential.
        None if surface == Surface::Git => (None, None, None, None, Principal::Anonymous),
        None => {
            let user = current_user(state, headers).await;
            let role = match &user {
                Some(user) => state.db.membership(wiki.id, user.id).await?,
                None => None,
            };
            let principal = user.as_ref().map_or(Principal::Anonymous, User::principal);
            (user, None, None, role, principal)
        }
    };
    let perms = policy::permissions(&principal, role, &wiki.access);
    Ok(WikiCtx {
        url: state.config.wiki_url(slug.as_str()),
        wiki,
        repo,
        user,
        token,
        oauth,
        role,
        perms,
        csrf,
        theme: theme(headers),
        flash: flash(headers),
    })
}

/// Software acting for a person with a bearer credential of this wiki, authenticated.
struct Agent {
    /// The person it acts for: an API token's creator, an OAuth grant's approver.
    person: User,
    /// Their role here as it is now, which caps what the agent may do.
    role: Option<Role>,
    /// What kind of credential it holds, for the policy.
    credential: Credential,
    /// The API token, when that is the credential.
    token: Option<ApiToken>,
    /// The OAuth grant, when an app's access token is the credential.
    oauth: Option<OAuthAccess>,
}

/// Authenticates `secret` (an OAuth app's access token or an API token) for `wiki` and finds the
/// person behind it with their current role: the grant carries no rights of its own, and a
/// token never does more than its creator may do now (`policy::permissions`), so removing or
/// demoting that person takes effect on the agent's next request.
async fn agent(state: &AppState, wiki: &Wiki, secret: &str) -> AppResult<Agent> {
    let is_app = secret.starts_with(OAUTH_ACCESS_PREFIX);
    let invalid = || {
        AppError::InvalidToken(if is_app {
            "The access token is invalid, expired or revoked. Refresh it or connect the app again."
                .into()
        } else {
            "The bearer token is invalid or has been revoked. Ask the wiki's owner for a new one."
                .into()
        })
    };
    let (mut token, mut oauth) = (None, None);
    let (wiki_id, person_id, credential) = if is_app {
        let access = state
            .db
            .authenticate_oauth_token(secret)
            .await?
            .ok_or_else(invalid)?;
        let found = (
            access.wiki_id,
            access.user_id,
            Credential::OAuthApp {
                grant_id: access.grant_id,
            },
        );
        oauth = Some(access);
        found
    } else {
        let minted = state
            .db
            .authenticate_api_token(secret)
            .await?
            .ok_or_else(invalid)?;
        let found = (
            minted.wiki_id,
            minted.created_by,
            Credential::ApiToken {
                token_id: minted.id,
                role: minted.role,
            },
        );
        token = Some(minted);
        found
    };
    if wiki_id != wiki.id {
        return Err(AppError::Forbidden(
            "This token belongs to another wiki.".into(),
        ));
    }
    let person = state.db.user_by_id(person_id).await?.ok_or_else(invalid)?;
    let role = state.db.membership(wiki.id, person.id).await?;
    Ok(Agent {
        person,
        role,
        credential,
        token,
        oauth,
    })
}

/// Refuses an app's token outside the resource it was issued for (RFC 8707): a grant approved
/// for `<wiki>/mcp` (what MCP clients ask for) opens the MCP endpoint and nothing else of the
/// wiki; a grant for the wiki itself (or for no named resource) opens every surface an agent may
/// use. Other wikis are refused before this, by the token's wiki.
fn check_audience(
    state: &AppState,
    wiki: &Wiki,
    access: &OAuthAccess,
    surface: Surface,
) -> AppResult<()> {
    let Some(resource) = access.resource.as_deref() else {
        return Ok(());
    };
    let wiki_url = state.config.wiki_url(wiki.slug.as_str());
    let mcp_url = format!("{wiki_url}/mcp");
    let allowed = resource == wiki_url || (resource == mcp_url && surface == Surface::Mcp);
    if allowed {
        return Ok(());
    }
    Err(AppError::Forbidden(format!(
        "This access token was issued for {resource} and is refused everywhere else; an app \
         that needs the wiki's other APIs asks for resource={wiki_url} when it connects."
    )))
}

/// The secret of an `Authorization: Bearer …` header; other schemes are refused.
fn bearer(headers: &HeaderMap) -> AppResult<Option<String>> {
    let Some(value) = headers.get(AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().unwrap_or_default().trim();
    match value.split_once(' ') {
        Some((scheme, secret))
            if scheme.eq_ignore_ascii_case("bearer") && !secret.trim().is_empty() =>
        {
            Ok(Some(secret.trim().to_string()))
        }
        _ => Err(AppError::InvalidToken(
            "Use `Authorization: Bearer <token>` with a token for this wiki.".into(),
        )),
    }
}

/// The token of a git request: HTTP Basic's password (the user name is ignored, or holds the
/// token when the password is empty, as in `https://TOKEN@host/.git`), or a Bearer token.
fn git_credential(headers: &HeaderMap) -> AppResult<Option<String>> {
    use base64::Engine as _;
    let Some(value) = headers.get(AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().unwrap_or_default().trim();
    let garbled = || {
        AppError::InvalidToken(
            "Send a token of this wiki as the password (HTTP Basic) or as a Bearer token.".into(),
        )
    };
    let (scheme, rest) = value.split_once(' ').ok_or_else(garbled)?;
    if scheme.eq_ignore_ascii_case("bearer") {
        return bearer(headers);
    }
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(garbled());
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(rest.trim())
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(garbled)?;
    let (user, password) = decoded.split_once(':').unwrap_or((decoded.as_str(), ""));
    let secret = if password.is_empty() { user } else { password };
    if secret.is_empty() {
        return Err(garbled());
    }
    Ok(Some(secret.to_string()))
}

/// The visitor's theme cookie, if it holds a known value.
pub fn theme(headers: &HeaderMap) -> Option<String> {
    cookie_value(headers, "theme").filter(|t| t == "dark" || t == "light")
}

/// The one-shot message of the flash cookie, if any.
pub fn flash(headers: &HeaderMap) -> Option<Flash> {
    let raw = cookie_value(headers, FLASH_COOKIE)?;
    let decoded = percent_encoding::percent_decode_str(&raw)
        .decode_utf8()
        .ok()?;
    let (kind, message) = decoded.split_once(':')?;
    let kind = match kind {
        "ok" | "error" | "info" => kind,
        _ => "info",
    };
    Some(Flash {
        kind: kind.to_string(),
        message: message.chars().take(300).collect(),
    })
}

impl WikiCtx {
    /// The rate-limit budget of the request's credential: its API token or OAuth grant (`None`
    /// for browser sessions and anonymous requests, which are counted by client IP).
    pub fn credential_key(&self) -> Option<crate::limits::ClientKey> {
        use crate::limits::ClientKey;
        match (&self.token, &self.oauth) {
            (Some(token), _) => Some(ClientKey::Token(token.id)),
            (None, Some(grant)) => Some(ClientKey::Grant(grant.grant_id)),
            (None, None) => None,
        }
    }

    /// Fails unless the principal may read.
    pub fn require_read(&self) -> AppResult<()> {
        self.require(self.perms.read, "read this wiki")
    }

    /// Fails unless the principal may edit pages.
    pub fn require_write(&self) -> AppResult<()> {
        self.require(self.perms.write, "edit this wiki")
    }

    /// Fails unless the principal may upload attachments.
    pub fn require_upload(&self) -> AppResult<()> {
        self.require(self.perms.upload, "upload attachments to this wiki")
    }

    /// Fails unless the principal may change wiki settings.
    pub fn require_admin(&self) -> AppResult<()> {
        self.require(self.perms.admin, "change this wiki's settings")
    }

    fn require(&self, allowed: bool, what: &str) -> AppResult<()> {
        // Agents hear what their credential allows, not a suggestion to sign in.
        if let (false, Some(token)) = (allowed, &self.token) {
            return Err(AppError::Forbidden(format!(
                "This {} token is not allowed to {what}. Tokens work on pages and attachments, \
                 within the rights of the person who minted them.",
                token.role
            )));
        }
        if let (false, Some(app)) = (allowed, &self.oauth) {
            return Err(AppError::Forbidden(format!(
                "The app “{}” is not allowed to {what}. Apps work on pages and attachments, \
                 within the rights of the person who connected them.",
                app.client_name
            )));
        }
        match (allowed, &self.user) {
            (true, _) => Ok(()),
            (false, None) => Err(AppError::LoginRequired(format!("Log in to {what}."))),
            (false, Some(user)) => Err(AppError::Forbidden(format!(
                "{} is not allowed to {what}. Ask the wiki's owner for access.",
                user.handle
            ))),
        }
    }

    /// The git author for changes made in this request.
    pub fn author(&self) -> Author {
        // Agents are named next to the person they act for, so the history shows both.
        let agent = match (&self.token, &self.oauth) {
            (Some(token), _) => Some(token.name.as_str()),
            (None, Some(grant)) => Some(grant.client_name.as_str()),
            (None, None) => None,
        };
        if let (Some(agent), Some(user)) = (agent, &self.user) {
            return Author {
                name: format!("{} ({agent})", user.display_name),
                email: format!("{}@users.robot.wtf", user.handle),
            };
        }
        match &self.user {
            Some(user) => Author {
                name: user.display_name.clone(),
                email: format!("{}@users.robot.wtf", user.handle),
            },
            None => Author {
                name: "Anonymous".into(),
                email: "anonymous@robot.wtf".into(),
            },
        }
    }

    /// The platform dashboard's URL: this wiki's URL without its `{slug}.` label, plus `/app/`.
    pub fn dashboard_url(&self) -> String {
        self.url
            .split_once("://")
            .and_then(|(scheme, host)| {
                let (_, platform) = host.split_once('.')?;
                Some(format!("{scheme}://{platform}/app/"))
            })
            .unwrap_or_default()
    }

    /// The shared layout data for a page titled `doc_title`.
    pub fn chrome(&self, doc_title: &str, login_url: String) -> Chrome {
        // Who may not read the wiki learns nothing of it beyond the address they typed: a
        // private wiki's name and purpose are for its members (request-access, 403 pages).
        let (site_name, description) = if self.perms.read {
            (
                self.wiki.display_name.clone(),
                self.wiki.description.clone(),
            )
        } else {
            (self.wiki.slug.to_string(), String::new())
        };
        Chrome {
            site_name,
            description,
            doc_title: doc_title.to_string(),
            wiki_url: self.url.clone(),
            login_url,
            dashboard_url: self.dashboard_url(),
            user: self.user.as_ref().map(|u| u.display_name.clone()),
            csrf: self.csrf.clone(),
            theme: self.theme.clone(),
            can_write: self.perms.write,
            can_upload: self.perms.upload,
            is_admin: self.perms.admin,
            flash: self.flash.clone(),
            ..Chrome::default()
        }
    }
}
