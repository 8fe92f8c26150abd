-- jobqueue schema, version 8: the trace context a job was enqueued in.
--
-- When tracing is on, an enqueue stores the W3C Trace Context of its producer span with each job
-- it creates: one "name: value" line per header (traceparent, then tracestate when there is one).
-- Each execution of the job continues that trace (its first attempt) or links to it (later ones).
-- Null when the job was created outside a trace, with tracing off, or by a recurring schedule.
-- The library reads and writes the column; nothing queries by it, so no index covers it. Adding a
-- nullable column without a default changes only the catalog.

ALTER TABLE ${flyway:defaultSchema}.jobs
    ADD COLUMN trace_context text;
