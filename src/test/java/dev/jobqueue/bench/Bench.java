package dev.jobqueue.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The benchmark suite: workloads W1–W5 (and W2Q, W2 through named queues and limits), the plain-SQL
 * ceiling, the index anatomy, the 64 MB memory run, the backlog workload, the scaling over 1–3
 * worker JVMs and the operator API on a million jobs, on an embedded PostgreSQL (or {@code
 * JOB_QUEUE_DATABASE_URL}). It prints a Markdown table and writes the raw figures as JSON. It is a
 * program, not a test: nothing asserts on speed.
 *
 * <pre>
 * ./mvnw -q -Pbench test-compile exec:java -Dexec.args="--quick"
 * ./mvnw -q -Pbench test-compile exec:java -Dexec.args="--runs 3"
 * ./mvnw -q -Pbench test-compile exec:java -Dexec.args="--workloads memory --runs 1"
 * </pre>
 *
 * <p>See docs/benchmarks.md for what each workload measures and where its clock starts and stops.
 */
public final class Bench {

  static final List<String> ALL =
      List.of(
          "W1", "W2", "W2Q", "W3", "W4", "W5", "ceiling", "anatomy", "memory", "backlog", "scaling",
          "admin");
  static final List<String> DEFAULT = List.of("W1", "W2", "W3", "W4", "W5", "ceiling");

  static final String USAGE =
      String.join(
          "\n",
          "Usage: ./mvnw -q -Pbench test-compile exec:java -Dexec.args=\"[options]\"",
          "  --workloads LIST  comma-separated, from"
              + " W1,W2,W2Q,W3,W4,W5,ceiling,anatomy,memory,backlog,scaling,admin",
          "                    (default: W1,W2,W3,W4,W5,ceiling; W2Q, anatomy, memory, backlog,"
              + " scaling and admin only when named)",
          "  --runs N          repetitions of each workload; median and range are reported"
              + " (default 3)",
          "  --quick           smaller sizes for a smoke run (2,000 jobs instead of 20,000,"
              + " W5 for 10 s)",
          "  --out FILE        where the JSON goes (default target/bench/results.json)",
          "  --statements      profile the server: load pg_stat_statements and print, after"
              + " each workload, the statements that took the server's time",
          "  --help            this text",
          "Database: JOB_QUEUE_DATABASE_URL (+ _USER, _PASSWORD) if set, else embedded"
              + " PostgreSQL.");

  private static final PrintStream out = System.out;

  /** Parsed command line. */
  record Options(
      List<String> workloads, int runs, boolean quick, Path out, boolean statements, boolean help) {

    static Options parse(String[] args) {
      List<String> workloads = DEFAULT;
      int runs = 3;
      boolean quick = false;
      Path outFile = Path.of("target", "bench", "results.json");
      boolean help = false;
      boolean statements = false;
      List<String> tokens = new ArrayList<>();
      for (String arg : args) {
        // exec:java passes -Dexec.args as one string when quoted oddly; split on whitespace.
        for (String t : arg.trim().split("\\s+")) {
          if (!t.isEmpty()) {
            tokens.add(t);
          }
        }
      }
      for (int i = 0; i < tokens.size(); i++) {
        String token = tokens.get(i);
        String name = token;
        String value = null;
        int eq = token.indexOf('=');
        if (token.startsWith("--") && eq > 0) {
          name = token.substring(0, eq);
          value = token.substring(eq + 1);
        }
        switch (name) {
          case "--workloads" -> {
            value = value != null ? value : next(tokens, ++i, name);
            workloads = new ArrayList<>();
            for (String w : value.split(",")) {
              String canonical = canonical(w.trim());
              if (!workloads.contains(canonical)) {
                workloads.add(canonical);
              }
            }
          }
          case "--runs" -> {
            value = value != null ? value : next(tokens, ++i, name);
            try {
              runs = Integer.parseInt(value);
            } catch (NumberFormatException e) {
              throw new IllegalArgumentException("--runs needs a number (was '" + value + "')");
            }
            if (runs < 1 || runs > 100) {
              throw new IllegalArgumentException("--runs must be 1 to 100 (was " + runs + ")");
            }
          }
          case "--quick" -> quick = true;
          case "--statements" -> statements = true;
          case "--out" -> outFile = Path.of(value != null ? value : next(tokens, ++i, name));
          case "--help", "-h" -> help = true;
          default -> throw new IllegalArgumentException("unknown argument '" + token + "'");
        }
      }
      return new Options(List.copyOf(workloads), runs, quick, outFile, statements, help);
    }

    private static String next(List<String> tokens, int i, String name) {
      if (i >= tokens.size()) {
        throw new IllegalArgumentException(name + " needs a value");
      }
      return tokens.get(i);
    }

    private static String canonical(String w) {
      for (String known : ALL) {
        if (known.equalsIgnoreCase(w)) {
          return known;
        }
      }
      throw new IllegalArgumentException("unknown workload '" + w + "'; known: " + ALL);
    }
  }

  private Bench() {}

  /**
   * Runs the suite.
   *
   * @param args see {@link #USAGE}
   * @throws Exception if the database cannot be started
   */
  public static void main(String[] args) throws Exception {
    Options options;
    try {
      options = Options.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.err.println(USAGE);
      System.exit(2);
      return;
    }
    if (options.help()) {
      out.println(USAGE);
      System.exit(0);
      return;
    }
    int exit = 1;
    long started = System.nanoTime();
    try (BenchDatabase db = BenchDatabase.open(options.statements())) {
      Workloads.Sizes sizes = options.quick() ? Workloads.Sizes.quick() : Workloads.Sizes.full();
      Map<String, Object> environment = environment(db, options, sizes);
      printEnvironment(environment);
      Results results = new Results(options.runs());
      Workloads workloads = new Workloads(db, sizes, results, out);
      out.println("Warm-up (5,000 jobs enqueued and drained, discarded) ...");
      workloads.warmUp();
      StatementProfile profile = options.statements() ? StatementProfile.open(db, out) : null;
      for (int run = 1; run <= options.runs(); run++) {
        for (String workload : options.workloads()) {
          out.printf(Locale.ROOT, "Run %d/%d: %s%n", run, options.runs(), workload);
          if (profile != null) {
            profile.reset();
          }
          workloads.run(workload, run);
          if (profile != null) {
            results.note(workload, run, "statements", profile.report(workload, run));
          }
        }
      }
      addRatios(results, sizes);
      String table = results.markdown();
      environment.put(
          "elapsedSeconds", TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started));
      out.println();
      out.println(
          "Results ("
              + environment.get("date")
              + ", "
              + (options.quick() ? "quick sizes, " : "")
              + options.runs()
              + " run(s) each; median and min–max over the runs):");
      out.println();
      out.print(table);
      writeJson(options.out(), environment, results, table);
      out.println();
      out.println("JSON written to " + options.out().toAbsolutePath());
      exit = 0;
    }
    out.printf(
        Locale.ROOT, "Finished in %.1f min%n", (System.nanoTime() - started) / 60_000_000_000.0);
    out.flush();
    System.exit(exit);
  }

  private static void addRatios(Results results, Workloads.Sizes sizes) {
    String n = String.format(Locale.ROOT, "%,d", sizes.w2Jobs());
    results.ratio(
        "W2 drain, 8 workers ÷ plain claim+complete",
        "W2",
        "drain " + n + " no-op, 8 workers",
        "plain JDBC claim 100 + complete 100 per tx, 2 connections",
        "≈ 55% (30,000 vs the peers' 53,720 ceiling)",
        v -> v >= 0.55);
    results.ratio(
        "W1 createJob ÷ plain INSERT (1 connection)",
        "W1",
        "createJob, 1 per call, " + String.format(Locale.ROOT, "%,d", sizes.w1Jobs()) + " calls",
        "plain INSERT, 1 row/statement, 1 connection",
        "–",
        null);
    results.ratio(
        "W1 createJobs 100 ÷ plain INSERT of 100 rows",
        "W1",
        "createJobs, 100 per call",
        "plain INSERT, 100 rows/statement, 1 connection",
        "–",
        null);
    results.ratio(
        "W1 createJobs 1,000 ÷ plain INSERT of 1,000 rows",
        "W1",
        "createJobs, 1,000 per call",
        "plain INSERT, 1,000 rows/statement, 1 connection",
        "–",
        null);
  }

  private static Map<String, Object> environment(
      BenchDatabase db, Options options, Workloads.Sizes sizes) throws Exception {
    Map<String, Object> env = new LinkedHashMap<>();
    env.put("date", ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
    env.put("database", db.source);
    env.put("databaseNote", db.startupNote);
    env.put("postgres", db.describe());
    env.put(
        "java",
        System.getProperty("java.runtime.version")
            + " ("
            + System.getProperty("java.vm.name")
            + ", "
            + System.getProperty("java.vendor")
            + ")");
    env.put("javaHome", System.getProperty("java.home"));
    env.put("cpus", Runtime.getRuntime().availableProcessors());
    env.put("cpuModel", cpuModel());
    env.put("memTotal", memTotal());
    env.put("maxHeapMB", Runtime.getRuntime().maxMemory() / 1_048_576);
    env.put(
        "os",
        System.getProperty("os.name")
            + " "
            + System.getProperty("os.version")
            + " "
            + System.getProperty("os.arch"));
    env.put("git", git());
    env.put("workloads", options.workloads());
    env.put("runs", options.runs());
    env.put("quick", options.quick());
    env.put("sizes", sizes.toString());
    env.put("poolConfig", Workloads.poolConfigDescription());
    return env;
  }

  private static void printEnvironment(Map<String, Object> env) {
    @SuppressWarnings("unchecked")
    Map<String, String> pg = (Map<String, String>) env.get("postgres");
    out.println("jobqueue benchmark suite, " + env.get("date"));
    out.println("Database:   " + env.get("database") + " (" + env.get("databaseNote") + ")");
    out.println("PostgreSQL: " + pg.get("version"));
    StringBuilder settings = new StringBuilder();
    pg.forEach(
        (k, v) -> {
          if (!k.equals("version")) {
            settings.append(settings.length() == 0 ? "" : ", ").append(k).append('=').append(v);
          }
        });
    out.println("Settings:   " + settings);
    out.println("Java:       " + env.get("java") + ", max heap " + env.get("maxHeapMB") + " MB");
    out.println(
        "Machine:    "
            + env.get("cpus")
            + " CPUs ("
            + env.get("cpuModel")
            + "), "
            + env.get("memTotal")
            + ", "
            + env.get("os"));
    out.println("Library:    git " + env.get("git"));
    out.println("Workloads:  " + env.get("workloads") + ", " + env.get("runs") + " run(s) each");
    out.println("Sizes:      " + env.get("sizes"));
    out.println("Pools:      " + env.get("poolConfig"));
    out.println();
  }

  private static void writeJson(
      Path file, Map<String, Object> environment, Results results, String table)
      throws IOException {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("environment", environment);
    json.putAll(results.toJson());
    json.put("markdown", table);
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    Files.writeString(
        file,
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(json),
        StandardCharsets.UTF_8);
  }

  private static String cpuModel() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          return line.substring(line.indexOf(':') + 1).trim();
        }
      }
    } catch (IOException | RuntimeException ignored) {
      // Not Linux.
    }
    return "unknown CPU";
  }

  private static String memTotal() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (line.startsWith("MemTotal:")) {
          long kb = Long.parseLong(line.replaceAll("[^0-9]", ""));
          return String.format(Locale.ROOT, "%.1f GiB RAM", kb / 1_048_576.0);
        }
      }
    } catch (IOException | RuntimeException ignored) {
      // Not Linux.
    }
    return "unknown RAM";
  }

  /**
   * The commit under test, and whether src/main has uncommitted changes. A tree that is not a git
   * checkout (such as the copies compare-commits.sh runs) names its commit with {@code
   * -Djobqueue.bench.commit=SHA}.
   */
  private static String git() {
    String given = System.getProperty("jobqueue.bench.commit");
    if (given != null && !given.isBlank()) {
      return given.trim();
    }
    try {
      String head = command("git", "rev-parse", "--short", "HEAD");
      String dirty = command("git", "status", "--porcelain", "--", "src/main");
      return head.isBlank()
          ? "unknown"
          : head.trim() + (dirty.isBlank() ? "" : " + uncommitted changes in src/main");
    } catch (IOException | RuntimeException e) {
      return "unknown";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "unknown";
    }
  }

  private static String command(String... command) throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder(command)
            .directory(new File("."))
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor(5, TimeUnit.SECONDS);
    return output;
  }
}
