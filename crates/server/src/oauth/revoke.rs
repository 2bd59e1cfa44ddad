//! `POST /-/oauth/revoke`: RFC 7009 revocation. Revoking either token of a grant revokes the
//! whole grant (both tokens), which is what a user disconnecting an app expects.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::{OAuthError, client, form_field, form_pairs, wiki_of};
use crate::state::AppState;

/// Always 200 for an authenticated client, whether or not the token was known (RFC 7009 §2.2:
/// the answer must not reveal which tokens exist).
pub async fn revoke(State(state): State<AppState>, req: Request) -> Response {
    match run(&state, req).await {
        Ok(()) => StatusCode::OK.into_response(),
        Err(err) => err.into_response(),
    }
}

async fn run(state: &AppState, req: Request) -> Result<(), OAuthError> {
    let wiki = wiki_of(state, &req).await?;
    let headers = req.headers().clone();
    let body = Bytes::from_request(req, &())
        .await
        .map_err(|_| OAuthError::invalid_request("The body could not be read."))?;
    let pairs = form_pairs(&body);
    let client = client::authenticate(state, wiki.id, &headers, &pairs).await?;
    let token = form_field(&pairs, "token")
        .ok_or_else(|| OAuthError::invalid_request("Send the token to revoke."))?;
    if state.db.revoke_oauth_token(token, client.id).await? {
        tracing::info!(wiki = %wiki.slug, client = %client.client_name, "oauth grant revoked");
    }
    Ok(())
}
