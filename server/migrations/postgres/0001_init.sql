-- Loquat schema for PostgreSQL: the same tables, columns and meanings as
-- the SQLite schema after its migrations 0001-0005, so one set of queries
-- serves both. Timestamps are milliseconds since the Unix epoch; JSON
-- columns hold text (one codec for both databases). Every thread belongs
-- to a user, and every step, element and feedback to a thread (deleted
-- with it).

CREATE TABLE users (
    id            TEXT PRIMARY KEY NOT NULL,
    identifier    TEXT NOT NULL UNIQUE,
    display_name  TEXT,
    metadata      TEXT NOT NULL DEFAULT '{}',
    created_at    BIGINT NOT NULL
);

CREATE TABLE threads (
    id          TEXT PRIMARY KEY NOT NULL,
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name        TEXT,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    tags        TEXT NOT NULL DEFAULT '[]',
    metadata    TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX threads_by_user_recent ON threads(user_id, updated_at DESC, id DESC);

CREATE TABLE steps (
    id          TEXT PRIMARY KEY NOT NULL,
    thread_id   TEXT NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
    position    BIGINT NOT NULL,
    parent_id   TEXT,
    name        TEXT NOT NULL,
    type        TEXT NOT NULL,
    input       TEXT NOT NULL DEFAULT '',
    output      TEXT NOT NULL DEFAULT '',
    is_error    BOOLEAN NOT NULL DEFAULT FALSE,
    streaming   BOOLEAN NOT NULL DEFAULT FALSE,
    show_input  TEXT NOT NULL DEFAULT 'false',
    language    TEXT,
    metadata    TEXT NOT NULL DEFAULT '{}',
    tags        TEXT NOT NULL DEFAULT '[]',
    created_at  BIGINT NOT NULL,
    start_at    BIGINT,
    end_at      BIGINT,
    actions     TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX steps_in_order ON steps(thread_id, position);

-- `rowid` is the insertion order, as SQLite's implicit rowid is, so the
-- shared queries order elements created in the same millisecond alike.
CREATE TABLE elements (
    id          TEXT PRIMARY KEY NOT NULL,
    rowid       BIGINT GENERATED ALWAYS AS IDENTITY,
    thread_id   TEXT NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
    for_id      TEXT,
    kind        TEXT NOT NULL,
    name        TEXT NOT NULL,
    display     TEXT NOT NULL,
    size        TEXT,
    mime        TEXT,
    url         TEXT,
    object_key  TEXT,
    props       TEXT NOT NULL DEFAULT 'null',
    created_at  BIGINT NOT NULL,
    bytes       BIGINT
);
CREATE INDEX elements_by_thread ON elements(thread_id);
CREATE INDEX elements_by_step ON elements(thread_id, for_id);

CREATE TABLE feedbacks (
    id          TEXT PRIMARY KEY NOT NULL,
    thread_id   TEXT NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
    for_id      TEXT NOT NULL,
    value       INTEGER NOT NULL,
    comment     TEXT,
    reasons     TEXT NOT NULL DEFAULT '[]'
);
CREATE UNIQUE INDEX feedbacks_one_per_step ON feedbacks(thread_id, for_id);

-- Logins: built-in password users (argon2id PHC strings) and, for any
-- identifier, the time before which its tokens are void; revocable
-- sign-ins by the SHA-256 of the session id the cookie carries.
CREATE TABLE auth_users (
    identifier          TEXT PRIMARY KEY NOT NULL,
    password_hash       TEXT,
    display_name        TEXT,
    created_at          BIGINT NOT NULL,
    tokens_valid_after  BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE auth_sessions (
    key_hash    TEXT PRIMARY KEY NOT NULL,
    user_id     TEXT NOT NULL,
    identifier  TEXT NOT NULL,
    profile     TEXT NOT NULL,
    provider    TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);
CREATE INDEX auth_sessions_by_identifier ON auth_sessions(identifier);
CREATE INDEX auth_sessions_by_expiry ON auth_sessions(expires_at);

-- Read-only share links: one per thread, known by the SHA-256 of its token.
CREATE TABLE thread_shares (
    thread_id   TEXT PRIMARY KEY NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
    token_hash  TEXT NOT NULL UNIQUE,
    created_at  BIGINT NOT NULL
);
