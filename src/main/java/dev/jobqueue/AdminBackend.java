package dev.jobqueue;

import dev.jobqueue.internal.admin.AdminAccess;
import dev.jobqueue.internal.maintenance.Scheduler;
import dev.jobqueue.internal.store.AdminStore;
import dev.jobqueue.internal.store.JobRecord;
import dev.jobqueue.internal.store.JobRepository;
import java.util.List;
import java.util.Objects;

/**
 * A manager's side of the operator API ({@code dev.jobqueue.admin.JobQueueAdmin}): its store, its
 * rows as jobs, and running a schedule now. Package-private; {@link ManagerSchedules} installs it
 * in {@link AdminAccess} when the manager's class is initialized.
 */
final class AdminBackend implements AdminAccess.Backend {
  private final JobQueueManager manager;

  AdminBackend(JobQueueManager manager) {
    this.manager = Objects.requireNonNull(manager, "manager must not be null");
  }

  static void install() {
    AdminAccess.install(AdminBackend::new);
  }

  /** The manager's repository, once it runs; throws as every job operation does otherwise. */
  private static JobRepository repository(JobQueueManager manager) {
    manager.queueStore(); // Throws IllegalStateException unless the manager runs.
    return manager.workerPool().repository();
  }

  @Override
  public AdminStore store() {
    return repository(manager).admin();
  }

  @Override
  public Job job(JobRecord row) {
    return Job.from(row);
  }

  @Override
  public List<Long> enqueueScheduleNow(String name) {
    return enqueueScheduleNow(manager, name);
  }

  /**
   * Enqueues a schedule's occurrence now through the leader's own look (missed-run and overlap
   * policies included), in one transaction, then wakes this node's pool and tells the others.
   */
  static List<Long> enqueueScheduleNow(JobQueueManager manager, String name) {
    JobRepository store = repository(manager);
    JobQueueConfig config = manager.config();
    List<Long> ids =
        new Scheduler(
                store.schedules(), config.missedRunThreshold(), config.leaseDuration(), () -> false)
            .enqueueNow(name);
    if (!ids.isEmpty()) {
      manager.workerPool().wakeUp();
      store.notifyNewJobs();
    }
    return ids;
  }
}
