//! `GET/POST /-/oauth/authorize`: the authorization endpoint and its consent page.
//!
//! The order of checks is what keeps it from being an open redirector: the client and the
//! redirect URI are validated first, and until both are valid every error is an HTML page on
//! this host. Even then, request errors go back to the client (`error=…&state=…`) only when the
//! signed-in person has approved that client here before: anyone can register a client with any
//! https redirect URI, so a registered URI alone is no reason to send a browser there. The page
//! itself is an ordinary wiki page behind the context resolver and the CSRF guard: it needs a
//! browser session (not signed in → the login redirect back here), read access to the wiki
//! (else 403), and the approval is a CSRF-checked form POST that re-validates everything, so a
//! forged or replayed approval has nothing to ride on. An approved request becomes a code bound
//! to the client, the redirect URI, the PKCE challenge, the user and this wiki.

use std::sync::Arc;

use axum::Extension;
use axum::extract::{Request, State};
use axum::response::{IntoResponse as _, Response};
use robot_platform::oauth::{NewAuthorizationCode, OAuthClient};

use super::client_document::{self, is_document_url};
use super::{now, resource};
use crate::context::WikiCtx;
use crate::error::{AppError, AppResult};
use crate::negotiate::login_url;
use crate::respond::{page, redirect};
use crate::state::AppState;
use crate::templates::ConsentTpl;
use crate::views::{field, form};

/// The parameters of an authorization request, from the query (GET) or the consent form (POST).
#[derive(Debug, Default)]
struct Params {
    client_id: Option<String>,
    redirect_uri: Option<String>,
    response_type: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
    state: Option<String>,
    resource: Option<String>,
}

impl Params {
    fn from_pairs(pairs: &[(String, String)]) -> Params {
        let get = |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .filter(|v| !v.is_empty())
        };
        Params {
            client_id: get("client_id"),
            redirect_uri: get("redirect_uri"),
            response_type: get("response_type"),
            code_challenge: get("code_challenge"),
            code_challenge_method: get("code_challenge_method"),
            state: get("state"),
            resource: get("resource"),
        }
    }
}

/// A request that passed every check.
struct Valid {
    client: OAuthClient,
    redirect_uri: String,
    code_challenge: String,
    state: Option<String>,
    resource: Option<String>,
}

/// Why a request cannot go on: shown here (client or redirect URI not trusted yet), or sent
/// back to the client's redirect URI.
enum Invalid {
    Page(AppError),
    Redirect(Response),
}

impl From<AppError> for Invalid {
    fn from(err: AppError) -> Invalid {
        Invalid::Page(err)
    }
}

/// `GET`: the consent page.
pub async fn show(
    State(state): State<AppState>,
    Extension(ctx): Extension<Arc<WikiCtx>>,
    req: Request,
) -> AppResult<Response> {
    let query = req.uri().query().unwrap_or_default();
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let valid = match validate(&state, &ctx, &Params::from_pairs(&pairs)).await {
        Ok(valid) => valid,
        Err(Invalid::Page(err)) => return Err(err),
        Err(Invalid::Redirect(response)) => return Ok(response),
    };
    require_person(&ctx)?;
    let client = &valid.client;
    let redirect_host = host_of(&valid.redirect_uri).unwrap_or_default();
    let mut chrome = ctx.chrome(
        "Connect an app",
        login_url(&state, &format!("{}/-/oauth/authorize?{query}", ctx.url)),
    );
    chrome.description.clear();
    page(&ConsentTpl {
        chrome,
        client_name: client.client_name.clone(),
        redirect_host,
        redirect_uris: client.redirect_uris.clone(),
        document_host: client
            .metadata_url
            .then(|| host_of(&client.client_id))
            .flatten(),
        client_host: client.client_uri.as_deref().and_then(host_of),
        logo_host: client.logo_uri.as_deref().and_then(host_of),
        token_lifetime: super::lifetime_label(ctx.wiki.oauth_access_lifetime_secs),
        wiki_name: ctx.wiki.display_name.clone(),
        wiki_url: ctx.url.clone(),
        can_write: ctx.perms.write,
        client_id: client.client_id.clone(),
        redirect_uri: valid.redirect_uri,
        code_challenge: valid.code_challenge,
        state: valid.state.unwrap_or_default(),
        resource: valid.resource.unwrap_or_default(),
    })
}

/// `POST` (`decision` = `approve` or `deny`, plus the request's parameters): redirects to the
/// client with a code, or with `error=access_denied`.
pub async fn decide(
    State(state): State<AppState>,
    Extension(ctx): Extension<Arc<WikiCtx>>,
    req: Request,
) -> AppResult<Response> {
    let fields = form(req).await?;
    let mut params = Params::from_pairs(&fields);
    // The consent form carries only what the GET validated; the rest is implied.
    params.response_type = Some("code".into());
    params.code_challenge_method = Some("S256".into());
    let valid = match validate(&state, &ctx, &params).await {
        Ok(valid) => valid,
        Err(Invalid::Page(err)) => return Err(err),
        Err(Invalid::Redirect(response)) => return Ok(response),
    };
    let user = require_person(&ctx)?;
    if field(&fields, "decision") != Some("approve") {
        tracing::info!(wiki = %ctx.wiki.slug, client = %valid.client.client_name, "oauth consent denied");
        return Ok(back_to_client(
            &valid.redirect_uri,
            &[("error", "access_denied")],
            valid.state.as_deref(),
            &ctx.url,
        ));
    }
    let code = state
        .db
        .create_oauth_code(
            NewAuthorizationCode {
                wiki_id: ctx.wiki.id,
                user_id: user.id,
                client: valid.client.id,
                redirect_uri: valid.redirect_uri.clone(),
                code_challenge: valid.code_challenge,
                resource: valid.resource,
            },
            now(),
        )
        .await?;
    tracing::info!(wiki = %ctx.wiki.slug, user = %user.handle,
        client = %valid.client.client_name, "oauth consent given");
    Ok(back_to_client(
        &valid.redirect_uri,
        &[("code", &code)],
        valid.state.as_deref(),
        &ctx.url,
    ))
}

/// The browser's user, who must be signed in with a session (not a token) and able to read.
fn require_person(ctx: &WikiCtx) -> AppResult<&robot_platform::User> {
    if ctx.token.is_some() || ctx.oauth.is_some() {
        return Err(AppError::Forbidden(
            "Apps are approved in a browser, not with a token.".into(),
        ));
    }
    let Some(user) = ctx.user.as_ref() else {
        return Err(AppError::LoginRequired(
            "Log in to connect an app to this wiki.".into(),
        ));
    };
    ctx.require_read()?;
    Ok(user)
}

async fn validate(state: &AppState, ctx: &WikiCtx, params: &Params) -> Result<Valid, Invalid> {
    let client_id = params.client_id.as_deref().ok_or_else(|| {
        AppError::BadRequest("This authorization request names no client (client_id).".into())
    })?;
    let client = if is_document_url(client_id) {
        client_document::resolve(state, ctx.wiki.id, client_id)
            .await
            .map_err(|e| {
                AppError::BadRequest(format!(
                    "The app asking for access cannot be identified: {e}. Tell the app's \
                     developer, or start the connection again from the app."
                ))
            })?
    } else {
        state
            .db
            .oauth_client(ctx.wiki.id, client_id)
            .await
            .map_err(AppError::from)?
            .ok_or_else(|| {
                AppError::BadRequest(
                    "The app asking for access is not registered at this wiki. Start the \
                     connection again from the app."
                        .into(),
                )
            })?
    };
    let redirect_uri = match (&params.redirect_uri, client.redirect_uris.as_slice()) {
        (Some(uri), registered) if registered.iter().any(|r| r == uri) => uri.clone(),
        (None, [only]) => only.clone(),
        (None, _) => {
            return Err(Invalid::Page(AppError::BadRequest(
                "The app registered several redirect URIs and did not say which to use.".into(),
            )));
        }
        (Some(_), _) => {
            return Err(Invalid::Page(AppError::BadRequest(
                "The redirect URI is not one the app registered; refusing to send you there."
                    .into(),
            )));
        }
    };
    // A registered redirect URI proves only that someone registered it: registration is open,
    // so an error sent there would make this host an open redirector (RFC 9700 §4.11.2). Errors
    // go back to the app only once the person in this browser has approved it here; until then
    // they are shown on our page.
    let approved = match (&ctx.user, &ctx.token, &ctx.oauth) {
        (Some(user), None, None) => state
            .db
            .has_oauth_grant(ctx.wiki.id, user.id, client.id)
            .await
            .map_err(AppError::from)?,
        _ => false,
    };
    let state_param = params.state.clone();
    let fail = |code: &str, description: &str| {
        if !approved {
            return Invalid::Page(AppError::BadRequest(format!(
                "The app's authorization request is invalid ({code}): {description} Start the \
                 connection again from the app."
            )));
        }
        Invalid::Redirect(back_to_client(
            &redirect_uri,
            &[("error", code), ("error_description", description)],
            state_param.as_deref(),
            &ctx.url,
        ))
    };
    if params.response_type.as_deref() != Some("code") {
        return Err(fail(
            "unsupported_response_type",
            "Only response_type=code is supported.",
        ));
    }
    let Some(code_challenge) = params.code_challenge.clone() else {
        return Err(fail(
            "invalid_request",
            "PKCE is required: send code_challenge with code_challenge_method=S256.",
        ));
    };
    if params.code_challenge_method.as_deref() != Some("S256") {
        return Err(fail(
            "invalid_request",
            "Only code_challenge_method=S256 is supported.",
        ));
    }
    // A base64url SHA-256 is 43 characters; anything else cannot be an S256 challenge.
    if code_challenge.len() != 43
        || !code_challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(fail(
            "invalid_request",
            "code_challenge is not an S256 challenge.",
        ));
    }
    let resource = match &params.resource {
        Some(requested) => Some(resource::canonical(&ctx.url, requested).ok_or_else(|| {
            fail(
                "invalid_target",
                "This server issues tokens only for this wiki and its MCP endpoint.",
            )
        })?),
        None => None,
    };
    Ok(Valid {
        client,
        redirect_uri,
        code_challenge,
        state: params.state.clone(),
        resource,
    })
}

/// The host of a URL, for showing where something lives.
fn host_of(url: &str) -> Option<String> {
    url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
}

/// A redirect to the client's (validated) redirect URI with `extra`, `state` and `iss`
/// (RFC 9207, so the client can tell which server answered).
fn back_to_client(
    redirect_uri: &str,
    extra: &[(&str, &str)],
    state: Option<&str>,
    issuer: &str,
) -> Response {
    let Ok(mut url) = url::Url::parse(redirect_uri) else {
        return AppError::BadRequest("The redirect URI is not a URL.".into()).into_response();
    };
    {
        let mut query = url.query_pairs_mut();
        for (k, v) in extra {
            query.append_pair(k, v);
        }
        if let Some(state) = state {
            query.append_pair("state", state);
        }
        query.append_pair("iss", issuer);
    }
    redirect(url.as_str())
}
