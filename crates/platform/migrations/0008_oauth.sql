-- OAuth 2.1 for hosted MCP clients. Each wiki is its own authorization server: clients, grants,
-- codes and tokens all hang off one wiki (and grants off one user), so deleting either removes
-- them. Secrets (client secrets, codes, tokens) are stored only as SHA-256 hashes.

-- Clients registered dynamically (RFC 7591) at one wiki; unknown at every other wiki.
CREATE TABLE oauth_clients (
    id INTEGER PRIMARY KEY,
    wiki_id INTEGER NOT NULL REFERENCES wikis (id) ON DELETE CASCADE,
    client_id TEXT NOT NULL UNIQUE,
    client_name TEXT NOT NULL,
    -- Newline-separated list of exact redirect URIs.
    redirect_uris TEXT NOT NULL,
    auth_method TEXT NOT NULL
        CHECK (auth_method IN ('none', 'client_secret_post', 'client_secret_basic')),
    secret_hash TEXT NULL,
    created_at INTEGER NOT NULL
);

CREATE INDEX oauth_clients_wiki ON oauth_clients (wiki_id);

-- One approval by one user of one client at one wiki: what the dashboard lists and revokes.
CREATE TABLE oauth_grants (
    id INTEGER PRIMARY KEY,
    wiki_id INTEGER NOT NULL REFERENCES wikis (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client_id INTEGER NOT NULL REFERENCES oauth_clients (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    last_used_at INTEGER NULL
);

CREATE INDEX oauth_grants_wiki ON oauth_grants (wiki_id);
CREATE INDEX oauth_grants_user ON oauth_grants (user_id);

-- Authorization codes: single use. A redeemed code keeps its row (used_at, grant_id) until it
-- expires, so a second redemption is recognised and revokes the grant the first one produced.
CREATE TABLE oauth_codes (
    code_hash TEXT PRIMARY KEY,
    wiki_id INTEGER NOT NULL REFERENCES wikis (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client_id INTEGER NOT NULL REFERENCES oauth_clients (id) ON DELETE CASCADE,
    redirect_uri TEXT NOT NULL,
    code_challenge TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER NULL,
    grant_id INTEGER NULL REFERENCES oauth_grants (id) ON DELETE CASCADE
);

-- Access and refresh tokens of a grant. A rotated refresh token keeps its row (rotated_at) so
-- its reuse is recognised and revokes the grant.
CREATE TABLE oauth_tokens (
    token_hash TEXT PRIMARY KEY,
    grant_id INTEGER NOT NULL REFERENCES oauth_grants (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('access', 'refresh')),
    expires_at INTEGER NOT NULL,
    rotated_at INTEGER NULL
);

CREATE INDEX oauth_tokens_grant ON oauth_tokens (grant_id);
