package dev.jobqueue.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobqueue.CreateJobOptions;
import dev.jobqueue.Job;
import dev.jobqueue.JobFilters;
import dev.jobqueue.JobPriority;
import dev.jobqueue.JobQueueConfig;
import dev.jobqueue.JobQueueManager;
import dev.jobqueue.JobStatus;
import dev.jobqueue.testing.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Scenario 11 of the reliability suite, part 1: randomized, property-style queries through the
 * public API. Every filter value and combination either works (and returns only matching jobs) or
 * is refused with the documented {@link IllegalArgumentException} (or {@link NullPointerException}
 * for a null) naming the field; {@code getJob}, {@code cancelJob} and {@code retryJob} take any
 * string. No SQL error ever escapes, and the jobs table is unchanged afterwards.
 *
 * <p>The reduced run (1,000 cases, fixed seed) is part of the default build; the full run (10,000
 * cases, a new seed each time) is tagged {@code reliability}. Replay a failure with {@code
 * -Djobqueue.hostile.seed=<seed>}. The single-value checks this builds on are in {@code
 * JobFiltersTest}, {@code GetJobsIT} and {@code JobIdsTest}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileInputIT {

  /** The seed of the reduced run in the default build. */
  static final long REDUCED_SEED = 20_261_128L;

  private static final String SEED_PROPERTY = "jobqueue.hostile.seed";
  private static final List<String> SEEDED_TYPES = List.of("fz-a", "fz-b", "fz.c:d");

  private TestDatabase db;
  private String schema;
  private JobQueueManager jobs;
  private final List<String> ids = new ArrayList<>();
  private final Map<String, Map<String, Object>> payloads = new LinkedHashMap<>();

  @BeforeAll
  void setUp() {
    db = TestDatabase.get();
    schema = db.newSchema(getClass().getSimpleName());
    jobs =
        JobQueueManager.builder()
            .config(
                JobQueueConfig.builder()
                    .schema(schema)
                    .runWorkers(false)
                    .allowUnknownTypes(true)
                    .build())
            .dataSource(db.dataSource())
            .build();
    jobs.initialize();
    // Jobs whose payloads hold every storable hostile fragment, so that a payload filter built
    // from one of them must find it: the fragment went through as data, not as SQL.
    List<CreateJobOptions> options = new ArrayList<>();
    List<String> storable =
        Hostile.FRAGMENTS.stream()
            .filter(
                f ->
                    f.indexOf('\u0000') < 0
                        && f.chars().noneMatch(c -> Character.isSurrogate((char) c)))
            .toList();
    for (int i = 0; i < storable.size(); i++) {
      Map<String, Object> payload = new LinkedHashMap<>();
      payload.put("text", storable.get(i));
      payload.put("n", i);
      payload.put(storable.get(i), List.of(i, Map.of("deep", storable.get(i))));
      options.add(
          CreateJobOptions.builder(SEEDED_TYPES.get(i % SEEDED_TYPES.size()), payload)
              .priority(JobPriority.values()[i % 3])
              .build());
    }
    List<String> created = jobs.createJobs(options);
    for (int i = 0; i < created.size(); i++) {
      ids.add(created.get(i));
      @SuppressWarnings("unchecked")
      Map<String, Object> payload = (Map<String, Object>) options.get(i).payload();
      payloads.put(created.get(i), payload);
    }
    // Finished jobs, spread over the last hour: cancelJob and retryJob must change none of them.
    db.execute(
        "update \""
            + schema
            + "\".jobs set status = 'completed', attempt = 1, completed_at = now(),"
            + " created_at = now() - (id % 60) * interval '1 minute'");
  }

  @AfterAll
  void tearDown() {
    jobs.shutdown();
    db.dropSchema(schema);
  }

  /** The reduced run of the default build: 1,000 cases, always the same. */
  @Test
  void thousandRandomizedQueriesWithAFixedSeed() {
    runQueryCases(Long.getLong(SEED_PROPERTY, REDUCED_SEED), 1_000, "hostile-queries-reduced");
  }

  /** The full run: 10,000 cases, a new seed each time (printed; replay with the property). */
  @Test
  @Tag("reliability")
  void tenThousandRandomizedQueries() {
    runQueryCases(Long.getLong(SEED_PROPERTY, System.nanoTime()), 10_000, "hostile-queries");
  }

  // ------------------------------------------------------------------------------ query cases

  private void runQueryCases(long seed, int cases, String scenario) {
    System.out.println("HostileInputIT: seed " + seed + " (replay with -D" + SEED_PROPERTY + ")");
    String before = tableDigest();
    Random r = new Random(seed);
    Tally tally = new Tally();
    long started = System.nanoTime();
    for (int i = 0; i < cases; i++) {
      queryCase(r, i, tally);
      idCase(r, i, tally);
    }
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    String after = tableDigest();
    System.out.printf(
        Locale.ROOT,
        "RELIABILITY %s: seed=%d, %d filter cases + %d id calls in %d ms; outcomes %s;"
            + " unexpected=%d; jobs table unchanged=%s (%d rows)%n",
        scenario,
        seed,
        cases,
        cases,
        millis,
        tally.outcomes,
        tally.failures.size(),
        before.equals(after),
        rowCount());
    assertThat(tally.failures)
        .as("unexpected outcomes with seed %d (replay with -D%s=%d)", seed, SEED_PROPERTY, seed)
        .isEmpty();
    assertThat(after).as("the jobs table after the run, seed %d", seed).isEqualTo(before);
    // Every kind of outcome was reached, so the generator really exercised each path.
    assertThat(tally.outcomes.keySet())
        .contains(
            "getJobs ok",
            "getJobs found probe",
            "refused type",
            "refused limit",
            "refused offset",
            "refused createdAfter>createdBefore",
            "refused payloadContains",
            "getJob found",
            "getJob empty",
            "cancelJob false",
            "retryJob false");
  }

  /** What one case set, to check the results against. */
  private static final class Expected {
    JobStatus status;
    String type;
    JobPriority priority;
    Instant createdAfter;
    Instant createdBefore;
    Map<String, Object> payloadContains;
    String probeId;
    int limit = JobFilters.DEFAULT_LIMIT;
    final List<String> set = new ArrayList<>();
  }

  private static final class Tally {
    final Map<String, Integer> outcomes = new TreeMap<>();
    final List<String> failures = new ArrayList<>();

    void count(String outcome) {
      outcomes.merge(outcome, 1, Integer::sum);
    }

    void fail(int caseNo, String what, Object detail) {
      if (failures.size() < 50) {
        failures.add("case " + caseNo + ": " + what + ": " + Hostile.describe(detail));
      }
    }
  }

  private void queryCase(Random r, int caseNo, Tally tally) {
    JobFilters.Builder builder = JobFilters.builder();
    Expected expected = new Expected();
    int setters = r.nextInt(7);
    for (int s = 0; s < setters; s++) {
      applyRandomSetter(r, builder, expected, caseNo, tally);
    }
    boolean inverted =
        expected.createdAfter != null
            && expected.createdBefore != null
            && expected.createdAfter.isAfter(expected.createdBefore);
    JobFilters filters;
    try {
      filters = builder.build();
    } catch (IllegalArgumentException e) {
      if (inverted && e.getMessage().contains("createdAfter")) {
        tally.count("refused createdAfter>createdBefore");
      } else {
        tally.fail(caseNo, "build() refused " + expected.set, e);
      }
      return;
    } catch (RuntimeException e) {
      tally.fail(caseNo, "build() threw " + e.getClass().getName(), e);
      return;
    }
    if (inverted) {
      tally.fail(caseNo, "build() accepted an inverted range", expected.set);
      return;
    }
    List<Job> found;
    try {
      found = jobs.getJobs(filters);
    } catch (IllegalArgumentException e) {
      if (expected.payloadContains != null && e.getMessage().contains("payloadContains")) {
        tally.count("refused payloadContains");
      } else {
        tally.fail(caseNo, "getJobs refused " + expected.set + " with " + e.getMessage(), filters);
      }
      return;
    } catch (RuntimeException e) {
      tally.fail(caseNo, "getJobs threw " + e + " for " + expected.set, filters);
      return;
    }
    tally.count("getJobs ok");
    checkResults(found, expected, caseNo, tally);
  }

  private void applyRandomSetter(
      Random r, JobFilters.Builder builder, Expected expected, int caseNo, Tally tally) {
    switch (r.nextInt(8)) {
      case 0 -> {
        JobStatus status = r.nextInt(10) == 0 ? null : Hostile.pick(r, List.of(JobStatus.values()));
        if (set("status", () -> builder.status(status), status, caseNo, tally, expected)) {
          expected.status = status;
        }
      }
      case 1 -> {
        String type =
            r.nextInt(10) == 0
                ? null
                : r.nextBoolean() ? Hostile.pick(r, SEEDED_TYPES) : Hostile.string(r);
        if (set("type", () -> builder.type(type), type, caseNo, tally, expected)) {
          expected.type = type;
        }
      }
      case 2 -> {
        JobPriority priority =
            r.nextInt(10) == 0 ? null : Hostile.pick(r, List.of(JobPriority.values()));
        if (set("priority", () -> builder.priority(priority), priority, caseNo, tally, expected)) {
          expected.priority = priority;
        }
      }
      case 3 -> {
        Instant after = r.nextInt(20) == 0 ? null : Hostile.instant(r);
        if (set(
            "createdAfter", () -> builder.createdAfter(after), after, caseNo, tally, expected)) {
          expected.createdAfter = after;
        }
      }
      case 4 -> {
        Instant before = r.nextInt(20) == 0 ? null : Hostile.instant(r);
        if (set(
            "createdBefore",
            () -> builder.createdBefore(before),
            before,
            caseNo,
            tally,
            expected)) {
          expected.createdBefore = before;
        }
      }
      case 5 -> {
        Map<String, Object> contains = payloadFilter(r, expected);
        if (set(
            "payloadContains",
            () -> builder.payloadContains(contains),
            contains,
            caseNo,
            tally,
            expected)) {
          expected.payloadContains = contains;
        }
      }
      case 6 -> {
        int limit = Hostile.edgeInt(r);
        if (set("limit", () -> builder.limit(limit), limit, caseNo, tally, expected)) {
          expected.limit = limit;
        }
      }
      default -> {
        int offset = Hostile.edgeInt(r);
        set("offset", () -> builder.offset(offset), offset, caseNo, tally, expected);
      }
    }
  }

  private Map<String, Object> payloadFilter(Random r, Expected expected) {
    expected.probeId = null;
    int kind = r.nextInt(20);
    if (kind < 4) {
      // A probe: part of a seeded job's payload, which must find that job.
      String id = Hostile.pick(r, ids);
      Map<String, Object> payload = payloads.get(id);
      Map<String, Object> part = new LinkedHashMap<>();
      List<String> keys = new ArrayList<>(payload.keySet());
      String key = Hostile.pick(r, keys);
      part.put(key, payload.get(key));
      if (r.nextBoolean()) {
        part.put("n", payload.get("n"));
      }
      expected.probeId = id;
      return part;
    }
    if (kind == 4) {
      return null;
    }
    if (kind == 5) {
      return Hostile.nestedMap(90 + r.nextInt(40));
    }
    if (kind == 6) {
      return Map.of("big", "x".repeat(1_048_576 + r.nextInt(10)));
    }
    return Hostile.map(r, 0);
  }

  /**
   * Calls one builder setter. A refusal is fine when it is an {@link IllegalArgumentException} or
   * {@link NullPointerException} whose message names the field.
   *
   * @return whether the value was accepted
   */
  private static boolean set(
      String field, Runnable setter, Object value, int caseNo, Tally tally, Expected expected) {
    try {
      setter.run();
      expected.set.add(field + "=" + Hostile.describe(value));
      return true;
    } catch (IllegalArgumentException | NullPointerException e) {
      if (e.getMessage() != null && e.getMessage().contains(field)) {
        tally.count((e instanceof NullPointerException ? "refused null " : "refused ") + field);
      } else {
        tally.fail(caseNo, field + " refused without naming it: " + e, value);
      }
    } catch (RuntimeException e) {
      tally.fail(caseNo, field + " setter threw " + e, value);
    }
    return false;
  }

  private void checkResults(List<Job> found, Expected expected, int caseNo, Tally tally) {
    if (found.size() > expected.limit) {
      tally.fail(caseNo, "more jobs than the limit " + expected.limit, found.size());
    }
    for (Job job : found) {
      boolean matches =
          (expected.status == null || job.status() == expected.status)
              && (expected.type == null || job.type().equals(expected.type))
              && (expected.priority == null || job.priority() == expected.priority)
              && (expected.createdAfter == null || !job.createdAt().isBefore(expected.createdAfter))
              && (expected.createdBefore == null
                  || job.createdAt().isBefore(expected.createdBefore));
      if (!matches) {
        tally.fail(caseNo, "job " + job.id() + " does not match " + expected.set, job);
      }
      if (!ids.contains(job.id())) {
        tally.fail(caseNo, "unknown job returned", job);
      }
    }
    if (expected.probeId != null && expected.payloadContains != null) {
      Job probe = jobs.getJob(expected.probeId).orElseThrow();
      boolean shouldMatch =
          (expected.status == null || probe.status() == expected.status)
              && (expected.type == null || probe.type().equals(expected.type))
              && (expected.priority == null || probe.priority() == expected.priority)
              && (expected.createdAfter == null
                  || !probe.createdAt().isBefore(expected.createdAfter))
              && (expected.createdBefore == null
                  || probe.createdAt().isBefore(expected.createdBefore));
      boolean listed = found.stream().anyMatch(j -> j.id().equals(expected.probeId));
      // Only when nothing else can push it out: the probe's payload is unique to it, and the
      // limit is checked against how many matches there are.
      if (shouldMatch && expected.limit >= ids.size() && !listed && offsetIsZero(expected)) {
        tally.fail(caseNo, "probe job " + expected.probeId + " not found by " + expected.set, "");
      } else if (listed) {
        tally.count("getJobs found probe");
      }
    }
  }

  private static boolean offsetIsZero(Expected expected) {
    return expected.set.stream().noneMatch(s -> s.startsWith("offset=") && !s.equals("offset=0"));
  }

  private void idCase(Random r, int caseNo, Tally tally) {
    String id = Hostile.id(r, ids);
    int op = r.nextInt(3);
    try {
      switch (op) {
        case 0 -> {
          boolean present = jobs.getJob(id).isPresent();
          boolean real = id != null && ids.contains(id);
          if (present != real) {
            tally.fail(caseNo, "getJob found=" + present + " for a real id=" + real, id);
          }
          tally.count(present ? "getJob found" : "getJob empty");
        }
        case 1 -> {
          if (jobs.cancelJob(id)) {
            tally.fail(caseNo, "cancelJob changed a finished job or a non-job", id);
          }
          tally.count("cancelJob false");
        }
        default -> {
          if (jobs.retryJob(id)) {
            tally.fail(caseNo, "retryJob changed a completed job or a non-job", id);
          }
          tally.count("retryJob false");
        }
      }
    } catch (RuntimeException e) {
      tally.fail(caseNo, "id call " + op + " threw " + e, id);
    }
  }

  // ------------------------------------------------------------------------------ helpers

  /** Row count and a digest of every row's full text: any change to any job shows. */
  private String tableDigest() {
    return queryText(
        "select count(*) || ':' || coalesce(md5(string_agg(j::text, '|' order by id)), '')"
            + " from \""
            + schema
            + "\".jobs j");
  }

  private long rowCount() {
    return db.queryLong("select count(*) from \"" + schema + "\".jobs");
  }

  private String queryText(String sql) {
    try (Connection connection = db.dataSource().getConnection();
        Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    } catch (SQLException e) {
      throw new IllegalStateException("test SQL failed: " + sql, e);
    }
  }
}
