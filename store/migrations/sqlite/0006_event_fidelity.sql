-- A part shows its author as they were when it was written: no topic could announce a
-- part's author changing, so a later rename of the user must not change the part.
ALTER TABLE conversation_parts ADD COLUMN author_name TEXT NOT NULL DEFAULT '';
ALTER TABLE conversation_parts ADD COLUMN author_type TEXT NOT NULL DEFAULT '';
UPDATE conversation_parts SET
    author_name = (SELECT name FROM users WHERE users.id = conversation_parts.author_id),
    author_type = (SELECT type FROM users WHERE users.id = conversation_parts.author_id);

-- Posts and comments embed their author and status: changing a user or a status emits
-- post.updated and comment.updated for each one that shows it, found by these.
CREATE INDEX posts_by_author ON posts (author_id);
CREATE INDEX posts_by_status ON posts (status_id);
CREATE INDEX comments_by_author ON comments (author_id);
