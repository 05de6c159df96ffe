-- Delivery controls on a webhook (issue 15): a filter over the payloads of its events,
-- as the JSON text of the filter, and the template of a template-format webhook, as
-- {"body","contentType"}. NULL when the webhook has none.
ALTER TABLE webhooks ADD COLUMN filter TEXT;
ALTER TABLE webhooks ADD COLUMN template TEXT;
