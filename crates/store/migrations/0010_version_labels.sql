-- History worth reading: each version says what it changed (`label`), and consecutive edits in
-- the editor fold into one version per minute of editing (`started_at`: when the version's first
-- edit was saved) unless the version is `kept` — created, imported, restored, saved on purpose —
-- or a run used it. Versions from before this migration are kept as they are.
ALTER TABLE flow_versions ADD COLUMN label TEXT NOT NULL DEFAULT '';
ALTER TABLE flow_versions ADD COLUMN kept INTEGER NOT NULL DEFAULT 1;
ALTER TABLE flow_versions ADD COLUMN started_at TEXT;
