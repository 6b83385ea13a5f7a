-- Connector manifests people imported (Airbyte's declarative YAML): each import of an id adds a
-- version; the newest version is the one flows run.
CREATE TABLE connectors (
    -- The node type is `app.<id>`.
    id          TEXT NOT NULL,
    version     INTEGER NOT NULL,
    title       TEXT NOT NULL,
    -- The manifest as imported.
    manifest    TEXT NOT NULL,
    -- Where it came from: a file, or the flow it arrived with.
    origin      TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    PRIMARY KEY (id, version)
) STRICT;
