-- jobqueue schema, version 4: named queues (paused state and cluster-wide limits), concurrency
-- keys, the log of starts behind rate limits, unique jobs and snoozes.
--
-- The priority values come from the library's one definition of them (JobPriority), passed in as
-- placeholders: ${priority_first} is claimed first, ${priority_last} last, ${priority_default}
-- is the default.

ALTER TABLE ${flyway:defaultSchema}.jobs
    ALTER COLUMN priority SET DEFAULT ${priority_default},
    DROP CONSTRAINT jobs_priority_check,
    ADD CONSTRAINT jobs_priority_check
        CHECK (priority BETWEEN ${priority_first} AND ${priority_last}),
    -- The queue the job runs in. Existing jobs belong to the default queue.
    ADD COLUMN queue text NOT NULL DEFAULT 'default',
    -- Jobs with the same key in one queue count against the queue's per-key limits together.
    ADD COLUMN concurrency_key text,
    -- A unique job's key (scoped to its type) and the states in which it holds that key.
    ADD COLUMN unique_key text,
    ADD COLUMN unique_states text[],
    -- How often a handler snoozed the job; snoozes spend no retry, and are capped.
    ADD COLUMN snooze_count integer NOT NULL DEFAULT 0,
    ADD CONSTRAINT jobs_queue_check CHECK (queue ~ '^[a-z][a-z0-9_-]{0,62}$'),
    ADD CONSTRAINT jobs_concurrency_key_check
        CHECK (char_length(concurrency_key) BETWEEN 1 AND 255),
    ADD CONSTRAINT jobs_unique_key_check CHECK (char_length(unique_key) BETWEEN 1 AND 255),
    ADD CONSTRAINT jobs_unique_states_check
        CHECK ((unique_key IS NULL) = (unique_states IS NULL)
            AND unique_states <@ ARRAY['pending', 'running', 'completed', 'failed', 'cancelled']
            AND unique_states @> ARRAY['pending', 'running']),
    ADD CONSTRAINT jobs_snooze_count_check CHECK (snooze_count >= 0);

-- The claim, now per queue: pending rows of one queue in claim order.
DROP INDEX ${flyway:defaultSchema}.jobs_claim_idx;
CREATE INDEX jobs_claim_idx
    ON ${flyway:defaultSchema}.jobs (queue, priority, run_at, id)
    WHERE status = 'pending';

-- Limits count the running jobs of a queue, and of a key within it.
CREATE INDEX jobs_running_key_idx
    ON ${flyway:defaultSchema}.jobs (queue, concurrency_key)
    WHERE status = 'running';

-- A unique key is held by at most one job of a type while the job is in one of its states.
-- Concurrent inserts of one key wait for each other here, so exactly one of them wins.
CREATE UNIQUE INDEX jobs_unique_idx
    ON ${flyway:defaultSchema}.jobs (type, unique_key)
    WHERE unique_key IS NOT NULL AND status = ANY (unique_states);

-- Processing statistics per queue as well as per type.
ALTER TABLE ${flyway:defaultSchema}.job_stats
    ADD COLUMN queue text NOT NULL DEFAULT 'default',
    DROP CONSTRAINT job_stats_pkey,
    ADD PRIMARY KEY (minute, node_id, queue, type);

-- One row per queue that was declared, paused or limited. A queue without a row runs unlimited
-- and unpaused. A claim in a limited queue locks its row first, which serializes the claims of
-- that queue across nodes, so that each sees the others' claims and no limit is exceeded.
CREATE TABLE ${flyway:defaultSchema}.queues (
    name                text        PRIMARY KEY,
    paused              boolean     NOT NULL DEFAULT false,
    paused_at           timestamptz,
    -- At most this many of the queue's jobs run at once, across all nodes.
    max_running         integer,
    -- At most this many jobs with one concurrency key run at once, across all nodes.
    max_running_per_key integer,
    -- At most rate_limit starts per rate_window_ms milliseconds, across all nodes.
    rate_limit          integer,
    rate_window_ms      bigint,
    -- The same per concurrency key.
    key_rate_limit      integer,
    key_rate_window_ms  bigint,
    updated_at          timestamptz NOT NULL DEFAULT now(),

    CONSTRAINT queues_name_check CHECK (name ~ '^[a-z][a-z0-9_-]{0,62}$'),
    CONSTRAINT queues_max_running_check CHECK (max_running > 0),
    CONSTRAINT queues_max_running_per_key_check CHECK (max_running_per_key > 0),
    CONSTRAINT queues_rate_check
        CHECK ((rate_limit IS NULL) = (rate_window_ms IS NULL)
            AND rate_limit > 0 AND rate_window_ms > 0),
    CONSTRAINT queues_key_rate_check
        CHECK ((key_rate_limit IS NULL) = (key_rate_window_ms IS NULL)
            AND key_rate_limit > 0 AND key_rate_window_ms > 0)
);

INSERT INTO ${flyway:defaultSchema}.queues (name) VALUES ('default');

-- The starts of jobs in rate-limited queues, kept for the longest window: a rate limit counts
-- the rows of its queue (or key) younger than its window. Written by the claim that starts them.
CREATE TABLE ${flyway:defaultSchema}.job_starts (
    queue      text        NOT NULL,
    key        text,
    started_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX job_starts_queue_idx
    ON ${flyway:defaultSchema}.job_starts (queue, started_at);
CREATE INDEX job_starts_key_idx
    ON ${flyway:defaultSchema}.job_starts (queue, key, started_at)
    WHERE key IS NOT NULL;
