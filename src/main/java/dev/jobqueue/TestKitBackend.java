package dev.jobqueue;

import dev.jobqueue.internal.engine.Drain;
import dev.jobqueue.internal.store.JobRepository;
import dev.jobqueue.internal.testkit.TestKitAccess;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A manager's side of the test kit ({@code dev.jobqueue.testing.JobQueueTestKit}): its drain, its
 * stored times, its schedules. Package-private; {@link ManagerSchedules} installs it in {@link
 * TestKitAccess} when the manager's class is initialized, so the manager itself has no method for
 * the kit.
 */
final class TestKitBackend implements TestKitAccess.Backend {
  private final JobQueueManager manager;

  TestKitBackend(JobQueueManager manager) {
    this.manager = Objects.requireNonNull(manager, "manager must not be null");
  }

  static void install() {
    TestKitAccess.install(TestKitBackend::new);
  }

  /** The manager's pool, once it runs; throws as every job operation does otherwise. */
  private WorkerPool pool() {
    manager.queueStore(); // Throws IllegalStateException unless the manager runs.
    return manager.workerPool();
  }

  private JobRepository store() {
    return pool().repository();
  }

  @Override
  public JobQueueConfig config() {
    return manager.config();
  }

  @Override
  public Optional<JobHandler<?>> handler(String type) {
    return pool().registry().find(type);
  }

  @Override
  public Drain.Result drain(int maxAttempts) {
    return pool().engine().drain(maxAttempts);
  }

  @Override
  public boolean makeDue(long id) {
    return wake(store().dueTimes().makeDue(id) ? 1 : 0) > 0;
  }

  @Override
  public int makeAllDue(String type) {
    return wake(store().dueTimes().makeAllDue(type));
  }

  @Override
  public int advance(Duration by) {
    return wake(store().dueTimes().advance(by));
  }

  @Override
  public List<Long> enqueueScheduleNow(String name) {
    return AdminBackend.enqueueScheduleNow(manager, name);
  }

  /** Jobs fell due: wake this JVM's pool and tell the other nodes, as a new job would. */
  private int wake(int moved) {
    if (moved > 0) {
      pool().wakeUp();
      store().notifyNewJobs();
    }
    return moved;
  }
}
