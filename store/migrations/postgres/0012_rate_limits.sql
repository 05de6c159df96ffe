-- As on SQLite (sqlite/0013): a webhook's rate limit, and where its pacing stands.
ALTER TABLE webhooks ADD COLUMN rate_per_second INTEGER;
ALTER TABLE webhooks ADD COLUMN rate_burst INTEGER;

CREATE TABLE webhook_pacing (
    webhook_id TEXT PRIMARY KEY REFERENCES webhooks (id) ON DELETE CASCADE,
    next_slot  BIGINT NOT NULL
);
