package dev.jobqueue.bench;

import dev.jobqueue.JobPriority;
import dev.jobqueue.JobQueueManager;
import dev.jobqueue.JobStatus;
import dev.jobqueue.admin.Actor;
import dev.jobqueue.admin.AuditEntry;
import dev.jobqueue.admin.JobCursor;
import dev.jobqueue.admin.JobPage;
import dev.jobqueue.admin.JobQueueAdmin;
import dev.jobqueue.admin.JobSearch;
import dev.jobqueue.admin.JobSelection;
import dev.jobqueue.admin.Role;
import dev.jobqueue.bench.Results.Unit;
import dev.jobqueue.dashboard.Dashboard;
import dev.jobqueue.dashboard.DashboardServer;
import dev.jobqueue.dashboard.PasswordAuthenticator;
import dev.jobqueue.dashboard.PasswordHash;
import dev.jobqueue.dashboard.WebClient;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The {@code admin} workload (docs/benchmarks.md), run only when named: the operator API ({@link
 * JobQueueAdmin}) on a table of a million jobs ({@link AdminTable}). Every call is timed {@link
 * #ROUNDS} times after {@link #WARM_UP} untimed rounds, round-robin across the calls ({@link
 * TimedCalls}); the figures are each call's p50, p95 and maximum, and the target is a p95 of at
 * most {@value #TARGET_MS} ms.
 *
 * <p>The calls are added in {@link #calls}; further ones (such as HTTP GETs of the dashboard's
 * pages) go there too, as one {@code calls.add(name, callable)} each.
 */
final class AdminWorkload {

  static final String NAME = "admin";

  /** Timed rounds: each call runs this often. */
  static final int ROUNDS = 200;

  /** Untimed rounds before them. */
  static final int WARM_UP = 20;

  /** The target of each call's p95. */
  static final int TARGET_MS = 200;

  /** The pages a deep page is read after. */
  static final int DEEP_PAGES = 50;

  /**
   * The workload's sizes (kept here, not in {@link Workloads.Sizes}, like the backlog workload's).
   *
   * @param jobs jobs in the table
   * @param rounds timed rounds
   * @param warmUp untimed rounds
   */
  record Sizes(int jobs, int rounds, int warmUp) {

    static Sizes full() {
      return new Sizes(1_000_000, ROUNDS, WARM_UP);
    }

    static Sizes quick() {
      return new Sizes(100_000, 30, 5);
    }

    static Sizes of(Workloads.Sizes suite) {
      return suite.equals(Workloads.Sizes.quick()) ? quick() : full();
    }
  }

  private final Workloads workloads;
  private final BenchDatabase db;
  private final Sizes sizes;
  private final Results results;
  private final PrintStream out;

  /** The workload, on the suite's helpers, server, results and output. */
  AdminWorkload(
      Workloads workloads,
      BenchDatabase db,
      Workloads.Sizes sizes,
      Results results,
      PrintStream out) {
    this.workloads = workloads;
    this.db = db;
    this.sizes = Sizes.of(sizes);
    this.results = results;
    this.out = out;
  }

  /** Fills a fresh schema, times every call and records its p50, p95 and maximum. */
  void run(int run) {
    results.note(NAME, run, "sizes", sizes.toString());
    String schema = workloads.newSchema("admin");
    try (Connection admin = db.connect()) {
      long f0 = System.nanoTime();
      workloads.createTable(schema);
      AdminTable.fill(admin, schema, sizes.jobs());
      long f1 = System.nanoTime();
      AdminTable.vacuumAnalyze(admin, schema);
      long f2 = System.nanoTime();
      results.note(NAME, run, "fill s", (f1 - f0) / 1e9);
      results.note(NAME, run, "vacuum analyze + checkpoint s", (f2 - f1) / 1e9);
      out.printf(
          Locale.ROOT,
          "  admin: %,d jobs filled in %.1f s, vacuum analyze + checkpoint %.1f s%n",
          sizes.jobs(),
          (f1 - f0) / 1e9,
          (f2 - f1) / 1e9);
      try (JobQueueManager manager = workloads.enqueueManager(schema)) {
        manager.initialize();
        JobQueueAdmin api = JobQueueAdmin.of(manager);
        TimedCalls calls = calls(api, admin, schema);
        List<TimedCalls.Timings> timings;
        long t0;
        try (DashboardServer server = dashboardPages(calls, api, admin, schema)) {
          t0 = System.nanoTime();
          timings = calls.run(sizes.warmUp(), sizes.rounds());
        }
        out.printf(
            Locale.ROOT,
            "  admin: %d calls × %d rounds (after %d untimed) in %.1f s%n",
            timings.size(),
            sizes.rounds(),
            sizes.warmUp(),
            (System.nanoTime() - t0) / 1e9);
        out.printf(
            Locale.ROOT, "  admin: %-44s %9s %9s %9s%n", "call", "p50 ms", "p95 ms", "max ms");
        for (TimedCalls.Timings t : timings) {
          out.printf(
              Locale.ROOT,
              "  admin: %-44s %9.2f %9.2f %9.2f%s%n",
              t.name(),
              t.p50(),
              t.p95(),
              t.max(),
              t.p95() > TARGET_MS ? "  over the target" : "");
        }
        for (TimedCalls.Timings t : timings) {
          record(run, t);
        }
      }
    } catch (Exception e) {
      workloads.failed(NAME, run, e);
    } finally {
      workloads.dropSchema(schema);
    }
  }

  /** Defines and records one call's three figures. */
  private void record(int run, TimedCalls.Timings t) {
    String p50 = t.name() + ", p50";
    String p95 = t.name() + ", p95";
    String max = t.name() + ", max";
    results.define(NAME, p50, Unit.MS);
    results.define(NAME, p95, Unit.MS, "≤ " + TARGET_MS + " ms", v -> v <= TARGET_MS);
    results.define(NAME, max, Unit.MS);
    workloads.record(NAME, p50, run, t.p50());
    workloads.record(NAME, p95, run, t.p95());
    workloads.record(NAME, max, run, t.max());
  }

  /**
   * The operator API's timed calls, in the order each round makes them; {@link #dashboardPages}
   * adds the dashboard's after them.
   */
  static TimedCalls calls(JobQueueAdmin api, Connection admin, String schema) throws Exception {
    Actor actor = new Actor("bench", Role.ADMIN, "bench");
    long maxId = Workloads.count(admin, "select max(id) from " + schema + ".jobs");
    Instant now = Instant.now();
    String type = AdminTable.type(7);
    String queue = AdminTable.queueOf(7);
    JobSearch failed = JobSearch.builder().status(JobStatus.FAILED).build();
    JobSearch pendingInQueue = JobSearch.builder().status(JobStatus.PENDING).queue(queue).build();
    JobSearch ofType = JobSearch.builder().type(type).build();
    JobSearch highPriority = JobSearch.builder().priority(JobPriority.HIGH).build();
    JobSearch createdRange =
        JobSearch.builder()
            .createdAfter(now.minus(Duration.ofDays(3)))
            .createdBefore(now.minus(Duration.ofDays(2)))
            .build();
    JobSearch payload = JobSearch.builder().payloadContainsJson("{\"customerId\": 42}").build();
    JobCursor deep = deepCursor(api, JobSearch.all());
    JobSearch deepPage = JobSearch.builder().cursor(deep).build();
    JobSearch failedOfType = JobSearch.builder().status(JobStatus.FAILED).type(type).build();
    List<AuditEntry> auditPages = api.auditLog(0, 1);
    long deepAuditId = auditPages.isEmpty() ? 0 : auditPages.get(0).id() - DEEP_PAGES * 50L;
    TimedCalls calls = new TimedCalls();
    calls.add("overview(1h)", () -> api.overview(Duration.ofHours(1)));
    calls.add("overview(6h)", () -> api.overview(Duration.ofHours(6)));
    calls.add("overview(24h)", () -> api.overview(Duration.ofHours(24)));
    calls.add("throughput(6h)", () -> api.throughput(Duration.ofHours(6)));
    calls.add("countByStatus(10,000)", () -> api.countByStatus(10_000));
    calls.add("findJobs: no filter", () -> api.findJobs(JobSearch.all()));
    calls.add("findJobs: status=FAILED", () -> api.findJobs(failed));
    calls.add("findJobs: status=PENDING, queue", () -> api.findJobs(pendingInQueue));
    calls.add("findJobs: type", () -> api.findJobs(ofType));
    calls.add("findJobs: priority=HIGH", () -> api.findJobs(highPriority));
    calls.add("findJobs: created 3 to 2 days ago", () -> api.findJobs(createdRange));
    calls.add("findJobs: payload contains", () -> api.findJobs(payload));
    calls.add("findJobs: page " + (DEEP_PAGES + 1) + " (keyset)", () -> api.findJobs(deepPage));
    calls.add("countJobs: no filter", () -> api.countJobs(JobSearch.all()));
    calls.add("countJobs: status=FAILED", () -> api.countJobs(failed));
    calls.add("countJobs: status=PENDING, queue", () -> api.countJobs(pendingInQueue));
    calls.add("countJobs: type", () -> api.countJobs(ofType));
    calls.add("countJobs: priority=HIGH", () -> api.countJobs(highPriority));
    calls.add("countJobs: created 3 to 2 days ago", () -> api.countJobs(createdRange));
    calls.add("countJobs: payload contains", () -> api.countJobs(payload));
    calls.add(
        "job(id), random id",
        () -> api.job(Long.toString(1 + ThreadLocalRandom.current().nextLong(maxId))));
    calls.add("queues()", api::queues);
    calls.add("schedules()", api::schedules);
    calls.add("nodes()", api::nodes);
    calls.add("auditLog: first page", () -> api.auditLog(0, 50));
    calls.add("auditLog: page " + (DEEP_PAGES + 1), () -> api.auditLog(deepAuditId, 50));
    calls.add(
        "retryJobs dry run: failed of one type",
        () -> api.retryJobs(actor, JobSelection.matching(failedOfType), true));
    calls.add(
        "cancelJobs dry run: pending of one queue",
        () -> api.cancelJobs(actor, JobSelection.matching(pendingInQueue), true));
    return calls;
  }

  /**
   * The dashboard over the same admin, on the JDK's HTTP server, and each of its pages (and the
   * JSON they refresh from) as one more timed call: an HTTP GET (or the bulk confirmation's POST)
   * by a signed-in admin, its whole body read, anything but 200 failing the run.
   *
   * @return the server, to close after the run
   */
  static DashboardServer dashboardPages(
      TimedCalls calls, JobQueueAdmin api, Connection admin, String schema) throws Exception {
    char[] password = "bench-password".toCharArray();
    Dashboard dashboard =
        Dashboard.builder(api)
            .authenticator(
                PasswordAuthenticator.builder()
                    .user("bench", Role.ADMIN, PasswordHash.hash(password))
                    .build())
            .build();
    DashboardServer server =
        DashboardServer.start(
            dashboard, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    WebClient browser = new WebClient(server.url()).signedIn("bench", new String(password));
    long maxId = Workloads.count(admin, "select max(id) from " + schema + ".jobs");
    String type = AdminTable.type(7);
    String queue = AdminTable.queueOf(7);
    String deep = deepCursor(api, JobSearch.all()).toString();
    List<String> pages =
        List.of(
            "/",
            "/api/overview",
            "/jobs",
            "/jobs?status=failed",
            "/jobs?status=pending&queue=" + queue,
            "/jobs?type=" + type,
            "/jobs?priority=high",
            "/jobs?payload=%7B%22customerId%22%3A42%7D",
            "/jobs?cursor=" + deep,
            "/api/jobs?status=pending&queue=" + queue,
            "/failed",
            "/queues",
            "/schedules",
            "/nodes",
            "/audit");
    for (String page : pages) {
      calls.add("GET " + page, () -> ok(page, browser.get(page)));
    }
    calls.add(
        "GET /job?id=… (random id)",
        () -> {
          String page = "/job?id=" + (1 + ThreadLocalRandom.current().nextLong(maxId));
          return ok(page, browser.get(page));
        });
    calls.add(
        "POST /jobs/confirm (retry failed of one type)",
        () ->
            ok(
                "/jobs/confirm",
                browser.postWithToken(
                    "/jobs/confirm",
                    "action",
                    "retry",
                    "scope",
                    "matching",
                    "status",
                    "failed",
                    "type",
                    type)));
    return server;
  }

  private static int ok(String page, HttpResponse<String> response) {
    if (response.statusCode() != 200) {
      throw new IllegalStateException(
          page + " answered " + response.statusCode() + ": " + response.body());
    }
    return response.body().length();
  }

  /** The cursor after {@link #DEEP_PAGES} pages of {@code search}, read once, untimed. */
  private static JobCursor deepCursor(JobQueueAdmin api, JobSearch search) {
    JobCursor cursor = null;
    for (int page = 0; page < DEEP_PAGES; page++) {
      JobPage p = api.findJobs(search.toBuilder().cursor(cursor).build());
      cursor = p.nextCursor().orElseThrow(() -> new IllegalStateException("too few jobs"));
    }
    return cursor;
  }
}
