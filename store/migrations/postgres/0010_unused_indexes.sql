-- As on SQLite (sqlite/0011): no query uses these two. On Postgres an update that
-- changes an indexed column, as a claim and an attempt both do, adds an entry to
-- every index of the table, used or not.
DROP INDEX deliveries_due;
DROP INDEX deliveries_leased;
