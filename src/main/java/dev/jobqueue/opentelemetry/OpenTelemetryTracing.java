package dev.jobqueue.opentelemetry;

import dev.jobqueue.EnqueueResult;
import dev.jobqueue.internal.Tracing;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.util.List;

/**
 * The OpenTelemetry implementation of the tracing hook, over an explicit instance or over {@code
 * GlobalOpenTelemetry}. The global instance is read only once it is set: reading it before would
 * fix it to the no-op instance for good, and the application's later {@code set} would fail.
 */
final class OpenTelemetryTracing extends Tracing {

  /** The instrumentation scope of every span. */
  static final String SCOPE = "dev.jobqueue";

  static final String SYSTEM = "jobqueue";

  static final AttributeKey<String> MESSAGING_SYSTEM = AttributeKey.stringKey("messaging.system");
  static final AttributeKey<String> OPERATION_TYPE =
      AttributeKey.stringKey("messaging.operation.type");
  static final AttributeKey<String> OPERATION_NAME =
      AttributeKey.stringKey("messaging.operation.name");
  static final AttributeKey<String> DESTINATION =
      AttributeKey.stringKey("messaging.destination.name");
  static final AttributeKey<String> MESSAGE_ID = AttributeKey.stringKey("messaging.message.id");
  static final AttributeKey<Long> BATCH_COUNT =
      AttributeKey.longKey("messaging.batch.message_count");
  static final AttributeKey<String> JOB_TYPE = AttributeKey.stringKey("jobqueue.job.type");
  static final AttributeKey<Long> JOB_ATTEMPT = AttributeKey.longKey("jobqueue.job.attempt");
  static final AttributeKey<Long> JOB_CLAIM = AttributeKey.longKey("jobqueue.job.claim");
  static final AttributeKey<String> JOB_OUTCOME = AttributeKey.stringKey("jobqueue.job.outcome");
  static final AttributeKey<String> ENQUEUE_OUTCOME =
      AttributeKey.stringKey("jobqueue.enqueue.outcome");

  /** The instance, or null for the global one. */
  private final OpenTelemetry explicit;

  /** The tracer of the instance last seen; for the global one, replaced when it changes. */
  private volatile Bound bound;

  private record Bound(OpenTelemetry openTelemetry, Tracer tracer) {}

  /** Over the global instance: the library's default when the API is on the class path. */
  OpenTelemetryTracing() {
    this.explicit = null;
  }

  OpenTelemetryTracing(OpenTelemetry openTelemetry) {
    this.explicit = openTelemetry;
    this.bound = new Bound(openTelemetry, openTelemetry.getTracer(SCOPE));
  }

  /** The tracer, or null while the global instance is not set (nothing would be recorded). */
  private Tracer tracer() {
    if (explicit != null) {
      return bound.tracer();
    }
    if (!GlobalOpenTelemetry.isSet()) {
      return null;
    }
    OpenTelemetry global = GlobalOpenTelemetry.get();
    Bound current = bound;
    if (current == null || current.openTelemetry() != global) {
      current = new Bound(global, global.getTracer(SCOPE));
      bound = current;
    }
    return current.tracer();
  }

  @Override
  public Enqueue enqueue(String queue, String type, int count) {
    Tracer tracer = tracer();
    if (tracer == null) {
      return Enqueue.NONE;
    }
    SpanBuilder builder =
        tracer
            .spanBuilder(queue == null ? "send" : "send " + queue)
            .setSpanKind(SpanKind.PRODUCER)
            .setAttribute(MESSAGING_SYSTEM, SYSTEM)
            .setAttribute(OPERATION_TYPE, "send")
            .setAttribute(OPERATION_NAME, "send");
    if (queue != null) {
      builder.setAttribute(DESTINATION, queue);
    }
    if (type != null) {
      builder.setAttribute(JOB_TYPE, type);
    }
    if (count > 1) {
      builder.setAttribute(BATCH_COUNT, (long) count);
    }
    Span span = builder.startSpan();
    Context context = Context.current().with(span);
    return new ProducerSpan(span, StoredContext.encode(context), context.makeCurrent());
  }

  @Override
  public Attempt attempt(
      long id, String type, String queue, int attempt, int claim, String stored) {
    Tracer tracer = tracer();
    if (tracer == null) {
      return Attempt.NONE;
    }
    SpanBuilder builder =
        tracer
            .spanBuilder("process " + queue)
            .setSpanKind(SpanKind.CONSUMER)
            .setNoParent()
            .setAttribute(MESSAGING_SYSTEM, SYSTEM)
            .setAttribute(OPERATION_TYPE, "process")
            .setAttribute(OPERATION_NAME, "process")
            .setAttribute(DESTINATION, queue)
            .setAttribute(MESSAGE_ID, Long.toString(id))
            .setAttribute(JOB_TYPE, type)
            .setAttribute(JOB_ATTEMPT, (long) attempt)
            .setAttribute(JOB_CLAIM, (long) claim);
    if (stored != null) {
      Context enqueued = StoredContext.decode(stored);
      SpanContext producer = Span.fromContext(enqueued).getSpanContext();
      if (producer.isValid()) {
        if (claim <= 1) {
          builder.setParent(enqueued); // The first run continues the enqueue's trace.
        } else {
          builder.addLink(producer); // Later ones are traces of their own, linked to it.
        }
      }
    }
    Span span = builder.startSpan();
    return new ConsumerSpan(span, span.makeCurrent());
  }

  @Override
  public String toString() {
    return explicit == null ? "JobQueueTracing[global]" : "JobQueueTracing[" + explicit + "]";
  }

  /** An enqueue's span, current on the enqueuing thread until it ends. */
  private static final class ProducerSpan implements Enqueue {
    private final Span span;
    private final String context;
    private final Scope scope;

    ProducerSpan(Span span, String context, Scope scope) {
      this.span = span;
      this.context = context;
      this.scope = scope;
    }

    @Override
    public String context() {
      return context;
    }

    @Override
    public void end(List<EnqueueResult> results) {
      if (results.size() == 1) {
        EnqueueResult result = results.get(0);
        span.setAttribute(MESSAGE_ID, result.id());
        span.setAttribute(
            ENQUEUE_OUTCOME, result.outcome().name().toLowerCase(java.util.Locale.ROOT));
      }
      scope.close();
      span.end();
    }

    @Override
    public void fail(Throwable error) {
      span.recordException(error);
      span.setStatus(
          StatusCode.ERROR, error.getMessage() != null ? error.getMessage() : error.toString());
      scope.close();
      span.end();
    }
  }

  /** An attempt's span, current on the worker thread while the handler runs. */
  private static final class ConsumerSpan implements Attempt {
    private final Span span;
    private final Scope scope;

    ConsumerSpan(Span span, Scope scope) {
      this.span = span;
      this.scope = scope;
    }

    @Override
    public void end(Result result, String error, Throwable cause) {
      span.setAttribute(JOB_OUTCOME, result.wireName());
      if (cause != null) {
        span.recordException(cause);
      }
      if (result.isError()) {
        span.setStatus(StatusCode.ERROR, error == null ? result.wireName() : error);
      }
      scope.close();
      span.end();
    }
  }
}
