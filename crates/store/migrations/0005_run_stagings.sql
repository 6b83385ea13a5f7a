-- The commit protocol of runs (README, "All or nothing"): what each run's sinks staged before
-- writing, and the moment the run decided to commit. A run is `committing` from its decision
-- until every staging is published; the next Sluice to start finishes what a crash left.
ALTER TABLE runs ADD COLUMN decided_at TEXT;

CREATE TABLE run_stagings (
    run_id      TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    node_id     TEXT NOT NULL,
    kind        TEXT NOT NULL,  -- the staging kind that publishes or discards it: file, sqlite
    destination TEXT NOT NULL,  -- what it writes, for people: a file path, or path#table
    lock_key    TEXT NOT NULL,  -- what one run at a time writes: the file, or the database file
    detail      TEXT NOT NULL,  -- JSON: the kind's own description (paths, tables, mode)
    state       TEXT NOT NULL DEFAULT 'staged',  -- staged | published | discarded
    PRIMARY KEY (run_id, node_id)
) STRICT;
CREATE INDEX run_stagings_pending ON run_stagings (lock_key, state);

-- Webhook records are taken by one run: its decision deletes exactly those, and a run that
-- does not commit gives exactly those back.
ALTER TABLE webhook_queue ADD COLUMN taken_by TEXT;
