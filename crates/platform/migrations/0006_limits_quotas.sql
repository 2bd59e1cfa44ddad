-- Per-wiki quota overrides (NULL: the server's default) and the usage recorded after each commit.
CREATE TABLE wiki_quotas (
    wiki_id INTEGER PRIMARY KEY REFERENCES wikis (id) ON DELETE CASCADE,
    max_bytes INTEGER NULL CHECK (max_bytes IS NULL OR max_bytes >= 0),
    max_pages INTEGER NULL CHECK (max_pages IS NULL OR max_pages >= 0),
    updated_at INTEGER NOT NULL
);

CREATE TABLE wiki_usage (
    wiki_id INTEGER PRIMARY KEY REFERENCES wikis (id) ON DELETE CASCADE,
    bytes INTEGER NOT NULL CHECK (bytes >= 0),
    pages INTEGER NOT NULL CHECK (pages >= 0),
    updated_at INTEGER NOT NULL
);
