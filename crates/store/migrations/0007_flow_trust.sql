-- The version of each flow the person approved or made. A flow from elsewhere (an import) runs
-- only once the person approves what it touches; the person's own edits keep the approval.
-- Flows stored before this table existed were the person's own, so they start approved.
CREATE TABLE flow_trust (
    flow_id     TEXT PRIMARY KEY REFERENCES flows (id) ON DELETE CASCADE,
    version     INTEGER NOT NULL,
    approved_at TEXT NOT NULL
) STRICT;

INSERT INTO flow_trust (flow_id, version, approved_at)
SELECT id, current_version, updated_at FROM flows;
