package dev.jobqueue;

import java.sql.Connection;
import java.util.List;
import java.util.Objects;

/**
 * The enqueue methods of {@link JobQueueManager}, kept apart so that {@code JobQueueManager.java}
 * stays short; the manager is the only subclass. As with the builder's options ({@code
 * ManagerSetters}), javac gives the public manager a public bridge method for each (they are
 * neither final nor static), so applications, reflection and Javadoc see them as members of {@code
 * JobQueueManager}.
 */
abstract class ManagerEnqueueing extends ManagerQueues {

  ManagerEnqueueing() {}

  /**
   * Validates and enqueues jobs once the manager runs.
   *
   * @param options the jobs, none null-checked yet
   * @param indexed whether error fields carry the job's index
   * @param transaction the caller's connection, or null
   * @return what happened to each job
   */
  abstract List<EnqueueResult> enqueueChecked(
      List<CreateJobOptions> options, boolean indexed, Connection transaction);

  /**
   * Enqueues one job, committed when this method returns: {@code enqueue(options).id()}. On a node
   * whose worker pool has an idle worker for the job's queue and type, a job due now (no unique
   * key, concurrency key or {@code scheduledAt}) is claimed by that node in the same statement and
   * starts when this method returns, unless its queue is paused or limited or a due job waits ahead
   * of it.
   *
   * @param options the job
   * @return the new job's id; for a {@linkplain CreateJobOptions#unique() unique} job whose key is
   *     held, the id of the job that holds it
   * @throws JobValidationException if the type, payload or an option is invalid; nothing is stored
   * @throws JobStoreException if the database fails; nothing is stored
   */
  public String createJob(CreateJobOptions options) {
    return enqueue(options).id();
  }

  /**
   * Enqueues one job inside the caller's transaction: {@code enqueue(transaction, options).id()}.
   *
   * @param transaction the caller's connection, normally with auto-commit off
   * @param options the job
   * @return the new job's id, or the id of the job that holds its unique key
   * @throws JobValidationException if the type, payload or an option is invalid; nothing is written
   * @throws JobStoreException if a statement fails (the caller's transaction is then aborted), or a
   *     unique key changed hands too often while it was inserted (roll the transaction back)
   */
  public String createJob(Connection transaction, CreateJobOptions options) {
    return enqueue(transaction, options).id();
  }

  /**
   * Enqueues many jobs, all or none: {@code enqueueAll(options)}, as ids.
   *
   * @param options the jobs
   * @return their ids (or their keys' holders'), in the same order
   * @throws JobValidationException listing every problem (fields prefixed with {@code jobs[i].});
   *     nothing is stored
   * @throws JobStoreException if the database fails; nothing is stored
   */
  public List<String> createJobs(List<CreateJobOptions> options) {
    return ids(enqueueAll(options));
  }

  /**
   * Enqueues many jobs inside the caller's transaction: {@code enqueueAll(transaction, options)},
   * as ids.
   *
   * @param transaction the caller's connection
   * @param options the jobs
   * @return their ids (or their keys' holders'), in the same order
   * @throws JobValidationException listing every problem; nothing is written
   * @throws JobStoreException if a statement fails; see {@link #enqueue(Connection,
   *     CreateJobOptions)}
   */
  public List<String> createJobs(Connection transaction, List<CreateJobOptions> options) {
    return ids(enqueueAll(transaction, options));
  }

  /**
   * Enqueues one job, committed when this method returns, and says whether it was created. A job
   * without a unique key is always {@link EnqueueResult.Outcome#CREATED created}; one whose key
   * another job holds is a {@link EnqueueResult.Outcome#DUPLICATE duplicate} with that job's id, or
   * {@link EnqueueResult.Outcome#REPLACED replaced} it (see {@link UniqueOptions}).
   *
   * @param options the job
   * @return the id and what happened
   * @throws JobValidationException if the type, payload or an option is invalid; nothing is stored
   * @throws JobStoreException if the database fails; nothing is stored
   */
  public EnqueueResult enqueue(CreateJobOptions options) {
    return enqueueChecked(List.of(requireOptions(options)), false, null).get(0);
  }

  /**
   * Enqueues one job inside the caller's transaction. The job becomes visible to workers when the
   * caller commits, and disappears if the caller rolls back (freeing its unique key). A key held by
   * another job is an answer, not an error: the transaction stays usable. The connection is neither
   * committed nor closed here.
   *
   * @param transaction the caller's connection, normally with auto-commit off
   * @param options the job
   * @return the id and what happened
   * @throws JobValidationException if the type, payload or an option is invalid; nothing is written
   * @throws JobStoreException if a statement fails (the caller's transaction is then aborted), or a
   *     unique key changed hands too often while it was inserted (roll the transaction back)
   */
  public EnqueueResult enqueue(Connection transaction, CreateJobOptions options) {
    Objects.requireNonNull(transaction, "transaction must not be null");
    return enqueueChecked(List.of(requireOptions(options)), false, transaction).get(0);
  }

  /**
   * Enqueues many jobs: all are stored (or found by their unique keys), or none is. Without unique
   * keys this is one statement. Jobs of the batch with the same type and unique key are one job:
   * the later ones report the first one's id (as duplicates, or in replace mode as replacing it,
   * the last one's payload winning).
   *
   * @param options the jobs
   * @return what happened to each, in the same order
   * @throws JobValidationException listing every problem (fields prefixed with {@code jobs[i].});
   *     nothing is stored
   * @throws JobStoreException if the database fails; nothing is stored
   */
  public List<EnqueueResult> enqueueAll(List<CreateJobOptions> options) {
    return enqueueChecked(requireList(options), true, null);
  }

  /**
   * Enqueues many jobs inside the caller's transaction; see {@link #enqueue(Connection,
   * CreateJobOptions)} and {@link #enqueueAll(List)}.
   *
   * @param transaction the caller's connection
   * @param options the jobs
   * @return what happened to each, in the same order
   * @throws JobValidationException listing every problem; nothing is written
   * @throws JobStoreException if a statement fails; see {@link #enqueue(Connection,
   *     CreateJobOptions)}
   */
  public List<EnqueueResult> enqueueAll(Connection transaction, List<CreateJobOptions> options) {
    Objects.requireNonNull(transaction, "transaction must not be null");
    return enqueueChecked(requireList(options), true, transaction);
  }

  private static List<String> ids(List<EnqueueResult> results) {
    return results.stream().map(EnqueueResult::id).toList();
  }

  private static CreateJobOptions requireOptions(CreateJobOptions options) {
    return Objects.requireNonNull(options, "options must not be null");
  }

  private static List<CreateJobOptions> requireList(List<CreateJobOptions> options) {
    return Objects.requireNonNull(options, "options must not be null");
  }
}
