-- "Log out everywhere": platform session tokens (RS256 JWTs, valid for 24 h and not stored) of
-- this user whose `iat` is at or before this second are refused. 0 = no revocation yet.
-- Seconds since the Unix epoch, like every timestamp here.
ALTER TABLE users ADD COLUMN sessions_valid_after INTEGER NOT NULL DEFAULT 0;
