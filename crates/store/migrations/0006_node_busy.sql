-- How long each node of a run was busy (its run time less its waits), so the slow node shows.
ALTER TABLE run_nodes ADD COLUMN busy_ms INTEGER NOT NULL DEFAULT 0;
