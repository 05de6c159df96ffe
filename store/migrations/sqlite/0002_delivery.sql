-- Webhooks and the delivery queue. The deliveries table is the queue: a pending
-- delivery with a next_attempt_at is due then; one with none is held until its webhook
-- is active again.

-- Test events (from POST /v1/webhooks/{id}/test) go to one webhook only and stay out of
-- the event log and replays.
ALTER TABLE events ADD COLUMN test INTEGER NOT NULL DEFAULT 0;

CREATE TABLE webhooks (
    id                         TEXT PRIMARY KEY,
    workspace_id               TEXT NOT NULL REFERENCES workspaces (id),
    name                       TEXT NOT NULL,
    url                        TEXT NOT NULL,
    description                TEXT,
    format                     TEXT NOT NULL,
    status                     TEXT NOT NULL,
    status_reason              TEXT,
    secret                     TEXT NOT NULL,
    previous_secret            TEXT,
    previous_secret_expires_at INTEGER,
    timeout_ms                 INTEGER NOT NULL,
    headers                    TEXT NOT NULL, -- JSON object
    retry_schedule             TEXT,          -- JSON array of milliseconds; NULL for the default
    last_status_code           INTEGER,
    last_status_message        TEXT,
    last_status_at             INTEGER,
    last_response_ms           INTEGER NOT NULL DEFAULT 0,
    avg_response_ms            INTEGER NOT NULL DEFAULT 0,
    last_success_at            INTEGER,
    errors_since_last_success  INTEGER NOT NULL DEFAULT 0,
    consecutive_failures       INTEGER NOT NULL DEFAULT 0,
    failing_since              INTEGER,
    created_at                 INTEGER NOT NULL,
    updated_at                 INTEGER NOT NULL
) STRICT;
CREATE INDEX webhooks_by_workspace ON webhooks (workspace_id, id);

-- One row per subscribed event type, so that finding the webhooks of an event is one
-- index lookup.
CREATE TABLE webhook_topics (
    webhook_id   TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    workspace_id TEXT NOT NULL,
    topic        TEXT NOT NULL,
    PRIMARY KEY (webhook_id, topic)
) STRICT;
CREATE INDEX webhook_topics_by_topic ON webhook_topics (workspace_id, topic);

CREATE TABLE deliveries (
    id               TEXT PRIMARY KEY, -- UUIDv7; the envelope id is this, or notif_ and this
    workspace_id     TEXT NOT NULL,
    webhook_id       TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_id         TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    event_type       TEXT NOT NULL,
    status           TEXT NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER, -- due time; a claim moves it to the end of its lease
    lease            TEXT,    -- the claim that holds the delivery
    last_attempt_at  INTEGER,
    last_status_code INTEGER,
    test             INTEGER NOT NULL DEFAULT 0,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
) STRICT;
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_by_workspace ON deliveries (workspace_id, id);
CREATE INDEX deliveries_by_webhook ON deliveries (webhook_id, id);
CREATE INDEX deliveries_by_event ON deliveries (event_id);

CREATE TABLE attempts (
    id               TEXT PRIMARY KEY, -- UUIDv7
    delivery_id      TEXT NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
    webhook_id       TEXT NOT NULL,
    number           INTEGER NOT NULL,
    started_at       INTEGER NOT NULL,
    duration_us      INTEGER NOT NULL,
    request_url      TEXT NOT NULL,
    request_headers  TEXT NOT NULL, -- JSON object of lists, as http.Header
    request_body     BLOB NOT NULL,
    response_status  INTEGER,
    response_headers TEXT,
    response_body    BLOB,
    error_class      TEXT,
    error_message    TEXT,
    outcome          TEXT NOT NULL,
    next_attempt_at  INTEGER
) STRICT;
CREATE INDEX attempts_by_delivery ON attempts (delivery_id, number);
CREATE INDEX attempts_by_time ON attempts (started_at);

CREATE TABLE jobs (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    webhook_id   TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    kind         TEXT NOT NULL,
    since        INTEGER NOT NULL,
    until        INTEGER,
    status       TEXT NOT NULL,
    total        INTEGER NOT NULL DEFAULT 0,
    processed    INTEGER NOT NULL DEFAULT 0,
    position     TEXT NOT NULL DEFAULT '', -- the last id done, so a restarted job goes on
    error        TEXT,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    finished_at  INTEGER
) STRICT;
CREATE INDEX jobs_unfinished ON jobs (created_at) WHERE status IN ('queued', 'running');
