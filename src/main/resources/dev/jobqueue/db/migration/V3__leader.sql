-- jobqueue schema, version 3: the leader lease.

-- One row per leadership ('default' for now): the node in node_id leads until expires_at, on the
-- database clock. The leader renews the row every third of the lease; another node takes it over
-- only once expires_at has passed, and a leader that stops cleanly deletes its row so that another
-- node takes over at its next attempt. elected_at changes only when the lease changes hands (or
-- lapsed), so a takeover is visible.
CREATE TABLE ${flyway:defaultSchema}.leader (
    name       text        PRIMARY KEY,
    node_id    text        NOT NULL,
    elected_at timestamptz NOT NULL DEFAULT now(),
    renewed_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);
