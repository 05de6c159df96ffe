-- Claims share the workers fairly between webhooks: each claim looks, webhook by
-- webhook, for the oldest due delivery, counts the attempts under way (the deliveries
-- under a lease), and finds the test deliveries of webhooks that are not active.
CREATE INDEX deliveries_due_by_webhook ON deliveries (webhook_id, next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_leased ON deliveries (webhook_id) WHERE lease IS NOT NULL;
CREATE INDEX deliveries_tests ON deliveries (webhook_id, next_attempt_at) WHERE test = 1 AND status = 'pending';

-- Pruning gives up the deliveries still pending after the retention.
CREATE INDEX deliveries_pending_by_age ON deliveries (created_at) WHERE status = 'pending';
