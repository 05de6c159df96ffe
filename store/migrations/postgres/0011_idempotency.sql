-- As on SQLite (sqlite/0012): the answers of POSTs that carried an Idempotency-Key,
-- kept 24 hours. A row whose status is 0 is a request still running.
CREATE TABLE idempotency_keys (
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    request_key  TEXT NOT NULL, -- the Idempotency-Key header
    fingerprint  TEXT NOT NULL,
    status       INTEGER NOT NULL DEFAULT 0,
    content_type TEXT NOT NULL DEFAULT '',
    body         BYTEA,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, request_key)
);
CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);
