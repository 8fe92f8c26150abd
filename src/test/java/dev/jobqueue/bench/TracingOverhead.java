package dev.jobqueue.bench;

import dev.jobqueue.EnqueueResult;
import dev.jobqueue.internal.Tracing;
import dev.jobqueue.opentelemetry.JobQueueTracing;
import io.opentelemetry.api.OpenTelemetry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What the tracing hook itself costs per job, on one thread, without a database: the consumer side
 * ({@code attempt} then {@code end}, what the executor adds around each handler call) and the
 * producer side ({@code enqueue}, {@code context} then {@code end}, what each enqueue adds). For
 * the hook disabled, the default with the API but no SDK (no global instance set), an explicit
 * {@code OpenTelemetry.noop()}, and an SDK that samples everything and exports to nowhere. Prints
 * nanoseconds per operation, the median of 7 rounds after a warm-up.
 *
 * <pre>{@code
 * java -cp "target/test-classes:target/classes:$(cat target/cp.txt)" \
 *     dev.jobqueue.bench.TracingOverhead
 * }</pre>
 */
public final class TracingOverhead {

  private static final String STORED =
      "traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  private static final List<EnqueueResult> ONE =
      List.of(new EnqueueResult("42", EnqueueResult.Outcome.CREATED));
  private static final int N = 1_000_000;

  private static long sink;

  private TracingOverhead() {}

  /**
   * Runs the measurement.
   *
   * @param args ignored
   */
  public static void main(String[] args) {
    // The SDK's batch processor drops what it cannot queue, and says so for every batch.
    java.util.logging.Logger.getLogger("io.opentelemetry").setLevel(java.util.logging.Level.OFF);
    List<Object[]> cases = new ArrayList<>();
    cases.add(new Object[] {"disabled (JobTracing.disabled())", Tracing.NONE});
    cases.add(new Object[] {"default, API without SDK", Tracing.resolve(null)});
    cases.add(
        new Object[] {
          "explicit OpenTelemetry.noop()",
          Tracing.resolve(JobQueueTracing.create(OpenTelemetry.noop()))
        });
    cases.add(
        new Object[] {
          "SDK, all sampled, export to nowhere",
          Tracing.resolve(JobQueueTracing.create(BenchTracing.sdk()))
        });
    System.out.printf("%-40s %14s %14s%n", "tracing", "attempt ns/op", "enqueue ns/op");
    for (Object[] c : cases) {
      Tracing tracing = (Tracing) c[1];
      long attempt = median(() -> attempts(tracing));
      long enqueue = median(() -> enqueues(tracing));
      System.out.printf("%-40s %14d %14d%n", c[0], attempt, enqueue);
    }
    System.out.println("(sink " + sink + ")");
  }

  private interface Round {
    long nanosPerOp();
  }

  private static long median(Round round) {
    for (int i = 0; i < 3; i++) {
      round.nanosPerOp(); // warm-up
    }
    long[] rounds = new long[7];
    for (int i = 0; i < rounds.length; i++) {
      rounds[i] = round.nanosPerOp();
    }
    Arrays.sort(rounds);
    return rounds[rounds.length / 2];
  }

  private static long attempts(Tracing tracing) {
    long start = System.nanoTime();
    for (int i = 0; i < N; i++) {
      Tracing.Attempt attempt = tracing.attempt(i, "work", "default", 1, 1, STORED);
      attempt.end(Tracing.Result.COMPLETED, null, null);
      sink += attempt.hashCode();
    }
    return (System.nanoTime() - start) / N;
  }

  private static long enqueues(Tracing tracing) {
    long start = System.nanoTime();
    for (int i = 0; i < N; i++) {
      Tracing.Enqueue enqueue = tracing.enqueue("default", "work", 1);
      String context = enqueue.context();
      sink += context == null ? 0 : context.length();
      enqueue.end(ONE);
    }
    return (System.nanoTime() - start) / N;
  }
}
