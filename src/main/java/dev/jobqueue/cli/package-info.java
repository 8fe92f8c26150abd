/**
 * The {@code jobqueue} command line: migrations, jobs, queues, schedules, statistics and the health
 * check of a job queue's database, through {@link dev.jobqueue.admin.JobQueueAdmin}. Optional: it
 * needs picocli, which the library does not. Run {@link dev.jobqueue.cli.JobQueueCli}; {@code
 * docs/cli.md} describes every command.
 */
package dev.jobqueue.cli;
