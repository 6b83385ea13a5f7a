-- A queued webhook record that keeps failing runs is set aside instead of blocking the queue.
-- `failed_runs` counts the runs that took it and did not commit (a crash included); a record
-- that failed before is retried in runs of its own, and set aside (`set_aside_at`, with the last
-- run that failed in `taken_by`) after three failed runs. Set-aside records are kept until the
-- person puts them back in the queue or deletes them.
ALTER TABLE webhook_queue ADD COLUMN failed_runs INTEGER NOT NULL DEFAULT 0;
ALTER TABLE webhook_queue ADD COLUMN set_aside_at TEXT;
CREATE INDEX webhook_queue_by_run ON webhook_queue (taken_by);
