/**
 * Micrometer metrics for jobqueue: {@link dev.jobqueue.micrometer.JobQueueMetrics} publishes job
 * counters, an attempt-duration timer and queue and worker gauges to a Micrometer {@code
 * MeterRegistry}.
 *
 * <p>Public API, and optional: this package is the only part of the library that uses Micrometer.
 * It needs {@code io.micrometer:micrometer-core} on the class path, which the library declares as
 * an optional dependency, so an application that wants these metrics adds micrometer-core itself (a
 * Spring Boot or Quarkus application usually has it already). Everything else in the library runs
 * without Micrometer.
 */
package dev.jobqueue.micrometer;
