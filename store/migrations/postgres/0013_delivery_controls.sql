-- As on SQLite (sqlite/0014): a webhook's filter, as the JSON text of the filter, and
-- a template webhook's template, as {"body","contentType"}; NULL when it has none.
ALTER TABLE webhooks ADD COLUMN filter TEXT;
ALTER TABLE webhooks ADD COLUMN template TEXT;
