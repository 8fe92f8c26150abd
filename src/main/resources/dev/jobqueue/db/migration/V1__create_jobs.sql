-- jobqueue schema, version 1: the jobs table and its indexes.
-- ${flyway:defaultSchema} is the configured schema; its name was checked against
-- ^[a-z_][a-z0-9_]{0,62}$ before Flyway ran, so it needs no quoting.

CREATE TABLE ${flyway:defaultSchema}.jobs (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    type             text        NOT NULL,
    status           text        NOT NULL DEFAULT 'pending',
    priority         smallint    NOT NULL DEFAULT 2,
    payload          jsonb       NOT NULL,
    result           jsonb,
    error_message    text,
    -- One entry per failed attempt: {"attempt": n, "at": timestamptz, "error": text}.
    errors           jsonb       NOT NULL DEFAULT '[]'::jsonb,
    retry_count      integer     NOT NULL DEFAULT 0,
    max_retries      integer     NOT NULL,
    -- Attempts started so far; the fencing token of the running attempt.
    attempt          integer     NOT NULL DEFAULT 0,
    timeout_seconds  integer     NOT NULL,
    -- The node holding the job while it runs, and until when its lease lasts (database clock).
    locked_by        text,
    lease_expires_at timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    -- When the caller asked the job to run; run_at is when it may next be claimed
    -- (scheduled_at at first, later pushed back by retry delays).
    scheduled_at     timestamptz NOT NULL DEFAULT now(),
    run_at           timestamptz NOT NULL DEFAULT now(),
    started_at       timestamptz,
    completed_at     timestamptz,

    CONSTRAINT jobs_status_check
        CHECK (status IN ('pending', 'running', 'completed', 'failed', 'cancelled')),
    CONSTRAINT jobs_priority_check CHECK (priority BETWEEN 1 AND 3),
    CONSTRAINT jobs_type_check CHECK (char_length(type) BETWEEN 1 AND 128),
    CONSTRAINT jobs_payload_object_check CHECK (jsonb_typeof(payload) = 'object'),
    CONSTRAINT jobs_errors_array_check CHECK (jsonb_typeof(errors) = 'array'),
    CONSTRAINT jobs_retry_count_check CHECK (retry_count >= 0),
    CONSTRAINT jobs_max_retries_check CHECK (max_retries >= 0),
    CONSTRAINT jobs_attempt_check CHECK (attempt >= 0),
    CONSTRAINT jobs_timeout_check CHECK (timeout_seconds > 0),
    CONSTRAINT jobs_running_lease_check
        CHECK (status <> 'running' OR (locked_by IS NOT NULL AND lease_expires_at IS NOT NULL))
) WITH (fillfactor = 85);

-- The claim: pending rows in claim order (priority, then run_at, then id). Partial, so it only
-- holds the rows a claim can take, and stays small however many finished jobs the table keeps.
CREATE INDEX jobs_claim_idx
    ON ${flyway:defaultSchema}.jobs (priority, run_at, id)
    WHERE status = 'pending';

-- getJobs: newest first, optionally by status or type.
CREATE INDEX jobs_created_idx ON ${flyway:defaultSchema}.jobs (created_at DESC, id DESC);
CREATE INDEX jobs_status_created_idx
    ON ${flyway:defaultSchema}.jobs (status, created_at DESC, id DESC);
CREATE INDEX jobs_type_created_idx
    ON ${flyway:defaultSchema}.jobs (type, created_at DESC, id DESC);

-- getJobs with a payload filter: jsonb containment (@>).
CREATE INDEX jobs_payload_idx
    ON ${flyway:defaultSchema}.jobs USING gin (payload jsonb_path_ops);

-- The rescuer: running jobs whose lease has expired.
CREATE INDEX jobs_lease_idx
    ON ${flyway:defaultSchema}.jobs (lease_expires_at)
    WHERE status = 'running';
