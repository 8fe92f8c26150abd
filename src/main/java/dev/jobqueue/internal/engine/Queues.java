package dev.jobqueue.internal.engine;

import dev.jobqueue.QueueOptions;
import dev.jobqueue.internal.lifecycle.Deadline;
import dev.jobqueue.internal.lifecycle.Service;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The queues this node serves, each a {@link QueueRunner}: started in the configured order, and
 * added or removed while the node runs. Stopping stops every queue's claiming first, then waits for
 * every queue's running jobs within one graceful timeout. Thread-safe.
 */
final class Queues implements Service {
  private static final Logger log = LoggerFactory.getLogger(Queues.class);

  private final Function<QueueOptions, QueueRunner> build;
  private final long gracefulMillis;
  private final Map<String, QueueRunner> runners = new LinkedHashMap<>();
  private volatile List<QueueRunner> snapshot = List.of();
  private boolean running;
  private boolean stopped;

  /**
   * @param configured the queues to serve from the start
   * @param build builds a queue's runner (not started)
   * @param gracefulMillis how long stopping waits for running jobs
   */
  Queues(
      List<QueueOptions> configured,
      Function<QueueOptions, QueueRunner> build,
      long gracefulMillis) {
    this.build = build;
    this.gracefulMillis = gracefulMillis;
    for (QueueOptions options : configured) {
      runners.put(options.name(), build.apply(options));
    }
    snapshot = List.copyOf(runners.values());
  }

  @Override
  public String name() {
    return "queues";
  }

  @Override
  public synchronized void start() {
    if (running || stopped) {
      return;
    }
    running = true;
    for (QueueRunner runner : runners.values()) {
      runner.start();
    }
  }

  @Override
  public void stop(Deadline deadline) {
    List<QueueRunner> all;
    synchronized (this) {
      stopped = true;
      if (!running) {
        return;
      }
      running = false;
      all = List.copyOf(runners.values());
    }
    for (QueueRunner runner : all) {
      runner.stopClaiming(deadline);
    }
    for (QueueRunner runner : all) {
      runner.stopWorkers(deadline);
    }
  }

  /**
   * Starts serving another queue.
   *
   * @param options the queue
   * @return false if the node serves it already
   * @throws IllegalStateException if the node is not running
   */
  boolean add(QueueOptions options) {
    QueueRunner runner;
    synchronized (this) {
      if (!running) {
        throw new IllegalStateException("the worker pool is not running");
      }
      if (runners.containsKey(options.name())) {
        return false;
      }
      runner = build.apply(options);
      runners.put(options.name(), runner);
      snapshot = List.copyOf(runners.values());
      runner.start();
    }
    log.info("Now serving queue {}", options);
    return true;
  }

  /**
   * Stops serving a queue: its claiming stops and its queued jobs go back to pending at once; its
   * running jobs may finish within the graceful timeout, then they are interrupted and given back.
   *
   * @param queue the queue's name
   * @return false if the node did not serve it
   */
  boolean remove(String queue) {
    QueueRunner runner;
    synchronized (this) {
      runner = runners.remove(queue);
      if (runner == null) {
        return false;
      }
      snapshot = List.copyOf(runners.values());
    }
    Deadline deadline = Deadline.inMillis(gracefulMillis + 10_000);
    runner.stopClaiming(deadline);
    runner.stopWorkers(deadline);
    log.info("No longer serving queue {}", queue);
    return true;
  }

  /** {@return the queues served now, in the order they were added} */
  List<QueueRunner> all() {
    return snapshot;
  }

  /** {@return the names of the queues served now} */
  List<String> names() {
    List<String> names = new ArrayList<>();
    for (QueueRunner runner : snapshot) {
      names.add(runner.name());
    }
    return names;
  }

  /** {@return the runner of a queue served now} */
  Optional<QueueRunner> find(String queue) {
    for (QueueRunner runner : snapshot) {
      if (runner.name().equals(queue)) {
        return Optional.of(runner);
      }
    }
    return Optional.empty();
  }

  /** Tells the producer of {@code queue} (every producer for {@code ""}) that jobs may be due. */
  void announced(String queue) {
    for (QueueRunner runner : snapshot) {
      if (queue.isEmpty() || runner.name().equals(queue)) {
        runner.producer.announced();
      }
    }
  }

  /** Wakes the producer of {@code queue} (every producer for {@code ""}): claim now. */
  void wakeUp(String queue) {
    for (QueueRunner runner : snapshot) {
      if (queue.isEmpty() || runner.name().equals(queue)) {
        runner.producer.wakeUp();
      }
    }
  }

  /** {@code queue} was paused: its producer gives back what waits here and claims no more. */
  void paused(String queue) {
    find(queue).ifPresent(runner -> runner.producer.paused());
  }

  /** A rescue on this node gave jobs back: every producer claims now. */
  void rescued() {
    for (QueueRunner runner : snapshot) {
      runner.producer.rescued();
    }
  }
}
