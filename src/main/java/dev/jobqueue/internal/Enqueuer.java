package dev.jobqueue.internal;

import dev.jobqueue.CreateJobOptions;
import dev.jobqueue.JobEventListener;
import dev.jobqueue.internal.notify.Notifier;
import dev.jobqueue.internal.store.JobRepository;
import dev.jobqueue.internal.store.NewJob;
import java.sql.Connection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Enqueues jobs: validates them, inserts them in one statement, announces them (debounced NOTIFY,
 * and the local pool directly) and tells the event listeners. Thread-safe. <strong>Not
 * API.</strong>
 */
public final class Enqueuer {
  private static final Logger log = LoggerFactory.getLogger("dev.jobqueue.JobQueueManager");

  private final JobInputValidator validator;
  private final JobRepository repository;
  private final Notifier notifier;
  private final Runnable wakeLocalPool;
  private final List<JobEventListener> listeners;

  /**
   * An enqueuer.
   *
   * @param validator checks every job before any SQL runs
   * @param repository the store
   * @param notifier debounces the notifications of inserts outside a caller's transaction
   * @param wakeLocalPool wakes this JVM's pool
   * @param listeners told how many jobs of each type were created
   */
  public Enqueuer(
      JobInputValidator validator,
      JobRepository repository,
      Notifier notifier,
      Runnable wakeLocalPool,
      List<JobEventListener> listeners) {
    this.validator = validator;
    this.repository = repository;
    this.notifier = notifier;
    this.wakeLocalPool = wakeLocalPool;
    this.listeners = List.copyOf(listeners);
  }

  /**
   * Validates and inserts jobs, all or none.
   *
   * @param options the jobs
   * @param indexed whether error fields carry the job's index ({@code jobs[i].})
   * @param transaction the caller's connection, or null to commit here
   * @return the new ids, in input order
   */
  public List<String> enqueue(
      List<CreateJobOptions> options, boolean indexed, Connection transaction) {
    List<NewJob> rows = validator.toNewJobs(options, indexed);
    List<Long> ids;
    if (transaction == null) {
      boolean notify = notifier.leading();
      ids = repository.insert(rows, notify);
      if (!notify) {
        notifier.trailing();
      }
    } else {
      ids = repository.insert(transaction, rows); // Notifies on the caller's commit.
    }
    wakeLocalPool.run();
    if (log.isDebugEnabled()) {
      for (int i = 0; i < ids.size(); i++) {
        log.debug("Job {} created with type {}", ids.get(i), rows.get(i).type());
      }
    }
    if (!listeners.isEmpty()) {
      Map<String, Integer> byType = new TreeMap<>();
      rows.forEach(row -> byType.merge(row.type(), 1, Integer::sum));
      for (JobEventListener listener : listeners) {
        byType.forEach(
            (type, count) -> {
              try {
                listener.jobsCreated(type, count);
              } catch (RuntimeException e) {
                log.warn("Job event listener {} failed: {}", listener, e.toString());
              }
            });
      }
    }
    return ids.stream().map(String::valueOf).toList();
  }
}
