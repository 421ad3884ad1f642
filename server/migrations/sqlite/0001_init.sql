-- Loquat schema, version 1. Timestamps are milliseconds since the Unix
-- epoch; JSON columns hold text. Every thread belongs to a user, and every
-- step, element and feedback to a thread (deleted with it).

CREATE TABLE users (
    id          TEXT PRIMARY KEY NOT NULL,
    identifier  TEXT NOT NULL UNIQUE,
    metadata    TEXT NOT NULL DEFAULT '{}',
    created_at  INTEGER NOT NULL
);

CREATE TABLE threads (
    id          TEXT PRIMARY KEY NOT NULL,
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name        TEXT,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    tags        TEXT NOT NULL DEFAULT '[]',
    metadata    TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX threads_by_user_recent ON threads(user_id, updated_at DESC, id DESC);

CREATE TABLE steps (
    id          TEXT PRIMARY KEY NOT NULL,
    thread_id   TEXT NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    parent_id   TEXT,
    name        TEXT NOT NULL,
    type        TEXT NOT NULL,
    input       TEXT NOT NULL DEFAULT '',
    output      TEXT NOT NULL DEFAULT '',
    is_error    INTEGER NOT NULL DEFAULT 0,
    streaming   INTEGER NOT NULL DEFAULT 0,
    show_input  TEXT NOT NULL DEFAULT 'false',
    language    TEXT,
    metadata    TEXT NOT NULL DEFAULT '{}',
    tags        TEXT NOT NULL DEFAULT '[]',
    created_at  INTEGER NOT NULL,
    start_at    INTEGER,
    end_at      INTEGER
);
CREATE INDEX steps_in_order ON steps(thread_id, position);

CREATE TABLE elements (
    id          TEXT PRIMARY KEY NOT NULL,
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
    created_at  INTEGER NOT NULL
);
CREATE INDEX elements_by_thread ON elements(thread_id);

CREATE TABLE feedbacks (
    id          TEXT PRIMARY KEY NOT NULL,
    thread_id   TEXT NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
    for_id      TEXT NOT NULL,
    value       INTEGER NOT NULL,
    comment     TEXT
);
CREATE INDEX feedbacks_by_thread ON feedbacks(thread_id);
