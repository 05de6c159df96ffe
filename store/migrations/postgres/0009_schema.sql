-- The schema of SQLite's migrations 0001 to 0009, for Postgres, in one. Times are Unix
-- milliseconds (BIGINT) as on SQLite, so the store's SQL reads both alike; flags are
-- BOOLEAN. Later migrations are numbered from 0010 on both engines.
CREATE TABLE workspaces (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);
CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    secret_hash  BYTEA NOT NULL UNIQUE, -- SHA-256 of the key; the key itself is never stored
    created_at   BIGINT NOT NULL,
    name         TEXT,
    prefix       TEXT NOT NULL DEFAULT 'fw_',
    expires_at   BIGINT,
    revoked_at   BIGINT,
    last_used_at BIGINT
);
CREATE TABLE users (
    id              TEXT PRIMARY KEY,
    workspace_id    TEXT NOT NULL REFERENCES workspaces (id),
    name            TEXT NOT NULL,
    email           TEXT,
    type            TEXT NOT NULL,
    profile_picture TEXT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE TABLE messages (
    id              TEXT PRIMARY KEY,
    client_id       TEXT NOT NULL UNIQUE,
    workspace_id    TEXT NOT NULL REFERENCES workspaces (id),
    title           TEXT NOT NULL,
    content         TEXT NOT NULL,
    channel         TEXT NOT NULL,
    read            BOOLEAN NOT NULL,
    updated         BOOLEAN NOT NULL,
    archived        BOOLEAN NOT NULL,
    bin             BOOLEAN NOT NULL,
    requester_id    TEXT NOT NULL REFERENCES users (id),
    submitter_id    TEXT NOT NULL REFERENCES users (id),
    assignee_id     TEXT REFERENCES users (id),
    received_at     BIGINT,
    integration_url TEXT,
    integration_id  TEXT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE TABLE discovery_states (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    name         TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE TABLE discoveries (
    id                 TEXT PRIMARY KEY,
    client_id          TEXT NOT NULL UNIQUE,
    workspace_id       TEXT NOT NULL REFERENCES workspaces (id),
    title              TEXT NOT NULL,
    description        TEXT,
    discovery_state_id TEXT REFERENCES discovery_states (id),
    parent_id          TEXT REFERENCES discoveries (id),
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL
);
CREATE TABLE components (
    id           TEXT PRIMARY KEY,
    client_id    TEXT NOT NULL UNIQUE,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    title        TEXT NOT NULL,
    description  TEXT,
    parent_id    TEXT REFERENCES components (id),
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE TABLE feedback (
    id           TEXT PRIMARY KEY,
    client_id    TEXT NOT NULL UNIQUE,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    starred      BOOLEAN NOT NULL,
    score        DOUBLE PRECISION NOT NULL,
    message_id   TEXT NOT NULL REFERENCES messages (id),
    discovery_id TEXT NOT NULL REFERENCES discoveries (id),
    requester_id TEXT REFERENCES users (id),
    submitter_id TEXT REFERENCES users (id),
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE TABLE events (
    id            TEXT PRIMARY KEY, -- UUIDv7: sorts by time
    workspace_id  TEXT NOT NULL REFERENCES workspaces (id),
    type          TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    resource_id   TEXT NOT NULL,
    data          TEXT NOT NULL,
    changes       TEXT,
    created_at    BIGINT NOT NULL,
    test             BOOLEAN NOT NULL DEFAULT FALSE,
    conversation_id  TEXT,
    conversation_url TEXT
);
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
    previous_secret_expires_at BIGINT,
    timeout_ms                 BIGINT NOT NULL,
    headers                    TEXT NOT NULL, -- JSON object
    retry_schedule             TEXT,          -- JSON array of milliseconds; NULL for the default
    last_status_code           BIGINT,
    last_status_message        TEXT,
    last_status_at             BIGINT,
    last_response_ms           BIGINT NOT NULL DEFAULT 0,
    avg_response_ms            BIGINT NOT NULL DEFAULT 0,
    last_success_at            BIGINT,
    errors_since_last_success  BIGINT NOT NULL DEFAULT 0,
    consecutive_failures       BIGINT NOT NULL DEFAULT 0,
    failing_since              BIGINT,
    created_at                 BIGINT NOT NULL,
    updated_at                 BIGINT NOT NULL
);
CREATE TABLE webhook_topics (
    webhook_id   TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    workspace_id TEXT NOT NULL,
    topic        TEXT NOT NULL,
    position     BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (webhook_id, topic)
);
CREATE TABLE deliveries (
    id               TEXT PRIMARY KEY, -- UUIDv7; the envelope id is this, or notif_ and this
    workspace_id     TEXT NOT NULL,
    webhook_id       TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_id         TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    event_type       TEXT NOT NULL,
    status           TEXT NOT NULL,
    attempts         BIGINT NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT, -- due time; a claim moves it to the end of its lease
    lease            TEXT,    -- the claim that holds the delivery
    last_attempt_at  BIGINT,
    last_status_code BIGINT,
    test             BOOLEAN NOT NULL DEFAULT FALSE,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);
CREATE TABLE attempts (
    id               TEXT PRIMARY KEY, -- UUIDv7
    delivery_id      TEXT NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
    webhook_id       TEXT NOT NULL,
    number           BIGINT NOT NULL,
    started_at       BIGINT NOT NULL,
    duration_us      BIGINT NOT NULL,
    request_url      TEXT NOT NULL,
    request_headers  TEXT NOT NULL, -- JSON object of lists, as http.Header
    request_body     BYTEA NOT NULL,
    response_status  BIGINT,
    response_headers TEXT,
    response_body    BYTEA,
    error_class      TEXT,
    error_message    TEXT,
    outcome          TEXT NOT NULL,
    next_attempt_at  BIGINT
);
CREATE TABLE jobs (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    webhook_id   TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    kind         TEXT NOT NULL,
    since        BIGINT NOT NULL,
    until        BIGINT,
    status       TEXT NOT NULL,
    total        BIGINT NOT NULL DEFAULT 0,
    processed    BIGINT NOT NULL DEFAULT 0,
    position     TEXT NOT NULL DEFAULT '', -- the last id done, so a restarted job goes on
    error        TEXT,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    finished_at  BIGINT
);
CREATE TABLE boards (
    id           TEXT PRIMARY KEY, -- 24 hex, like Featurebase's ids
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    name         TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE TABLE post_statuses (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    name         TEXT NOT NULL,
    color        TEXT NOT NULL,
    type         TEXT NOT NULL,
    is_default   BOOLEAN NOT NULL DEFAULT FALSE,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE TABLE posts (
    id            TEXT PRIMARY KEY,
    workspace_id  TEXT NOT NULL REFERENCES workspaces (id),
    slug          TEXT NOT NULL,
    title         TEXT NOT NULL,
    content       TEXT NOT NULL,
    board_id      TEXT NOT NULL REFERENCES boards (id),
    author_id     TEXT NOT NULL REFERENCES users (id),
    status_id     TEXT NOT NULL REFERENCES post_statuses (id),
    tags          TEXT NOT NULL, -- JSON array of strings
    is_pinned     BOOLEAN NOT NULL DEFAULT FALSE,
    in_review     BOOLEAN NOT NULL DEFAULT FALSE,
    eta           BIGINT,
    assignee_id   TEXT REFERENCES users (id),
    custom_fields TEXT NOT NULL, -- JSON object
    upvotes       BIGINT NOT NULL DEFAULT 0,
    comment_count BIGINT NOT NULL DEFAULT 0,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE TABLE post_votes (
    post_id    TEXT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (post_id, user_id)
);
CREATE TABLE comments (
    id                TEXT PRIMARY KEY,
    workspace_id      TEXT NOT NULL REFERENCES workspaces (id),
    post_id           TEXT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    parent_comment_id TEXT REFERENCES comments (id) ON DELETE CASCADE,
    content           TEXT NOT NULL,
    author_id         TEXT NOT NULL REFERENCES users (id),
    is_private        BOOLEAN NOT NULL DEFAULT FALSE,
    is_pinned         BOOLEAN NOT NULL DEFAULT FALSE,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL
);
CREATE TABLE changelogs (
    id                TEXT PRIMARY KEY,
    workspace_id      TEXT NOT NULL REFERENCES workspaces (id),
    slug              TEXT NOT NULL,
    title             TEXT NOT NULL,
    content           TEXT NOT NULL,
    markdown_content  TEXT NOT NULL,
    featured_image    TEXT,
    categories        TEXT NOT NULL, -- JSON [{id, name, sendEmailNotification, hideFromBoardAndWidgets}]
    published_locales TEXT NOT NULL, -- JSON array, in publishing order
    published_at      BIGINT,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL
);
CREATE TABLE conversations (
    id                   TEXT PRIMARY KEY, -- 24 hex, like Featurebase's ids
    workspace_id         TEXT NOT NULL REFERENCES workspaces (id),
    title                TEXT NOT NULL,
    state                TEXT NOT NULL, -- open, closed or snoozed
    snoozed_until        BIGINT,
    priority             BOOLEAN NOT NULL DEFAULT FALSE,
    priority_set_at      BIGINT,
    admin_assignee_id    TEXT,
    team_assignee_id     TEXT,
    participants         TEXT NOT NULL, -- JSON [{"userId","type"}], in joining order
    read_receipts        TEXT NOT NULL, -- JSON [{"userId","readAt" (ms)}]
    bot_state            TEXT,
    bot_state_updated_at BIGINT,
    last_activity_at     BIGINT NOT NULL,
    waiting_since        BIGINT,
    source_part_id       TEXT NOT NULL,
    created_at           BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL
);
CREATE TABLE conversation_parts (
    id              TEXT PRIMARY KEY,
    workspace_id    TEXT NOT NULL,
    conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    part_type       TEXT NOT NULL,
    author_id       TEXT NOT NULL REFERENCES users (id),
    body_markdown   TEXT NOT NULL,
    redacted        BOOLEAN NOT NULL DEFAULT FALSE,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    author_name     TEXT NOT NULL DEFAULT '',
    author_type     TEXT NOT NULL DEFAULT ''
);
CREATE TABLE secret_check (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    sealed     TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX users_by_workspace ON users (workspace_id, id);
CREATE INDEX messages_by_workspace ON messages (workspace_id, id);
CREATE INDEX discovery_states_by_workspace ON discovery_states (workspace_id, id);
CREATE INDEX discoveries_by_workspace ON discoveries (workspace_id, id);
CREATE INDEX components_by_workspace ON components (workspace_id, id);
CREATE INDEX feedback_by_workspace ON feedback (workspace_id, id);
CREATE INDEX events_by_workspace ON events (workspace_id, id);
CREATE INDEX events_by_type ON events (workspace_id, type, id);
CREATE INDEX webhooks_by_workspace ON webhooks (workspace_id, id);
CREATE INDEX webhook_topics_by_topic ON webhook_topics (workspace_id, topic);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_by_workspace ON deliveries (workspace_id, id);
CREATE INDEX deliveries_by_webhook ON deliveries (webhook_id, id);
CREATE INDEX deliveries_by_event ON deliveries (event_id);
CREATE INDEX attempts_by_delivery ON attempts (delivery_id, number);
CREATE INDEX attempts_by_time ON attempts (started_at);
CREATE INDEX jobs_unfinished ON jobs (created_at) WHERE status IN ('queued', 'running');
CREATE INDEX boards_by_workspace ON boards (workspace_id, id);
CREATE INDEX post_statuses_by_workspace ON post_statuses (workspace_id, id);
CREATE UNIQUE INDEX post_statuses_one_default ON post_statuses (workspace_id) WHERE is_default;
CREATE INDEX posts_by_workspace ON posts (workspace_id, id);
CREATE UNIQUE INDEX posts_by_slug ON posts (workspace_id, slug);
CREATE INDEX comments_by_workspace ON comments (workspace_id, id);
CREATE INDEX comments_by_post ON comments (post_id, id);
CREATE INDEX comments_by_parent ON comments (parent_comment_id);
CREATE INDEX changelogs_by_workspace ON changelogs (workspace_id, id);
CREATE INDEX conversations_by_workspace ON conversations (workspace_id, id);
CREATE INDEX conversations_snoozed ON conversations (snoozed_until) WHERE state = 'snoozed';
CREATE INDEX conversation_parts_by_conversation ON conversation_parts (conversation_id, id);
CREATE INDEX posts_by_author ON posts (author_id);
CREATE INDEX posts_by_status ON posts (status_id);
CREATE INDEX comments_by_author ON comments (author_id);
CREATE INDEX api_keys_by_workspace ON api_keys (workspace_id, id);
CREATE INDEX deliveries_due_by_webhook ON deliveries (webhook_id, next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_leased ON deliveries (webhook_id) WHERE lease IS NOT NULL;
CREATE INDEX deliveries_tests ON deliveries (webhook_id, next_attempt_at) WHERE test AND status = 'pending';
CREATE INDEX deliveries_pending_by_age ON deliveries (created_at) WHERE status = 'pending';
