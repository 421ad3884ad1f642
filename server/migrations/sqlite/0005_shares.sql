-- Read-only share links: one per thread, known by the SHA-256 of its token
-- (the token itself is only in the link). Deleted with the thread.

CREATE TABLE thread_shares (
    thread_id   TEXT PRIMARY KEY NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
    token_hash  TEXT NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL
);
