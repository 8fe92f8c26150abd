package dev.jobqueue;

import dev.jobqueue.internal.Tracing;

/**
 * How a manager traces its jobs, for {@link JobQueueManager.Builder#tracing(JobTracing)}.
 *
 * <p>By default a manager traces with OpenTelemetry when {@code io.opentelemetry:opentelemetry-api}
 * is on the class path, through the global instance ({@code GlobalOpenTelemetry}), and does nothing
 * otherwise. Pass {@code dev.jobqueue.opentelemetry.JobQueueTracing.create(openTelemetry)} to trace
 * through an instance of your own, or {@link #disabled()} to switch tracing off. What is traced is
 * described in {@code docs/tracing.md}.
 *
 * <p>Applications do not implement this class: the library uses only the instances it hands out.
 */
public abstract class JobTracing {

  /** For the library's own implementations. */
  protected JobTracing() {}

  /**
   * No tracing: jobs are enqueued and run without spans, and no trace context is stored.
   *
   * @return the disabled tracing
   */
  public static JobTracing disabled() {
    return Tracing.NONE;
  }
}
