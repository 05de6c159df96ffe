-- Every delivery is written three times (queued, claimed, attempted), and each write
-- keeps every index of the table that its change touches: feedwire bench found that
-- upkeep the largest part of a delivery's cost. No query uses these two (the claim
-- searches by webhook, deliveries_due_by_webhook; releasing leases reads the pending
-- deliveries, deliveries_pending_by_age), so they go.
DROP INDEX deliveries_due;
DROP INDEX deliveries_leased;
