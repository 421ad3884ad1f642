-- Feedback: the reasons picked from [features] feedback_reasons, and one
-- feedback per message (its id is the message's id).

ALTER TABLE feedbacks ADD COLUMN reasons TEXT NOT NULL DEFAULT '[]';
CREATE UNIQUE INDEX feedbacks_one_per_step ON feedbacks(thread_id, for_id);
