-- For nodes that hold records back (sort): the most memory their records took, and the bytes
-- they spilled to temporary files when the run's memory budget was full.
ALTER TABLE run_nodes ADD COLUMN memory_peak_bytes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE run_nodes ADD COLUMN spilled_bytes INTEGER NOT NULL DEFAULT 0;
