-- Times are Unix milliseconds, the precision of both wire formats. Booleans are 0 or 1.
-- Every table is STRICT, so a value of the wrong type is an error instead of a surprise.

CREATE TABLE workspaces (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    secret_hash  BLOB NOT NULL UNIQUE, -- SHA-256 of the key; the key itself is never stored
    created_at   INTEGER NOT NULL
) STRICT;

CREATE TABLE users (
    id              TEXT PRIMARY KEY,
    workspace_id    TEXT NOT NULL REFERENCES workspaces (id),
    name            TEXT NOT NULL,
    email           TEXT,
    type            TEXT NOT NULL,
    profile_picture TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
) STRICT;
CREATE INDEX users_by_workspace ON users (workspace_id, id);

CREATE TABLE messages (
    id              TEXT PRIMARY KEY,
    client_id       TEXT NOT NULL UNIQUE,
    workspace_id    TEXT NOT NULL REFERENCES workspaces (id),
    title           TEXT NOT NULL,
    content         TEXT NOT NULL,
    channel         TEXT NOT NULL,
    read            INTEGER NOT NULL,
    updated         INTEGER NOT NULL,
    archived        INTEGER NOT NULL,
    bin             INTEGER NOT NULL,
    requester_id    TEXT NOT NULL REFERENCES users (id),
    submitter_id    TEXT NOT NULL REFERENCES users (id),
    assignee_id     TEXT REFERENCES users (id),
    received_at     INTEGER,
    integration_url TEXT,
    integration_id  TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
) STRICT;
CREATE INDEX messages_by_workspace ON messages (workspace_id, id);

CREATE TABLE discovery_states (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    name         TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX discovery_states_by_workspace ON discovery_states (workspace_id, id);

CREATE TABLE discoveries (
    id                 TEXT PRIMARY KEY,
    client_id          TEXT NOT NULL UNIQUE,
    workspace_id       TEXT NOT NULL REFERENCES workspaces (id),
    title              TEXT NOT NULL,
    description        TEXT,
    discovery_state_id TEXT REFERENCES discovery_states (id),
    parent_id          TEXT REFERENCES discoveries (id),
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL
) STRICT;
CREATE INDEX discoveries_by_workspace ON discoveries (workspace_id, id);

CREATE TABLE components (
    id           TEXT PRIMARY KEY,
    client_id    TEXT NOT NULL UNIQUE,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    title        TEXT NOT NULL,
    description  TEXT,
    parent_id    TEXT REFERENCES components (id),
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX components_by_workspace ON components (workspace_id, id);

CREATE TABLE feedback (
    id           TEXT PRIMARY KEY,
    client_id    TEXT NOT NULL UNIQUE,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    starred      INTEGER NOT NULL,
    score        REAL NOT NULL,
    message_id   TEXT NOT NULL REFERENCES messages (id),
    discovery_id TEXT NOT NULL REFERENCES discoveries (id),
    requester_id TEXT REFERENCES users (id),
    submitter_id TEXT REFERENCES users (id),
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX feedback_by_workspace ON feedback (workspace_id, id);

-- The event log. data and changes are the wire format's JSON, kept as text so that the
-- bytes delivered are the bytes stored.
CREATE TABLE events (
    id            TEXT PRIMARY KEY, -- UUIDv7: sorts by time
    workspace_id  TEXT NOT NULL REFERENCES workspaces (id),
    type          TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    resource_id   TEXT NOT NULL,
    data          TEXT NOT NULL,
    changes       TEXT,
    created_at    INTEGER NOT NULL
) STRICT;
CREATE INDEX events_by_workspace ON events (workspace_id, id);
CREATE INDEX events_by_type ON events (workspace_id, type, id);
