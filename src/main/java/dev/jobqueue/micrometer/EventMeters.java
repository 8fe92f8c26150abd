package dev.jobqueue.micrometer;

import dev.jobqueue.AttemptOutcome;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;

/**
 * The meters {@link JobQueueMetrics} feeds from events: each job type's created counter, and each
 * queue and type's attempt counters and timers. The counts live in {@link LongAdder}s here, so they
 * count before any registry is bound.
 */
final class EventMeters {

  static final String TYPE_TAG = "type";
  static final String QUEUE_TAG = "queue";
  static final String OUTCOME_TAG = "outcome";

  private EventMeters() {}

  /** Meters that are registered with every bound registry. */
  interface Registrable {
    void register(MeterRegistry registry);
  }

  /** What attempt meters are kept by. */
  record QueueAndType(String queue, String type) {}

  /** A job type's created counter. */
  static final class Created implements Registrable {
    final LongAdder count = new LongAdder();
    final Tags tags;

    Created(String type, Tags common) {
      this.tags = common.and(TYPE_TAG, type);
    }

    @Override
    public void register(MeterRegistry registry) {
      registerCounter(
          registry, "jobqueue.jobs.created", "Jobs created through this manager", count, tags);
    }
  }

  /** The attempt counters and timers of one job type in one queue. */
  static final class Attempts implements Registrable {
    final QueueAndType key;
    final Tags tags;
    final LongAdder completed = new LongAdder();
    final LongAdder failed = new LongAdder();
    final LongAdder retried = new LongAdder();
    final LongAdder snoozed = new LongAdder();

    /** One timer per bound registry, per outcome; written under {@code registration}. */
    final Map<AttemptOutcome, List<Timer>> timers = new EnumMap<>(AttemptOutcome.class);

    Attempts(QueueAndType key, Tags common) {
      this.key = key;
      this.tags = common.and(QUEUE_TAG, key.queue()).and(TYPE_TAG, key.type());
      for (AttemptOutcome outcome : AttemptOutcome.values()) {
        timers.put(outcome, new CopyOnWriteArrayList<>());
      }
    }

    LongAdder counter(AttemptOutcome outcome) {
      return switch (outcome) {
        case SUCCEEDED -> completed;
        case RETRIED -> retried;
        case FAILED -> failed;
        case SNOOZED -> snoozed;
      };
    }

    @Override
    public void register(MeterRegistry registry) {
      registerCounter(
          registry,
          "jobqueue.jobs.completed",
          "Attempts that completed their job",
          completed,
          tags);
      registerCounter(
          registry,
          "jobqueue.jobs.failed",
          "Attempts that failed their job for good",
          failed,
          tags);
      registerCounter(
          registry,
          "jobqueue.jobs.retried",
          "Failed attempts scheduled to run again",
          retried,
          tags);
      registerCounter(
          registry, "jobqueue.jobs.snoozed", "Attempts that snoozed their job", snoozed, tags);
      for (AttemptOutcome outcome : AttemptOutcome.values()) {
        timers
            .get(outcome)
            .add(
                Timer.builder("jobqueue.job.duration")
                    .description("How long attempts' handlers ran on this node")
                    .tags(tags)
                    .tag(OUTCOME_TAG, outcome.name().toLowerCase(Locale.ROOT))
                    .register(registry));
      }
    }

    @Override
    public String toString() {
      return "Attempts[" + key.queue() + ", " + key.type() + "]";
    }
  }

  static void registerCounter(
      MeterRegistry registry, String name, String description, LongAdder adder, Tags tags) {
    FunctionCounter.builder(name, adder, LongAdder::doubleValue)
        .description(description)
        .tags(tags)
        .register(registry);
  }
}
