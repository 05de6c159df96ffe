-- A webhook's topics are listed in the order it gave them: kept in a column, not in
-- SQLite's rowid, which other databases do not have.
ALTER TABLE webhook_topics ADD COLUMN position INTEGER NOT NULL DEFAULT 0;
UPDATE webhook_topics SET position = rowid;
