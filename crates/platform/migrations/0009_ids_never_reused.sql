-- no-transaction
-- Identities are never reused (audit finding 1). Without AUTOINCREMENT SQLite hands out
-- max(id) + 1, so deleting the newest user gave the next sign-up the deleted user's id, and with
-- it every session token, API token and grant that named that id. AUTOINCREMENT keeps a
-- high-water mark in `sqlite_sequence` instead. SQLite cannot add it to an existing table, so
-- each table is rebuilt by the documented procedure (create new, copy, drop old, rename new),
-- with foreign-key enforcement off for the rebuild: with it on, dropping the old table would
-- cascade-delete every child row. `-- no-transaction` (first line) lets the script turn
-- enforcement off (SQLite ignores that pragma inside a transaction) and run its own
-- transaction. Re-running the script after a crash between its COMMIT and sqlx's bookkeeping
-- rebuilds the same tables again, so it is safe.

PRAGMA foreign_keys = OFF;

BEGIN;

CREATE TABLE users_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    handle TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    did TEXT UNIQUE,
    is_platform_admin INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    sessions_valid_after INTEGER NOT NULL DEFAULT 0
);
INSERT INTO users_new (id, handle, display_name, did, is_platform_admin, created_at,
                       sessions_valid_after)
    SELECT id, handle, display_name, did, is_platform_admin, created_at, sessions_valid_after
    FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;

CREATE TABLE wikis_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    slug TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    owner_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    read_access TEXT NOT NULL DEFAULT 'approved'
        CHECK (read_access IN ('anonymous', 'registered', 'approved', 'admin')),
    write_access TEXT NOT NULL DEFAULT 'approved'
        CHECK (write_access IN ('anonymous', 'registered', 'approved', 'admin')),
    attachment_access TEXT NOT NULL DEFAULT 'approved'
        CHECK (attachment_access IN ('anonymous', 'registered', 'approved', 'admin')),
    created_at INTEGER NOT NULL,
    git_access INTEGER NOT NULL DEFAULT 0
);
INSERT INTO wikis_new (id, slug, display_name, description, owner_id, read_access, write_access,
                       attachment_access, created_at, git_access)
    SELECT id, slug, display_name, description, owner_id, read_access, write_access,
           attachment_access, created_at, git_access
    FROM wikis;
DROP TABLE wikis;
ALTER TABLE wikis_new RENAME TO wikis;
CREATE INDEX wikis_owner_id ON wikis (owner_id);

CREATE TABLE api_tokens_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    wiki_id INTEGER NOT NULL REFERENCES wikis (id) ON DELETE CASCADE,
    created_by INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('read-only', 'editor')),
    token_hash TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    last_used_at INTEGER NULL,
    revoked_at INTEGER NULL
);
INSERT INTO api_tokens_new (id, wiki_id, created_by, name, role, token_hash, created_at,
                            last_used_at, revoked_at)
    SELECT id, wiki_id, created_by, name, role, token_hash, created_at, last_used_at, revoked_at
    FROM api_tokens;
DROP TABLE api_tokens;
ALTER TABLE api_tokens_new RENAME TO api_tokens;
CREATE UNIQUE INDEX api_tokens_live_name ON api_tokens (wiki_id, name) WHERE revoked_at IS NULL;
CREATE INDEX api_tokens_wiki ON api_tokens (wiki_id);

CREATE TABLE oauth_clients_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    wiki_id INTEGER NOT NULL REFERENCES wikis (id) ON DELETE CASCADE,
    client_id TEXT NOT NULL UNIQUE,
    client_name TEXT NOT NULL,
    redirect_uris TEXT NOT NULL,
    auth_method TEXT NOT NULL
        CHECK (auth_method IN ('none', 'client_secret_post', 'client_secret_basic')),
    secret_hash TEXT NULL,
    created_at INTEGER NOT NULL
);
INSERT INTO oauth_clients_new (id, wiki_id, client_id, client_name, redirect_uris, auth_method,
                               secret_hash, created_at)
    SELECT id, wiki_id, client_id, client_name, redirect_uris, auth_method, secret_hash, created_at
    FROM oauth_clients;
DROP TABLE oauth_clients;
ALTER TABLE oauth_clients_new RENAME TO oauth_clients;
CREATE INDEX oauth_clients_wiki ON oauth_clients (wiki_id);

CREATE TABLE oauth_grants_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    wiki_id INTEGER NOT NULL REFERENCES wikis (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client_id INTEGER NOT NULL REFERENCES oauth_clients (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    last_used_at INTEGER NULL
);
INSERT INTO oauth_grants_new (id, wiki_id, user_id, client_id, created_at, last_used_at)
    SELECT id, wiki_id, user_id, client_id, created_at, last_used_at FROM oauth_grants;
DROP TABLE oauth_grants;
ALTER TABLE oauth_grants_new RENAME TO oauth_grants;
CREATE INDEX oauth_grants_wiki ON oauth_grants (wiki_id);
CREATE INDEX oauth_grants_user ON oauth_grants (user_id);

-- Handoff links are bound to the browser that asked for them (audit finding 11): the SHA-256
-- of a nonce the wiki host set as a cookie in that browser. NULL for login links.
ALTER TABLE login_links ADD COLUMN browser_binding TEXT NULL;

COMMIT;

PRAGMA foreign_keys = ON;
