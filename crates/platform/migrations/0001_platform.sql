-- The platform schema. Timestamps are seconds since the Unix epoch.

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    handle TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    did TEXT UNIQUE,
    is_platform_admin INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);

CREATE TABLE wikis (
    id INTEGER PRIMARY KEY,
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
    created_at INTEGER NOT NULL
);

CREATE INDEX wikis_owner_id ON wikis (owner_id);

CREATE TABLE wiki_members (
    wiki_id INTEGER NOT NULL REFERENCES wikis (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('admin', 'editor', 'viewer')),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (wiki_id, user_id)
);

CREATE INDEX wiki_members_user_id ON wiki_members (user_id);

-- One-time login links; only the SHA-256 of the secret is stored.
CREATE TABLE login_links (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at INTEGER NOT NULL,
    used_at INTEGER,
    return_to TEXT
);

CREATE INDEX login_links_user_id ON login_links (user_id);
