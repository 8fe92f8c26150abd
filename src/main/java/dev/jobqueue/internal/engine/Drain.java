package dev.jobqueue.internal.engine;

import dev.jobqueue.AttemptOutcome;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs the due jobs of a stopped node on the calling thread, for the test kit: each is claimed by
 * its queue's {@link Producer} (the one claim statement, with the node's types, key limits and
 * lease), run by the {@link Executor} (the outcome mapping, the retry rules, the statistics and the
 * listeners) and written by the {@link Completer} (its batched statements), one job at a time, so
 * that each outcome is stored before the next claim. The node's queues take turns, in the order it
 * serves them. <strong>Not API.</strong>
 *
 * <p>Nothing else of the node runs meanwhile: no lease renewal, no watchdog (timeouts are not
 * enforced), no rescue, no leader work. {@link Engine#drain} holds the node's lifecycle lock, so
 * the node cannot start while a drain runs, and refuses to drain a running node.
 */
public final class Drain {

  /**
   * One attempt the drain ran.
   *
   * @param jobId the job's id
   * @param queue its queue
   * @param type its type
   * @param outcome how the attempt ended, or null when it wrote no outcome (the job was cancelled
   *     while it ran, or fenced out inside its transaction)
   */
  public record Attempt(String jobId, String queue, String type, AttemptOutcome outcome) {}

  /**
   * What a drain did.
   *
   * @param attempts the attempts, in the order they ran
   * @param stillDue true when the drain stopped at its limit with a job still due; false when no
   *     job was due any more
   */
  public record Result(List<Attempt> attempts, boolean stillDue) {}

  private final Queues queues;
  private final Executor executor;
  private final Completer completer;
  private final Worker worker = new Worker("drain");

  Drain(Queues queues, Executor executor, Completer completer) {
    this.queues = queues;
    this.executor = executor;
    this.completer = completer;
  }

  /**
   * Runs due jobs until none is due, or {@code maxAttempts} attempts ran.
   *
   * @param maxAttempts the most attempts to run
   * @return the attempts, and whether a job was still due at the limit
   */
  Result run(int maxAttempts) {
    List<Attempt> attempts = new ArrayList<>();
    boolean claimed = true;
    while (claimed && attempts.size() < maxAttempts) {
      claimed = false;
      for (QueueRunner runner : queues.all()) {
        if (attempts.size() >= maxAttempts) {
          break;
        }
        for (Execution execution : runner.producer.claimForDrain(1)) {
          claimed = true;
          AttemptOutcome outcome = executor.execute(worker, execution);
          completer.writeQueuedNow();
          attempts.add(new Attempt(execution.id(), runner.name(), execution.job.type(), outcome));
        }
      }
    }
    boolean stillDue = false;
    if (attempts.size() >= maxAttempts) {
      for (QueueRunner runner : queues.all()) {
        stillDue |= runner.producer.anyDue();
      }
    }
    return new Result(List.copyOf(attempts), stillDue);
  }
}
