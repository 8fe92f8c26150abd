package dev.jobqueue.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * One child JVM of the suite, on the suite's class path: its output is read line by line on a
 * thread of its own (standard error merged in), its standard input takes commands. {@link
 * #destroy()} ends it whatever state it is in.
 */
final class ChildJvm {

  final String name;
  private final Process process;
  private final Writer input;
  private final List<String> lines = new ArrayList<>();
  private final CountDownLatch ready = new CountDownLatch(1);
  private final Thread reader;

  private ChildJvm(String name, Process process) {
    this.name = name;
    this.process = process;
    this.input = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    this.reader = new Thread(this::read, "bench-child-" + name);
    this.reader.setDaemon(true);
    this.reader.start();
  }

  /**
   * Starts {@code mainClass} in a new JVM: the same java binary and class path as this one, the
   * suite's logging configuration, and the database in {@code BENCH_DB_URL}, {@code BENCH_DB_USER}
   * and {@code BENCH_DB_PASSWORD}.
   */
  static ChildJvm start(
      String name,
      List<String> jvmOptions,
      Class<?> mainClass,
      List<String> args,
      String url,
      String user,
      String password)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(
        ProcessHandle.current()
            .info()
            .command()
            .orElse(System.getProperty("java.home") + "/bin/java"));
    command.addAll(jvmOptions);
    command.add("-Dlogback.configurationFile=bench-logback.xml");
    command.add("-cp");
    command.add(Workloads.childClassPath());
    command.add(mainClass.getName());
    command.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    Map<String, String> env = builder.environment();
    env.put("BENCH_DB_URL", url);
    env.put("BENCH_DB_USER", user == null ? "" : user);
    env.put("BENCH_DB_PASSWORD", password == null ? "" : password);
    return new ChildJvm(name, builder.start());
  }

  private void read() {
    try (BufferedReader r =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        synchronized (lines) {
          lines.add(line);
        }
        if (line.startsWith("READY")) {
          ready.countDown();
        }
      }
    } catch (IOException ignored) {
      // The child is gone.
    }
  }

  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** Waits for the child's {@code READY} line; false if it exits or the deadline passes first. */
  boolean awaitReady(long deadlineNanos) throws InterruptedException {
    while (System.nanoTime() < deadlineNanos) {
      if (ready.await(50, TimeUnit.MILLISECONDS)) {
        return true;
      }
      if (!process.isAlive()) {
        return ready.getCount() == 0;
      }
    }
    return false;
  }

  /** Writes one line to the child's standard input. */
  void send(String line) throws IOException {
    input.write(line);
    input.write('\n');
    input.flush();
  }

  /** Closes the child's standard input, best effort. */
  void closeInput() {
    try {
      input.close();
    } catch (IOException ignored) {
      // The child is gone already.
    }
  }

  /** Waits for the child to exit; its exit code, or null if it still runs at the deadline. */
  Integer awaitExit(long timeoutMillis) throws InterruptedException {
    if (!process.waitFor(timeoutMillis, TimeUnit.MILLISECONDS)) {
      return null;
    }
    reader.join(5_000);
    return process.exitValue();
  }

  /** The last line starting with {@code prefix} (e.g. {@code "READY"}), or null. */
  String lastLine(String prefix) {
    synchronized (lines) {
      for (int i = lines.size() - 1; i >= 0; i--) {
        if (lines.get(i).startsWith(prefix)) {
          return lines.get(i);
        }
      }
    }
    return null;
  }

  /** The last {@code n} lines of output, for a failure report. */
  List<String> tail(int n) {
    synchronized (lines) {
      return List.copyOf(lines.subList(Math.max(0, lines.size() - n), lines.size()));
    }
  }

  /** Ends the child (forcibly) if it still runs. */
  void destroy() {
    closeInput();
    if (process.isAlive()) {
      process.destroyForcibly();
      try {
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** The value of {@code name=value} in a line such as {@code RESULT ran=5 node=x}, or null. */
  static String field(String line, String name) {
    if (line == null) {
      return null;
    }
    for (String part : line.split(" ")) {
      if (part.startsWith(name + "=")) {
        return part.substring(name.length() + 1);
      }
    }
    return null;
  }
}
