-- The claim finds the tests due of webhooks that are not active with d.test = TRUE;
-- SQLite uses a partial index only when the query's terms match its WHERE as written,
-- and 0008 wrote test = 1, so that search scanned every pending delivery: with a
-- million in the queue, a million rows on every claim.
DROP INDEX deliveries_tests;
CREATE INDEX deliveries_tests ON deliveries (webhook_id, next_attempt_at) WHERE test = TRUE AND status = 'pending';
