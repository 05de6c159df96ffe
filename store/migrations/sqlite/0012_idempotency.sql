-- The answers of POSTs that carried an Idempotency-Key, kept 24 hours, so that the same
-- request sent again gets the first answer rather than a second resource. A row whose
-- status is 0 is a request still running.
CREATE TABLE idempotency_keys (
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    request_key  TEXT NOT NULL, -- the Idempotency-Key header
    fingerprint  TEXT NOT NULL, -- method, path and SHA-256 of the body
    status       INTEGER NOT NULL DEFAULT 0,
    content_type TEXT NOT NULL DEFAULT '',
    body         BLOB,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, request_key)
);
CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);
