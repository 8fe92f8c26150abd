package dev.jobqueue.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Aggregates the JSON files of a two-commit comparison ({@code src/test/bench/compare-commits.sh})
 * into a Markdown table: per figure the median before and after, the ratio after ÷ before and a
 * verdict. Throughput figures pass when the ratio is at least {@value #THROUGHPUT_BOUND}, latency
 * figures when it is at most {@value #LATENCY_BOUND}. It is a measurement: the exit code is 0
 * whatever the verdicts.
 *
 * <pre>
 * java -cp ... dev.jobqueue.bench.Compare [--before-name X] [--after-name Y] [--summary FILE] DIR
 * </pre>
 *
 * <p>{@code DIR} holds {@code before-<i>.json} and {@code after-<i>.json}, each written by {@code
 * Bench --runs 1 --out}. This class needs only the JDK and Jackson, so the script can compile it on
 * its own, whatever the two commits under comparison contain.
 */
public final class Compare {

  /** The lowest ratio after ÷ before for a throughput figure that still passes. */
  static final double THROUGHPUT_BOUND = 0.95;

  /** The highest ratio after ÷ before for a latency figure that still passes. */
  static final double LATENCY_BOUND = 1.05;

  /** Which way a figure is better. */
  enum Direction {
    /** Throughput (jobs/s): higher is better; passes at ratio ≥ {@link #THROUGHPUT_BOUND}. */
    THROUGHPUT,
    /** Latency (ms): lower is better; passes at ratio ≤ {@link #LATENCY_BOUND}. */
    LATENCY,
    /** Counts, sizes, ratios: shown, never judged. */
    NONE
  }

  /** One figure of both sides: the raw values in run order (null where a run gave none). */
  record Row(String workload, String figure, String unit, List<Double> before, List<Double> after) {

    Double beforeMedian() {
      return median(before);
    }

    Double afterMedian() {
      return median(after);
    }

    Double ratio() {
      return Compare.ratio(beforeMedian(), afterMedian());
    }

    Direction direction() {
      return Compare.direction(unit);
    }

    /** Whether the figure is one of the bounded ones (see {@link #bounded}). */
    boolean counted() {
      return bounded(workload, figure);
    }

    /** True or false when judged; null when there is nothing to judge. */
    Boolean within() {
      return Compare.within(direction(), ratio());
    }

    String label() {
      return workload + " " + figure + (unit.isEmpty() ? "" : " (" + unit + ")");
    }
  }

  private Compare() {}

  /** The median of the non-null values, or null when there are none. */
  static Double median(List<Double> values) {
    double[] v =
        values.stream().filter(Objects::nonNull).mapToDouble(Double::doubleValue).toArray();
    if (v.length == 0) {
      return null;
    }
    Arrays.sort(v);
    int mid = v.length / 2;
    return v.length % 2 == 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
  }

  /** after ÷ before, or null when either is missing or before is not positive. */
  static Double ratio(Double before, Double after) {
    if (before == null || after == null || before <= 0) {
      return null;
    }
    return after / before;
  }

  /** jobs/s is throughput, ms is latency; anything else is not judged. */
  static Direction direction(String unit) {
    return switch (unit) {
      case "jobs/s" -> Direction.THROUGHPUT;
      case "ms" -> Direction.LATENCY;
      default -> Direction.NONE;
    };
  }

  /** Whether a ratio is within its bound; null when the figure is not judged or has no ratio. */
  static Boolean within(Direction direction, Double ratio) {
    if (ratio == null) {
      return null;
    }
    return switch (direction) {
      case THROUGHPUT -> ratio >= THROUGHPUT_BOUND;
      case LATENCY -> ratio <= LATENCY_BOUND;
      case NONE -> null;
    };
  }

  /**
   * The figures the overall verdict covers: W1 single {@code createJob}, W1 {@code createJobs} of
   * 1,000, every W2 drain, and the W3 p50 and p99 (both variants). Other figures (W1 batches of
   * 100, W3 max, other workloads) are shown with their verdict but not counted.
   */
  static boolean bounded(String workload, String figure) {
    return switch (workload) {
      case "W1" -> figure.startsWith("createJob,") || figure.equals("createJobs, 1,000 per call");
      case "W2" -> true;
      case "W3" -> figure.endsWith(", p50") || figure.endsWith(", p99");
      default -> false;
    };
  }

  /** The verdict cell. */
  static String verdict(Row row) {
    Direction direction = row.direction();
    if (direction == Direction.NONE) {
      return "–";
    }
    Boolean within = row.within();
    String text = within == null ? "no data" : within ? "pass" : "FAIL";
    return row.counted() ? text : text + " (not counted)";
  }

  /** Whether every bounded figure has data on both sides and is within its bound. */
  static boolean allWithinBounds(List<Row> rows) {
    boolean any = false;
    for (Row row : rows) {
      if (row.counted() && row.direction() != Direction.NONE) {
        any = true;
        if (!Boolean.TRUE.equals(row.within())) {
          return false;
        }
      }
    }
    return any;
  }

  /**
   * Joins the figures of the runs of both sides, in the order the figures first appear. Each input
   * is one parsed JSON file per run, in run order; a null entry is a run that wrote no file.
   */
  static List<Row> rows(List<JsonNode> before, List<JsonNode> after) {
    Map<String, String[]> order = new LinkedHashMap<>();
    Map<String, Double[]> beforeValues = new LinkedHashMap<>();
    Map<String, Double[]> afterValues = new LinkedHashMap<>();
    collect(before, order, beforeValues);
    collect(after, order, afterValues);
    List<Row> rows = new ArrayList<>();
    for (Map.Entry<String, String[]> e : order.entrySet()) {
      String[] k = e.getValue();
      rows.add(
          new Row(
              k[0],
              k[1],
              k[2],
              Arrays.asList(beforeValues.getOrDefault(e.getKey(), new Double[before.size()])),
              Arrays.asList(afterValues.getOrDefault(e.getKey(), new Double[after.size()]))));
    }
    return rows;
  }

  private static void collect(
      List<JsonNode> runs, Map<String, String[]> order, Map<String, Double[]> values) {
    for (int i = 0; i < runs.size(); i++) {
      JsonNode run = runs.get(i);
      if (run == null) {
        continue;
      }
      for (JsonNode f : run.path("figures")) {
        String workload = f.path("workload").asText();
        String figure = f.path("figure").asText();
        String unit = f.path("unit").asText("");
        String key = workload + "\u0000" + figure;
        order.putIfAbsent(key, new String[] {workload, figure, unit});
        Double value = null;
        for (JsonNode v : f.path("runs")) {
          if (v.isNumber()) {
            value = v.asDouble();
          }
        }
        values.computeIfAbsent(key, k -> new Double[runs.size()])[i] = value;
      }
    }
  }

  static String format(String unit, Double value) {
    if (value == null) {
      return "–";
    }
    return switch (unit) {
      case "ms" -> String.format(Locale.ROOT, value < 100 ? "%.2f" : "%,.0f", value);
      case "MB" -> String.format(Locale.ROOT, "%.1f", value);
      case "ratio" -> String.format(Locale.ROOT, "%.1f%%", value * 100);
      default -> String.format(Locale.ROOT, "%,.0f", value);
    };
  }

  /** The Markdown report: the comparison, the overall line, then every run's raw value. */
  static String markdown(List<Row> rows, String beforeName, String afterName) {
    StringBuilder md = new StringBuilder();
    md.append("| figure | before median | after median | ratio after/before | verdict |\n");
    md.append("|---|---:|---:|---:|---|\n");
    for (Row row : rows) {
      Double ratio = row.ratio();
      md.append("| ")
          .append(row.label())
          .append(" | ")
          .append(format(row.unit(), row.beforeMedian()))
          .append(" | ")
          .append(format(row.unit(), row.afterMedian()))
          .append(" | ")
          .append(ratio == null ? "–" : String.format(Locale.ROOT, "%.3f", ratio))
          .append(" | ")
          .append(verdict(row))
          .append(" |\n");
    }
    md.append('\n');
    md.append("Bounds: throughput (jobs/s) after/before ≥ ")
        .append(THROUGHPUT_BOUND)
        .append(", latency (ms) after/before ≤ ")
        .append(LATENCY_BOUND)
        .append(". Counted: W1 single and ×1,000, W2, W3 p50/p99.\n\n");
    List<String> failing =
        rows.stream()
            .filter(r -> r.counted() && r.direction() != Direction.NONE)
            .filter(r -> !Boolean.TRUE.equals(r.within()))
            .map(Row::label)
            .collect(Collectors.toList());
    md.append("all within bounds: ").append(allWithinBounds(rows) ? "yes" : "no");
    if (!failing.isEmpty()) {
      md.append(" (outside or without data: ").append(String.join("; ", failing)).append(')');
    }
    md.append("\n\n");
    md.append("Raw values, run by run (before ")
        .append(beforeName)
        .append(", after ")
        .append(afterName)
        .append("; the runs alternated: before 1, after 1, before 2, ...):\n\n");
    md.append("| figure | before | after |\n");
    md.append("|---|---|---|\n");
    for (Row row : rows) {
      md.append("| ")
          .append(row.label())
          .append(" | ")
          .append(raw(row.unit(), row.before()))
          .append(" | ")
          .append(raw(row.unit(), row.after()))
          .append(" |\n");
    }
    return md.toString();
  }

  private static String raw(String unit, List<Double> values) {
    return values.stream().map(v -> format(unit, v)).collect(Collectors.joining(" · "));
  }

  private static final Pattern RUN_FILE = Pattern.compile("(before|after)-(\\d+)\\.json");

  /** The parsed files of one side, by run number (a null where a run number has no file). */
  static List<JsonNode> load(Path dir, String side, ObjectMapper mapper, List<String> problems)
      throws IOException {
    List<Path> files;
    try (Stream<Path> list = Files.list(dir)) {
      files =
          list.filter(
                  p -> {
                    Matcher m = RUN_FILE.matcher(p.getFileName().toString());
                    return m.matches() && m.group(1).equals(side);
                  })
              .sorted(Comparator.comparingInt(Compare::runNumber))
              .collect(Collectors.toList());
    }
    int last = files.isEmpty() ? 0 : runNumber(files.get(files.size() - 1));
    List<JsonNode> runs = new ArrayList<>();
    for (int i = 1; i <= last; i++) {
      runs.add(null);
    }
    for (Path file : files) {
      try {
        runs.set(runNumber(file) - 1, mapper.readTree(file.toFile()));
      } catch (IOException e) {
        problems.add(file.getFileName() + ": unreadable (" + e.getMessage() + ")");
      }
    }
    for (int i = 0; i < runs.size(); i++) {
      if (runs.get(i) == null) {
        problems.add(side + " run " + (i + 1) + ": no result file");
      }
    }
    return runs;
  }

  private static String runCount(List<JsonNode> runs) {
    long n = runs.stream().filter(Objects::nonNull).count();
    return n + (n == 1 ? " run" : " runs");
  }

  private static int runNumber(Path p) {
    Matcher m = RUN_FILE.matcher(p.getFileName().toString());
    return m.matches() ? Integer.parseInt(m.group(2)) : Integer.MAX_VALUE;
  }

  /** Warns when the runs of the two sides were not made with the same sizes. */
  private static void checkSizes(List<JsonNode> runs, List<String> problems) {
    String sizes = null;
    for (JsonNode run : runs) {
      if (run == null) {
        continue;
      }
      String s = run.path("environment").path("sizes").asText();
      if (sizes == null) {
        sizes = s;
      } else if (!sizes.equals(s)) {
        problems.add("the runs used different sizes: " + sizes + " and " + s);
        return;
      }
    }
  }

  /**
   * Prints the comparison and writes it to {@code --summary} when given.
   *
   * @param args {@code [--before-name X] [--after-name Y] [--summary FILE] DIR}
   * @throws IOException if DIR cannot be listed or the summary cannot be written
   */
  public static void main(String[] args) throws IOException {
    String beforeName = "before";
    String afterName = "after";
    Path summary = null;
    Path dir = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--before-name" -> beforeName = args[++i];
        case "--after-name" -> afterName = args[++i];
        case "--summary" -> summary = Path.of(args[++i]);
        default -> dir = Path.of(args[i]);
      }
    }
    if (dir == null) {
      System.err.println(
          "Usage: Compare [--before-name X] [--after-name Y] [--summary FILE] DIR"
              + " (DIR holds before-<i>.json and after-<i>.json)");
      System.exit(2);
      return;
    }
    ObjectMapper mapper = new ObjectMapper();
    List<String> problems = new ArrayList<>();
    List<JsonNode> before = load(dir, "before", mapper, problems);
    List<JsonNode> after = load(dir, "after", mapper, problems);
    List<JsonNode> all = new ArrayList<>(before);
    all.addAll(after);
    checkSizes(all, problems);
    List<Row> rows = rows(before, after);
    StringBuilder report = new StringBuilder();
    report
        .append("Comparison: before ")
        .append(beforeName)
        .append(" (")
        .append(runCount(before))
        .append("), after ")
        .append(afterName)
        .append(" (")
        .append(runCount(after))
        .append("); medians over the runs.\n\n");
    for (String problem : problems) {
      report.append("Warning: ").append(problem).append('\n');
    }
    if (!problems.isEmpty()) {
      report.append('\n');
    }
    report.append(markdown(rows, beforeName, afterName));
    System.out.print(report);
    if (summary != null) {
      Path parent = summary.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      Files.writeString(summary, report.toString(), StandardCharsets.UTF_8);
      System.out.println();
      System.out.println("Summary written to " + summary.toAbsolutePath());
    }
  }
}
