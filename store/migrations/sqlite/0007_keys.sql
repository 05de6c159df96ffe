-- API keys get what listing, expiring and revoking them needs. prefix is the first 11
-- characters of the key ("fw_" and 8 hex digits), to recognise it by; keys made before
-- this migration were never stored, so theirs is just "fw_".
ALTER TABLE api_keys ADD COLUMN name TEXT;
ALTER TABLE api_keys ADD COLUMN prefix TEXT NOT NULL DEFAULT 'fw_';
ALTER TABLE api_keys ADD COLUMN expires_at INTEGER;
ALTER TABLE api_keys ADD COLUMN revoked_at INTEGER; -- may be ahead: a rotated key's grace period
ALTER TABLE api_keys ADD COLUMN last_used_at INTEGER; -- written at most once a minute
CREATE INDEX api_keys_by_workspace ON api_keys (workspace_id, id);

-- Webhook secrets are sealed (AES-256-GCM) by the store, in Go; the plain-text ones of
-- older databases are sealed right after this migration. secret_check holds a known
-- text sealed with the same key, so that starting with another key fails at once.
CREATE TABLE secret_check (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    sealed     TEXT NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
