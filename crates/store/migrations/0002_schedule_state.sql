-- Where each scheduled flow stands: the last fire the scheduler handled (ran or skipped), the
-- next one, and the run it started last.
CREATE TABLE schedule_state (
    flow_id      TEXT PRIMARY KEY,
    last_fire_at TEXT,
    next_fire_at TEXT,
    last_run_id  TEXT,
    updated_at   TEXT NOT NULL
) STRICT;
