package dev.jobqueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.jobqueue.testing.JobQueueExtension;
import dev.jobqueue.testing.JobRows;
import dev.jobqueue.testing.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** createJob, createJobs and every input check, against a real PostgreSQL. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CreateJobIT {

  record Email(String userId, String template) {}

  record Counter(int count, String label) {}

  record Signup(String userId, String email) {}

  record Indexed(int index) {}

  private static final int DEFAULT_MAX_RETRIES = 7;
  private static final int DEFAULT_TIMEOUT_SECONDS = 42;

  @RegisterExtension static final JobQueueExtension jobqueue = JobQueueExtension.perClass();

  private final TestDatabase db = TestDatabase.get();
  private final String schema = jobqueue.schema();
  private final JobRows rows = jobqueue.rows();
  private JobQueueManager manager;
  private JobQueueManager unknownTypesManager;
  private JobQueueManager cappedManager;

  @BeforeAll
  void startManagers() {
    manager = newManager(config().build());
    unknownTypesManager = newManager(config().allowUnknownTypes(true).build());
    cappedManager = newManager(config().maxPayloadBytes(1000).build());
  }

  private JobQueueConfig.Builder config() {
    return JobQueueConfig.builder()
        .schema(schema)
        .runWorkers(false) // these tests look at jobs as created: nothing may run them
        .defaultMaxRetries(DEFAULT_MAX_RETRIES)
        .defaultTimeoutSeconds(DEFAULT_TIMEOUT_SECONDS);
  }

  /** Runs until the class ends: started in {@code @BeforeAll}. */
  private JobQueueManager newManager(JobQueueConfig config) {
    return jobqueue.start(
        JobQueueManager.builder()
            .config(config)
            .dataSource(db.dataSource())
            .handler(JobHandler.of("email", Email.class, (p, c) -> null))
            .handler(JobHandler.of("counter", Counter.class, (p, c) -> null))
            .handler(
                JobHandler.of(
                    "signup",
                    Signup.class,
                    (p, c) -> null,
                    (p, errors) -> errors.requirePresent("userId", p.userId())))
            .handler(JobHandler.of("indexed", Indexed.class, (p, c) -> null)));
  }

  // ---------------------------------------------------------------- happy path

  @Test
  void createJobReturnsAPositiveDecimalId() {
    String id = manager.createJob(CreateJobOptions.of("email", new Email("u1", "welcome")));

    assertThat(id).matches("[1-9][0-9]*");
    assertThat(Long.parseLong(id)).isPositive();
  }

  @Test
  void getJobReturnsEveryFieldOfANewJob() {
    Instant before = rows.dbNow();
    String id =
        manager.createJob(
            CreateJobOptions.of("email", Map.of("userId", "u1", "template", "welcome")));
    Instant after = rows.dbNow();

    Job job = manager.getJob(id).orElseThrow();

    assertThat(job.id()).isEqualTo(id);
    assertThat(job.type()).isEqualTo("email");
    assertThat(job.status()).isEqualTo(JobStatus.PENDING);
    assertThat(job.priority()).isEqualTo(JobPriority.NORMAL);
    assertThat(job.payload()).isEqualTo(Map.of("userId", "u1", "template", "welcome"));
    assertThat(job.payloadAs(Email.class)).isEqualTo(new Email("u1", "welcome"));
    assertThat(job.retryCount()).isZero();
    assertThat(job.attempt()).isZero();
    assertThat(job.maxRetries()).isEqualTo(DEFAULT_MAX_RETRIES);
    assertThat(job.timeoutSeconds()).isEqualTo(DEFAULT_TIMEOUT_SECONDS);
    assertThat(job.createdAt()).isBetween(before, after);
    assertThat(job.updatedAt()).isEqualTo(job.createdAt());
    assertThat(job.scheduledAt()).isEqualTo(job.createdAt());
    assertThat(job.startedAt()).isEmpty();
    assertThat(job.completedAt()).isEmpty();
    assertThat(job.errors()).isEmpty();
    assertThat(job.errorMessage()).isEmpty();
    assertThat(job.resultJson()).isEmpty();
  }

  @Test
  void timestampsComeFromTheDatabaseClock() throws SQLException {
    // Inside one transaction now() is frozen at its start: a timestamp taken from the JVM clock
    // could not equal it to the microsecond.
    try (var pool = db.newPool("create-job-clock", 1);
        Connection tx = pool.getConnection()) {
      tx.setAutoCommit(false);
      Instant txNow = queryInstant(tx, "select now()");
      String id = manager.createJob(tx, CreateJobOptions.of("email", new Email("u", "t")));
      tx.commit();

      Job job = manager.getJob(id).orElseThrow();
      assertThat(job.createdAt()).isEqualTo(txNow);
      assertThat(job.updatedAt()).isEqualTo(txNow);
      assertThat(job.scheduledAt()).isEqualTo(txNow);
      assertThat(rows.get(id).runAt()).isEqualTo(txNow);
    }
  }

  @Test
  void maxRetriesAndTimeoutCanBeOverridden() {
    String id =
        manager.createJob(
            CreateJobOptions.builder("email", new Email("u", "t"))
                .maxRetries(0)
                .timeoutSeconds(CreateJobOptions.MAX_TIMEOUT_SECONDS)
                .build());

    Job job = manager.getJob(id).orElseThrow();
    assertThat(job.maxRetries()).isZero();
    assertThat(job.timeoutSeconds()).isEqualTo(CreateJobOptions.MAX_TIMEOUT_SECONDS);
  }

  @Test
  void futureScheduledAtIsStoredAsGiven() {
    Instant at = Instant.now().plus(3, ChronoUnit.DAYS).truncatedTo(ChronoUnit.MICROS);

    String id =
        manager.createJob(
            CreateJobOptions.builder("email", new Email("u", "t")).scheduledAt(at).build());

    Job job = manager.getJob(id).orElseThrow();
    assertThat(job.scheduledAt()).isEqualTo(at);
    assertThat(job.createdAt()).isBefore(at);
    assertThat(rows.get(id).runAt()).isEqualTo(at);
  }

  @Test
  void scheduledAtAtTheEdgesOfTheAcceptedRangeIsStored() {
    Instant earliest = Instant.EPOCH;
    Instant latest = Instant.parse("9999-12-31T23:59:59Z");

    List<String> ids =
        manager.createJobs(
            List.of(
                CreateJobOptions.builder("email", new Email("u", "t"))
                    .scheduledAt(earliest)
                    .build(),
                CreateJobOptions.builder("email", new Email("u", "t"))
                    .scheduledAt(latest)
                    .build()));

    assertThat(manager.getJob(ids.get(0)).orElseThrow().scheduledAt()).isEqualTo(earliest);
    assertThat(manager.getJob(ids.get(1)).orElseThrow().scheduledAt()).isEqualTo(latest);
  }

  @ParameterizedTest
  @EnumSource(JobPriority.class)
  void eachPriorityIsStoredAndReadBack(JobPriority priority) {
    String id =
        manager.createJob(
            CreateJobOptions.builder("email", new Email("u", "t")).priority(priority).build());

    assertThat(manager.getJob(id).orElseThrow().priority()).isEqualTo(priority);
    assertThat(rows.get(id).priority()).isEqualTo(priority.rank());
  }

  @Test
  void createJobsReturnsIdsInInputOrder() {
    List<CreateJobOptions> options =
        IntStream.range(0, 500)
            .mapToObj(i -> CreateJobOptions.of("indexed", new Indexed(i)))
            .toList();

    List<String> ids = manager.createJobs(options);

    assertThat(ids).hasSize(500).doesNotHaveDuplicates();
    for (int i = 0; i < ids.size(); i++) {
      assertThat(manager.getJob(ids.get(i)).orElseThrow().payloadAs(Indexed.class))
          .as("payload of job %s at index %d", ids.get(i), i)
          .isEqualTo(new Indexed(i));
    }
  }

  @Test
  void concurrentCreateJobsCallsEachGetTheirOwnIdsInInputOrder() throws Exception {
    int callers = 4;
    int perCall = 200;
    CyclicBarrier start = new CyclicBarrier(callers);
    ExecutorService threads = Executors.newFixedThreadPool(callers);
    try {
      List<Future<List<String>>> results = new ArrayList<>();
      for (int c = 0; c < callers; c++) {
        int base = c * 10_000;
        results.add(
            threads.submit(
                () -> {
                  start.await(10, TimeUnit.SECONDS);
                  return manager.createJobs(
                      IntStream.range(0, perCall)
                          .mapToObj(i -> CreateJobOptions.of("indexed", new Indexed(base + i)))
                          .toList());
                }));
      }
      for (int c = 0; c < callers; c++) {
        List<String> ids = results.get(c).get(30, TimeUnit.SECONDS);
        assertThat(ids).hasSize(perCall);
        for (int i = 0; i < perCall; i++) {
          assertThat(manager.getJob(ids.get(i)).orElseThrow().payloadAs(Indexed.class))
              .isEqualTo(new Indexed(c * 10_000 + i));
        }
      }
    } finally {
      threads.shutdownNow();
    }
  }

  @Test
  void createJobsWithAnEmptyListStoresNothing() {
    long rowsBefore = rows.count();

    assertThat(manager.createJobs(List.of())).isEmpty();
    assertThat(rows.count()).isEqualTo(rowsBefore);
  }

  @Test
  void createJobsIsAllOrNothing() {
    List<CreateJobOptions> options = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      options.add(
          i == 6
              ? CreateJobOptions.of("counter", Map.of("count", "many", "label", "x"))
              : CreateJobOptions.of("counter", new Counter(i, "ok")));
    }
    long rowsBefore = rows.count();

    JobValidationException e =
        catchThrowableOfType(JobValidationException.class, () -> manager.createJobs(options));

    assertThat(e.errors())
        .singleElement()
        .satisfies(
            error -> {
              assertThat(error.field()).isEqualTo("jobs[6].payload.count");
              assertThat(error.rejectedValue()).isEqualTo("many");
            });
    assertThat(e).hasMessageContaining("jobs[6].payload.count");
    assertThat(rows.count()).isEqualTo(rowsBefore);
  }

  @Test
  void createJobsListsProblemsOfSeveralJobsByIndex() {
    List<CreateJobOptions> options =
        List.of(
            CreateJobOptions.of("email", new Email("u", "t")),
            CreateJobOptions.builder("email", new Email("u", "t")).maxRetries(-1).build(),
            CreateJobOptions.of("email", new Email("u", "t")),
            CreateJobOptions.of("nope", Map.of()));
    long rowsBefore = rows.count();

    JobValidationException e =
        catchThrowableOfType(JobValidationException.class, () -> manager.createJobs(options));

    assertThat(e.errors())
        .extracting(FieldError::field)
        .containsExactly("jobs[1].maxRetries", "jobs[3].type");
    assertThat(rows.count()).isEqualTo(rowsBefore);
  }

  // ---------------------------------------------------------------- type checks

  @Test
  void unknownTypeIsRefusedByDefaultListingTheRegisteredTypes() {
    assertRefused(
        manager,
        CreateJobOptions.of("unregistered", Map.of("a", 1)),
        "type",
        "unregistered",
        "[counter, email, indexed, signup]");
  }

  @Test
  void unknownTypeIsAcceptedWhenAllowed() {
    String id =
        unknownTypesManager.createJob(
            CreateJobOptions.of("enqueue-only", Map.of("a", 1, "nested", Map.of("b", List.of(1)))));

    Job job = unknownTypesManager.getJob(id).orElseThrow();
    assertThat(job.type()).isEqualTo("enqueue-only");
    assertThat(job.payload()).isEqualTo(Map.of("a", 1, "nested", Map.of("b", List.of(1))));
  }

  @Test
  void unknownTypePayloadMustStillBeAJsonObject() {
    assertRefused(
        unknownTypesManager,
        CreateJobOptions.of("enqueue-only", List.of(1, 2, 3)),
        "payload",
        null,
        "must be a JSON object");
    assertRefused(
        unknownTypesManager,
        CreateJobOptions.of("enqueue-only", "just text"),
        "payload",
        null,
        "must be a JSON object");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"", " ", "has space", "-leading-dash", "semi;colon", "x'; drop table jobs; --"})
  void malformedTypeNameIsRefused(String type) {
    assertRefused(
        unknownTypesManager, CreateJobOptions.of(type, Map.of()), "type", type, "must match");
  }

  @Test
  void typeNameLongerThan128CharactersIsRefused() {
    String type = "t".repeat(129);
    assertRefused(
        unknownTypesManager, CreateJobOptions.of(type, Map.of()), "type", type, "must match");
  }

  // ---------------------------------------------------------------- payload checks

  @Test
  void payloadFieldOfTheWrongTypeIsRefused() {
    assertRefused(
        manager,
        CreateJobOptions.of("counter", Map.of("count", "abc", "label", "x")),
        "payload.count",
        "abc",
        "cannot be converted to int");
  }

  @Test
  void payloadFieldOfTheWrongJsonShapeIsRefused() {
    assertRefused(
        manager,
        CreateJobOptions.of("counter", Map.of("count", Map.of("n", 1), "label", "x")),
        "payload.count",
        null,
        "wrong JSON type");
  }

  @Test
  void payloadWithAnUnknownFieldIsRefused() {
    assertRefused(
        manager,
        CreateJobOptions.of("email", Map.of("userId", "u", "template", "t", "extra", 1)),
        "payload.extra",
        null,
        "is not a field of Email");
  }

  @Test
  void payloadFailingHandlerValidationIsRefused() {
    Map<String, Object> payload = new LinkedHashMap<>();
    payload.put("userId", null);
    payload.put("email", "a@example.com");

    assertRefused(
        manager, CreateJobOptions.of("signup", payload), "payload.userId", null, "is required");
    assertRefused(
        manager,
        CreateJobOptions.of("signup", new Signup("  ", "a@example.com")),
        "payload.userId",
        "  ",
        "is required");
  }

  @Test
  void everyProblemOfOneJobIsListed() {
    CreateJobOptions options =
        CreateJobOptions.builder("signup", new Signup(null, "a@example.com"))
            .maxRetries(-1)
            .timeoutSeconds(0)
            .scheduledAt(Instant.MAX)
            .build();
    long rowsBefore = rows.count();

    JobValidationException e =
        catchThrowableOfType(JobValidationException.class, () -> manager.createJob(options));

    assertThat(e.errors())
        .extracting(FieldError::field)
        .containsExactlyInAnyOrder("maxRetries", "timeoutSeconds", "scheduledAt", "payload.userId");
    assertThat(e)
        .hasMessageContaining("maxRetries")
        .hasMessageContaining("(was -1)")
        .hasMessageContaining("timeoutSeconds")
        .hasMessageContaining("(was 0)")
        .hasMessageContaining("scheduledAt")
        .hasMessageContaining("payload.userId");
    assertThat(rows.count()).isEqualTo(rowsBefore);
  }

  @Test
  void payloadOverTheConfiguredCapIsRefused() {
    // {"userId":"u","template":""} is 28 bytes: this payload is 1001 bytes.
    String big = "x".repeat(1001 - 28);

    assertRefused(
        cappedManager,
        CreateJobOptions.of("email", new Email("u", big)),
        "payload",
        null,
        "is 1001 bytes of JSON, over the limit of 1000 bytes");
  }

  @Test
  void payloadExactlyAtTheConfiguredCapIsAccepted() {
    String template = "x".repeat(1000 - 28);
    String id = cappedManager.createJob(CreateJobOptions.of("email", new Email("u", template)));

    assertThat(cappedManager.getJob(id).orElseThrow().payloadAs(Email.class).template())
        .isEqualTo(template);
  }

  @Test
  void nulCharacterInAPayloadStringIsRefusedByTheLibrary() {
    assertRefused(
        manager,
        CreateJobOptions.of("email", new Email("a\u0000b", "t")),
        "payload.userId",
        null,
        "U+0000");
    assertRefused(
        unknownTypesManager,
        CreateJobOptions.of("free", Map.of("nested", Map.of("k", "\u0000"))),
        "payload.nested.k",
        null,
        "U+0000");
    assertRefused(
        unknownTypesManager,
        CreateJobOptions.of("free", Map.of("bad\u0000key", 1)),
        "payload.bad\u0000key (field name)",
        null,
        "U+0000");
  }

  @Test
  void unpairedSurrogateInAPayloadStringIsRefusedByTheLibrary() {
    assertRefused(
        unknownTypesManager,
        CreateJobOptions.of("free", Map.of("s", "x\uD800y")),
        "payload.s",
        null,
        "unpaired");
  }

  @Test
  void unicodeInAPayloadRoundTrips() {
    String text =
        "emoji \uD83D\uDC4B rtl \u200F\u05E9\u05DC\u05D5\u05DD combining e\u0301 cjk \u6F22";
    String id =
        manager.createJob(CreateJobOptions.of("email", new Email(text, "'; drop table jobs; --")));

    assertThat(manager.getJob(id).orElseThrow().payloadAs(Email.class))
        .isEqualTo(new Email(text, "'; drop table jobs; --"));
  }

  // ---------------------------------------------------------------- option checks

  @ParameterizedTest
  @ValueSource(ints = {-1, 1001, Integer.MIN_VALUE, Integer.MAX_VALUE})
  void maxRetriesOutOfRangeIsRefused(int maxRetries) {
    assertRefused(
        manager,
        CreateJobOptions.builder("email", new Email("u", "t")).maxRetries(maxRetries).build(),
        "maxRetries",
        String.valueOf(maxRetries),
        "between 0 and 1000");
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1000})
  void maxRetriesAtTheBoundsIsAccepted(int maxRetries) {
    String id =
        manager.createJob(
            CreateJobOptions.builder("email", new Email("u", "t")).maxRetries(maxRetries).build());

    assertThat(manager.getJob(id).orElseThrow().maxRetries()).isEqualTo(maxRetries);
  }

  @ParameterizedTest
  @ValueSource(ints = {0, -5, CreateJobOptions.MAX_TIMEOUT_SECONDS + 1})
  void timeoutSecondsOutOfRangeIsRefused(int timeoutSeconds) {
    assertRefused(
        manager,
        CreateJobOptions.builder("email", new Email("u", "t"))
            .timeoutSeconds(timeoutSeconds)
            .build(),
        "timeoutSeconds",
        String.valueOf(timeoutSeconds),
        "between 1 and");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"+10000-01-01T00:00:00Z", "1969-12-31T23:59:59Z", "-0001-01-01T00:00:00Z"})
  void scheduledAtOutOfRangeIsRefused(String instant) {
    Instant at = Instant.parse(instant);
    assertRefused(
        manager,
        CreateJobOptions.builder("email", new Email("u", "t")).scheduledAt(at).build(),
        "scheduledAt",
        at.toString(),
        "must be between");
  }

  @Test
  void instantMaxAsScheduledAtIsRefused() {
    assertRefused(
        manager,
        CreateJobOptions.builder("email", new Email("u", "t")).scheduledAt(Instant.MAX).build(),
        "scheduledAt",
        Instant.MAX.toString(),
        "must be between");
  }

  // ---------------------------------------------------------------- polymorphic gadgets

  @Test
  void classPropertyInARecordPayloadIsRefused() {
    Map<String, Object> payload = new LinkedHashMap<>();
    payload.put("userId", "u");
    payload.put("template", "t");
    payload.put("@class", "com.sun.rowset.JdbcRowSetImpl");

    assertRefused(
        manager, CreateJobOptions.of("email", payload), "payload.@class", null, "is not a field");
  }

  @Test
  void classPropertyInAFreeFormPayloadIsStoredAsPlainJson() {
    Map<String, Object> payload = new LinkedHashMap<>();
    payload.put("@class", "java.lang.ProcessBuilder");
    payload.put("command", List.of("touch", "/tmp/pwned"));

    String id = unknownTypesManager.createJob(CreateJobOptions.of("free", payload));

    Job job = unknownTypesManager.getJob(id).orElseThrow();
    assertThat(job.payload()).isEqualTo(payload);
    assertThat(job.payload().get("command")).isInstanceOf(List.class);
    // Reading it as Object yields plain maps, never the named class.
    assertThat(job.payloadAs(Object.class)).isInstanceOf(Map.class);
  }

  @Test
  void nullOptionsAreRefusedBeforeAnySql() {
    assertThatThrownBy(() -> manager.createJob((CreateJobOptions) null))
        .isInstanceOf(NullPointerException.class);
    List<CreateJobOptions> withNull = new ArrayList<>();
    withNull.add(CreateJobOptions.of("email", new Email("u", "t")));
    withNull.add(null);
    long rowsBefore = rows.count();

    JobValidationException e =
        catchThrowableOfType(JobValidationException.class, () -> manager.createJobs(withNull));

    assertThat(e.errors()).extracting(FieldError::field).containsExactly("jobs[1]");
    assertThat(rows.count()).isEqualTo(rowsBefore);
  }

  // ---------------------------------------------------------------- helpers

  /**
   * Asserts that {@code options} is refused with an error on {@code field} (and, when not null, the
   * rejected value and a message fragment), and that no row was stored.
   */
  private void assertRefused(
      JobQueueManager m, CreateJobOptions options, String field, String value, String message) {
    long rowsBefore = rows.count();

    JobValidationException e =
        catchThrowableOfType(JobValidationException.class, () -> m.createJob(options));

    assertThat(e).as("createJob(%s) must be refused", options).isNotNull();
    assertThat(e.errors()).extracting(FieldError::field).contains(field);
    FieldError error =
        e.errors().stream().filter(f -> f.field().equals(field)).findFirst().orElseThrow();
    if (value != null) {
      assertThat(error.rejectedValue()).isEqualTo(value);
      assertThat(e).hasMessageContaining("(was " + value);
    }
    if (message != null) {
      assertThat(e).hasMessageContaining(message);
    }
    assertThat(e).hasMessageContaining(field);
    assertThat(rows.count()).as("rows stored after a refused job").isEqualTo(rowsBefore);
  }

  private static Instant queryInstant(Connection connection, String sql) throws SQLException {
    try (Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery(sql)) {
      assertThat(rs.next()).isTrue();
      return rs.getObject(1, OffsetDateTime.class).toInstant();
    }
  }
}
