-- Per-wiki API tokens for agents (REST and MCP). Only a SHA-256 hash of the secret is stored.
CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    wiki_id INTEGER NOT NULL REFERENCES wikis (id) ON DELETE CASCADE,
    created_by INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('read-only', 'editor')),
    token_hash TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    last_used_at INTEGER NULL,
    revoked_at INTEGER NULL
);

-- A name identifies one live token per wiki; revoked tokens keep their row for the record.
CREATE UNIQUE INDEX api_tokens_live_name ON api_tokens (wiki_id, name) WHERE revoked_at IS NULL;
CREATE INDEX api_tokens_wiki ON api_tokens (wiki_id);
