-- Full-text search over history: thread names and the text of finished
-- messages, ranked with ts_rank_cd (see server/src/data/sql/search.rs).
--
-- The text search configuration `loquat_search` is `simple` (lower-cases,
-- no stemming and no stop words: language-neutral, so a French and a
-- Japanese history are searched alike and no word is dropped) with
-- `unaccent` in front, so "cafe" finds "Café" as the SQLite index does.
-- `unaccent` ships with PostgreSQL's contrib modules and is a trusted
-- extension: the database's owner may create it (docs/deploy.md).
--
-- The vectors are stored generated columns with GIN indexes. An expression
-- index alone would store nothing more, but ranking and the index recheck
-- would then parse the text of every matching message again: with 10,000
-- messages that all match, 366 ms a search against 23 ms with the stored
-- vector (measured 2026-12-06, PostgreSQL 15). A step's vector is NULL
-- until it is a finished message, so a streaming message's checkpoints do
-- not index it and only its final write does; an edit indexes the new
-- text. Adding the columns fills them for the existing rows (the tables
-- are rewritten once).

CREATE EXTENSION IF NOT EXISTS unaccent;

CREATE TEXT SEARCH CONFIGURATION loquat_search (COPY = pg_catalog.simple);
ALTER TEXT SEARCH CONFIGURATION loquat_search
    ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part
    WITH unaccent, simple;

ALTER TABLE steps ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    CASE WHEN streaming = FALSE
            AND type IN ('user_message', 'assistant_message', 'system_message')
        THEN to_tsvector('loquat_search'::regconfig, output)
    END
) STORED;
CREATE INDEX steps_search ON steps USING GIN (search_vector);

ALTER TABLE threads ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    to_tsvector('loquat_search'::regconfig, COALESCE(name, ''))
) STORED;
CREATE INDEX threads_search ON threads USING GIN (search_vector);
