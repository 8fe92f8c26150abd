package dev.jobqueue;

import java.time.Duration;

/**
 * Hooks for metrics and tracing: told when jobs are created and when attempts finish. Every method
 * does nothing by default, so an implementation overrides only what it needs.
 *
 * <p>Methods are called on the library's threads, right after the event, and must return quickly
 * and not throw (an exception is logged and ignored). The Micrometer binder in {@code
 * dev.jobqueue.micrometer} is one implementation.
 */
public interface JobEventListener {

  /**
   * Jobs were created and committed (or, inside the caller's transaction, written).
   *
   * @param type the job type
   * @param count how many jobs of that type
   */
  default void jobsCreated(String type, int count) {}

  /**
   * An attempt finished on this node: it succeeded, failed (retried or not), or snoozed its job
   * ({@link AttemptOutcome#SNOOZED}, which the processing statistics do not count). This is the
   * method the library calls; by default it calls {@link #attemptFinished(String, AttemptOutcome,
   * Duration)}, so a listener that does not need the queue may implement that one instead.
   *
   * @param queue the queue the job ran in
   * @param type the job type
   * @param outcome how it ended
   * @param duration how long the handler ran
   */
  default void attemptFinished(
      String queue, String type, AttemptOutcome outcome, Duration duration) {
    attemptFinished(type, outcome, duration);
  }

  /**
   * An attempt finished on this node, without its queue: called by the default {@link
   * #attemptFinished(String, String, AttemptOutcome, Duration)}, and never by the library directly.
   * A listener overriding that method need not implement this one.
   *
   * @param type the job type
   * @param outcome how it ended
   * @param duration how long the handler ran
   */
  default void attemptFinished(String type, AttemptOutcome outcome, Duration duration) {}
}
