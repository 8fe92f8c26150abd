package dev.jobqueue.bench;

import dev.jobqueue.JobQueueManager;
import dev.jobqueue.bench.Results.Unit;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The {@code backlog} workload (docs/benchmarks.md), run only when named. (a) Claim cost on a large
 * table: W2's 8-worker drain of 20,000 jobs and a client-side claim probe, on a table of 20,000
 * pending jobs and on one of a million pending and five million finished jobs. (b) A long
 * transaction holding back xmin: the 200,000-job drain, without and then with a REPEATABLE READ
 * transaction open on another connection.
 */
final class BacklogWorkload {

  static final String NAME = "backlog";

  /** Jobs in the small table, and jobs drained from each table in (a). */
  static final int DRAINED = 20_000;

  /** Timed probe claims per table. */
  static final int PROBE_CLAIMS = 500;

  /** How long the held transaction of (b) stays open at least. */
  static final int HOLD_SECONDS = 60;

  private static final int WORKERS = 8;

  /**
   * The workload's sizes. They live here rather than in {@link Workloads.Sizes}, so that the
   * suite's printed sizes (which compare-commits.sh checks) stay as they were.
   *
   * @param pending pending jobs in the large table of (a)
   * @param finished finished jobs in the large table of (a)
   * @param heldJobs jobs of each drain in (b)
   */
  record Sizes(int pending, int finished, int heldJobs) {

    /** The documented sizes. */
    static Sizes full() {
      return new Sizes(1_000_000, 5_000_000, 200_000);
    }

    /** The {@code --quick} sizes. */
    static Sizes quick() {
      return new Sizes(100_000, 500_000, 40_000);
    }

    /** The quick sizes when the suite runs with {@code --quick}, else the full ones. */
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
  BacklogWorkload(
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

  /** Runs (a) and then (b) once, as run number {@code run}. */
  void run(int run) {
    note(run, "sizes", sizes.toString());
    boolean statements = BacklogTable.statementsAvailable(db);
    claimCost(run, statements);
    heldXmin(run, statements);
  }

  // ---- (a) claim cost on a large table
  // ------------------------------------------------------------

  /** (a): the small table, then the large one; drain rates, probe p50s and their ratios. */
  private void claimCost(int run, boolean statements) {
    String large =
        "large table ("
            + thousands(sizes.pending())
            + " pending + "
            + thousands(sizes.finished())
            + " finished)";
    String small = "small table (" + thousands(DRAINED) + " pending)";
    String drain = "drain first " + thousands(DRAINED) + " no-op, 8 workers, ";
    String probe = "claim of " + BacklogTable.PROBE_LIMIT + ", client p50, ";
    String server = "claim statement, server mean in the drain, ";
    results.define(NAME, drain + small, Unit.JOBS_PER_S);
    results.define(NAME, drain + large, Unit.JOBS_PER_S);
    results.define(
        NAME, "drain rate large ÷ small", Unit.RATIO, "≥ 66.7% (within 1.5×)", v -> v >= 1 / 1.5);
    results.define(NAME, probe + small, Unit.MS);
    results.define(NAME, probe + large, Unit.MS);
    results.define(NAME, "claim p50 large ÷ small", Unit.RATIO, "≤ 150% (1.5×)", v -> v <= 1.5);
    if (statements) {
      results.define(NAME, server + small, Unit.MS);
      results.define(NAME, server + large, Unit.MS);
      results.define(
          NAME, "claim server mean large ÷ small", Unit.RATIO, "≤ 150% (1.5×)", v -> v <= 1.5);
    } else {
      results.note(
          NAME,
          run,
          "claim server time",
          "pg_stat_statements is not loaded (give --statements): client-side probe only");
    }
    Table s = measureTable(run, "small", small, statements, false);
    Table l = measureTable(run, "large", large, statements, true);
    if (s == null || l == null) {
      return;
    }
    workloads.record(NAME, drain + small, run, s.drainRate);
    workloads.record(NAME, drain + large, run, l.drainRate);
    workloads.record(NAME, "drain rate large ÷ small", run, l.drainRate / s.drainRate);
    workloads.record(NAME, probe + small, run, s.probeP50);
    workloads.record(NAME, probe + large, run, l.probeP50);
    workloads.record(NAME, "claim p50 large ÷ small", run, l.probeP50 / s.probeP50);
    if (s.serverMeanMs != null && l.serverMeanMs != null) {
      workloads.record(NAME, server + small, run, s.serverMeanMs);
      workloads.record(NAME, server + large, run, l.serverMeanMs);
      workloads.record(
          NAME, "claim server mean large ÷ small", run, l.serverMeanMs / s.serverMeanMs);
    }
  }

  /** What (a) measured on one table. */
  private static final class Table {
    double drainRate;
    double probeP50;
    Double serverMeanMs;
  }

  /**
   * Fills a fresh schema (the library's enqueue for the small table, plain SQL for the large one),
   * runs {@code VACUUM ANALYZE} and a checkpoint, probes the claim, checkpoints again and drains
   * {@link #DRAINED} jobs. Returns null when it failed (and says so).
   */
  private Table measureTable(
      int run, String tag, String label, boolean statements, boolean largeTable) {
    String schema = workloads.newSchema("backlog");
    try (Connection admin = db.connect()) {
      long f0 = System.nanoTime();
      if (largeTable) {
        workloads.prefill(schema, 0);
        BacklogTable.fill(admin, schema, sizes.pending(), sizes.finished());
      } else {
        workloads.prefill(schema, DRAINED);
      }
      long f1 = System.nanoTime();
      BacklogTable.vacuumAnalyzeAndCheckpoint(admin, schema);
      long f2 = System.nanoTime();
      note(run, tag + " table: fill s", (f1 - f0) / 1e9);
      note(run, tag + " table: vacuum analyze + checkpoint s", (f2 - f1) / 1e9);
      note(run, tag + " table: jobs table + indexes MB", tableMb(admin, schema));
      out.printf(
          Locale.ROOT,
          "  backlog: %s filled in %.1f s, vacuum analyze + checkpoint %.1f s%n",
          label,
          (f1 - f0) / 1e9,
          (f2 - f1) / 1e9);
      Table t = new Table();
      double[] ms = BacklogTable.probeClaims(db, schema, PROBE_CLAIMS);
      t.probeP50 = Workloads.percentile(ms, 0.50);
      note(run, tag + " table: probe claim p99 ms", Workloads.percentile(ms, 0.99));
      note(run, tag + " table: probe claim max ms", ms[ms.length - 1]);
      workloads.analyzeAndCheckpoint(admin, schema);
      BacklogTable.ClaimTotals before = statements ? BacklogTable.claimTotals(admin, schema) : null;
      t.drainRate = largeTable ? drainFirst(run, tag, schema) : drainAll(run, tag, schema, admin);
      if (before != null) {
        BacklogTable.ClaimTotals during = BacklogTable.claimTotals(admin, schema).minus(before);
        t.serverMeanMs = during.meanMs();
        noteClaims(run, tag + " table", during);
      }
      return t;
    } catch (Exception e) {
      workloads.failed(NAME + " / " + label, run, e);
      return null;
    } finally {
      workloads.dropSchema(schema);
    }
  }

  /** W2's drain of the whole small table: until the handlers saw every job and none is left. */
  private double drainAll(int run, String tag, String schema, Connection admin) throws Exception {
    CountDownLatch done = new CountDownLatch(DRAINED);
    long t0;
    long t1;
    long handled;
    try (JobQueueManager manager =
        workloads.workerManager(schema, WORKERS, t -> done.countDown(), c -> {})) {
      long deadline = deadline(DRAINED);
      t0 = System.nanoTime();
      manager.initialize();
      await(done, deadline, DRAINED);
      handled = System.nanoTime();
      awaitNoneUnfinished(admin, schema, t0 + deadline);
      t1 = System.nanoTime();
    }
    long completed = completed(admin, schema);
    if (completed != DRAINED) {
      throw new IllegalStateException(completed + " of " + DRAINED + " jobs are completed");
    }
    note(
        run,
        tag + " table: rate at the last handler call (jobs/s)",
        perSecond(DRAINED, handled - t0));
    return perSecond(DRAINED, t1 - t0);
  }

  /** The large table's drain: the clock stops at the {@link #DRAINED}th handler call. */
  private double drainFirst(int run, String tag, String schema) throws Exception {
    CountDownLatch done = new CountDownLatch(1);
    AtomicInteger calls = new AtomicInteger();
    AtomicLong stoppedAt = new AtomicLong();
    long t0;
    try (JobQueueManager manager =
        workloads.workerManager(
            schema,
            WORKERS,
            t -> {
              if (calls.incrementAndGet() == DRAINED) {
                stoppedAt.set(System.nanoTime());
                done.countDown();
              }
            },
            c -> {})) {
      long deadline = deadline(DRAINED);
      t0 = System.nanoTime();
      manager.initialize();
      if (!done.await(deadline, TimeUnit.NANOSECONDS)) {
        throw new TimeoutException(
            "handlers saw " + calls.get() + " of " + DRAINED + " jobs before the deadline");
      }
    }
    note(run, tag + " table: handler calls until shut down", (long) calls.get());
    return perSecond(DRAINED, stoppedAt.get() - t0);
  }

  // ---- (b) a long transaction holding back xmin ----------------------------------------------

  /** (b): the baseline drain, then the held one, in fresh schemas; rates, ratio, dead tuples. */
  private void heldXmin(int run, boolean statements) {
    int n = sizes.heldJobs();
    String drain = "drain " + thousands(n) + " no-op, 8 workers, ";
    String baseline = drain + "baseline";
    String held = drain + "xmin held by a REPEATABLE READ tx";
    results.define(NAME, baseline, Unit.JOBS_PER_S);
    results.define(NAME, held, Unit.JOBS_PER_S);
    results.define(NAME, "drain rate held ÷ baseline", Unit.RATIO, "≥ 70%", v -> v >= 0.70);
    results.define(NAME, "dead tuples at drain end, baseline", Unit.COUNT);
    results.define(NAME, "dead tuples at drain end, held", Unit.COUNT);
    Double base = heldDrain(run, n, false, baseline, statements);
    Double with = heldDrain(run, n, true, held, statements);
    if (base != null && with != null) {
      workloads.record(NAME, "drain rate held ÷ baseline", run, with / base);
    }
  }

  /**
   * Prefills {@code n} jobs with the library in a fresh schema and drains them as W2 does. With
   * {@code hold}, another connection first opens a REPEATABLE READ transaction and reads the jobs
   * table; it stays open until {@link #HOLD_SECONDS} have passed or the drain has ended, whichever
   * is later, and its {@code backend_xmin} is sampled during the drain. Records the rate and the
   * dead tuples at the drain's end; returns the rate, or null when it failed.
   */
  private Double heldDrain(int run, int n, boolean hold, String figure, boolean statements) {
    String which = hold ? "held" : "baseline";
    String schema = workloads.newSchema("backlog");
    Connection holder = null;
    try (Connection admin = db.connect()) {
      workloads.prefill(schema, n);
      workloads.analyzeAndCheckpoint(admin, schema);
      long heldSince = 0;
      int holderPid = 0;
      if (hold) {
        holder = db.connect();
        holderPid = (int) Workloads.count(holder, "select pg_backend_pid()");
        holder.setAutoCommit(false);
        holder.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
        Workloads.count(holder, "select count(*) from " + schema + ".jobs");
        heldSince = System.nanoTime();
        if (holderXmin(admin, holderPid) == null) {
          throw new IllegalStateException("the holder's backend_xmin is null before the drain");
        }
      }
      BacklogTable.ClaimTotals before = statements ? BacklogTable.claimTotals(admin, schema) : null;
      CountDownLatch done = new CountDownLatch(n);
      int samples = 0;
      int nonNull = 0;
      long t0;
      long t1;
      try (JobQueueManager manager =
          workloads.workerManager(schema, WORKERS, t -> done.countDown(), c -> {})) {
        long deadline = deadline(n) + (hold ? TimeUnit.MILLISECONDS.toNanos(2L * n) : 0);
        t0 = System.nanoTime();
        manager.initialize();
        while (!done.await(200, TimeUnit.MILLISECONDS)) {
          if (System.nanoTime() > t0 + deadline) {
            throw new TimeoutException(
                "handlers saw " + (n - done.getCount()) + " of " + n + " jobs before the deadline");
          }
          if (hold) {
            samples++;
            nonNull += holderXmin(admin, holderPid) != null ? 1 : 0;
          }
        }
        awaitNoneUnfinished(admin, schema, t0 + deadline);
        t1 = System.nanoTime();
      }
      long completed = completed(admin, schema);
      if (completed != n) {
        throw new IllegalStateException(completed + " of " + n + " jobs are completed");
      }
      double rate = perSecond(n, t1 - t0);
      workloads.record(NAME, figure, run, rate);
      if (before != null) {
        noteClaims(run, which, BacklogTable.claimTotals(admin, schema).minus(before));
      }
      BacklogTable.TableStats end = BacklogTable.tableStats(admin, schema);
      workloads.record(NAME, "dead tuples at drain end, " + which, run, end.dead());
      note(run, which + ": live tuples at drain end", end.live());
      note(run, which + ": autovacuum runs on jobs by drain end", end.autovacuums());
      if (hold) {
        note(
            run,
            "held: backend_xmin samples during the drain (not null / taken)",
            nonNull + " / " + samples);
        if (nonNull != samples) {
          out.println(
              "  backlog: the holder's backend_xmin was null in "
                  + (samples - nonNull)
                  + " of "
                  + samples
                  + " samples");
        }
        long until = heldSince + TimeUnit.SECONDS.toNanos(HOLD_SECONDS);
        while (System.nanoTime() < until) {
          Thread.sleep(Math.max(1, Math.min(1_000, (until - System.nanoTime()) / 1_000_000)));
        }
        boolean stillHeld = holderXmin(admin, holderPid) != null;
        BacklogTable.TableStats atCommit = BacklogTable.tableStats(admin, schema);
        holder.commit();
        double heldFor = (System.nanoTime() - heldSince) / 1e9;
        note(run, "held: transaction held for s", heldFor);
        note(run, "held: backend_xmin still set before the commit", stillHeld);
        note(run, "held: dead tuples before the commit", atCommit.dead());
        out.printf(
            Locale.ROOT,
            "  backlog: xmin held %.1f s (drain %.1f s); backend_xmin set in %d of %d samples;"
                + " dead tuples %,d at drain end, %,d before the commit%n",
            heldFor,
            (t1 - t0) / 1e9,
            nonNull,
            samples,
            end.dead(),
            atCommit.dead());
      }
      return rate;
    } catch (Exception e) {
      workloads.failed(NAME + " / " + figure, run, e);
      return null;
    } finally {
      if (holder != null) {
        try {
          holder.close();
        } catch (SQLException ignored) {
          // Closing ends the transaction either way.
        }
      }
      workloads.dropSchema(schema);
    }
  }

  /** The holder's {@code backend_xmin} as text, or null. */
  private static String holderXmin(Connection admin, int pid) throws SQLException {
    try (PreparedStatement s =
        admin.prepareStatement("select backend_xmin::text from pg_stat_activity where pid = ?")) {
      s.setInt(1, pid);
      try (ResultSet r = s.executeQuery()) {
        return r.next() ? r.getString(1) : null;
      }
    }
  }

  // ---- helpers
  // -----------------------------------------------------------------------------------

  /** W2's deadline for a drain of {@code n} jobs: 60 s plus 1 ms per job. */
  private static long deadline(int n) {
    return TimeUnit.SECONDS.toNanos(60) + TimeUnit.MILLISECONDS.toNanos(n);
  }

  /** Waits for the latch until {@code deadline} nanoseconds have passed, else fails. */
  private static void await(CountDownLatch done, long deadline, int n)
      throws InterruptedException, TimeoutException {
    if (!done.await(deadline, TimeUnit.NANOSECONDS)) {
      throw new TimeoutException(
          "handlers saw " + (n - done.getCount()) + " of " + n + " jobs before the deadline");
    }
  }

  /** Polls every 2 ms until no job is pending or running, as W2 does. */
  private static void awaitNoneUnfinished(Connection admin, String schema, long deadline)
      throws SQLException, InterruptedException, TimeoutException {
    String sql = "select count(*) from " + schema + ".jobs where status in ('pending', 'running')";
    while (Workloads.count(admin, sql) > 0) {
      if (System.nanoTime() > deadline) {
        throw new TimeoutException("jobs still pending or running in the database");
      }
      Thread.sleep(2);
    }
  }

  /** Completed jobs in the schema's table. */
  private static long completed(Connection admin, String schema) throws SQLException {
    return Workloads.count(
        admin, "select count(*) from " + schema + ".jobs where status = 'completed'");
  }

  /** The jobs table with its indexes and TOAST, in MB. */
  private static double tableMb(Connection admin, String schema) throws SQLException {
    try (Statement s = admin.createStatement();
        ResultSet r = s.executeQuery("select pg_total_relation_size('" + schema + ".jobs')")) {
      r.next();
      return r.getLong(1) / 1_048_576.0;
    }
  }

  /** Notes (and prints) the library's claims in one drain, from pg_stat_statements. */
  private void noteClaims(int run, String what, BacklogTable.ClaimTotals claims) {
    note(run, what + ": claim calls in the drain", claims.calls());
    note(run, what + ": claim server mean ms in the drain", claims.meanMs());
    note(run, what + ": jobs per claim in the drain", claims.rows() / (double) claims.calls());
    out.printf(
        Locale.ROOT,
        "  backlog: %s: %,d claims in the drain, server mean %.2f ms, %.0f jobs per claim%n",
        what,
        claims.calls(),
        claims.meanMs() == null ? Double.NaN : claims.meanMs(),
        claims.rows() / (double) claims.calls());
  }

  /** A JSON note of this workload. */
  private void note(int run, String key, Object value) {
    results.note(NAME, run, key, value);
  }

  /** {@code n} per second over {@code nanos}. */
  private static double perSecond(long n, long nanos) {
    return n / (nanos / 1e9);
  }

  /** {@code n} with thousands separators. */
  private static String thousands(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }
}
