-- OAuth for today's MCP clients (issue 13).

-- Client ID Metadata Documents: a client whose `client_id` is the https URL of a JSON document
-- it publishes. The authorization server keeps what it fetched as a client row of the wiki and
-- fetches the document again once `expires_at` (from its cache headers) has passed.
ALTER TABLE oauth_clients ADD COLUMN metadata_url INTEGER NOT NULL DEFAULT 0;
-- The document's `logo_uri` and `client_uri`, shown by host on the consent page.
ALTER TABLE oauth_clients ADD COLUMN logo_uri TEXT NULL;
ALTER TABLE oauth_clients ADD COLUMN client_uri TEXT NULL;
ALTER TABLE oauth_clients ADD COLUMN expires_at INTEGER NULL;

-- Resource indicators (RFC 8707): the resource a code was approved for and the grant made from
-- it, so a token for `<wiki>/mcp` opens nothing else. NULL: the whole wiki (a client that named
-- no resource).
ALTER TABLE oauth_codes ADD COLUMN resource TEXT NULL;
ALTER TABLE oauth_grants ADD COLUMN resource TEXT NULL;

-- How long apps' access tokens live at this wiki, set by its owner: 30 days unless changed.
-- Tokens are looked up in this database on every request, so revoking one takes effect at once
-- whatever its lifetime.
ALTER TABLE wikis ADD COLUMN oauth_access_lifetime_secs INTEGER NOT NULL DEFAULT 2592000;
