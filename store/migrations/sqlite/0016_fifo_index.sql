-- The FIFO order's index held every pending delivery, though only FIFO webhooks' are
-- ever looked up in it, and each delivery queued or attempted paid for its upkeep
-- (feedwire bench: about 5 µs of the store's 68 per delivery claimed and recorded).
-- It now holds only numbered deliveries. A FIFO webhook's pending deliveries are all
-- numbered: those queued before it became FIFO get 0, which sorts them first, by id, as
-- the NULLs did.
UPDATE deliveries SET fifo_seq = 0
    WHERE status = 'pending' AND fifo_seq IS NULL AND webhook_id IN (SELECT id FROM webhooks WHERE ordering = 'fifo');
DROP INDEX deliveries_in_order;
CREATE INDEX deliveries_in_order ON deliveries (webhook_id, fifo_seq, id) WHERE status = 'pending' AND fifo_seq IS NOT NULL;
