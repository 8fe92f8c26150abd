package dev.jobqueue.internal.admin;

import dev.jobqueue.Job;
import dev.jobqueue.JobQueueManager;
import dev.jobqueue.internal.store.AdminStore;
import dev.jobqueue.internal.store.JobRecord;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * How the operator API ({@code dev.jobqueue.admin}) reaches what a {@link JobQueueManager} keeps to
 * itself, without a public method on the manager: the API package installs, once, the function that
 * gives a manager's {@link Backend} (when {@code JobQueueManager} is initialized, so before any
 * manager exists), and the admin asks for it. <strong>Not API.</strong>
 */
public final class AdminAccess {

  /** What the admin needs of one manager. Every method requires the manager to run. */
  public interface Backend {
    /**
     * The manager's operator queries.
     *
     * @return the store
     * @throws IllegalStateException unless the manager runs
     */
    AdminStore store();

    /**
     * A stored row as the API's job.
     *
     * @param row the row
     * @return the job
     */
    Job job(JobRecord row);

    /**
     * Enqueues a schedule's occurrence now, through the leader's look, and wakes the workers.
     *
     * @param name the schedule
     * @return the ids of the jobs enqueued
     */
    List<Long> enqueueScheduleNow(String name);
  }

  private static volatile Function<JobQueueManager, Backend> backends;

  private AdminAccess() {}

  /**
   * Installs the function that gives a manager's backend; only the first call counts.
   *
   * @param function the function
   */
  public static synchronized void install(Function<JobQueueManager, Backend> function) {
    if (backends == null) {
      backends = Objects.requireNonNull(function, "function");
    }
  }

  /**
   * A manager's backend.
   *
   * @param manager the manager
   * @return its backend
   */
  public static Backend backend(JobQueueManager manager) {
    Function<JobQueueManager, Backend> function = backends;
    if (function == null) {
      throw new IllegalStateException("the operator API is not installed");
    }
    return function.apply(manager);
  }
}
