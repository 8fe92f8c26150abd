-- jobqueue schema, version 2: the node registry and per-minute processing statistics.

-- Every running worker pool upserts its row here every few seconds. A node whose heartbeat is
-- older than three heartbeat intervals counts as gone; rows older than a day are pruned.
CREATE TABLE ${flyway:defaultSchema}.nodes (
    node_id        text        PRIMARY KEY,
    host           text        NOT NULL,
    pid            bigint      NOT NULL,
    started_at     timestamptz NOT NULL DEFAULT now(),
    heartbeat_at   timestamptz NOT NULL DEFAULT now(),
    types          text[]      NOT NULL DEFAULT '{}',
    max_workers    integer     NOT NULL,
    active_workers integer     NOT NULL DEFAULT 0,
    idle_workers   integer     NOT NULL DEFAULT 0,
    stuck_workers  integer     NOT NULL DEFAULT 0,
    listening      boolean     NOT NULL DEFAULT false
);

-- One row per node, job type and minute: what that node's attempts did in that minute. Nodes
-- write their current minutes every few seconds (idempotent upserts of running totals), so the
-- cluster's figures are a sum over rows, never a scan of the jobs table.
--   processed = succeeded + failed + retried (attempts that finished)
--   histogram: attempt durations in log2 millisecond buckets; bucket i counts durations in
--   [2^(i-1), 2^i) ms, bucket 0 counts durations under 1 ms.
CREATE TABLE ${flyway:defaultSchema}.job_stats (
    minute       timestamptz NOT NULL,
    node_id      text        NOT NULL,
    type         text        NOT NULL,
    processed    bigint      NOT NULL,
    succeeded    bigint      NOT NULL,
    failed       bigint      NOT NULL,
    retried      bigint      NOT NULL,
    total_millis bigint      NOT NULL,
    max_millis   bigint      NOT NULL,
    histogram    bigint[]    NOT NULL,
    PRIMARY KEY (minute, node_id, type)
);
