package dev.jobqueue;

import static dev.jobqueue.JobPriority.HIGH;
import static dev.jobqueue.JobPriority.LOW;
import static dev.jobqueue.JobPriority.NORMAL;
import static dev.jobqueue.JobStatus.CANCELLED;
import static dev.jobqueue.JobStatus.COMPLETED;
import static dev.jobqueue.JobStatus.FAILED;
import static dev.jobqueue.JobStatus.PENDING;
import static dev.jobqueue.JobStatus.RUNNING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jobqueue.testing.JobQueueExtension;
import dev.jobqueue.testing.JobRows;
import dev.jobqueue.testing.TestDatabase;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * getJobs over a known set of jobs whose status and creation time are set with SQL (no engine
 * exists yet). Expected results are computed from the seed list, newest first.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GetJobsIT {

  private static final Instant T0 = Instant.parse("2024-01-01T00:00:00Z");

  /** Text no normalization would produce from the other spellings below. */
  private static final String UNICODE =
      "hi \uD83D\uDC4B \u200F\u05E9\u05DC\u05D5\u05DD\u200F cafe\u0301";

  /** One seeded job; {@code id} is filled in once created. */
  private static final class Seed {
    final String type;
    final JobStatus status;
    final JobPriority priority;
    final Map<String, Object> payload;
    final Instant createdAt;
    String id;

    Seed(
        String type,
        JobStatus status,
        JobPriority priority,
        int minute,
        Map<String, Object> payload) {
      this.type = type;
      this.status = status;
      this.priority = priority;
      this.payload = payload;
      this.createdAt = T0.plus(minute, ChronoUnit.MINUTES);
    }
  }

  /**
   * No engine: a worker node would lead and prune the seeded finished jobs (created in 2024, far
   * past retention) at a random moment within its first prune interval.
   */
  @RegisterExtension
  static final JobQueueExtension jobqueue =
      JobQueueExtension.perClass().withManager(config -> config.allowUnknownTypes(true));

  private final TestDatabase db = TestDatabase.get();
  private final String schema = jobqueue.schema();
  private final JobRows rows = jobqueue.rows();
  private JobQueueManager manager;

  /** The seeded jobs in creation order; tests refer to them as #0 to #11 by list index. */
  private final List<Seed> seeds = new ArrayList<>();

  @BeforeAll
  void seedJobs() {
    manager = jobqueue.manager();

    Map<String, Object> en = Map.of("lang", "en");
    Map<String, Object> de = Map.of("lang", "de");
    Map<String, Object> gold = Map.of("lang", "en", "tier", "gold");
    Map<String, Object> silver = Map.of("lang", "en", "tier", "silver");
    seed(
        "email", PENDING, HIGH, 1, Map.of("userId", "u1", "tags", List.of("a", "b"), "meta", gold));
    seed("email", COMPLETED, NORMAL, 2, Map.of("userId", "u2", "tags", List.of("b"), "meta", de));
    seed("email", FAILED, LOW, 3, Map.of("userId", "u1", "tags", List.of(), "meta", en));
    seed("report", PENDING, NORMAL, 4, Map.of("reportId", 7, "userId", "u3"));
    seed("report", RUNNING, HIGH, 5, Map.of("reportId", 8, "userId", "u1"));
    seed("report", CANCELLED, LOW, 6, Map.of("reportId", 9));
    seed("sms", PENDING, LOW, 7, Map.of("to", "+100", "note", UNICODE));
    // #7, #8, #9 are created at the same instant: ties are broken by id, highest first.
    seed("sms", COMPLETED, HIGH, 8, Map.of("to", "+200", "userId", "u2"));
    seed("email", PENDING, NORMAL, 8, Map.of("userId", "u2", "tags", List.of("c")));
    seed("report", FAILED, NORMAL, 8, Map.of("reportId", 10, "userId", "u1"));
    seed("sms", RUNNING, NORMAL, 9, Map.of("to", "+300", "flags", Map.of("urgent", true)));
    seed("email", CANCELLED, HIGH, 10, Map.of("userId", "u4", "meta", silver));

    List<String> ids =
        manager.createJobs(
            seeds.stream()
                .map(s -> CreateJobOptions.builder(s.type, s.payload).priority(s.priority).build())
                .toList());
    for (int i = 0; i < seeds.size(); i++) {
      Seed s = seeds.get(i);
      s.id = ids.get(i);
      db.execute(stateSql(s));
    }
  }

  private JobQueueManager newManager(String schemaName) {
    JobQueueManager m =
        JobQueueManager.builder()
            .config(JobQueueConfig.builder().schema(schemaName).allowUnknownTypes(true).build())
            .dataSource(db.dataSource())
            .build();
    m.initialize();
    return m;
  }

  private void seed(
      String type,
      JobStatus status,
      JobPriority priority,
      int minute,
      Map<String, Object> payload) {
    seeds.add(new Seed(type, status, priority, minute, payload));
  }

  private String stateSql(Seed s) {
    String at = "'" + s.createdAt + "'";
    String set =
        switch (s.status) {
          case PENDING -> "";
          case RUNNING ->
              ", locked_by = 'node-1', lease_expires_at = now() + interval '1 minute',"
                  + " started_at = "
                  + at
                  + ", attempt = 1";
          default -> ", completed_at = " + at;
        };
    return "update "
        + schema
        + ".jobs set status = '"
        + s.status.wireName()
        + "', created_at = "
        + at
        + ", updated_at = "
        + at
        + set
        + " where id = "
        + s.id;
  }

  // ---------------------------------------------------------------- no filter and order

  @Test
  void withoutFiltersReturnsEveryJobNewestFirst() {
    assertThat(ids(JobFilters.all())).containsExactlyElementsOf(expected(s -> true));
  }

  @Test
  void jobsCreatedAtTheSameInstantAreOrderedByIdDescending() {
    Instant tie = T0.plus(8, ChronoUnit.MINUTES);
    List<Job> jobs =
        manager.getJobs(
            JobFilters.builder().createdAfter(tie).createdBefore(tie.plusMillis(1)).build());

    assertThat(jobs).hasSize(3).allSatisfy(j -> assertThat(j.createdAt()).isEqualTo(tie));
    assertThat(jobs)
        .extracting(j -> Long.parseLong(j.id()))
        .isSortedAccordingTo(Comparator.reverseOrder());
  }

  @Test
  void returnedJobsCarryTheStoredState() {
    Seed running = seeds.get(4);
    Job job =
        manager
            .getJobs(JobFilters.builder().status(JobStatus.RUNNING).type("report").build())
            .get(0);

    assertThat(job.id()).isEqualTo(running.id);
    assertThat(job.status()).isEqualTo(JobStatus.RUNNING);
    assertThat(job.priority()).isEqualTo(JobPriority.HIGH);
    assertThat(job.attempt()).isEqualTo(1);
    assertThat(job.startedAt()).contains(running.createdAt);
    assertThat(job.payload()).isEqualTo(running.payload);
  }

  // ---------------------------------------------------------------- each filter alone

  @ParameterizedTest
  @EnumSource(JobStatus.class)
  void filtersByStatus(JobStatus status) {
    List<String> expected = expected(s -> s.status == status);

    assertThat(expected).isNotEmpty();
    assertThat(ids(JobFilters.builder().status(status).build()))
        .containsExactlyElementsOf(expected);
  }

  @ParameterizedTest
  @ValueSource(strings = {"email", "report", "sms", "absent-type"})
  void filtersByType(String type) {
    assertThat(ids(JobFilters.builder().type(type).build()))
        .containsExactlyElementsOf(expected(s -> s.type.equals(type)));
  }

  @ParameterizedTest
  @EnumSource(JobPriority.class)
  void filtersByPriority(JobPriority priority) {
    assertThat(ids(JobFilters.builder().priority(priority).build()))
        .containsExactlyElementsOf(expected(s -> s.priority == priority));
  }

  @Test
  void createdAfterIsInclusive() {
    Instant bound = T0.plus(4, ChronoUnit.MINUTES);
    List<String> found = ids(JobFilters.builder().createdAfter(bound).build());

    assertThat(found).containsExactlyElementsOf(expected(s -> !s.createdAt.isBefore(bound)));
    assertThat(found).contains(seeds.get(3).id);
  }

  @Test
  void createdBeforeIsExclusive() {
    Instant bound = T0.plus(4, ChronoUnit.MINUTES);
    List<String> found = ids(JobFilters.builder().createdBefore(bound).build());

    assertThat(found).containsExactlyElementsOf(expected(s -> s.createdAt.isBefore(bound)));
    assertThat(found).doesNotContain(seeds.get(3).id);
  }

  @Test
  void equalCreatedAfterAndCreatedBeforeFindNothing() {
    Instant bound = T0.plus(4, ChronoUnit.MINUTES);

    assertThat(ids(JobFilters.builder().createdAfter(bound).createdBefore(bound).build()))
        .isEmpty();
  }

  @Test
  void payloadContainsMatchesATopLevelKey() {
    assertThat(ids(JobFilters.builder().payloadContains(Map.of("userId", "u1")).build()))
        .containsExactlyElementsOf(expected(s -> "u1".equals(s.payload.get("userId"))));
  }

  @Test
  void payloadContainsMatchesANumber() {
    assertThat(ids(JobFilters.builder().payloadContains(Map.of("reportId", 8)).build()))
        .containsExactly(seeds.get(4).id);
    assertThat(ids(JobFilters.builder().payloadContains(Map.of("reportId", "8")).build()))
        .isEmpty();
  }

  @Test
  void payloadContainsMatchesANestedObjectPartially() {
    assertThat(
            ids(JobFilters.builder().payloadContains(Map.of("meta", Map.of("lang", "en"))).build()))
        .containsExactly(seeds.get(11).id, seeds.get(2).id, seeds.get(0).id);
    assertThat(
            ids(
                JobFilters.builder()
                    .payloadContains(Map.of("meta", Map.of("lang", "en", "tier", "gold")))
                    .build()))
        .containsExactly(seeds.get(0).id);
    assertThat(
            ids(
                JobFilters.builder()
                    .payloadContains(Map.of("flags", Map.of("urgent", true)))
                    .build()))
        .containsExactly(seeds.get(10).id);
  }

  @Test
  void payloadContainsMatchesArrayElements() {
    assertThat(ids(JobFilters.builder().payloadContains(Map.of("tags", List.of("b"))).build()))
        .containsExactly(seeds.get(1).id, seeds.get(0).id);
    assertThat(ids(JobFilters.builder().payloadContains(Map.of("tags", List.of("b", "a"))).build()))
        .containsExactly(seeds.get(0).id);
    // The empty array is contained in every array.
    assertThat(ids(JobFilters.builder().payloadContains(Map.of("tags", List.of())).build()))
        .containsExactlyElementsOf(expected(s -> s.payload.containsKey("tags")));
  }

  @Test
  void payloadContainsWithNoMatchFindsNothing() {
    assertThat(ids(JobFilters.builder().payloadContains(Map.of("userId", "nobody")).build()))
        .isEmpty();
    assertThat(ids(JobFilters.builder().payloadContains(Map.of("tags", List.of("z"))).build()))
        .isEmpty();
    assertThat(
            ids(JobFilters.builder().payloadContains(Map.of("meta", Map.of("lang", "fr"))).build()))
        .isEmpty();
  }

  @Test
  void emptyPayloadContainsMatchesEveryJob() {
    assertThat(ids(JobFilters.builder().payloadContains(Map.of()).build()))
        .containsExactlyElementsOf(expected(s -> true));
  }

  @Test
  void limitCapsTheResultKeepingTheNewest() {
    assertThat(ids(JobFilters.builder().limit(3).build()))
        .containsExactlyElementsOf(expected(s -> true).subList(0, 3));
    assertThat(ids(JobFilters.builder().limit(1).build()))
        .containsExactly(expected(s -> true).get(0));
  }

  @Test
  void offsetSkipsTheNewest() {
    List<String> all = expected(s -> true);

    assertThat(ids(JobFilters.builder().offset(5).build()))
        .containsExactlyElementsOf(all.subList(5, all.size()));
    assertThat(ids(JobFilters.builder().offset(all.size()).build())).isEmpty();
    assertThat(ids(JobFilters.builder().offset(JobFilters.MAX_OFFSET).build())).isEmpty();
  }

  @Test
  void paginationVisitsEveryJobExactlyOnce() {
    List<String> visited = new ArrayList<>();
    for (int offset = 0; ; offset += 5) {
      List<String> page = ids(JobFilters.builder().limit(5).offset(offset).build());
      visited.addAll(page);
      if (page.size() < 5) {
        break;
      }
    }

    assertThat(visited).doesNotHaveDuplicates().containsExactlyElementsOf(expected(s -> true));
  }

  // ---------------------------------------------------------------- combined filters

  @Test
  void combinesStatusAndType() {
    assertThat(ids(JobFilters.builder().status(JobStatus.PENDING).type("email").build()))
        .containsExactlyElementsOf(
            expected(s -> s.status == JobStatus.PENDING && s.type.equals("email")));
  }

  @Test
  void combinesTypeAndPriority() {
    assertThat(ids(JobFilters.builder().type("report").priority(JobPriority.NORMAL).build()))
        .containsExactlyElementsOf(
            expected(s -> s.type.equals("report") && s.priority == JobPriority.NORMAL));
  }

  @Test
  void combinesACreationWindowWithStatus() {
    Instant after = T0.plus(2, ChronoUnit.MINUTES);
    Instant before = T0.plus(8, ChronoUnit.MINUTES);
    List<String> found =
        ids(
            JobFilters.builder()
                .status(JobStatus.PENDING)
                .createdAfter(after)
                .createdBefore(before)
                .build());

    assertThat(found)
        .containsExactlyElementsOf(
            expected(
                s ->
                    s.status == JobStatus.PENDING
                        && !s.createdAt.isBefore(after)
                        && s.createdAt.isBefore(before)));
    assertThat(found).containsExactly(seeds.get(6).id, seeds.get(3).id);
  }

  @Test
  void combinesPayloadContainsWithTypeAndStatus() {
    JobFilters filters =
        JobFilters.builder()
            .type("report")
            .status(JobStatus.FAILED)
            .payloadContains(Map.of("userId", "u1"))
            .build();

    assertThat(ids(filters)).containsExactly(seeds.get(9).id);
  }

  @Test
  void combinesEveryFilter() {
    JobFilters filters =
        JobFilters.builder()
            .status(JobStatus.PENDING)
            .type("email")
            .priority(JobPriority.HIGH)
            .createdAfter(T0)
            .createdBefore(T0.plus(2, ChronoUnit.MINUTES))
            .payloadContains(Map.of("meta", Map.of("tier", "gold")))
            .limit(10)
            .offset(0)
            .build();

    assertThat(ids(filters)).containsExactly(seeds.get(0).id);
    assertThat(
            ids(
                JobFilters.builder()
                    .status(JobStatus.PENDING)
                    .type("email")
                    .offset(1)
                    .limit(1)
                    .build()))
        .containsExactly(
            expected(s -> s.status == JobStatus.PENDING && s.type.equals("email")).get(1));
  }

  @Test
  void contradictoryFiltersFindNothing() {
    assertThat(ids(JobFilters.builder().type("sms").payloadContains(Map.of("reportId", 7)).build()))
        .isEmpty();
  }

  // ---------------------------------------------------------------- default limit

  @Test
  void defaultLimitIsOneHundred() {
    String bulkSchema = db.newSchema("getjobs_bulk");
    JobQueueManager bulk = newManager(bulkSchema);
    try {
      List<String> ids =
          bulk.createJobs(
              IntStream.range(0, 150)
                  .mapToObj(i -> CreateJobOptions.of("bulk", Map.of("i", i)))
                  .toList());

      List<Job> page = bulk.getJobs(JobFilters.all());
      assertThat(page).hasSize(JobFilters.DEFAULT_LIMIT);
      assertThat(bulk.getJobs(JobFilters.builder().build())).hasSize(100);
      // All created in one statement, so one created_at: newest first means highest id first.
      List<String> newestFirst = new ArrayList<>(ids);
      java.util.Collections.reverse(newestFirst);
      assertThat(page).extracting(Job::id).containsExactlyElementsOf(newestFirst.subList(0, 100));
      assertThat(bulk.getJobs(JobFilters.builder().limit(JobFilters.MAX_LIMIT).build()))
          .hasSize(150);
    } finally {
      bulk.shutdown();
      db.dropSchema(bulkSchema);
    }
  }

  // ---------------------------------------------------------------- argument checks

  @ParameterizedTest
  @ValueSource(ints = {0, -1, 1001, Integer.MIN_VALUE, Integer.MAX_VALUE})
  void limitOutOfRangeIsRefused(int limit) {
    assertThatThrownBy(() -> JobFilters.builder().limit(limit))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("limit")
        .hasMessageContaining("(was " + limit + ")");
  }

  @ParameterizedTest
  @ValueSource(ints = {-1, JobFilters.MAX_OFFSET + 1, Integer.MIN_VALUE})
  void offsetOutOfRangeIsRefused(int offset) {
    assertThatThrownBy(() -> JobFilters.builder().offset(offset))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("offset")
        .hasMessageContaining("(was " + offset + ")");
  }

  @Test
  void createdAfterLaterThanCreatedBeforeIsRefused() {
    Instant after = T0.plusSeconds(1);
    assertThatThrownBy(() -> JobFilters.builder().createdAfter(after).createdBefore(T0).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(after.toString())
        .hasMessageContaining(T0.toString());
  }

  // ---------------------------------------------------------------- hostile values

  @Test
  void sqlInATypeFilterIsRejectedAsMalformed() {
    assertThatThrownBy(() -> JobFilters.builder().type("x'; drop table jobs; --"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("x'; drop table jobs; --");
    assertThatThrownBy(() -> JobFilters.builder().type("%"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> JobFilters.builder().type(""))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "'; drop table jobs; --",
        "\"; drop table jobs; --",
        "%",
        "_",
        "u%",
        "*",
        "\\",
        "$1",
        "?",
        "}' or '1'='1",
        "\uD83D\uDC4B",
        "\u200F\u05E9\u05DC\u05D5\u05DD\u200F",
        "e\u0301",
        "\uFEFF",
      })
  void hostilePayloadFilterValuesAreHarmlessBoundParameters(String value) {
    assertThat(ids(JobFilters.builder().payloadContains(Map.of("userId", value)).build()))
        .isEmpty();
    assertThat(ids(JobFilters.builder().payloadContains(Map.of(value, value)).build())).isEmpty();
    assertThat(rows.count()).isEqualTo(seeds.size());
  }

  @Test
  void unicodePayloadFilterMatchesExactlyTheSameCodePoints() {
    assertThat(ids(JobFilters.builder().payloadContains(Map.of("note", UNICODE)).build()))
        .containsExactly(seeds.get(6).id);
    // The composed spelling of "café" is a different string to jsonb.
    String composed = UNICODE.replace("cafe\u0301", "caf\u00e9");
    assertThat(ids(JobFilters.builder().payloadContains(Map.of("note", composed)).build()))
        .isEmpty();
    String withoutMarks = UNICODE.replace("\u200F", "");
    assertThat(ids(JobFilters.builder().payloadContains(Map.of("note", withoutMarks)).build()))
        .isEmpty();
  }

  @Test
  void nulCharacterInAPayloadFilterIsAnIllegalArgument() {
    JobFilters value = JobFilters.builder().payloadContains(Map.of("userId", "u\u0000")).build();
    JobFilters key = JobFilters.builder().payloadContains(Map.of("user\u0000Id", "u1")).build();

    assertThatThrownBy(() -> manager.getJobs(value))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("payloadContains.userId")
        .hasMessageContaining("U+0000");
    assertThatThrownBy(() -> manager.getJobs(key))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("U+0000");
  }

  @Test
  void extremeInstantsAreHarmless() {
    List<String> all = expected(s -> true);

    assertThat(ids(JobFilters.builder().createdAfter(Instant.MIN).build()))
        .containsExactlyElementsOf(all);
    assertThat(ids(JobFilters.builder().createdBefore(Instant.MAX).build()))
        .containsExactlyElementsOf(all);
    assertThat(
            ids(JobFilters.builder().createdAfter(Instant.MIN).createdBefore(Instant.MAX).build()))
        .containsExactlyElementsOf(all);
    assertThat(ids(JobFilters.builder().createdAfter(Instant.EPOCH).build()))
        .containsExactlyElementsOf(all);
    assertThat(ids(JobFilters.builder().createdBefore(Instant.EPOCH).build())).isEmpty();
    assertThat(ids(JobFilters.builder().createdAfter(Instant.MAX).build())).isEmpty();
    assertThat(ids(JobFilters.builder().createdBefore(Instant.MIN).build())).isEmpty();
    assertThat(
            ids(JobFilters.builder().createdAfter(Instant.MIN).createdBefore(Instant.MIN).build()))
        .isEmpty();
    assertThat(
            ids(JobFilters.builder().createdAfter(Instant.MAX).createdBefore(Instant.MAX).build()))
        .isEmpty();
    assertThatCode(
            () ->
                manager.getJobs(
                    JobFilters.builder()
                        .createdAfter(Instant.parse("-4713-11-24T00:00:00Z"))
                        .build()))
        .doesNotThrowAnyException();
  }

  @Test
  void nullFiltersAreRefused() {
    assertThatThrownBy(() -> manager.getJobs(null)).isInstanceOf(NullPointerException.class);
  }

  // ---------------------------------------------------------------- helpers

  private List<String> ids(JobFilters filters) {
    return manager.getJobs(filters).stream().map(Job::id).toList();
  }

  /** The seeds matching {@code filter}, newest first: created_at desc, then id desc. */
  private List<String> expected(Predicate<Seed> filter) {
    return seeds.stream()
        .filter(filter)
        .sorted(
            Comparator.comparing((Seed s) -> s.createdAt)
                .thenComparing(s -> Long.parseLong(s.id))
                .reversed())
        .map(s -> s.id)
        .toList();
  }
}
