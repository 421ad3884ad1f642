-- Logins. `auth_users` holds the built-in password users (argon2id PHC
-- strings) and, for any identifier, the time before which its tokens are
-- void (set when the user is removed or all their sessions are ended).
-- `auth_sessions` are the sign-ins that can be revoked: keyed by the
-- SHA-256 of the session id the cookie carries, never the id itself.
-- `users.display_name` is what the identity provider calls the user.

ALTER TABLE users ADD COLUMN display_name TEXT;

CREATE TABLE auth_users (
    identifier          TEXT PRIMARY KEY NOT NULL,
    password_hash       TEXT,
    display_name        TEXT,
    created_at          INTEGER NOT NULL,
    tokens_valid_after  INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE auth_sessions (
    key_hash    TEXT PRIMARY KEY NOT NULL,
    user_id     TEXT NOT NULL,
    identifier  TEXT NOT NULL,
    profile     TEXT NOT NULL,
    provider    TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
);
CREATE INDEX auth_sessions_by_identifier ON auth_sessions(identifier);
CREATE INDEX auth_sessions_by_expiry ON auth_sessions(expires_at);
