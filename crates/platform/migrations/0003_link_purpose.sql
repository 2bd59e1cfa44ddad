-- One-time links have a purpose: `login` links sign in on the platform, `handoff` links carry an
-- existing session to one wiki host. Neither works where the other is expected.
ALTER TABLE login_links ADD COLUMN purpose TEXT NOT NULL DEFAULT 'login'
    CHECK (purpose IN ('login', 'handoff'));
