-- Records from webhook requests, kept until a run that took them succeeds: a 202 means they are
-- on disk. `taken` marks those the run in progress has taken; a failed run gives them back.
CREATE TABLE webhook_queue (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    flow_id     TEXT NOT NULL,
    body        TEXT NOT NULL,  -- one record, as JSON
    taken       INTEGER NOT NULL DEFAULT 0,
    received_at TEXT NOT NULL
);
CREATE INDEX webhook_queue_by_flow ON webhook_queue (flow_id, taken, id);
