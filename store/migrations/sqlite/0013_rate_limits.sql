-- A webhook's rate limit (feedwire.RateLimit): both NULL when it has none.
ALTER TABLE webhooks ADD COLUMN rate_per_second INTEGER;
ALTER TABLE webhooks ADD COLUMN rate_burst INTEGER;

-- Where a rate-limited webhook's pacing stands: the theoretical arrival time of the
-- generic cell rate algorithm, in microseconds since the epoch. The next delivery may
-- go at next_slot less the burst's tolerance. Claims take it in their transaction, so
-- every node sends in the same sequence of slots.
CREATE TABLE webhook_pacing (
    webhook_id TEXT PRIMARY KEY REFERENCES webhooks (id) ON DELETE CASCADE,
    next_slot  INTEGER NOT NULL
);
