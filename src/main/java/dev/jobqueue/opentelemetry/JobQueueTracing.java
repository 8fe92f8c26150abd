package dev.jobqueue.opentelemetry;

import dev.jobqueue.JobTracing;
import io.opentelemetry.api.OpenTelemetry;
import java.util.Objects;

/**
 * Traces a manager's jobs through an OpenTelemetry instance of the application's own:
 *
 * <pre>{@code
 * JobQueueManager jobs = JobQueueManager.builder()
 *     .dataSource(dataSource)
 *     .tracing(JobQueueTracing.create(openTelemetry))
 *     .handler(new SendInvoiceHandler())
 *     .build();
 * }</pre>
 *
 * Without it, a manager traces through {@code GlobalOpenTelemetry} (once the application or the
 * Java agent has set it) whenever the OpenTelemetry API is on the class path. Spans, their names
 * and attributes are described in {@code docs/tracing.md}.
 */
public final class JobQueueTracing {

  private JobQueueTracing() {}

  /**
   * Tracing through {@code openTelemetry}: its tracer provider records the spans. Trace context is
   * stored with jobs in the W3C Trace Context format, whatever propagators the instance has.
   *
   * @param openTelemetry the instance
   * @return tracing for {@link dev.jobqueue.JobQueueManager.Builder#tracing(JobTracing)}
   */
  public static JobTracing create(OpenTelemetry openTelemetry) {
    return new OpenTelemetryTracing(
        Objects.requireNonNull(openTelemetry, "openTelemetry must not be null"));
  }
}
