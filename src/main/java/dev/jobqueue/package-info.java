/**
 * jobqueue: durable background jobs on the PostgreSQL database an application already runs.
 *
 * <p>This package is the core public API; {@code dev.jobqueue.examples} holds the two example job
 * types and {@code dev.jobqueue.micrometer} the optional Micrometer binder. Start with {@link
 * dev.jobqueue.JobQueueManager}: build it from a {@link dev.jobqueue.JobQueueConfig} and a {@code
 * DataSource} or JDBC URL, register {@link dev.jobqueue.JobHandler}s, call {@link
 * dev.jobqueue.JobQueueManager#initialize()}, then {@link
 * dev.jobqueue.JobQueueManager#createJob(CreateJobOptions)}.
 *
 * <p>Everything under {@code dev.jobqueue.internal} is an implementation detail and may change in
 * any release.
 */
package dev.jobqueue;
