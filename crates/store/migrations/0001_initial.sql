-- The first schema: flows with every saved version, runs with per-node stats and log lines,
-- per-node sync state, and settings. Timestamps are RFC 3339 UTC text, so they sort as text.

CREATE TABLE flows (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    -- Relative paths in the flow resolve against this folder (where it was imported from).
    base_dir        TEXT,
    current_version INTEGER NOT NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
) STRICT;

CREATE TABLE flow_versions (
    flow_id  TEXT NOT NULL REFERENCES flows (id) ON DELETE CASCADE,
    version  INTEGER NOT NULL,
    document TEXT NOT NULL,
    saved_at TEXT NOT NULL,
    PRIMARY KEY (flow_id, version)
) STRICT;

-- flow_id has no foreign key: a flow run straight from a file is not stored, but its runs are.
CREATE TABLE runs (
    id           TEXT PRIMARY KEY,
    flow_id      TEXT NOT NULL,
    flow_name    TEXT NOT NULL,
    flow_version INTEGER,
    trigger      TEXT NOT NULL,
    status       TEXT NOT NULL,
    started_at   TEXT NOT NULL,
    finished_at  TEXT,
    error        TEXT,
    error_node   TEXT,
    owner_pid    INTEGER
) STRICT;
CREATE INDEX runs_by_flow ON runs (flow_id, started_at);
CREATE INDEX runs_by_start ON runs (started_at);
CREATE INDEX runs_by_status ON runs (status);

CREATE TABLE run_nodes (
    run_id          TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    node_id         TEXT NOT NULL,
    position        INTEGER NOT NULL,
    status          TEXT NOT NULL,
    records_in      INTEGER NOT NULL,
    records_out     INTEGER NOT NULL,
    records_errored INTEGER NOT NULL,
    bytes           INTEGER NOT NULL,
    duration_ms     INTEGER NOT NULL,
    error           TEXT,
    PRIMARY KEY (run_id, node_id)
) STRICT;

CREATE TABLE run_logs (
    run_id  TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    seq     INTEGER NOT NULL,
    at      TEXT NOT NULL,
    level   TEXT NOT NULL,
    node_id TEXT,
    message TEXT NOT NULL,
    PRIMARY KEY (run_id, seq)
) STRICT;

CREATE TABLE node_state (
    flow_id    TEXT NOT NULL,
    node_id    TEXT NOT NULL,
    state      TEXT NOT NULL,
    run_id     TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (flow_id, node_id)
) STRICT;

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;
