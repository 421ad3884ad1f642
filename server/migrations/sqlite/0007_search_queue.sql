-- Finished messages are indexed for search in batches, off the write that
-- stores them.
--
-- Indexing a message in the write that stores it costs FTS5 most of that
-- write. Measured on 2026-12-07 by replaying the runtime's writes through
-- SQLite 3.40 (a user message and a 200-word reply per turn, 40 messages a
-- transaction, as the writer merges them under load): a turn took 11 µs
-- without the index and ~200 µs with it; indexing the same documents 400
-- to 2,000 at a time, 55–75 µs. FTS5 writes a new segment at each commit,
-- whose cost grows with the distinct words in it more than with the
-- number of documents.
--
-- So the step triggers no longer index: they queue the message in
-- `search_queue` (one row of a plain table), and the data layer indexes
-- the queue in one transaction when enough has queued, and always before
-- a search runs (server/src/data/sql/search.rs), so a search still finds
-- every finished message, however recent.
--
-- The invariant the indexing relies on: a queued step has no document in
-- `search_docs` (a new step has none; an edited one loses its own when it
-- is queued again).

CREATE TABLE search_queue (
    step_id     TEXT PRIMARY KEY NOT NULL
);

DROP TRIGGER steps_search_insert;
DROP TRIGGER steps_search_update;
DROP TRIGGER steps_search_delete;

CREATE TRIGGER steps_search_insert AFTER INSERT ON steps
WHEN new.streaming = 0
    AND new.type IN ('user_message', 'assistant_message', 'system_message')
BEGIN
    INSERT OR IGNORE INTO search_queue (step_id) VALUES (new.id);
END;

-- As before, an upsert of an unchanged finished message and the
-- checkpoints of a streaming one do nothing.
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
    DELETE FROM search_queue WHERE step_id = old.id;
    INSERT INTO search_queue (step_id)
        SELECT new.id
        WHERE new.streaming = 0
            AND new.type IN ('user_message', 'assistant_message', 'system_message');
END;

CREATE TRIGGER steps_search_delete AFTER DELETE ON steps
WHEN old.streaming = 0
    AND old.type IN ('user_message', 'assistant_message', 'system_message')
BEGIN
    DELETE FROM search_index WHERE rowid IN (SELECT id FROM search_docs WHERE step_id = old.id);
    DELETE FROM search_docs WHERE step_id = old.id;
    DELETE FROM search_queue WHERE step_id = old.id;
END;
