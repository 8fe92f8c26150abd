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
