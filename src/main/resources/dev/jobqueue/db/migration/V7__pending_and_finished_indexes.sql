-- jobqueue schema, version 7: the query indexes cover finished jobs only, and one index lists the
-- pending ones. A job's row is written three times (insert, claim, outcome); an index whose
-- predicate leaves a version out costs that write nothing. Before this version every write of a
-- job fed all six indexes; now the insert feeds three (the key, the claim index, the pending
-- list), the claim two (the key, the running jobs), the outcome four (the key and the three
-- finished-job indexes). Queries over finished jobs read the same indexes as before; queries over
-- pending jobs walk the pending list, and those over running jobs the running jobs' index (never
-- more rows than the nodes' workers hold). No index holds lease_expires_at any more, so a lease
-- renewal changes no indexed column and can be a HOT update: the rescuer finds expired leases
-- among the running jobs (jobs_running_key_idx).
--
-- Building the indexes reads the whole table once and blocks writes to it while it runs.

DROP INDEX ${flyway:defaultSchema}.jobs_created_idx;
DROP INDEX ${flyway:defaultSchema}.jobs_status_created_idx;
DROP INDEX ${flyway:defaultSchema}.jobs_type_created_idx;
DROP INDEX ${flyway:defaultSchema}.jobs_payload_idx;
DROP INDEX ${flyway:defaultSchema}.jobs_lease_idx;

CREATE INDEX jobs_pending_created_idx
    ON ${flyway:defaultSchema}.jobs (created_at DESC, id DESC)
    WHERE status = 'pending';

CREATE INDEX jobs_done_status_created_idx
    ON ${flyway:defaultSchema}.jobs (status, created_at DESC, id DESC)
    WHERE status IN ('completed', 'failed', 'cancelled');

CREATE INDEX jobs_done_type_created_idx
    ON ${flyway:defaultSchema}.jobs (type, created_at DESC, id DESC)
    WHERE status IN ('completed', 'failed', 'cancelled');

CREATE INDEX jobs_done_payload_idx
    ON ${flyway:defaultSchema}.jobs USING gin (payload jsonb_path_ops)
    WHERE status IN ('completed', 'failed', 'cancelled');
