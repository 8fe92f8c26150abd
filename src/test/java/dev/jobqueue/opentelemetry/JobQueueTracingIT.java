package dev.jobqueue.opentelemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobqueue.CreateJobOptions;
import dev.jobqueue.JobHandler;
import dev.jobqueue.JobQueueConfig;
import dev.jobqueue.JobQueueManager;
import dev.jobqueue.JobTracing;
import dev.jobqueue.NonRetryableJobException;
import dev.jobqueue.SnoozeJobException;
import dev.jobqueue.UniqueOptions;
import dev.jobqueue.testing.JobQueueExtension;
import dev.jobqueue.testing.JobRows;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Traces from enqueue to execution, recorded by an SDK passed explicitly (the global instance only
 * where the default is under test, reset after it): the stored trace context, the producer span,
 * the consumer span as the producer's child on a first attempt and linked on later ones (retry,
 * snooze, rescue), the span attributes and outcomes, and every insert path (single, claimed on
 * insert, in the caller's transaction, batch, unique).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JobQueueTracingIT {

  record Work(String mode) {}

  private static final AttributeKey<String> SYSTEM = AttributeKey.stringKey("messaging.system");
  private static final AttributeKey<String> OPERATION =
      AttributeKey.stringKey("messaging.operation.type");
  private static final AttributeKey<String> DESTINATION =
      AttributeKey.stringKey("messaging.destination.name");
  private static final AttributeKey<String> MESSAGE_ID =
      AttributeKey.stringKey("messaging.message.id");
  private static final AttributeKey<Long> BATCH =
      AttributeKey.longKey("messaging.batch.message_count");
  private static final AttributeKey<String> TYPE = AttributeKey.stringKey("jobqueue.job.type");
  private static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("jobqueue.job.attempt");
  private static final AttributeKey<Long> CLAIM = AttributeKey.longKey("jobqueue.job.claim");
  private static final AttributeKey<String> OUTCOME =
      AttributeKey.stringKey("jobqueue.job.outcome");

  @RegisterExtension
  static final JobQueueExtension jobqueue =
      JobQueueExtension.perClass().migrated().truncatingAfterEach("schedules");

  private final String schema = jobqueue.schema();
  private final JobRows rows = jobqueue.rows();

  private InMemorySpanExporter exporter;
  private SdkTracerProvider provider;
  private OpenTelemetrySdk sdk;
  private Tracer testTracer;

  /** Per job id, how many attempts the handler has seen. */
  private final Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();

  /**
   * "ok" succeeds; "fail-once" throws on its first attempt; "fatal" fails without retry; "snooze"
   * snoozes once; "sleep" outlasts its timeout once. Each attempt opens a span of its own, which
   * must nest under the attempt's consumer span.
   */
  private final JobHandler<Work> work =
      JobHandler.of(
          "work",
          Work.class,
          (payload, ctx) -> {
            Span inner = testTracer.spanBuilder("handler " + ctx.jobId()).startSpan();
            try (Scope ignored = inner.makeCurrent()) {
              int n =
                  attempts
                      .computeIfAbsent(ctx.jobId(), id -> new AtomicInteger())
                      .incrementAndGet();
              switch (payload.mode()) {
                case "fail-once" -> {
                  if (n == 1) {
                    throw new IllegalStateException("boom");
                  }
                }
                case "fatal" -> throw new NonRetryableJobException("bad input");
                case "snooze" -> {
                  if (n == 1) {
                    throw new SnoozeJobException(Duration.ofMillis(10));
                  }
                }
                case "wait" -> Thread.sleep(10_000);
                case "sleep" -> {
                  if (n == 1) {
                    Thread.sleep(5_000);
                  }
                }
                default -> {}
              }
              return Map.of("n", n);
            } finally {
              inner.end();
            }
          });

  @BeforeEach
  void newSdk() {
    exporter = InMemorySpanExporter.create();
    provider =
        SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exporter)).build();
    sdk = OpenTelemetrySdk.builder().setTracerProvider(provider).build();
    testTracer = sdk.getTracer("test");
    attempts.clear();
  }

  @AfterEach
  void closeSdk() {
    sdk.close();
  }

  private JobQueueConfig.Builder config() {
    return jobqueue.fastConfig().minWorkers(2).maxWorkers(2);
  }

  private JobQueueManager node(JobQueueConfig config, JobTracing tracing) {
    JobQueueManager.Builder builder =
        JobQueueManager.builder()
            .config(config)
            .dataSource(jobqueue.newPool("tracing", 12))
            .handler(work);
    if (tracing != null) {
      builder.tracing(tracing);
    }
    return jobqueue.start(builder);
  }

  private JobQueueManager node() {
    return node(config().build(), JobQueueTracing.create(sdk));
  }

  /** Runs {@code action} inside a server span, as a request handler would enqueue. */
  private <T> T inRequest(Function<Span, T> action) {
    Span request = testTracer.spanBuilder("request").setSpanKind(SpanKind.SERVER).startSpan();
    try (Scope ignored = request.makeCurrent()) {
      return action.apply(request);
    } finally {
      request.end();
    }
  }

  private void awaitCompleted(String id) {
    await().atMost(Duration.ofSeconds(15)).until(() -> rows.get(id).status().equals("completed"));
  }

  private List<SpanData> spans(Predicate<SpanData> which) {
    return exporter.getFinishedSpanItems().stream().filter(which).toList();
  }

  private SpanData one(Predicate<SpanData> which) {
    List<SpanData> found = spans(which);
    assertThat(found).as("spans matching, among %s", exporter.getFinishedSpanItems()).hasSize(1);
    return found.get(0);
  }

  private static Predicate<SpanData> producer() {
    return s -> s.getKind() == SpanKind.PRODUCER;
  }

  private static Predicate<SpanData> consumerOf(String id) {
    return s -> s.getKind() == SpanKind.CONSUMER && id.equals(s.getAttributes().get(MESSAGE_ID));
  }

  private static Predicate<SpanData> consumerOf(String id, long claim) {
    return consumerOf(id).and(s -> Long.valueOf(claim).equals(s.getAttributes().get(CLAIM)));
  }

  /** Waits until the consumer span of the job's {@code claim}th run has ended. */
  private SpanData awaitConsumer(String id, long claim) {
    await().atMost(Duration.ofSeconds(15)).until(() -> !spans(consumerOf(id, claim)).isEmpty());
    return one(consumerOf(id, claim));
  }

  private String storedContext(String id) throws SQLException {
    try (Connection c = jobqueue.db().dataSource().getConnection();
        PreparedStatement s =
            c.prepareStatement("select trace_context from " + schema + ".jobs where id = ?")) {
      s.setLong(1, Long.parseLong(id));
      try (ResultSet rs = s.executeQuery()) {
        assertThat(rs.next()).isTrue();
        return rs.getString(1);
      }
    }
  }

  /** The consumer span continues the producer's trace as its child; the handler's span nests. */
  private void assertChildOf(SpanData consumer, SpanData producer) {
    assertThat(consumer.getTraceId()).isEqualTo(producer.getTraceId());
    assertThat(consumer.getParentSpanId()).isEqualTo(producer.getSpanId());
    assertThat(consumer.getLinks()).isEmpty();
  }

  /** The consumer span is a trace of its own with a link to the producer span. */
  private void assertLinkedTo(SpanData consumer, SpanData producer) {
    assertThat(consumer.getTraceId()).isNotEqualTo(producer.getTraceId());
    assertThat(consumer.getParentSpanContext().isValid()).isFalse();
    assertThat(consumer.getLinks())
        .singleElement()
        .satisfies(
            link -> {
              assertThat(link.getSpanContext().getTraceId()).isEqualTo(producer.getTraceId());
              assertThat(link.getSpanContext().getSpanId()).isEqualTo(producer.getSpanId());
              assertThat(link.getSpanContext().isRemote()).as("read back from the job").isTrue();
            });
  }

  private void assertHandlerSpanNestsUnder(SpanData consumer, String id) {
    List<SpanData> inner =
        spans(
            s ->
                s.getName().equals("handler " + id)
                    && s.getParentSpanId().equals(consumer.getSpanId()));
    assertThat(inner).as("the handler's span under %s", consumer).hasSize(1);
    assertThat(inner.get(0).getTraceId()).isEqualTo(consumer.getTraceId());
  }

  @Test
  void theFirstAttemptIsAChildOfTheEnqueueWhichIsAChildOfTheRequest() throws SQLException {
    JobQueueManager node = node();

    Span[] request = new Span[1];
    String id =
        inRequest(
            span -> {
              request[0] = span;
              return node.createJob(CreateJobOptions.of("work", new Work("ok")));
            });
    awaitCompleted(id);
    assertThat(rows.holds(id, "started_at = created_at")).as("claimed on insert").isTrue();

    SpanData consumer = awaitConsumer(id, 1);
    SpanData producer = one(producer());
    String traceId = request[0].getSpanContext().getTraceId();
    assertThat(producer.getTraceId()).isEqualTo(traceId);
    assertThat(producer.getParentSpanId()).isEqualTo(request[0].getSpanContext().getSpanId());
    assertThat(producer.getName()).isEqualTo("send default");
    assertThat(producer.getAttributes().get(SYSTEM)).isEqualTo("jobqueue");
    assertThat(producer.getAttributes().get(OPERATION)).isEqualTo("send");
    assertThat(producer.getAttributes().get(DESTINATION)).isEqualTo("default");
    assertThat(producer.getAttributes().get(MESSAGE_ID)).isEqualTo(id);
    assertThat(producer.getAttributes().get(TYPE)).isEqualTo("work");
    assertThat(producer.getAttributes().get(BATCH)).isNull();

    assertChildOf(consumer, producer);
    assertThat(consumer.getName()).isEqualTo("process default");
    assertThat(consumer.getAttributes().get(SYSTEM)).isEqualTo("jobqueue");
    assertThat(consumer.getAttributes().get(OPERATION)).isEqualTo("process");
    assertThat(consumer.getAttributes().get(DESTINATION)).isEqualTo("default");
    assertThat(consumer.getAttributes().get(TYPE)).isEqualTo("work");
    assertThat(consumer.getAttributes().get(ATTEMPT)).isEqualTo(1L);
    assertThat(consumer.getAttributes().get(CLAIM)).isEqualTo(1L);
    assertThat(consumer.getAttributes().get(OUTCOME)).isEqualTo("completed");
    assertThat(consumer.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
    assertHandlerSpanNestsUnder(consumer, id);

    assertThat(storedContext(id))
        .isEqualTo(
            "traceparent: 00-"
                + traceId
                + "-"
                + producer.getSpanId()
                + "-"
                + producer.getSpanContext().getTraceFlags().asHex());
  }

  @Test
  void aJobClaimedByAnotherNodeContinuesTheTraceOfItsEnqueue() {
    JobQueueManager enqueuer =
        node(config().runWorkers(false).build(), JobQueueTracing.create(sdk));
    String id = inRequest(span -> enqueuer.createJob(CreateJobOptions.of("work", new Work("ok"))));
    assertThat(rows.get(id).status()).isEqualTo("pending");

    node();
    awaitCompleted(id);

    SpanData consumer = awaitConsumer(id, 1);
    assertChildOf(consumer, one(producer()));
    assertHandlerSpanNestsUnder(consumer, id);
  }

  @Test
  void aRetriedJobsSecondAttemptIsLinkedToTheEnqueueNotParented() {
    JobQueueManager node = node();
    String id =
        inRequest(
            span ->
                node.createJob(
                    CreateJobOptions.builder("work", new Work("fail-once")).maxRetries(2).build()));
    awaitCompleted(id);

    SpanData producer = one(producer());
    SpanData first = awaitConsumer(id, 1);
    SpanData second = awaitConsumer(id, 2);

    assertChildOf(first, producer);
    assertThat(first.getAttributes().get(OUTCOME)).isEqualTo("failed_will_retry");
    assertThat(first.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    assertThat(first.getStatus().getDescription()).contains("boom");
    assertThat(first.getEvents())
        .anySatisfy(
            event -> {
              assertThat(event.getName()).isEqualTo("exception");
              assertThat(event.getAttributes().get(AttributeKey.stringKey("exception.message")))
                  .isEqualTo("boom");
            });

    assertThat(first.getAttributes().get(ATTEMPT)).isEqualTo(1L);
    assertLinkedTo(second, producer);
    assertThat(second.getAttributes().get(ATTEMPT)).isEqualTo(2L);
    assertThat(second.getAttributes().get(OUTCOME)).isEqualTo("completed");
    assertThat(second.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
    assertHandlerSpanNestsUnder(second, id);
  }

  @Test
  void aFailureWithoutRetryIsAnErrorWithOutcomeFailed() {
    JobQueueManager node = node();
    String id = node.createJob(CreateJobOptions.of("work", new Work("fatal")));
    await().atMost(Duration.ofSeconds(15)).until(() -> rows.get(id).status().equals("failed"));

    SpanData span = awaitConsumer(id, 1);
    assertThat(span.getAttributes().get(OUTCOME)).isEqualTo("failed");
    assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    assertThat(span.getStatus().getDescription()).contains("bad input");
    assertThat(span.getEvents()).anyMatch(event -> event.getName().equals("exception"));
    // Enqueued outside any span: the producer span is a root, the consumer still its child.
    SpanData producer = one(producer());
    assertThat(producer.getParentSpanContext().isValid()).isFalse();
    assertChildOf(span, producer);
  }

  @Test
  void aSnoozeEndsTheAttemptAsSnoozedAndTheNextAttemptIsLinked() {
    JobQueueManager node = node();
    String id = node.createJob(CreateJobOptions.of("work", new Work("snooze")));
    awaitCompleted(id);

    SpanData producer = one(producer());
    SpanData first = awaitConsumer(id, 1);
    assertChildOf(first, producer);
    assertThat(first.getAttributes().get(OUTCOME)).isEqualTo("snoozed");
    assertThat(first.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
    SpanData second = awaitConsumer(id, 2);
    assertLinkedTo(second, producer);
    assertThat(second.getAttributes().get(ATTEMPT)).as("a snooze spends no retry").isEqualTo(1L);
  }

  @Test
  void anAttemptPastItsTimeoutEndsTimedOut() {
    JobQueueManager node = node();
    String id =
        node.createJob(
            CreateJobOptions.builder("work", new Work("sleep"))
                .timeoutSeconds(1)
                .maxRetries(1)
                .build());
    awaitCompleted(id);

    SpanData first = awaitConsumer(id, 1);
    assertThat(first.getAttributes().get(OUTCOME)).isEqualTo("timed_out");
    assertThat(first.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    assertThat(first.getStatus().getDescription()).contains("timed out after 1 s");
    assertThat(awaitConsumer(id, 2).getAttributes().get(OUTCOME)).isEqualTo("completed");
  }

  @Test
  void anAttemptCancelledWhileItRunsEndsCancelled() {
    JobQueueManager node = node();
    String id = node.createJob(CreateJobOptions.of("work", new Work("wait")));
    await().atMost(Duration.ofSeconds(15)).until(() -> attempts.containsKey(id));

    assertThat(node.cancelJob(id)).isTrue();

    SpanData span = awaitConsumer(id, 1);
    assertThat(span.getAttributes().get(OUTCOME)).isEqualTo("cancelled");
    assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
    assertThat(rows.get(id).status()).isEqualTo("cancelled");
  }

  @Test
  void aRescuedJobIsLinkedToItsEnqueue() throws SQLException {
    JobQueueManager enqueuer =
        node(config().runWorkers(false).build(), JobQueueTracing.create(sdk));
    String id = inRequest(span -> enqueuer.createJob(CreateJobOptions.of("work", new Work("ok"))));
    // A node claimed it and died: its lease ran out without a renewal.
    jobqueue
        .db()
        .execute(
            "update "
                + schema
                + ".jobs set status = 'running', attempt = 1, locked_by = 'dead-node',"
                + " started_at = now(), lease_expires_at = now() - interval '1 second'"
                + " where id = "
                + id);

    node();
    awaitCompleted(id);
    assertThat(rows.get(id).retryCount()).as("the lost attempt counts").isEqualTo(1);

    SpanData rescued = awaitConsumer(id, 2);
    assertLinkedTo(rescued, one(producer()));
    assertThat(rescued.getAttributes().get(ATTEMPT)).isEqualTo(2L);
    assertThat(rescued.getAttributes().get(OUTCOME)).isEqualTo("completed");
    assertThat(spans(consumerOf(id))).hasSize(1); // The dead node's attempt left no span here.
  }

  @Test
  void aJobEnqueuedInTheCallersTransactionContinuesTheRequestsTrace() throws SQLException {
    JobQueueManager node = node();
    try (Connection tx = jobqueue.newPool("tracing-app", 1).getConnection()) {
      tx.setAutoCommit(false);
      String[] traceId = new String[1];
      String id =
          inRequest(
              span -> {
                traceId[0] = span.getSpanContext().getTraceId();
                return node.createJob(tx, CreateJobOptions.of("work", new Work("ok")));
              });
      SpanData producer = one(producer());
      assertThat(producer.getTraceId()).isEqualTo(traceId[0]);
      assertThat(producer.getAttributes().get(MESSAGE_ID)).isEqualTo(id);
      assertThat(rows.find(id)).as("invisible before the commit").isEmpty();
      tx.commit();

      awaitCompleted(id);
      assertChildOf(awaitConsumer(id, 1), producer);
      assertThat(storedContext(id)).contains(producer.getSpanId());
    }
  }

  @Test
  void aBatchIsOneProducerSpanAndEachJobAChildOfIt() throws SQLException {
    JobQueueManager node = node();
    List<CreateJobOptions> batch = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      batch.add(CreateJobOptions.of("work", new Work("ok")));
    }
    List<String> ids = inRequest(span -> node.createJobs(batch));
    // With a unique key, the batch goes through the unique insert (plain rows, then keyed ones).
    List<String> mixed =
        inRequest(
            span ->
                node.createJobs(
                    List.of(
                        CreateJobOptions.of("work", new Work("ok")),
                        CreateJobOptions.of("work", new Work("ok")),
                        CreateJobOptions.builder("work", new Work("ok"))
                            .unique(UniqueOptions.byKey("k"))
                            .build())));
    ids.forEach(this::awaitCompleted);
    mixed.forEach(this::awaitCompleted);

    List<SpanData> producers = spans(producer());
    assertThat(producers).hasSize(2);
    for (SpanData producer : producers) {
      assertThat(producer.getAttributes().get(BATCH)).isEqualTo(3L);
      assertThat(producer.getAttributes().get(MESSAGE_ID)).isNull();
      assertThat(producer.getAttributes().get(OPERATION)).isEqualTo("send");
      assertThat(producer.getAttributes().get(DESTINATION)).isEqualTo("default");
    }
    for (List<String> group : List.of(ids, mixed)) {
      SpanData producer =
          producers.stream()
              .filter(p -> p.getTraceId().equals(awaitConsumer(group.get(0), 1).getTraceId()))
              .findFirst()
              .orElseThrow();
      for (String id : group) {
        assertChildOf(awaitConsumer(id, 1), producer);
        assertThat(storedContext(id)).contains(producer.getSpanId());
      }
    }
  }

  @Test
  void disabledTracingRecordsNothingAndStoresNoContext() throws SQLException {
    JobQueueManager node = node(config().build(), JobTracing.disabled());
    String id = inRequest(span -> node.createJob(CreateJobOptions.of("work", new Work("ok"))));
    awaitCompleted(id);

    assertThat(storedContext(id)).isNull();
    // Only the test's own spans: the request and the handler's, the latter a root now.
    assertThat(exporter.getFinishedSpanItems())
        .extracting(SpanData::getName)
        .containsExactlyInAnyOrder("request", "handler " + id);
  }

  @Test
  void byDefaultTheGlobalInstanceTracesOnceItIsSet() throws SQLException {
    try {
      JobQueueManager node = node(config().build(), null);
      String before = node.createJob(CreateJobOptions.of("work", new Work("ok")));
      awaitCompleted(before);
      assertThat(storedContext(before)).as("no global instance yet: nothing traced").isNull();
      assertThat(GlobalOpenTelemetry.isSet())
          .as("the library did not fix the global instance to the no-op one")
          .isFalse();

      GlobalOpenTelemetry.set(sdk);
      String after = inRequest(span -> node.createJob(CreateJobOptions.of("work", new Work("ok"))));
      awaitCompleted(after);
      SpanData consumer = awaitConsumer(after, 1);
      assertChildOf(consumer, one(producer()));
      assertThat(storedContext(after)).startsWith("traceparent: 00-" + consumer.getTraceId());
    } finally {
      GlobalOpenTelemetry.resetForTest();
    }
  }

  @Test
  void jobsOfARecurringScheduleStoreNoContext() {
    // The leader inserts a schedule's occurrences on its own, outside any caller's trace.
    JobQueueManager node =
        jobqueue.start(
            JobQueueManager.builder()
                .config(config().build())
                .dataSource(jobqueue.newPool("tracing-schedules", 12))
                .tracing(JobQueueTracing.create(sdk))
                .handler(work)
                .schedule(
                    dev.jobqueue.Schedule.every(
                            "tracing-every-second",
                            Duration.ofSeconds(1),
                            CreateJobOptions.of("work", new Work("ok")))
                        .build()));
    await().atMost(Duration.ofSeconds(15)).until(() -> rows.count("status = 'completed'") > 0);
    assertThat(rows.count("trace_context is not null")).isZero();
    assertThat(spans(producer())).isEmpty();
    String id = rows.ids("status = 'completed'").get(0);
    SpanData consumer = awaitConsumer(id, 1);
    assertThat(consumer.getParentSpanContext().isValid()).isFalse();
    assertThat(consumer.getLinks()).isEmpty();
    assertThat(node.getJob(id)).isPresent();
  }
}
