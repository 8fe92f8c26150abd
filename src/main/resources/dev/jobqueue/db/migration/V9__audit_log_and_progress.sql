-- Operator tools: the audit log of their actions, and a running job's reported progress.

-- Every action of an operator tool (dashboard, command line) and every sign-in, refused or not:
-- who, with which role, through which tool, what, on which jobs, when.
CREATE TABLE ${flyway:defaultSchema}.audit_log (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at        timestamptz NOT NULL DEFAULT now(),
    actor     text        NOT NULL,
    role      text        NOT NULL,
    via       text        NOT NULL,
    action    text        NOT NULL,
    target    text,
    job_count integer     NOT NULL DEFAULT 0,
    job_ids   bigint[]    NOT NULL DEFAULT '{}',
    details   text        NOT NULL DEFAULT '',

    CONSTRAINT audit_log_role_check CHECK (role IN ('viewer', 'operator', 'admin')),
    CONSTRAINT audit_log_job_count_check CHECK (job_count >= 0)
);

-- Progress a handler reports (JobContext.reportProgress); null until it reports. Adding nullable
-- columns without a default rewrites no row.
ALTER TABLE ${flyway:defaultSchema}.jobs
    ADD COLUMN progress_percent smallint,
    ADD COLUMN progress_message text,
    ADD COLUMN progress_at      timestamptz;

-- The operator tools read finished jobs of one type one status at a time (every search is split
-- by status, so that each part reads a partial index). Ordered by status first, the type index
-- gives each part its own range: the failed jobs of a type are read without stepping over its
-- completed ones. It holds the same rows as before, so a job's insert and claim still do not
-- feed it, and its outcome feeds it once, as before. Rebuilding it reads the finished jobs once
-- and blocks writes to the table while it runs.
DROP INDEX ${flyway:defaultSchema}.jobs_done_type_created_idx;
CREATE INDEX jobs_done_type_created_idx
    ON ${flyway:defaultSchema}.jobs (status, type, created_at DESC, id DESC)
    WHERE status IN ('completed', 'failed', 'cancelled');
