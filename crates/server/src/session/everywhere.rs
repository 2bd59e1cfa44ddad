//! "Log out everywhere": one operation for the account page, the management API and the CLI.

use robot_platform::User;

use crate::error::AppResult;
use crate::state::AppState;

/// Signs `user_id` out of every session: tokens issued until now (copied cookies, bearer tokens
/// in scripts, other browsers) are refused from the next request on, and the ATProto tokens
/// kept for those sessions are revoked at their authorization servers (best effort, in
/// parallel, each bounded by the logout timeout). The caller clears its own browser's cookies.
///
/// Returns the user as now stored, whose `sessions_valid_after` is the new cut-off (a session
/// issued from it with [`super::issue_session`] works).
pub async fn log_out_everywhere(state: &AppState, user_id: i64) -> AppResult<User> {
    let revoked = state.db.revoke_sessions(user_id).await?;
    let mut revocations = tokio::task::JoinSet::new();
    for stored in revoked.atproto {
        let state = state.clone();
        revocations.spawn(async move {
            crate::views::atproto::revoke_tokens(&state, stored).await;
        });
    }
    while revocations.join_next().await.is_some() {}
    tracing::info!(user = %revoked.user.handle, "logged out everywhere");
    Ok(revoked.user)
}
