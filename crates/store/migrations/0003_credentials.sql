-- Credentials: a name flows refer to, a type declared by a connector, and the non-secret fields.
-- Secret fields never come here: they live in the OS keychain (or the daemon's secret file),
-- keyed by the credential's id; `secret_fields` lists which ones are set.
CREATE TABLE credentials (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    kind          TEXT NOT NULL,
    fields        TEXT NOT NULL,  -- JSON object of the non-secret fields
    secret_fields TEXT NOT NULL,  -- JSON array of the secret fields that are set
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
