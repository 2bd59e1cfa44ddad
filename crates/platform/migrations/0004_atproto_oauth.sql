-- ATProto OAuth login. `atproto_logins` holds a login between the redirect to the user's
-- authorization server and the callback: one row per attempt, keyed by the SHA-256 of its
-- `state`, used once (deleted when taken) and refused after `expires_at`.
CREATE TABLE atproto_logins (
    state_hash TEXT PRIMARY KEY,
    issuer TEXT NOT NULL,
    did TEXT NOT NULL,
    handle TEXT,
    pds_url TEXT NOT NULL,
    token_endpoint TEXT NOT NULL,
    revocation_endpoint TEXT,
    pkce_verifier TEXT NOT NULL,
    dpop_key TEXT NOT NULL,
    dpop_nonce TEXT,
    return_to TEXT,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);

CREATE INDEX atproto_logins_expires_at ON atproto_logins (expires_at);

-- A signed-in ATProto session, kept server-side so logout can revoke its tokens. It belongs to
-- the platform session (the JWT `jti`) it was issued with.
CREATE TABLE atproto_sessions (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    session_jti TEXT NOT NULL UNIQUE,
    did TEXT NOT NULL,
    issuer TEXT NOT NULL,
    pds_url TEXT NOT NULL,
    token_endpoint TEXT NOT NULL,
    revocation_endpoint TEXT,
    access_token TEXT NOT NULL,
    refresh_token TEXT,
    scope TEXT NOT NULL,
    expires_at INTEGER,
    dpop_key TEXT NOT NULL,
    dpop_nonce TEXT,
    created_at INTEGER NOT NULL
);

CREATE INDEX atproto_sessions_user_id ON atproto_sessions (user_id);
