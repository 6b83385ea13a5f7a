-- Samples pinned as a node's test input: previews of the flow start from them instead of running
-- what feeds the node. Local to this machine (never exported: they may hold real data); gone with
-- the flow.
CREATE TABLE pinned_samples (
    flow_id   TEXT NOT NULL REFERENCES flows(id) ON DELETE CASCADE,
    node_id   TEXT NOT NULL,
    -- The records, as a JSON array of objects.
    records   TEXT NOT NULL,
    pinned_at TEXT NOT NULL,
    PRIMARY KEY (flow_id, node_id)
) STRICT;
