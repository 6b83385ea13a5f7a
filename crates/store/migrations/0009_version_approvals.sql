-- Which versions of a flow the person approved or made, so restoring an old version keeps its
-- own approval (an imported version never approved is reviewed again) instead of the current
-- one's. Versions from before this migration count as approved only if they were the approved
-- version then.
ALTER TABLE flow_versions ADD COLUMN approved INTEGER NOT NULL DEFAULT 0;
UPDATE flow_versions SET approved = 1
WHERE (flow_id, version) IN (SELECT flow_id, version FROM flow_trust);
