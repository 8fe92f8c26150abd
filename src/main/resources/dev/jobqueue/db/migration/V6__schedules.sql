-- jobqueue schema, version 6: recurring schedules, and the link from a job to the occurrence of
-- the schedule that created it.

-- One row per schedule, by name. The leader enqueues each due occurrence as a job built from the
-- job columns below, in the transaction that moves next_run_at on; every time is by the database
-- clock. Values are checked by the library before they are written.
CREATE TABLE ${flyway:defaultSchema}.schedules (
    name                       text        PRIMARY KEY,
    -- The job each occurrence creates, as validated when the schedule was stored.
    type                       text        NOT NULL,
    payload                    jsonb       NOT NULL,
    priority                   smallint    NOT NULL,
    max_retries                integer     NOT NULL,
    timeout_seconds            integer     NOT NULL,
    queue                      text        NOT NULL,
    concurrency_key            text,
    unique_key                 text,
    unique_states              text[],
    unique_completed_within_ms bigint,
    unique_replace             boolean,
    -- When: a cron expression in a time zone, or a fixed interval from an anchor.
    cron                       text,
    zone                       text,
    interval_ms                bigint,
    anchor                     timestamptz,
    -- What happens to occurrences that fell due while no leader ran: skip, once or all (up to
    -- catch_up_cap of them, none older than catch_up_window_ms).
    missed_runs                text        NOT NULL,
    catch_up_cap               integer,
    catch_up_window_ms         bigint,
    -- What happens when the previous occurrence's job is still pending or running: allow, skip
    -- or queue.
    overlap                    text        NOT NULL,
    -- Declared by an application's code (and brought in line by its initialize), or added at run
    -- time. paused_by says who paused it: 'operator' (the API) or 'undeclared' (no longer declared).
    declared                   boolean     NOT NULL,
    paused                     boolean     NOT NULL DEFAULT false,
    paused_by                  text,
    -- The next occurrence not yet looked at; null when the expression has no occurrence left.
    next_run_at                timestamptz,
    -- An occurrence kept back by the queue overlap policy until the previous job ends.
    waiting_at                 timestamptz,
    last_run_at                timestamptz,
    last_job_id                bigint,
    runs                       bigint      NOT NULL DEFAULT 0,
    catch_ups                  bigint      NOT NULL DEFAULT 0,
    skips                      bigint      NOT NULL DEFAULT 0,
    created_at                 timestamptz NOT NULL DEFAULT now(),
    updated_at                 timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT schedules_when_check CHECK ((cron IS NULL) <> (interval_ms IS NULL))
);

-- The leader's look for due schedules.
CREATE INDEX schedules_due_idx
    ON ${flyway:defaultSchema}.schedules (next_run_at)
    WHERE NOT paused;

-- A job created by a schedule names the schedule and the occurrence it stands for. At most one job
-- stands for an occurrence: a second insert of one fails, whichever node makes it. Adding nullable
-- columns without a default changes only the catalog.
ALTER TABLE ${flyway:defaultSchema}.jobs
    ADD COLUMN schedule_name text,
    ADD COLUMN occurrence_at timestamptz;

CREATE UNIQUE INDEX jobs_occurrence_idx
    ON ${flyway:defaultSchema}.jobs (schedule_name, occurrence_at)
    WHERE schedule_name IS NOT NULL;
