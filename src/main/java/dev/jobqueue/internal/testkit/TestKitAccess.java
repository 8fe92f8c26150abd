package dev.jobqueue.internal.testkit;

import dev.jobqueue.JobHandler;
import dev.jobqueue.JobQueueConfig;
import dev.jobqueue.JobQueueManager;
import dev.jobqueue.internal.engine.Drain;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * How the test kit reaches what a {@link JobQueueManager} keeps to itself, without a public method
 * on the manager: the API package installs, once, the function that gives a manager's {@link
 * Backend} (when {@code JobQueueManager} is initialized, so before any manager exists), and the kit
 * asks for it. <strong>Not API.</strong>
 */
public final class TestKitAccess {

  /** What the kit needs of one running manager. Every method requires the manager to run. */
  public interface Backend {

    /**
     * The manager's configuration.
     *
     * @return the configuration
     */
    JobQueueConfig config();

    /**
     * The handler the manager has for a type.
     *
     * @param type the type
     * @return the handler, or empty
     */
    Optional<JobHandler<?>> handler(String type);

    /**
     * Runs the due jobs on the calling thread; see {@link Drain}.
     *
     * @param maxAttempts the most attempts to run
     * @return what ran
     * @throws IllegalStateException if the manager's worker pool runs, or the manager does not
     */
    Drain.Result drain(int maxAttempts);

    /**
     * Makes one pending job due now.
     *
     * @param id the job's id
     * @return false when there is no pending job with that id
     */
    boolean makeDue(long id);

    /**
     * Makes every pending job not due yet due now.
     *
     * @param type only this type, or null for all
     * @return how many jobs were moved
     */
    int makeAllDue(String type);

    /**
     * Brings every pending job not due yet {@code by} closer.
     *
     * @param by how much sooner
     * @return how many jobs were moved
     */
    int advance(Duration by);

    /**
     * Enqueues a schedule's occurrence now, through the leader's look.
     *
     * @param name the schedule
     * @return the ids of the jobs enqueued
     */
    List<Long> enqueueScheduleNow(String name);
  }

  private static volatile Function<JobQueueManager, Backend> backends;

  private TestKitAccess() {}

  /**
   * Installs the function that gives a manager's backend; only the first call counts.
   *
   * @param function the function
   */
  public static synchronized void install(Function<JobQueueManager, Backend> function) {
    if (backends == null) {
      backends = function;
    }
  }

  /**
   * The backend of a manager.
   *
   * @param manager the manager
   * @return its backend
   */
  public static Backend of(JobQueueManager manager) {
    Function<JobQueueManager, Backend> function = backends;
    if (function == null) {
      throw new IllegalStateException("JobQueueManager did not install the test kit's access");
    }
    return function.apply(manager);
  }
}
