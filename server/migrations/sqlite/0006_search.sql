-- Full-text search over history: thread names and the text of finished
-- messages, ranked with bm25 (see server/src/data/sql/search.rs).
--
-- `search_index` is an FTS5 table that keeps its own copy of the text
-- (neither external-content nor contentless), which costs a second copy of
-- message text and buys:
--   * snippet(), which reads the text of a matching row (a contentless
--     table has none to read);
--   * deletes that cannot corrupt the index: an external-content table must
--     be told the exact old text of every row it forgets, and its rowids
--     would have to be those of `steps`, whose implicit rowids VACUUM may
--     renumber (steps are keyed by a TEXT id).
-- Its rowid is `search_docs.id` (an INTEGER PRIMARY KEY, which VACUUM
-- keeps), the document's key: a thread's name (step_id NULL) or one
-- message step. Triggers keep both tables in step with `threads` and
-- `steps`.
--
-- Tokenizer: unicode61 with remove_diacritics 2, so "cafe" finds "Café"
-- and case never matters, in every script unicode61 knows; no stemming,
-- which would favour one language (the PostgreSQL index is language-neutral
-- too). The two private-use characters U+E000/U+E001 are stripped from the
-- indexed text: snippets mark matches with them, so the server can tell a
-- mark from the text.

CREATE TABLE search_docs (
    id          INTEGER PRIMARY KEY,
    thread_id   TEXT NOT NULL,
    step_id     TEXT UNIQUE
);
CREATE UNIQUE INDEX search_docs_thread_name ON search_docs(thread_id) WHERE step_id IS NULL;
CREATE INDEX search_docs_by_thread ON search_docs(thread_id);

CREATE VIRTUAL TABLE search_index USING fts5(
    name,
    body,
    tokenize = 'unicode61 remove_diacritics 2'
);

-- A thread's name. The batched writer's upsert fires the UPDATE triggers
-- for a thread that exists (SET name = COALESCE(...) names the column), the
-- INSERT one for a new thread.
CREATE TRIGGER threads_search_insert AFTER INSERT ON threads
WHEN new.name IS NOT NULL AND new.name <> ''
BEGIN
    INSERT INTO search_docs (thread_id, step_id) VALUES (new.id, NULL);
    INSERT INTO search_index (rowid, name, body)
        VALUES (last_insert_rowid(),
                replace(replace(new.name, char(57344), ''), char(57345), ''), NULL);
END;

CREATE TRIGGER threads_search_rename AFTER UPDATE OF name ON threads
WHEN old.name IS NOT new.name
BEGIN
    DELETE FROM search_index WHERE rowid IN
        (SELECT id FROM search_docs WHERE thread_id = old.id AND step_id IS NULL);
    DELETE FROM search_docs WHERE thread_id = old.id AND step_id IS NULL;
    INSERT INTO search_docs (thread_id, step_id)
        SELECT new.id, NULL WHERE new.name IS NOT NULL AND new.name <> '';
    INSERT INTO search_index (rowid, name, body)
        SELECT id, replace(replace(new.name, char(57344), ''), char(57345), ''), NULL
        FROM search_docs WHERE thread_id = new.id AND step_id IS NULL;
END;

-- A deleted thread takes every document of it, name and messages, whatever
-- order the cascade to `steps` runs in (the step trigger is then a no-op).
CREATE TRIGGER threads_search_delete AFTER DELETE ON threads
BEGIN
    DELETE FROM search_index WHERE rowid IN
        (SELECT id FROM search_docs WHERE thread_id = old.id);
    DELETE FROM search_docs WHERE thread_id = old.id;
END;

-- Messages are indexed once finished (streaming = 0): checkpoints of a
-- streaming message skip these triggers by their WHEN clause, the final
-- write indexes it, and a finished message whose text changes (an edit) is
-- indexed anew. An upsert of an unchanged finished message does nothing.
CREATE TRIGGER steps_search_insert AFTER INSERT ON steps
WHEN new.streaming = 0
    AND new.type IN ('user_message', 'assistant_message', 'system_message')
BEGIN
    INSERT INTO search_docs (thread_id, step_id) VALUES (new.thread_id, new.id);
    INSERT INTO search_index (rowid, name, body)
        VALUES (last_insert_rowid(), NULL,
                replace(replace(new.output, char(57344), ''), char(57345), ''));
END;

CREATE TRIGGER steps_search_update AFTER UPDATE ON steps
WHEN (
        (old.streaming = 0
            AND old.type IN ('user_message', 'assistant_message', 'system_message'))
        OR (new.streaming = 0
            AND new.type IN ('user_message', 'assistant_message', 'system_message'))
    )
    AND NOT (
        old.streaming = 0 AND new.streaming = 0 AND old.type = new.type
        AND old.output = new.output AND old.thread_id = new.thread_id
    )
BEGIN
    DELETE FROM search_index WHERE rowid IN (SELECT id FROM search_docs WHERE step_id = old.id);
    DELETE FROM search_docs WHERE step_id = old.id;
    INSERT INTO search_docs (thread_id, step_id)
        SELECT new.thread_id, new.id
        WHERE new.streaming = 0
            AND new.type IN ('user_message', 'assistant_message', 'system_message');
    INSERT INTO search_index (rowid, name, body)
        SELECT id, NULL, replace(replace(new.output, char(57344), ''), char(57345), '')
        FROM search_docs WHERE step_id = new.id;
END;

CREATE TRIGGER steps_search_delete AFTER DELETE ON steps
WHEN old.streaming = 0
    AND old.type IN ('user_message', 'assistant_message', 'system_message')
BEGIN
    DELETE FROM search_index WHERE rowid IN (SELECT id FROM search_docs WHERE step_id = old.id);
    DELETE FROM search_docs WHERE step_id = old.id;
END;

-- Backfill: every existing name and finished message.
INSERT INTO search_docs (thread_id, step_id)
    SELECT id, NULL FROM threads WHERE name IS NOT NULL AND name <> '';
INSERT INTO search_docs (thread_id, step_id)
    SELECT thread_id, id FROM steps
    WHERE streaming = 0
        AND type IN ('user_message', 'assistant_message', 'system_message');
INSERT INTO search_index (rowid, name, body)
    SELECT d.id, replace(replace(t.name, char(57344), ''), char(57345), ''), NULL
    FROM search_docs d JOIN threads t ON t.id = d.thread_id
    WHERE d.step_id IS NULL;
INSERT INTO search_index (rowid, name, body)
    SELECT d.id, NULL, replace(replace(s.output, char(57344), ''), char(57345), '')
    FROM search_docs d JOIN steps s ON s.id = d.step_id;
