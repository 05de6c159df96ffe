-- Support conversations and their parts (messages and notes).
CREATE TABLE conversations (
    id                   TEXT PRIMARY KEY, -- 24 hex, like Featurebase's ids
    workspace_id         TEXT NOT NULL REFERENCES workspaces (id),
    title                TEXT NOT NULL,
    state                TEXT NOT NULL, -- open, closed or snoozed
    snoozed_until        INTEGER,
    priority             INTEGER NOT NULL DEFAULT 0,
    priority_set_at      INTEGER,
    admin_assignee_id    TEXT,
    team_assignee_id     TEXT,
    participants         TEXT NOT NULL, -- JSON [{"userId","type"}], in joining order
    read_receipts        TEXT NOT NULL, -- JSON [{"userId","readAt" (ms)}]
    bot_state            TEXT,
    bot_state_updated_at INTEGER,
    last_activity_at     INTEGER NOT NULL,
    waiting_since        INTEGER,
    source_part_id       TEXT NOT NULL,
    created_at           INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL
) STRICT;
CREATE INDEX conversations_by_workspace ON conversations (workspace_id, id);
-- The unsnooze timer looks for the snoozes that have ended.
CREATE INDEX conversations_snoozed ON conversations (snoozed_until) WHERE state = 'snoozed';

CREATE TABLE conversation_parts (
    id              TEXT PRIMARY KEY,
    workspace_id    TEXT NOT NULL,
    conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    part_type       TEXT NOT NULL,
    author_id       TEXT NOT NULL REFERENCES users (id),
    body_markdown   TEXT NOT NULL,
    redacted        INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
) STRICT;
CREATE INDEX conversation_parts_by_conversation ON conversation_parts (conversation_id, id);
