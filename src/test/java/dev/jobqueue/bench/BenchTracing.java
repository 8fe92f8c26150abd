package dev.jobqueue.bench;

import dev.jobqueue.JobQueueManager;
import dev.jobqueue.JobTracing;
import dev.jobqueue.opentelemetry.JobQueueTracing;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.Collection;

/**
 * The tracing of the workloads' managers, from {@code -Dbench.tracing}, so that a comparison can
 * measure what tracing costs the enqueue and the claim and completion path:
 *
 * <ul>
 *   <li>unset or {@code default}: the library's default, the global OpenTelemetry instance, which
 *       nothing sets here (the API on the class path, no SDK);
 *   <li>{@code off}: {@link JobTracing#disabled()};
 *   <li>{@code noop}: an explicit {@code OpenTelemetry.noop()}, so that every span is built, made
 *       current and ended, and records nothing;
 *   <li>{@code sdk}: an SDK that samples every span and exports it to nowhere through a batch
 *       processor.
 * </ul>
 */
final class BenchTracing {

  private static OpenTelemetry sdk;

  private BenchTracing() {}

  static JobQueueManager.Builder traced(JobQueueManager.Builder builder) {
    String mode = System.getProperty("bench.tracing", "default");
    switch (mode) {
      case "default" -> {}
      case "off" -> builder.tracing(JobTracing.disabled());
      case "noop" -> builder.tracing(JobQueueTracing.create(OpenTelemetry.noop()));
      case "sdk" -> builder.tracing(JobQueueTracing.create(sdk()));
      default -> throw new IllegalArgumentException("-Dbench.tracing=" + mode);
    }
    return builder;
  }

  static synchronized OpenTelemetry sdk() {
    if (sdk == null) {
      SpanExporter nowhere =
          new SpanExporter() {
            @Override
            public CompletableResultCode export(Collection<SpanData> spans) {
              return CompletableResultCode.ofSuccess();
            }

            @Override
            public CompletableResultCode flush() {
              return CompletableResultCode.ofSuccess();
            }

            @Override
            public CompletableResultCode shutdown() {
              return CompletableResultCode.ofSuccess();
            }
          };
      sdk =
          OpenTelemetrySdk.builder()
              .setTracerProvider(
                  SdkTracerProvider.builder()
                      .addSpanProcessor(BatchSpanProcessor.builder(nowhere).build())
                      .build())
              .build();
    }
    return sdk;
  }
}
