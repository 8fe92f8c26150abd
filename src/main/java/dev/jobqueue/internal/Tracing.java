package dev.jobqueue.internal;

import dev.jobqueue.EnqueueResult;
import dev.jobqueue.JobTracing;
import java.lang.reflect.Constructor;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tracing hook: what the core tells a tracer about enqueues and attempts. The core never sees a
 * tracing library's types; the OpenTelemetry implementation lives in {@code
 * dev.jobqueue.opentelemetry} and is loaded by name, only when the OpenTelemetry API is on the
 * class path. {@link #NONE} does nothing and costs nothing. <strong>Not API.</strong>
 */
public abstract class Tracing extends JobTracing {
  private static final Logger log = LoggerFactory.getLogger(Tracing.class);

  /** The class whose presence means the OpenTelemetry API is on the class path. */
  static final String API_CLASS = "io.opentelemetry.api.OpenTelemetry";

  /** The implementation over the global OpenTelemetry instance. */
  static final String DEFAULT_CLASS = "dev.jobqueue.opentelemetry.OpenTelemetryTracing";

  /** No tracing. */
  public static final Tracing NONE =
      new Tracing() {
        @Override
        public Enqueue enqueue(String queue, String type, int count) {
          return Enqueue.NONE;
        }

        @Override
        public Attempt attempt(
            long id, String type, String queue, int attempt, int claim, String context) {
          return Attempt.NONE;
        }

        @Override
        public String toString() {
          return "JobTracing.disabled()";
        }
      };

  /** For the implementations. */
  protected Tracing() {}

  /**
   * Starts tracing an enqueue of {@code count} jobs: the producer span starts now, and its context
   * is what the jobs store.
   *
   * @param queue the queue of every job, or null when they go to several
   * @param type the type of every job, or null when they have several
   * @param count how many jobs, at least one
   * @return the enqueue in progress; never null
   */
  public abstract Enqueue enqueue(String queue, String type, int count);

  /**
   * Starts tracing an attempt on the calling thread, which runs the handler: the consumer span
   * starts and is current on this thread until {@link Attempt#end}, which must be called on the
   * same thread.
   *
   * @param id the job id
   * @param type the job type
   * @param queue the job's queue
   * @param attempt which try this is against the retry budget ({@code JobContext.attempt()}:
   *     retries used plus one)
   * @param claim how often the job has been claimed, this claim included (the fencing token): 1 for
   *     the first run, one more after each retry, snooze, rescue or release
   * @param context the trace context the job stored at enqueue, or null
   * @return the attempt in progress; never null
   */
  public abstract Attempt attempt(
      long id, String type, String queue, int attempt, int claim, String context);

  /** An enqueue being traced. */
  public interface Enqueue {
    /** Traces nothing. */
    Enqueue NONE =
        new Enqueue() {
          @Override
          public String context() {
            return null;
          }

          @Override
          public void end(List<EnqueueResult> results) {}

          @Override
          public void fail(Throwable error) {}
        };

    /**
     * The trace context to store with each job of the enqueue.
     *
     * @return the encoded context, or null for none
     */
    String context();

    /**
     * The jobs were inserted: the span records them and ends.
     *
     * @param results what happened to each job, in order
     */
    void end(List<EnqueueResult> results);

    /**
     * The insert failed: the span records the error and ends.
     *
     * @param error what the insert threw
     */
    void fail(Throwable error);
  }

  /** An attempt being traced. */
  public interface Attempt {
    /** Traces nothing. */
    Attempt NONE = (result, error, cause) -> {};

    /**
     * The attempt is over: the span records how it ended, stops being current and ends.
     *
     * @param result how it ended
     * @param error the error stored for a failed attempt, or null
     * @param cause what the handler threw, or null
     */
    void end(Result result, String error, Throwable cause);
  }

  /** How an attempt ended, as a trace shows it. */
  public enum Result {
    /** The handler succeeded; the job completed. */
    COMPLETED("completed", false),
    /** The attempt failed and the job will be retried. */
    FAILED_WILL_RETRY("failed_will_retry", true),
    /** The attempt failed and the job failed for good. */
    FAILED("failed", true),
    /** The handler snoozed the job. */
    SNOOZED("snoozed", false),
    /** The job was cancelled while it ran. */
    CANCELLED("cancelled", false),
    /** The attempt ran past its timeout. */
    TIMED_OUT("timed_out", true),
    /** The lease was lost to another node, or expired: this node wrote nothing. */
    LEASE_LOST("lease_lost", true),
    /** The node shut down and gave the job back to pending. */
    RELEASED("released", false);

    private final String wireName;
    private final boolean error;

    Result(String wireName, boolean error) {
      this.wireName = wireName;
      this.error = error;
    }

    /**
     * The name a span carries.
     *
     * @return for example {@code failed_will_retry}
     */
    public String wireName() {
      return wireName;
    }

    /**
     * Whether the span's status is an error.
     *
     * @return true for failures, timeouts and lost leases
     */
    public boolean isError() {
      return error;
    }
  }

  /**
   * The tracing a manager or pool uses.
   *
   * @param configured what the application passed, or null for the default
   * @return {@code configured}; by default, OpenTelemetry's global instance when the API is on the
   *     class path, else {@link #NONE}
   * @throws IllegalArgumentException if {@code configured} is not one the library handed out
   */
  public static Tracing resolve(JobTracing configured) {
    if (configured instanceof Tracing tracing) {
      return tracing;
    }
    if (configured != null) {
      throw new IllegalArgumentException(
          "unknown JobTracing " + configured + ": use JobQueueTracing.create or disabled()");
    }
    return DefaultTracing.INSTANCE;
  }

  /** The default, looked up once: without the OpenTelemetry API, no class of it is ever loaded. */
  private static final class DefaultTracing {
    static final Tracing INSTANCE = load();

    private static Tracing load() {
      ClassLoader loader = Tracing.class.getClassLoader();
      try {
        Class.forName(API_CLASS, false, loader);
      } catch (ClassNotFoundException | LinkageError absent) {
        return NONE;
      }
      try {
        Constructor<?> constructor =
            Class.forName(DEFAULT_CLASS, true, loader).getDeclaredConstructor();
        constructor.setAccessible(true);
        return (Tracing) constructor.newInstance();
      } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
        log.warn(
            "OpenTelemetry is on the class path but its tracing cannot start: {}", e.toString());
        return NONE;
      }
    }
  }
}
