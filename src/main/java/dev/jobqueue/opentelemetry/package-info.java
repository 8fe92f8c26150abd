/**
 * OpenTelemetry tracing for jobqueue: each enqueue is a producer span whose W3C trace context is
 * stored with its jobs, and each attempt of a job is a consumer span that continues that trace (the
 * first attempt) or links to it (later attempts).
 *
 * <p>Public API, and optional: this package is the only part of the library that uses
 * OpenTelemetry. It needs {@code io.opentelemetry:opentelemetry-api} on the class path, which the
 * library declares as an optional dependency. With the API present, a manager traces through {@code
 * GlobalOpenTelemetry} by default; {@link dev.jobqueue.opentelemetry.JobQueueTracing} traces
 * through an instance of the application's own, and {@link dev.jobqueue.JobTracing#disabled()}
 * switches tracing off. Everything else in the library runs without OpenTelemetry.
 */
package dev.jobqueue.opentelemetry;
