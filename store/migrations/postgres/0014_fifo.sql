-- As on SQLite (sqlite/0015): FIFO webhooks, the sequence of each, and the order of a
-- FIFO webhook's pending deliveries.
ALTER TABLE webhooks ADD COLUMN ordering TEXT NOT NULL DEFAULT 'unordered';
ALTER TABLE deliveries ADD COLUMN fifo_seq BIGINT;

CREATE TABLE webhook_fifo (
    webhook_id TEXT PRIMARY KEY REFERENCES webhooks (id) ON DELETE CASCADE,
    last_seq   BIGINT NOT NULL
);

CREATE INDEX deliveries_in_order ON deliveries (webhook_id, fifo_seq NULLS FIRST, id) WHERE status = 'pending';
