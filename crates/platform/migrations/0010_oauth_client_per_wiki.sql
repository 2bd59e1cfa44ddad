-- no-transaction
-- A client of a wiki is unique per wiki, not globally (issue 13): a client identified by a
-- Client ID Metadata Document has the document's URL as its `client_id`, and the same URL is a
-- client at every wiki that meets it. SQLite cannot change a constraint in place, so the table
-- is rebuilt by the procedure of 0009 (foreign keys off, one transaction). The script only
-- copies the table as it was, so re-running it after a crash before sqlx's bookkeeping is safe;
-- the new columns come in 0011, an ordinary transactional migration.

PRAGMA foreign_keys = OFF;

BEGIN;

CREATE TABLE oauth_clients_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    wiki_id INTEGER NOT NULL REFERENCES wikis (id) ON DELETE CASCADE,
    client_id TEXT NOT NULL,
    client_name TEXT NOT NULL,
    redirect_uris TEXT NOT NULL,
    auth_method TEXT NOT NULL
        CHECK (auth_method IN ('none', 'client_secret_post', 'client_secret_basic')),
    secret_hash TEXT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (wiki_id, client_id)
);
INSERT INTO oauth_clients_new (id, wiki_id, client_id, client_name, redirect_uris, auth_method,
                               secret_hash, created_at)
    SELECT id, wiki_id, client_id, client_name, redirect_uris, auth_method, secret_hash, created_at
    FROM oauth_clients;
DROP TABLE oauth_clients;
ALTER TABLE oauth_clients_new RENAME TO oauth_clients;
-- UNIQUE (wiki_id, client_id) also serves lookups by wiki.

COMMIT;

PRAGMA foreign_keys = ON;
