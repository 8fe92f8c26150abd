package dev.jobqueue.internal.health;

import dev.jobqueue.internal.lifecycle.Deadline;
import dev.jobqueue.internal.lifecycle.Service;
import dev.jobqueue.internal.lifecycle.Threads;
import dev.jobqueue.internal.maintenance.NodeHeartbeat;
import dev.jobqueue.internal.store.ClusterStore;
import dev.jobqueue.internal.store.HealthSnapshot;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Reads the database part of the health check within its time limit, on a thread of its own, one
 * read at a time: during an outage a read can hang in a socket read that no interrupt ends, and
 * callers must not pile up threads and connections behind it. <strong>Not API.</strong>
 */
public final class HealthReader implements Service {

  /**
   * A read, or why there is none.
   *
   * @param snapshot what was read, or null
   * @param problem why nothing was read, or null
   */
  public record Reading(HealthSnapshot snapshot, String problem) {}

  private final ClusterStore repository;
  private final long timeoutMillis;
  private final long lateScheduleMillis;
  private final ExecutorService executor =
      Executors.newCachedThreadPool(Threads.platform("jobqueue-health-"));
  private Future<HealthSnapshot> inFlight;

  /**
   * A reader.
   *
   * @param repository the store
   * @param timeoutMillis how long a read may take before the check answers without it
   * @param lateScheduleMillis how long a schedule's due occurrence may wait before it is late
   */
  public HealthReader(ClusterStore repository, long timeoutMillis, long lateScheduleMillis) {
    this.repository = repository;
    this.timeoutMillis = timeoutMillis;
    this.lateScheduleMillis = lateScheduleMillis;
  }

  @Override
  public String name() {
    return "health";
  }

  @Override
  public void start() {
    // Threads start on the first read.
  }

  @Override
  public void stop(Deadline deadline) {
    executor.shutdownNow();
  }

  /**
   * Reads the snapshot, waiting at most the timeout.
   *
   * @return the snapshot, or the reason there is none
   */
  public Reading read() {
    Future<HealthSnapshot> future;
    synchronized (this) {
      future = inFlight;
      if (future == null || future.isDone()) {
        try {
          future =
              executor.submit(
                  () ->
                      repository.health(
                          timeoutMillis, NodeHeartbeat.LIVE_WITHIN_MILLIS, lateScheduleMillis));
        } catch (RejectedExecutionException e) {
          return new Reading(null, "the job queue is shutting down");
        }
        inFlight = future;
      }
    }
    try {
      return new Reading(future.get(timeoutMillis, TimeUnit.MILLISECONDS), null);
    } catch (TimeoutException e) {
      return new Reading(null, "the database did not answer within " + timeoutMillis + " ms");
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      return new Reading(null, "the database failed: " + cause.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Reading(null, "the health check was interrupted");
    }
  }
}
