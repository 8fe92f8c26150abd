package dev.jobqueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import dev.jobqueue.testing.EngineTestSupport;
import dev.jobqueue.testing.JobQueueExtension;
import dev.jobqueue.testing.JobRows;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;
import org.slf4j.event.KeyValuePair;

/**
 * Hooks for monitoring: {@link JobEventListener}s, the periodic metrics log line, and the spec's
 * log lines with their MDC keys, never carrying a payload.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MonitoringHooksIT {

  /** Appears only in payloads: no log line may contain it. */
  private static final String MARKER = "PAYLOAD-MARKER-7f3a9c51";

  record Work(String secret) {}

  record Counter(int secret) {}

  /** A failure without a stack trace, so that the expected failures do not flood the log. */
  static final class QuietFailure extends RuntimeException {
    QuietFailure(String message) {
      super(message, null, false, false);
    }
  }

  record Attempt(String type, AttemptOutcome outcome, Duration duration) {}

  /** Records what it is told. */
  static final class RecordingListener implements JobEventListener {
    final List<String> created = Collections.synchronizedList(new ArrayList<>());
    final List<Attempt> attempts = Collections.synchronizedList(new ArrayList<>());

    @Override
    public void jobsCreated(String type, int count) {
      created.add(type + ":" + count);
    }

    @Override
    public void attemptFinished(String type, AttemptOutcome outcome, Duration duration) {
      attempts.add(new Attempt(type, outcome, duration));
    }
  }

  /** Throws from every hook. */
  static final class ThrowingListener implements JobEventListener {
    @Override
    public void jobsCreated(String type, int count) {
      throw new IllegalStateException("listener broken on create");
    }

    @Override
    public void attemptFinished(String type, AttemptOutcome outcome, Duration duration) {
      throw new IllegalStateException("listener broken on finish");
    }
  }

  /** Keeps events with their MDC and message fixed at the moment they were logged. */
  static final class Capture extends ListAppender<ILoggingEvent> {
    @Override
    protected void append(ILoggingEvent event) {
      event.prepareForDeferredProcessing();
      super.append(event);
    }

    synchronized List<ILoggingEvent> events() {
      return new ArrayList<>(list);
    }

    List<ILoggingEvent> matching(Predicate<ILoggingEvent> condition) {
      return events().stream().filter(condition).toList();
    }
  }

  /** A logger's settings, to put back after a test changed them. */
  private record Saved(Logger logger, Level level, boolean additive, Capture capture) {}

  @RegisterExtension
  static final JobQueueExtension jobqueue =
      JobQueueExtension.perClass().migrated().truncatingAfterEach();

  private final String schema = jobqueue.schema();
  private final JobRows rows = jobqueue.rows();
  private final List<Saved> saved = new ArrayList<>();

  @AfterEach
  void stopManagers() {
    try {
      // The managers stop while their logs are still captured; the extension empties the table.
      jobqueue.support().close();
    } finally {
      for (Saved s : saved) {
        s.logger().detachAppender(s.capture());
        s.logger().setLevel(s.level());
        s.logger().setAdditive(s.additive());
      }
      saved.clear();
    }
  }

  /** Captures a logger's events at {@code level} and above, without echoing them to the console. */
  private Capture capture(String name, Level level) {
    Logger logger = (Logger) LoggerFactory.getLogger(name);
    Capture capture = new Capture();
    capture.start();
    saved.add(new Saved(logger, logger.getLevel(), logger.isAdditive(), capture));
    logger.setLevel(level);
    logger.setAdditive(false);
    logger.addAppender(capture);
    return capture;
  }

  private JobQueueConfig.Builder config() {
    return EngineTestSupport.fastConfig(schema).pollInterval(Duration.ofMillis(50));
  }

  private JobQueueManager start(
      JobQueueConfig config, List<JobEventListener> listeners, JobHandler<?>... handlers) {
    JobQueueManager.Builder builder =
        JobQueueManager.builder()
            .config(config)
            .dataSource(jobqueue.newPool("hooks", config.maxWorkers() + 8));
    listeners.forEach(builder::listener);
    for (JobHandler<?> handler : handlers) {
      builder.handler(handler);
    }
    return jobqueue.start(builder);
  }

  private static JobHandler<Work> ok() {
    return JobHandler.of(
        "ok",
        Work.class,
        (payload, ctx) -> {
          Thread.sleep(30);
          return null;
        });
  }

  private static JobHandler<Work> flaky() {
    return JobHandler.of(
        "flaky",
        Work.class,
        (payload, ctx) -> {
          if (ctx.attempt() == 1) {
            throw new QuietFailure("first attempt fails");
          }
          return null;
        });
  }

  private static JobHandler<Work> bad() {
    return JobHandler.of(
        "bad",
        Work.class,
        (payload, ctx) -> {
          throw new QuietFailure("always fails");
        });
  }

  private void awaitTerminal(int count) {
    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> rows.count("status in ('completed', 'failed')") == count);
  }

  @Test
  void listenersHearCreatedJobsAndEveryFinishedAttemptEvenAfterOneThrows() {
    Capture warnings = capture("dev.jobqueue", Level.WARN);
    RecordingListener recording = new RecordingListener();
    JobQueueManager manager =
        start(
            config().maxWorkers(3).build(),
            List.of(new ThrowingListener(), recording),
            ok(),
            flaky(),
            bad());

    String single = manager.createJob(CreateJobOptions.of("ok", new Work("a")));
    List<String> many =
        manager.createJobs(
            List.of(
                CreateJobOptions.of("ok", new Work("b")),
                CreateJobOptions.builder("flaky", new Work("c")).maxRetries(2).build(),
                CreateJobOptions.builder("bad", new Work("d")).maxRetries(0).build(),
                CreateJobOptions.of("ok", new Work("e")),
                CreateJobOptions.builder("flaky", new Work("f")).maxRetries(2).build()));
    assertThat(single).isNotNull();
    assertThat(many).hasSize(5);

    // One call per type and create: createJob, then createJobs grouped by type.
    assertThat(recording.created).containsExactly("ok:1", "bad:1", "flaky:2", "ok:2");

    awaitTerminal(6);
    await().atMost(Duration.ofSeconds(5)).until(() -> recording.attempts.size() >= 8);
    List<Attempt> attempts;
    synchronized (recording.attempts) {
      attempts = new ArrayList<>(recording.attempts);
    }
    Map<String, List<AttemptOutcome>> outcomes = new HashMap<>();
    for (Attempt attempt : attempts) {
      outcomes.computeIfAbsent(attempt.type(), t -> new ArrayList<>()).add(attempt.outcome());
      assertThat(attempt.duration()).isBetween(Duration.ZERO, Duration.ofSeconds(10));
      if (attempt.type().equals("ok")) {
        assertThat(attempt.duration()).isGreaterThanOrEqualTo(Duration.ofMillis(30));
      }
    }
    assertThat(attempts).hasSize(8);
    assertThat(outcomes.get("ok"))
        .containsExactly(
            AttemptOutcome.SUCCEEDED, AttemptOutcome.SUCCEEDED, AttemptOutcome.SUCCEEDED);
    assertThat(outcomes.get("flaky"))
        .containsExactlyInAnyOrder(
            AttemptOutcome.RETRIED,
            AttemptOutcome.RETRIED,
            AttemptOutcome.SUCCEEDED,
            AttemptOutcome.SUCCEEDED);
    assertThat(outcomes.get("bad")).containsExactly(AttemptOutcome.FAILED);

    // The throwing listener changed nothing: every job reached its expected end.
    assertThat(rows.count("status = 'completed'")).isEqualTo(5);
    assertThat(rows.count("status = 'failed' and type = 'bad'")).isEqualTo(1);
    assertThat(
            warnings.matching(
                e ->
                    e.getFormattedMessage().startsWith("Job event listener")
                        && e.getFormattedMessage().contains("listener broken")))
        .isNotEmpty();
  }

  @Test
  void metricsLineIsLoggedAtTheIntervalWithKeyValuePairs() {
    Capture capture = capture("dev.jobqueue.JobQueueManager", Level.INFO);
    JobQueueManager manager =
        start(
            config().enableMetrics(true).metricsInterval(Duration.ofSeconds(1)).build(),
            List.of(),
            ok());
    Instant later = Instant.now().plus(1, ChronoUnit.HOURS);
    manager.createJob(CreateJobOptions.builder("ok", new Work("x")).scheduledAt(later).build());
    manager.createJob(CreateJobOptions.builder("ok", new Work("y")).scheduledAt(later).build());

    Predicate<ILoggingEvent> metricsLine =
        e -> e.getFormattedMessage().startsWith("Job queue metrics");
    await()
        .atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> !capture.matching(metricsLine).isEmpty());

    ILoggingEvent line = capture.matching(metricsLine).get(0);
    System.out.println("metrics line: " + line.getFormattedMessage());
    assertThat(line.getLevel()).isEqualTo(Level.INFO);
    assertThat(line.getFormattedMessage())
        .contains("status=healthy")
        .contains("pending=2")
        .contains("running=0");
    Map<String, Object> pairs = new HashMap<>();
    for (KeyValuePair pair :
        Objects.requireNonNullElse(line.getKeyValuePairs(), List.<KeyValuePair>of())) {
      pairs.put(pair.key, pair.value);
    }
    assertThat(pairs).containsKeys("status", "pending", "running", "lagMillis");
    assertThat(pairs.get("status")).isEqualTo("healthy");
    assertThat(pairs.get("pending")).isEqualTo(2L);
  }

  private static String mdc(ILoggingEvent event, String key) {
    return event.getMDCPropertyMap().get(key);
  }

  /** Every text an event carries: message, arguments, MDC, key-value pairs, exceptions. */
  private static List<String> texts(ILoggingEvent event) {
    List<String> texts = new ArrayList<>();
    texts.add(event.getMessage());
    texts.add(event.getFormattedMessage());
    if (event.getArgumentArray() != null) {
      for (Object argument : event.getArgumentArray()) {
        texts.add(String.valueOf(argument));
      }
    }
    texts.addAll(event.getMDCPropertyMap().values());
    if (event.getKeyValuePairs() != null) {
      for (KeyValuePair pair : event.getKeyValuePairs()) {
        texts.add(pair.key + "=" + pair.value);
      }
    }
    for (IThrowableProxy t = event.getThrowableProxy(); t != null; t = t.getCause()) {
      texts.add(t.getClassName() + ": " + t.getMessage());
    }
    return texts;
  }

  private static void assertNoPayloadLogged(Capture capture) {
    List<ILoggingEvent> events = capture.events();
    assertThat(events).isNotEmpty();
    for (ILoggingEvent event : events) {
      for (String text : texts(event)) {
        assertThat(text)
            .as("%s line from %s: %s", event.getLevel(), event.getLoggerName(), event)
            .doesNotContain(MARKER);
      }
    }
  }

  @Test
  void specLogLinesCarryTheMdcKeysAndNeverThePayload() {
    Capture capture = capture("dev.jobqueue", Level.ALL);
    JobQueueManager manager = start(config().build(), List.of(), ok(), bad());
    String node = manager.workerPool().getNodeId();

    String okId = manager.createJob(CreateJobOptions.of("ok", new Work(MARKER)));
    String badId =
        manager.createJob(
            CreateJobOptions.builder("bad", new Work(MARKER + "-bad")).maxRetries(0).build());
    awaitTerminal(2);
    manager.shutdown();

    List<ILoggingEvent> events = capture.events();
    System.out.printf("captured %d log events at every level%n", events.size());

    assertThat(capture.matching(e -> e.getFormattedMessage().startsWith("Worker pool started")))
        .singleElement()
        .satisfies(e -> assertThat(e.getLevel()).isEqualTo(Level.INFO));
    assertThat(capture.matching(e -> e.getFormattedMessage().startsWith("Worker pool stopped")))
        .singleElement()
        .satisfies(e -> assertThat(e.getLevel()).isEqualTo(Level.INFO));
    assertThat(capture.matching(e -> e.getFormattedMessage().matches("Worker worker-\\d+ started")))
        .isNotEmpty()
        .allSatisfy(e -> assertThat(e.getLevel()).isEqualTo(Level.DEBUG));
    assertThat(
            capture.matching(
                e -> e.getFormattedMessage().equals("Job " + okId + " created with type ok")))
        .singleElement()
        .satisfies(e -> assertThat(e.getLevel()).isEqualTo(Level.DEBUG));

    ILoggingEvent processing = single(capture, "Worker worker-\\d+ processing job " + okId);
    assertThat(processing.getLevel()).isEqualTo(Level.DEBUG);
    assertThat(mdc(processing, "jobId")).isEqualTo(okId);
    assertThat(mdc(processing, "jobType")).isEqualTo("ok");
    assertThat(mdc(processing, "workerId")).startsWith(node + "/worker-");

    ILoggingEvent completed =
        single(capture, "Worker worker-\\d+ completed job " + okId + " in \\d+ms");
    assertThat(completed.getLevel()).isEqualTo(Level.DEBUG);
    long millis =
        Long.parseLong(completed.getFormattedMessage().replaceAll(".* in (\\d+)ms$", "$1"));
    assertThat(millis).isBetween(30L, 10_000L);

    ILoggingEvent badProcessing = single(capture, "Worker worker-\\d+ processing job " + badId);
    assertThat(mdc(badProcessing, "jobType")).isEqualTo("bad");
    List<ILoggingEvent> failed =
        capture.matching(e -> e.getFormattedMessage().startsWith("Job " + badId + " failed"));
    assertThat(failed)
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.getLevel()).isEqualTo(Level.ERROR);
              assertThat(e.getFormattedMessage()).contains("always fails");
            });

    assertNoPayloadLogged(capture);
  }

  private static ILoggingEvent single(Capture capture, String regex) {
    List<ILoggingEvent> found = capture.matching(e -> e.getFormattedMessage().matches(regex));
    assertThat(found).as("log lines matching %s", regex).hasSize(1);
    return found.get(0);
  }

  @Test
  void completedAndFailedLinesCarryTheMdcKeys() {
    Capture capture = capture("dev.jobqueue", Level.DEBUG);
    JobQueueManager manager = start(config().build(), List.of(), ok(), bad());
    String node = manager.workerPool().getNodeId();
    String okId = manager.createJob(CreateJobOptions.of("ok", new Work("a")));
    String badId =
        manager.createJob(CreateJobOptions.builder("bad", new Work("b")).maxRetries(0).build());
    awaitTerminal(2);

    ILoggingEvent completed =
        single(capture, "Worker worker-\\d+ completed job " + okId + " in \\d+ms");
    ILoggingEvent failed = single(capture, "Job " + badId + " failed.*");
    for (ILoggingEvent event : List.of(completed, failed)) {
      assertThat(event.getMDCPropertyMap())
          .as("MDC of: %s", event.getFormattedMessage())
          .containsKeys("jobId", "jobType", "workerId");
      assertThat(mdc(event, "workerId")).startsWith(node + "/worker-");
    }
    assertThat(mdc(completed, "jobId")).isEqualTo(okId);
    assertThat(mdc(completed, "jobType")).isEqualTo("ok");
    assertThat(mdc(failed, "jobId")).isEqualTo(badId);
    assertThat(mdc(failed, "jobType")).isEqualTo("bad");
  }

  @Test
  void payloadThatNoLongerConvertsIsNotLogged() {
    // An older version enqueued {"secret": "<text>"}; the running handler declares an int, so
    // the stored payload fails to convert and the job fails at once.
    JobQueueManager producer =
        start(
            config().runWorkers(false).build(),
            List.of(),
            JobHandler.of("convert", Work.class, (payload, ctx) -> null));
    String id =
        producer.createJob(
            CreateJobOptions.builder("convert", new Work(MARKER)).maxRetries(0).build());
    Capture capture = capture("dev.jobqueue", Level.ALL);
    start(
        config().build(),
        List.of(),
        JobHandler.of("convert", Counter.class, (payload, ctx) -> null));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> producer.getJob(id).orElseThrow().status() == JobStatus.FAILED);
    await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () ->
                !capture
                    .matching(e -> e.getFormattedMessage().startsWith("Job " + id + " failed"))
                    .isEmpty());
    System.out.println(
        "conversion failure logged as: "
            + capture
                .matching(e -> e.getFormattedMessage().startsWith("Job " + id + " failed"))
                .get(0)
                .getFormattedMessage());

    assertNoPayloadLogged(capture);
  }
}
