package dev.jobqueue.bench;

import dev.jobqueue.JobQueueConfig;
import dev.jobqueue.JobQueueManager;
import dev.jobqueue.bench.Results.Unit;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The scaling workload (docs/benchmarks.md, docs/scaling.md): one preloaded schema drained by K =
 * 1, 2 and 3 worker JVMs ({@link ScalingDrain}) at once, each with 8 workers, on the one server.
 * Per K it measures the drain rate, what the machine spent meanwhile ({@link ProcSampler}, WAL from
 * the server), and which child ran the leader-only pruning: a statement trigger on the schema's
 * {@code job_stats} table logs each {@code DELETE} there with the session's {@code
 * application_name}, and only the pruner's pass deletes from that table; each child connects under
 * its own application name.
 */
final class ScalingWorkload {

  private static final String W = "scaling";
  private static final int WORKERS = 8;
  private static final int[] JVMS = {1, 2, 3};
  private static final long TIMEOUT_NANOS = TimeUnit.MINUTES.toNanos(15);

  /** The figures of one K. */
  private record Names(
      String rate,
      String pgCpu,
      String jvmCpu,
      String otherCpu,
      String iowait,
      String idle,
      String wal,
      String syncs,
      String writes,
      String leaderPasses,
      String followerPasses) {}

  private final Workloads workloads;
  private final BenchDatabase db;
  private final int n;
  private final Results results;
  private final PrintStream out;

  /**
   * The workload on {@code db}, draining {@code n} jobs per K.
   *
   * @param workloads the suite's helpers (schemas, preloading, recording)
   * @param db the server
   * @param n jobs per drain
   * @param results where figures go
   * @param out the progress output
   */
  ScalingWorkload(Workloads workloads, BenchDatabase db, int n, Results results, PrintStream out) {
    this.workloads = workloads;
    this.db = db;
    this.n = n;
    this.results = results;
    this.out = out;
  }

  /** One run: K = 1, 2 and 3, each in a fresh schema. */
  void run(int run) {
    List<Names> names = new ArrayList<>();
    for (int k : JVMS) {
      names.add(define(k));
    }
    for (int i = 0; i < JVMS.length; i++) {
      try {
        measure(JVMS[i], run, names.get(i));
      } catch (Exception e) {
        workloads.failed(W + " / " + JVMS[i] + " JVM(s)", run, e);
      }
    }
  }

  private Names define(int k) {
    String p = k + " JVM" + (k == 1 ? "" : "s") + ": ";
    Names f =
        new Names(
            String.format(Locale.ROOT, "drain %,d no-op, %d JVM(s) × %d workers", n, k, WORKERS),
            p + "PostgreSQL CPU",
            p + "JVM CPU (the child JVMs)",
            p + "other CPU (the parent, other processes, kernel)",
            p + "machine iowait",
            p + "machine idle",
            p + "WAL written",
            p + "WAL syncs per second (pg_stat_wal)",
            p + "server processes' disk writes",
            p + "pruning passes by the leader",
            k == 1 ? null : p + "pruning passes by the followers (expected 0)");
    results.define(W, f.rate(), Unit.JOBS_PER_S);
    results.define(W, f.pgCpu(), Unit.CORES);
    results.define(W, f.jvmCpu(), Unit.CORES);
    results.define(W, f.otherCpu(), Unit.CORES);
    results.define(W, f.iowait(), Unit.PERCENT);
    results.define(W, f.idle(), Unit.PERCENT);
    results.define(W, f.wal(), Unit.MB_PER_S);
    results.define(W, f.syncs(), Unit.COUNT);
    results.define(W, f.writes(), Unit.MB_PER_S);
    results.define(W, f.leaderPasses(), Unit.COUNT);
    if (f.followerPasses() != null) {
      results.define(W, f.followerPasses(), Unit.COUNT);
    }
    return f;
  }

  /** What one drain of K children gave, for {@link #report}. */
  private record Outcome(
      double seconds,
      ProcSampler.Window window,
      long walBytes,
      Map<String, Long> walBefore,
      Map<String, Long> walAfter,
      String leaderAtGo,
      String leaderAtEnd,
      Map<String, String> childOfNode,
      Map<String, Long> passes,
      Map<String, Long> drainPasses,
      Map<String, Long> ran,
      long[] spent,
      List<String> resultLines) {}

  private void measure(int k, int run, Names f) throws Exception {
    String schema = workloads.newSchema("scaling");
    List<ChildJvm> children = new ArrayList<>();
    JobQueueManager control = null;
    ProcSampler sampler = null;
    try (Connection admin = db.connect()) {
      workloads.prefill(schema, n);
      control = workloads.enqueueManager(schema);
      control.initialize();
      // initialize() starts a child's workers: the queue stays paused until the clock starts.
      control.pauseQueue(JobQueueConfig.DEFAULT_QUEUE);
      ScalingProbes.installPassLog(admin, schema);
      workloads.analyzeAndCheckpoint(admin, schema);
      long deadline = System.nanoTime() + TIMEOUT_NANOS;
      for (int c = 1; c <= k; c++) {
        String name = "scaling-c" + c;
        children.add(
            ChildJvm.start(
                name,
                List.of("-Xmx512m", "-XX:+ExitOnOutOfMemoryError"),
                ScalingDrain.class,
                List.of(
                    schema,
                    Integer.toString(WORKERS),
                    Integer.toString(Workloads.MAX_JOBS_PER_WORKER),
                    name),
                withApplicationName(db.jdbcUrl, name),
                db.user,
                db.password));
      }
      Map<String, String> childOfNode = new LinkedHashMap<>();
      List<Long> pids = new ArrayList<>();
      for (ChildJvm child : children) {
        if (!child.awaitReady(deadline)) {
          throw new IllegalStateException(
              child.name + " did not say READY; its last output: " + child.tail(20));
        }
        childOfNode.put(ChildJvm.field(child.lastLine("READY"), "node"), child.name);
        pids.add(child.pid());
      }
      long markReady = ScalingProbes.lastPass(admin, schema);
      Workloads.checkpoint(admin);
      long postmaster = ProcSampler.postmasterOf(Workloads.count(admin, "select pg_backend_pid()"));
      sampler = postmaster > 0 ? new ProcSampler(postmaster, pids) : null;
      Map<String, Long> walBefore = ScalingProbes.walStats(admin);
      String leaderAtGo = ScalingProbes.leaderNode(admin, schema);
      String lsnBefore = ScalingProbes.lsn(admin);
      long markGo = ScalingProbes.lastPass(admin, schema);
      if (sampler != null) {
        sampler.start();
      }
      long t0 = System.nanoTime();
      for (ChildJvm child : children) {
        child.send("GO");
      }
      control.resumeQueue(JobQueueConfig.DEFAULT_QUEUE);
      awaitDrained(admin, schema, t0, deadline);
      long t1 = System.nanoTime();
      ProcSampler.Window window = sampler == null ? null : sampler.stop();
      long walBytes = ScalingProbes.walSince(admin, lsnBefore);
      long markEnd = ScalingProbes.lastPass(admin, schema);
      long completed =
          Workloads.count(
              admin, "select count(*) from " + schema + ".jobs where status = 'completed'");
      if (completed != n) {
        throw new IllegalStateException(completed + " of " + n + " jobs are completed");
      }
      String leaderAtEnd = ScalingProbes.leaderNode(admin, schema);
      // The statistics of the last transactions reach pg_stat_wal within about a second.
      Thread.sleep(1_500);
      Map<String, Long> walAfter = ScalingProbes.walStats(admin);
      Map<String, Long> passes =
          ScalingProbes.passesByApp(admin, schema, markReady, Long.MAX_VALUE);
      Map<String, Long> drainPasses = ScalingProbes.passesByApp(admin, schema, markGo, markEnd);
      for (ChildJvm child : children) {
        child.send("STOP");
        child.closeInput();
      }
      Map<String, Long> ran = new LinkedHashMap<>();
      List<String> resultLines = new ArrayList<>();
      long[] spent = new long[3];
      for (ChildJvm child : children) {
        Integer exit = child.awaitExit(60_000);
        String line = child.lastLine("RESULT");
        resultLines.add(child.name + ": " + line + " (exit " + exit + ")");
        String value = ChildJvm.field(line, "ran");
        if (exit == null || exit != 0 || value == null) {
          out.println("  " + child.name + " exited " + exit + "; last output:");
          child.tail(20).forEach(l -> out.println("    " + l));
        }
        ran.put(child.name, value == null ? -1 : Long.parseLong(value));
        String[] keys = {"cpuMs", "jitMs", "gcMs"};
        for (int i = 0; i < keys.length; i++) {
          String ms = ChildJvm.field(line, keys[i]);
          spent[i] =
              spent[i] < 0 || ms == null || ms.startsWith("-") ? -1 : spent[i] + Long.parseLong(ms);
        }
      }
      report(
          k,
          run,
          f,
          new Outcome(
              (t1 - t0) / 1e9,
              window,
              walBytes,
              walBefore,
              walAfter,
              leaderAtGo,
              leaderAtEnd,
              childOfNode,
              passes,
              drainPasses,
              ran,
              spent,
              resultLines));
    } finally {
      if (sampler != null) {
        sampler.halt();
      }
      for (ChildJvm child : children) {
        child.destroy();
      }
      if (control != null) {
        control.close();
      }
      workloads.dropSchema(schema);
    }
  }

  /** Records the figures of one K, prints its verdict, leader and shares, and keeps the notes. */
  private void report(int k, int run, Names f, Outcome o) {
    String tag = "K=" + k;
    double seconds = o.seconds();
    ProcSampler.Window window = o.window();
    workloads.record(W, f.rate(), run, n / seconds);
    String leaderChild = o.childOfNode().getOrDefault(o.leaderAtEnd(), "none of them");
    long leaderCount = o.passes().getOrDefault(leaderChild, 0L);
    long followerCount = 0;
    for (Map.Entry<String, Long> e : o.passes().entrySet()) {
      if (!e.getKey().equals(leaderChild)) {
        followerCount += e.getValue();
      }
    }
    String verdict = "not measured (the server's processes are not on this machine)";
    if (window != null) {
      workloads.record(W, f.pgCpu(), run, window.pgCores());
      workloads.record(W, f.jvmCpu(), run, window.jvmCores());
      workloads.record(W, f.otherCpu(), run, window.selfCores() + window.otherCores());
      workloads.record(W, f.iowait(), run, window.iowaitPercent());
      workloads.record(W, f.idle(), run, window.idlePercent());
      if (window.pgWriteBytes() >= 0) {
        workloads.record(W, f.writes(), run, window.pgWriteBytes() / 1_048_576.0 / seconds);
      } else {
        results.get(W, f.writes()).note = "n/a (/proc/PID/io not readable)";
      }
      verdict = verdict(window.idlePercent(), window.iowaitPercent());
      results.note(W, run, tag + " window", windowNote(window));
    } else {
      for (String figure :
          List.of(f.pgCpu(), f.jvmCpu(), f.otherCpu(), f.iowait(), f.idle(), f.writes())) {
        results.get(W, figure).note = "n/a (server not on this machine)";
      }
    }
    workloads.record(W, f.wal(), run, o.walBytes() / 1_048_576.0 / seconds);
    Long syncs = ScalingProbes.delta(o.walBefore(), o.walAfter(), "wal_sync");
    if (syncs != null) {
      workloads.record(W, f.syncs(), run, syncs / seconds);
    } else {
      results.get(W, f.syncs()).note = "n/a (no pg_stat_wal.wal_sync)";
    }
    workloads.record(W, f.leaderPasses(), run, leaderCount);
    if (f.followerPasses() != null) {
      workloads.record(W, f.followerPasses(), run, followerCount);
    }

    StringBuilder shares = new StringBuilder();
    long total = 0;
    for (long r : o.ran().values()) {
      total += Math.max(0, r);
    }
    for (Map.Entry<String, Long> e : o.ran().entrySet()) {
      shares.append(shares.length() == 0 ? "" : ", ");
      shares.append(
          String.format(
              Locale.ROOT,
              "%s ran %,d (%.1f%%)",
              e.getKey(),
              e.getValue(),
              total == 0 ? 0 : 100.0 * e.getValue() / total));
    }
    if (total != n) {
      shares.append(String.format(Locale.ROOT, "; the handlers ran %,d jobs for %,d", total, n));
    }
    String leaderLine =
        String.format(
            Locale.ROOT,
            "leader %s (node %s%s); pruning passes while all ran: %s; within the drain: %s",
            leaderChild,
            o.leaderAtEnd(),
            Objects.equals(o.leaderAtGo(), o.leaderAtEnd())
                ? ""
                : ", but at GO: " + (o.leaderAtGo() == null ? "none" : o.leaderAtGo()),
            perChild(o.childOfNode().values(), o.passes()),
            perChild(o.childOfNode().values(), o.drainPasses()));
    String verdictLine =
        window == null
            ? verdict
            : String.format(
                Locale.ROOT,
                "%s (idle %.1f%%, iowait %.1f%%; PostgreSQL %.2f cores, child JVMs %.2f, parent"
                    + " %.2f, the rest of the machine %.2f)",
                verdict,
                window.idlePercent(),
                window.iowaitPercent(),
                window.pgCores(),
                window.jvmCores(),
                window.selfCores(),
                window.otherCores());
    String costs =
        String.format(
            Locale.ROOT,
            "CPU of the child JVMs from GO to STOP (%.1f s of drain + about 2 s idle): %,d ms,"
                + " of which JIT compiler threads %,d ms and GC threads %,d ms",
            seconds,
            o.spent()[0],
            o.spent()[1],
            o.spent()[2]);
    for (String line : List.of(verdictLine, leaderLine, shares.toString(), costs)) {
      out.println("  " + tag + ": " + line);
    }
    results.note(W, run, tag + " verdict", verdictLine);
    results.note(W, run, tag + " leader", leaderLine);
    results.note(W, run, tag + " shares", shares.toString());
    results.note(W, run, tag + " child JVM costs", costs);
    results.note(W, run, tag + " node ids", o.childOfNode());
    results.note(W, run, tag + " child result lines", o.resultLines());
    results.note(W, run, tag + " WAL bytes", o.walBytes());
    results.note(W, run, tag + " pg_stat_wal before", o.walBefore());
    results.note(W, run, tag + " pg_stat_wal after (1.5 s after the drain)", o.walAfter());
  }

  /** "CPU-bound", "I/O-bound" or "neither saturated", from the machine's idle and iowait shares. */
  static String verdict(double idlePercent, double iowaitPercent) {
    if (iowaitPercent >= 10) {
      return "I/O-bound";
    }
    return idlePercent < 10 ? "CPU-bound" : "neither saturated";
  }

  /**
   * Polls the unfinished count until it is 0: every 5 ms once the drain is expected to end within
   * about 10 ms, less often before (at most every 0.5 s, from the rate so far), so that counting a
   * long pending index does not compete with the drain for most of it.
   */
  private void awaitDrained(Connection admin, String schema, long t0, long deadline)
      throws SQLException, InterruptedException, TimeoutException {
    String sql = "select count(*) from " + schema + ".jobs where status in ('pending', 'running')";
    while (true) {
      long left = Workloads.count(admin, sql);
      if (left == 0) {
        return;
      }
      long now = System.nanoTime();
      if (now > deadline) {
        throw new TimeoutException(left + " jobs still pending or running after 15 minutes");
      }
      long done = n - left;
      long sleep = 20;
      if (done > 0) {
        double millisLeft = left * ((now - t0) / 1e6) / done;
        sleep = Math.max(5, Math.min(500, (long) (millisLeft / 2)));
      }
      Thread.sleep(sleep);
    }
  }

  /** "c1=5 c2=0", plus any application name that is not a child's. */
  private static String perChild(Collection<String> children, Map<String, Long> passes) {
    StringBuilder text = new StringBuilder();
    for (String child : children) {
      text.append(text.length() == 0 ? "" : " ")
          .append(child)
          .append('=')
          .append(passes.getOrDefault(child, 0L));
    }
    for (Map.Entry<String, Long> e : passes.entrySet()) {
      if (!children.contains(e.getKey())) {
        text.append(" other '").append(e.getKey()).append("'=").append(e.getValue());
      }
    }
    return text.toString();
  }

  private static String withApplicationName(String url, String name) {
    return url + (url.contains("?") ? "&" : "?") + "ApplicationName=" + name;
  }

  private static Map<String, Object> windowNote(ProcSampler.Window w) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("seconds", w.seconds());
    m.put("samples", w.samples());
    m.put("clockTicksPerSecond", ProcSampler.CLK_TCK);
    m.put("postgresCores", w.pgCores());
    m.put("childJvmCores", w.jvmCores());
    m.put("parentJvmCores", w.selfCores());
    m.put("restOfMachineCores", w.otherCores());
    m.put("userPercent", w.userPercent());
    m.put("systemPercent", w.systemPercent());
    m.put("iowaitPercent", w.iowaitPercent());
    m.put("idlePercent", w.idlePercent());
    m.put("stealPercent", w.stealPercent());
    m.put("postgresWriteBytes", w.pgWriteBytes());
    m.put("postgresProcessesMax", w.pgProcesses());
    return m;
  }
}
