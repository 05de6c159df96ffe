-- FIFO webhooks (feedwire.OrderingFIFO). A delivery to a FIFO webhook gets the next
-- number of the webhook's sequence in the transaction that queues it, while it holds
-- the sequence's row: so the numbers follow the order the deliveries were committed.
-- A claim takes only the pending delivery with the lowest number.
ALTER TABLE webhooks ADD COLUMN ordering TEXT NOT NULL DEFAULT 'unordered';
ALTER TABLE deliveries ADD COLUMN fifo_seq INTEGER;

CREATE TABLE webhook_fifo (
    webhook_id TEXT PRIMARY KEY REFERENCES webhooks (id) ON DELETE CASCADE,
    last_seq   INTEGER NOT NULL
);

-- The head of a FIFO webhook's queue: deliveries queued before it became FIFO (no
-- number) first, by their time-sorted ids, then by number.
CREATE INDEX deliveries_in_order ON deliveries (webhook_id, fifo_seq, id) WHERE status = 'pending';
