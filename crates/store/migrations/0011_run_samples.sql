-- A few of the records each node of a run sent on (a sink: received), as a JSON array, so a past
-- run's data can be looked at; capped in size by the runtime, pruned with the run.
ALTER TABLE run_nodes ADD COLUMN samples TEXT NOT NULL DEFAULT '[]';
