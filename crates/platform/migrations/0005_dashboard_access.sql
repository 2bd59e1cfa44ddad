-- Whether the wiki may be cloned and pushed over git smart HTTP (served later); off by default.
ALTER TABLE wikis ADD COLUMN git_access INTEGER NOT NULL DEFAULT 0;

-- Signed-in users who asked a wiki's admins for access: at most one pending request per user and
-- wiki. Approving turns it into a membership; approving or denying deletes it.
CREATE TABLE access_requests (
    wiki_id INTEGER NOT NULL REFERENCES wikis (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    message TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    PRIMARY KEY (wiki_id, user_id)
);

CREATE INDEX access_requests_user_id ON access_requests (user_id);
