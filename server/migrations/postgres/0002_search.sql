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
-- The indexes are expression indexes, nothing is stored twice: a query
-- that repeats the expression (and, for steps, the predicate) uses them,
-- and ranks only the rows that match. Steps are indexed once finished:
-- while a message streams its checkpoints match the partial index's
-- predicate no more than a tool step's output does.

CREATE EXTENSION IF NOT EXISTS unaccent;

CREATE TEXT SEARCH CONFIGURATION loquat_search (COPY = pg_catalog.simple);
ALTER TEXT SEARCH CONFIGURATION loquat_search
    ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part
    WITH unaccent, simple;

CREATE INDEX steps_search ON steps
    USING GIN (to_tsvector('loquat_search'::regconfig, output))
    WHERE streaming = FALSE
        AND type IN ('user_message', 'assistant_message', 'system_message');

CREATE INDEX threads_search ON threads
    USING GIN (to_tsvector('loquat_search'::regconfig, COALESCE(name, '')));
