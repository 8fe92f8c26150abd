package dev.jobqueue.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Samples, from Linux's {@code /proc}, what the machine spends during a timed window: CPU time of
 * the PostgreSQL server processes (the postmaster and all its children), of a set of other
 * processes (the child JVMs) and of this JVM; the machine's CPU totals from {@code /proc/stat}; and
 * the bytes the server processes wrote ({@code /proc/PID/io}, where readable). It samples every
 * {@value #INTERVAL_MILLIS} ms on a daemon thread between {@link #start()} and {@link #stop()}.
 *
 * <p>CPU times are in clock ticks ({@link #CLK_TCK} a second). The server's CPU is the postmaster's
 * own time plus that of the children it has reaped ({@code cutime + cstime}) plus that of its live
 * children, so a backend or autovacuum worker that exits during the window still counts in full.
 * Written bytes are tracked per process: a process seen first after the window's start counts from
 * zero, one that exits counts up to its last sample.
 */
final class ProcSampler {

  /** The sampling period. */
  static final long INTERVAL_MILLIS = 100;

  /** Clock ticks per second of {@code /proc/PID/stat} and {@code /proc/stat}. */
  static final long CLK_TCK = clockTicks();

  /** What one sample read; times in clock ticks. */
  record Sample(
      long nanos,
      long pgTicks,
      long jvmTicks,
      long selfTicks,
      long[] machine,
      int pgProcesses,
      boolean pgWriteReadable) {}

  /**
   * The window between the first and the last sample.
   *
   * @param seconds the window's length
   * @param pgCores the PostgreSQL processes' CPU, in cores
   * @param jvmCores the child JVMs' CPU, in cores
   * @param selfCores this JVM's CPU (the parent: polling and sampling), in cores
   * @param otherCores the rest of the machine's busy CPU (neither idle nor iowait): other processes
   *     and the kernel's own work, in cores
   * @param userPercent the machine's user time (with nice), % of all CPU time
   * @param systemPercent the machine's system time (with irq and softirq), %
   * @param iowaitPercent the machine's iowait, %
   * @param idlePercent the machine's idle time, %
   * @param stealPercent the machine's steal time, %
   * @param pgWriteBytes bytes the server processes wrote to storage, or -1 if unreadable
   * @param samples how many samples were taken
   * @param pgProcesses the most server processes seen in one sample
   */
  record Window(
      double seconds,
      double pgCores,
      double jvmCores,
      double selfCores,
      double otherCores,
      double userPercent,
      double systemPercent,
      double iowaitPercent,
      double idlePercent,
      double stealPercent,
      long pgWriteBytes,
      int samples,
      int pgProcesses) {}

  private final long postmaster;
  private final List<Long> jvms;
  private final List<Sample> samples = new ArrayList<>();
  private final Map<Long, long[]> written = new HashMap<>();
  private volatile boolean running;
  private Thread thread;

  /**
   * A sampler of the server whose postmaster is {@code postmaster} and of the processes {@code
   * jvms}.
   */
  ProcSampler(long postmaster, List<Long> jvms) {
    this.postmaster = postmaster;
    this.jvms = List.copyOf(jvms);
  }

  /**
   * The postmaster of the backend {@code backendPid} (from {@code select pg_backend_pid()}): its
   * parent process, if both are PostgreSQL processes on this machine; else -1.
   */
  static long postmasterOf(long backendPid) {
    String[] backend = stat(backendPid);
    if (backend == null || !"postgres".equals(comm(backendPid))) {
      return -1;
    }
    long parent = Long.parseLong(backend[1]);
    return "postgres".equals(comm(parent)) ? parent : -1;
  }

  /** Takes the first sample and starts sampling on a daemon thread. */
  synchronized void start() {
    sample(true);
    running = true;
    thread =
        new Thread(
            () -> {
              while (running) {
                try {
                  Thread.sleep(INTERVAL_MILLIS);
                } catch (InterruptedException e) {
                  return;
                }
                if (running) {
                  sample(false);
                }
              }
            },
            "bench-proc-sampler");
    thread.setDaemon(true);
    thread.start();
  }

  /** Stops the thread, takes the last sample and returns the window from the first to it. */
  Window stop() throws InterruptedException {
    running = false;
    thread.interrupt();
    thread.join(2_000);
    sample(false);
    return window();
  }

  /** Stops the thread, if it runs, without a last sample: for a measurement that failed. */
  void halt() {
    running = false;
    Thread t = thread;
    if (t != null) {
      t.interrupt();
    }
  }

  private synchronized void sample(boolean first) {
    long now = System.nanoTime();
    long pg = 0;
    int processes = 0;
    boolean ioReadable = false;
    String[] pm = stat(postmaster);
    if (pm != null) {
      pg += ticks(pm, true);
      processes++;
      ioReadable = track(postmaster, first);
      for (long child : children(postmaster)) {
        String[] s = stat(child);
        if (s != null) {
          pg += ticks(s, false);
          processes++;
          ioReadable |= track(child, first);
        }
      }
    }
    long jvm = 0;
    for (long pid : jvms) {
      String[] s = stat(pid);
      if (s != null) {
        jvm += ticks(s, false);
      }
    }
    String[] self = stat(ProcessHandle.current().pid());
    samples.add(
        new Sample(
            now, pg, jvm, self == null ? 0 : ticks(self, false), machine(), processes, ioReadable));
  }

  /** Records the process's write_bytes; false if unreadable. */
  private boolean track(long pid, boolean first) {
    long bytes = writeBytes(pid);
    if (bytes < 0) {
      return false;
    }
    long[] seen = written.get(pid);
    if (seen == null) {
      written.put(pid, new long[] {first ? bytes : 0, bytes});
    } else {
      seen[1] = Math.max(seen[1], bytes);
    }
    return true;
  }

  private synchronized Window window() {
    Sample a = samples.get(0);
    Sample b = samples.get(samples.size() - 1);
    double seconds = (b.nanos() - a.nanos()) / 1e9;
    double perCore = seconds * CLK_TCK;
    long[] m = new long[8];
    long total = 0;
    for (int i = 0; i < m.length; i++) {
      m[i] = b.machine()[i] - a.machine()[i];
      total += m[i];
    }
    double t = Math.max(1, total) / 100.0;
    double pg = (b.pgTicks() - a.pgTicks()) / perCore;
    double jvm = (b.jvmTicks() - a.jvmTicks()) / perCore;
    double self = (b.selfTicks() - a.selfTicks()) / perCore;
    double busy = (total - m[3] - m[4]) / perCore;
    long bytes = -1;
    if (samples.stream().anyMatch(Sample::pgWriteReadable)) {
      bytes = 0;
      for (long[] seen : written.values()) {
        bytes += seen[1] - seen[0];
      }
    }
    return new Window(
        seconds,
        pg,
        jvm,
        self,
        Math.max(0, busy - pg - jvm - self),
        (m[0] + m[1]) / t,
        (m[2] + m[5] + m[6]) / t,
        m[4] / t,
        m[3] / t,
        m[7] / t,
        bytes,
        samples.size(),
        samples.stream().mapToInt(Sample::pgProcesses).max().orElse(0));
  }

  // ---- /proc ----------------------------------------------------------------------------------

  /** The fields of /proc/PID/stat after the command name (field 3, the state, first); or null. */
  static String[] stat(long pid) {
    try {
      String text = Files.readString(Path.of("/proc/" + pid + "/stat"), StandardCharsets.UTF_8);
      return text.substring(text.lastIndexOf(')') + 2).trim().split(" ");
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** utime + stime, plus cutime + cstime (reaped children) when {@code withChildren}. */
  private static long ticks(String[] stat, boolean withChildren) {
    long t = Long.parseLong(stat[11]) + Long.parseLong(stat[12]);
    if (withChildren) {
      t += Long.parseLong(stat[13]) + Long.parseLong(stat[14]);
    }
    return t;
  }

  private static String comm(long pid) {
    try {
      return Files.readString(Path.of("/proc/" + pid + "/comm"), StandardCharsets.UTF_8).trim();
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /**
   * The live children of {@code parent}: from /proc/PID/task/PID/children when the kernel has it,
   * else from the parent pid of every process.
   */
  static List<Long> children(long parent) {
    List<Long> pids = new ArrayList<>();
    Path file = Path.of("/proc/" + parent + "/task/" + parent + "/children");
    if (Files.isReadable(file)) {
      try {
        for (String pid : Files.readString(file, StandardCharsets.UTF_8).trim().split("\\s+")) {
          if (!pid.isEmpty()) {
            pids.add(Long.parseLong(pid));
          }
        }
        return pids;
      } catch (IOException | RuntimeException e) {
        pids.clear();
      }
    }
    try (DirectoryStream<Path> all = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
      for (Path p : all) {
        long pid = Long.parseLong(p.getFileName().toString());
        String[] s = stat(pid);
        if (s != null && Long.parseLong(s[1]) == parent) {
          pids.add(pid);
        }
      }
    } catch (IOException | RuntimeException ignored) {
      // Not Linux.
    }
    return pids;
  }

  /** write_bytes of /proc/PID/io, or -1 when it cannot be read (another user's process). */
  private static long writeBytes(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/io"))) {
        if (line.startsWith("write_bytes:")) {
          return Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
        }
      }
    } catch (IOException | RuntimeException ignored) {
      // Not readable, or the process is gone.
    }
    return -1;
  }

  /** user, nice, system, idle, iowait, irq, softirq, steal of the "cpu" line of /proc/stat. */
  private static long[] machine() {
    long[] values = new long[8];
    try {
      String line = Files.readAllLines(Path.of("/proc/stat")).get(0);
      String[] parts = line.trim().split("\\s+");
      for (int i = 0; i < values.length && i + 1 < parts.length; i++) {
        values[i] = Long.parseLong(parts[i + 1]);
      }
    } catch (IOException | RuntimeException ignored) {
      // Not Linux: zeros.
    }
    return values;
  }

  private static long clockTicks() {
    try {
      Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      p.waitFor(5, TimeUnit.SECONDS);
      long ticks = Long.parseLong(out);
      return ticks > 0 ? ticks : 100;
    } catch (IOException | RuntimeException e) {
      return 100;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 100;
    }
  }
}
