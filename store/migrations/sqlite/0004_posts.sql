-- The featurebase family: boards, post statuses, posts, their votes and comments, and
-- changelogs.
CREATE TABLE boards (
    id           TEXT PRIMARY KEY, -- 24 hex, like Featurebase's ids
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    name         TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX boards_by_workspace ON boards (workspace_id, id);

CREATE TABLE post_statuses (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    name         TEXT NOT NULL,
    color        TEXT NOT NULL,
    type         TEXT NOT NULL,
    is_default   INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX post_statuses_by_workspace ON post_statuses (workspace_id, id);
CREATE UNIQUE INDEX post_statuses_one_default ON post_statuses (workspace_id) WHERE is_default = 1;

-- The workspaces that exist already get the default statuses new ones start with.
INSERT INTO post_statuses (id, workspace_id, name, color, type, is_default, created_at, updated_at)
SELECT lower(hex(randomblob(12))), w.id, s.name, s.color, s.type, s.is_default, w.created_at, w.created_at
FROM workspaces w, (
    SELECT 1 AS n, 'In Review' AS name, 'Sky' AS color, 'reviewing' AS type, 1 AS is_default
    UNION ALL SELECT 2, 'Planned', 'Purple', 'unstarted', 0
    UNION ALL SELECT 3, 'In Progress', 'Yellow', 'active', 0
    UNION ALL SELECT 4, 'Completed', 'Green', 'completed', 0
    UNION ALL SELECT 5, 'Closed', 'Red', 'canceled', 0
) s ORDER BY w.id, s.n;

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
    is_pinned     INTEGER NOT NULL DEFAULT 0,
    in_review     INTEGER NOT NULL DEFAULT 0,
    eta           INTEGER,
    assignee_id   TEXT REFERENCES users (id),
    custom_fields TEXT NOT NULL, -- JSON object
    upvotes       INTEGER NOT NULL DEFAULT 0,
    comment_count INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
) STRICT;
CREATE INDEX posts_by_workspace ON posts (workspace_id, id);
CREATE UNIQUE INDEX posts_by_slug ON posts (workspace_id, slug);

CREATE TABLE post_votes (
    post_id    TEXT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (post_id, user_id)
) STRICT;

CREATE TABLE comments (
    id                TEXT PRIMARY KEY,
    workspace_id      TEXT NOT NULL REFERENCES workspaces (id),
    post_id           TEXT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    parent_comment_id TEXT REFERENCES comments (id) ON DELETE CASCADE,
    content           TEXT NOT NULL,
    author_id         TEXT NOT NULL REFERENCES users (id),
    is_private        INTEGER NOT NULL DEFAULT 0,
    is_pinned         INTEGER NOT NULL DEFAULT 0,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
) STRICT;
CREATE INDEX comments_by_workspace ON comments (workspace_id, id);
CREATE INDEX comments_by_post ON comments (post_id, id);
CREATE INDEX comments_by_parent ON comments (parent_comment_id);

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
    published_at      INTEGER,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
) STRICT;
CREATE INDEX changelogs_by_workspace ON changelogs (workspace_id, id);
