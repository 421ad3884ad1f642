-- Rich content: a step's action buttons, and the size of an element's
-- stored content. An element's bytes are kept in file storage under the
-- element's own id (object_key = id).

ALTER TABLE steps ADD COLUMN actions TEXT NOT NULL DEFAULT '[]';
ALTER TABLE elements ADD COLUMN bytes INTEGER;
CREATE INDEX elements_by_step ON elements(thread_id, for_id);
