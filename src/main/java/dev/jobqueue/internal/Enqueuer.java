package dev.jobqueue.internal;

import dev.jobqueue.CreateJobOptions;
import dev.jobqueue.EnqueueResult;
import dev.jobqueue.JobEventListener;
import dev.jobqueue.TransactionBridge;
import dev.jobqueue.internal.engine.InsertClaim;
import dev.jobqueue.internal.notify.Notifications;
import dev.jobqueue.internal.notify.Notifier;
import dev.jobqueue.internal.store.Inserted;
import dev.jobqueue.internal.store.JobRepository;
import dev.jobqueue.internal.store.NewJob;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Enqueues jobs: validates them, inserts them (one statement, or one transaction for unique jobs),
 * announces them (debounced NOTIFY, and the local pool directly) and tells the event listeners
 * about the jobs created. Thread-safe. <strong>Not API.</strong>
 */
public final class Enqueuer {
  private static final Logger log = LoggerFactory.getLogger("dev.jobqueue.JobQueueManager");

  private final JobInputValidator validator;
  private final JobRepository repository;
  private final Notifier notifier;
  private final Consumer<String> wakeLocalPool;
  private final BiFunction<String, String, Optional<InsertClaim>> reserve;
  private final List<JobEventListener> listeners;
  private final TransactionBridge bridge;
  private final Tracing tracing;

  /**
   * Who else takes part in an enqueue.
   *
   * @param listeners told how many jobs of each type were created (duplicates and replaced jobs are
   *     not)
   * @param bridge finds the calling thread's transaction for the enqueues given no connection, or
   *     null
   */
  public record Hooks(List<JobEventListener> listeners, TransactionBridge bridge) {}

  /**
   * An enqueuer.
   *
   * @param validator checks every job before any SQL runs
   * @param repository the store
   * @param notifier debounces the notifications of inserts outside a caller's transaction
   * @param wakeLocalPool wakes this JVM's pool: the producer of the queue named, or every one for
   *     {@code ""}
   * @param reserve for a queue and a type, an idle worker of this node promised to one job inserted
   *     already claimed, if there is one
   * @param hooks the event listeners and the transaction bridge
   * @param tracing traces each enqueue, and gives its jobs the trace context they store
   */
  public Enqueuer(
      JobInputValidator validator,
      JobRepository repository,
      Notifier notifier,
      Consumer<String> wakeLocalPool,
      BiFunction<String, String, Optional<InsertClaim>> reserve,
      Hooks hooks,
      Tracing tracing) {
    this.validator = validator;
    this.repository = repository;
    this.notifier = notifier;
    this.wakeLocalPool = wakeLocalPool;
    this.reserve = reserve;
    this.listeners = List.copyOf(hooks.listeners());
    this.bridge = hooks.bridge();
    this.tracing = tracing;
  }

  /**
   * Validates and inserts jobs, all or none. A batch without unique keys is one statement; with
   * them, one transaction (or the caller's) in which a held key is an answer, not an error.
   *
   * @param options the jobs
   * @param indexed whether error fields carry the job's index ({@code jobs[i].})
   * @param transaction the caller's connection, or null to commit here
   * @return what happened to each job, in input order
   */
  public List<EnqueueResult> enqueue(
      List<CreateJobOptions> options, boolean indexed, Connection transaction) {
    List<NewJob> rows = validator.toNewJobs(options, indexed);
    if (rows.isEmpty()) {
      return insert(rows, transaction);
    }
    Tracing.Enqueue trace = tracing.enqueue(common(rows, true), common(rows, false), rows.size());
    String context = trace.context();
    if (context != null) {
      rows.replaceAll(row -> row.withTraceContext(context));
    }
    List<EnqueueResult> results;
    try {
      results = insert(rows, transaction);
    } catch (RuntimeException | Error e) {
      trace.fail(e);
      throw e;
    }
    trace.end(results);
    return results;
  }

  private List<EnqueueResult> insert(List<NewJob> rows, Connection transaction) {
    if (transaction == null && bridge != null) {
      Connection joined = bridge.currentConnection();
      if (joined != null) {
        try {
          return insertJoined(rows, joined);
        } finally {
          bridge.release(joined);
        }
      }
    }
    List<EnqueueResult> results;
    Optional<InsertClaim> claim = transaction == null ? reserveFor(rows) : Optional.empty();
    if (claim.isPresent()) {
      JobRepository.ClaimedOnInsert inserted = insertClaimed(rows.get(0), claim.get());
      results = created(List.of(inserted.id()));
      announce(rows, results, inserted.job().isEmpty()); // A claimed job runs here already.
      return results;
    }
    if (!hasUniqueKey(rows)) {
      results = created(insertPlain(rows, transaction));
    } else if (transaction == null) {
      boolean[] notified = {false};
      List<Inserted> stored = repository.insertUnique(rows, () -> notified[0] = notifier.leading());
      results = results(stored);
      if (changed(stored) && !notified[0]) {
        notifier.trailing();
      }
    } else {
      results = results(repository.insertUnique(transaction, rows)); // Notifies on commit.
    }
    announce(rows, results, true);
    return results;
  }

  /**
   * Inserts into the calling thread's transaction, found by the bridge, as with a connection passed
   * in (the caller's commit notifies other nodes); this node's pool and the listeners hear of the
   * jobs only once that transaction commits.
   */
  private List<EnqueueResult> insertJoined(List<NewJob> rows, Connection joined) {
    List<EnqueueResult> results =
        hasUniqueKey(rows)
            ? results(repository.insertUnique(joined, rows))
            : created(repository.insert(joined, rows));
    bridge.afterCommit(() -> announce(rows, results, true));
    return results;
  }

  /**
   * An idle worker of this node for the one job of {@code rows}, if the job could be claimed on
   * insert: due now, without a unique key (its key is decided by the unique insert) and without a
   * concurrency key (per-key limits need the limited claim).
   */
  private Optional<InsertClaim> reserveFor(List<NewJob> rows) {
    if (rows.size() != 1) {
      return Optional.empty();
    }
    NewJob job = rows.get(0);
    if (job.unique() != null || job.concurrencyKey() != null || job.scheduledAt() != null) {
      return Optional.empty();
    }
    return reserve.apply(job.queue(), job.type());
  }

  /**
   * Inserts the job claimed by this node when nothing waits ahead of it, and hands it to the
   * promised worker after the commit; otherwise it is left pending and notified as usual.
   */
  private JobRepository.ClaimedOnInsert insertClaimed(NewJob job, InsertClaim claim) {
    // Asked before the outcome is known: a job claimed here sends nothing, and the window it took
    // only makes a job left pending in the next few milliseconds notify at the window's end.
    boolean notify = notifier.leading();
    JobRepository.ClaimedOnInsert inserted;
    long sent = System.nanoTime();
    try {
      inserted =
          repository.insertClaimed(job, claim.types(), claim.nodeId(), claim.leaseMillis(), notify);
    } catch (RuntimeException | Error e) {
      claim.cancel();
      throw e;
    }
    if (inserted.job().isPresent()) {
      claim.claimed(inserted.job().get(), sent);
    } else {
      claim.cancel();
      if (!notify) {
        notifier.trailing();
      }
    }
    return inserted;
  }

  private List<Long> insertPlain(List<NewJob> rows, Connection transaction) {
    if (transaction != null) {
      return repository.insert(transaction, rows); // Notifies on the caller's commit.
    }
    boolean notify = notifier.leading();
    List<Long> ids = repository.insert(rows, notify);
    if (!notify) {
      notifier.trailing();
    }
    return ids;
  }

  /**
   * Wakes the local pool (unless {@code wake} is false: the job is running here already) and tells
   * the listeners, about the jobs created (or replaced).
   */
  private void announce(List<NewJob> rows, List<EnqueueResult> results, boolean wake) {
    List<String> changed = new ArrayList<>(results.size());
    for (int i = 0; i < results.size(); i++) {
      if (!results.get(i).isDuplicate()) {
        changed.add(rows.get(i).queue());
      }
    }
    if (wake && !changed.isEmpty()) {
      wakeLocalPool.accept(Notifications.commonQueue(changed.toArray(new String[0])));
    }
    if (log.isDebugEnabled()) {
      for (int i = 0; i < results.size(); i++) {
        EnqueueResult result = results.get(i);
        log.debug(
            switch (result.outcome()) {
              case CREATED -> "Job {} created with type {}";
              case REPLACED -> "Job {} of type {} replaced by a job with its key";
              case DUPLICATE -> "Job {} of type {} holds the key: nothing created";
            },
            result.id(),
            rows.get(i).type());
      }
    }
    if (!listeners.isEmpty()) {
      Map<String, Integer> byType = new TreeMap<>();
      for (int i = 0; i < results.size(); i++) {
        if (results.get(i).outcome() == EnqueueResult.Outcome.CREATED) {
          byType.merge(rows.get(i).type(), 1, Integer::sum);
        }
      }
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
  }

  /** The queue (or type) every job has, or null when they have several. */
  private static String common(List<NewJob> rows, boolean queue) {
    String first = queue ? rows.get(0).queue() : rows.get(0).type();
    for (NewJob row : rows) {
      if (!first.equals(queue ? row.queue() : row.type())) {
        return null;
      }
    }
    return first;
  }

  private static boolean hasUniqueKey(List<NewJob> rows) {
    for (NewJob row : rows) {
      if (row.unique() != null) {
        return true;
      }
    }
    return false;
  }

  private static boolean changed(List<Inserted> stored) {
    for (Inserted inserted : stored) {
      if (inserted.changed()) {
        return true;
      }
    }
    return false;
  }

  private static List<EnqueueResult> created(List<Long> ids) {
    List<EnqueueResult> results = new ArrayList<>(ids.size());
    for (Long id : ids) {
      results.add(new EnqueueResult(String.valueOf(id), EnqueueResult.Outcome.CREATED));
    }
    return results;
  }

  private static List<EnqueueResult> results(List<Inserted> stored) {
    List<EnqueueResult> results = new ArrayList<>(stored.size());
    for (Inserted inserted : stored) {
      results.add(new EnqueueResult(String.valueOf(inserted.id()), inserted.outcome()));
    }
    return results;
  }
}
