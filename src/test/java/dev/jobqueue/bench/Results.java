package dev.jobqueue.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.DoublePredicate;

/** Every figure the suite measures: one value per run, with its target (docs/benchmarks.md). */
final class Results {

  /** How a figure is shown. */
  enum Unit {
    JOBS_PER_S("jobs/s"),
    MS("ms"),
    MB("MB"),
    MB_PER_S("MB/s"),
    CORES("cores"),
    PERCENT("%"),
    COUNT(""),
    RATIO(""),
    YES_NO("");

    final String label;

    Unit(String label) {
      this.label = label;
    }
  }

  /** One measured figure. */
  static final class Figure {
    final String workload;
    final String name;
    final Unit unit;
    final String target;
    final DoublePredicate check;
    final Double[] values;
    String note;

    Figure(
        String workload, String name, Unit unit, String target, DoublePredicate check, int runs) {
      this.workload = workload;
      this.name = name;
      this.unit = unit;
      this.target = target;
      this.check = check;
      this.values = new Double[runs];
    }

    double[] measured() {
      return Arrays.stream(values)
          .filter(Objects::nonNull)
          .mapToDouble(Double::doubleValue)
          .toArray();
    }

    Double median() {
      double[] v = measured();
      if (v.length == 0) {
        return null;
      }
      Arrays.sort(v);
      int mid = v.length / 2;
      return v.length % 2 == 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
    }

    Double min() {
      double[] v = measured();
      return v.length == 0 ? null : Arrays.stream(v).min().getAsDouble();
    }

    Double max() {
      double[] v = measured();
      return v.length == 0 ? null : Arrays.stream(v).max().getAsDouble();
    }

    /** "yes", "no", or "–" when the figure has no target or no value. */
    String met() {
      Double median = median();
      if (check == null || median == null) {
        return "–";
      }
      return check.test(median) ? "yes" : "no";
    }
  }

  private final int runs;
  private final Map<String, Figure> figures = new LinkedHashMap<>();
  private final List<Map<String, Object>> notes = new ArrayList<>();

  Results(int runs) {
    this.runs = runs;
  }

  int runs() {
    return runs;
  }

  /** Declares a figure (idempotent); the declaration order is the table's order. */
  Figure define(String workload, String name, Unit unit, String target, DoublePredicate check) {
    return figures.computeIfAbsent(
        workload + "\u0000" + name, k -> new Figure(workload, name, unit, target, check, runs));
  }

  Figure define(String workload, String name, Unit unit) {
    return define(workload, name, unit, "–", null);
  }

  Figure get(String workload, String name) {
    return figures.get(workload + "\u0000" + name);
  }

  void record(String workload, String name, int run, double value) {
    Figure figure = get(workload, name);
    if (figure == null) {
      throw new IllegalStateException("undeclared figure " + workload + " / " + name);
    }
    figure.values[run - 1] = value;
  }

  /** A per-run detail kept in the JSON only (configuration, setup times, counters). */
  void note(String workload, int run, String key, Object value) {
    Map<String, Object> note = new LinkedHashMap<>();
    note.put("workload", workload);
    note.put("run", run);
    note.put("key", key);
    note.put("value", value);
    notes.add(note);
  }

  List<Figure> figures() {
    return List.copyOf(figures.values());
  }

  /**
   * Adds a ratio figure (library ÷ ceiling), run by run, wherever both figures exist for that run.
   */
  void ratio(
      String name,
      String libraryWorkload,
      String libraryFigure,
      String ceilingFigure,
      String target,
      DoublePredicate check) {
    Figure library = get(libraryWorkload, libraryFigure);
    Figure ceiling = get("ceiling", ceilingFigure);
    if (library == null || ceiling == null) {
      return;
    }
    Figure ratio = define("ratio", name, Unit.RATIO, target, check);
    for (int i = 0; i < runs; i++) {
      Double a = library.values[i];
      Double b = ceiling.values[i];
      if (a != null && b != null && b > 0) {
        ratio.values[i] = a / b;
      }
    }
  }

  String markdown() {
    StringBuilder table = new StringBuilder();
    table.append("| workload | figure | median | range (min–max) | runs | target | met? |\n");
    table.append("|---|---|---:|---:|---:|---|---|\n");
    for (Figure f : figures.values()) {
      Double median = f.median();
      String medianText;
      String range;
      if (median == null) {
        medianText = f.note != null ? f.note : "failed";
        range = "–";
      } else {
        medianText = format(f.unit, median);
        range = format(f.unit, f.min()) + " – " + format(f.unit, f.max());
      }
      table
          .append("| ")
          .append(f.workload)
          .append(" | ")
          .append(f.name)
          .append(f.unit.label.isEmpty() ? "" : " (" + f.unit.label + ")")
          .append(median != null && f.note != null ? " [" + f.note + "]" : "")
          .append(" | ")
          .append(medianText)
          .append(" | ")
          .append(range)
          .append(" | ")
          .append(f.measured().length)
          .append(" | ")
          .append(f.target)
          .append(" | ")
          .append(f.met())
          .append(" |\n");
    }
    return table.toString();
  }

  static String format(Unit unit, double value) {
    return switch (unit) {
      case JOBS_PER_S, COUNT -> String.format(Locale.ROOT, "%,.0f", value);
      case MS -> String.format(Locale.ROOT, value < 100 ? "%.2f" : "%,.0f", value);
      case MB, MB_PER_S, PERCENT -> String.format(Locale.ROOT, "%.1f", value);
      case CORES -> String.format(Locale.ROOT, "%.2f", value);
      case RATIO -> String.format(Locale.ROOT, "%.1f%%", value * 100);
      case YES_NO -> value >= 0.5 ? "yes" : "no";
    };
  }

  /** The JSON form: every run's raw value, median, min, max, target, plus the notes. */
  Map<String, Object> toJson() {
    List<Map<String, Object>> list = new ArrayList<>();
    for (Figure f : figures.values()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("workload", f.workload);
      m.put("figure", f.name);
      m.put("unit", f.unit.label.isEmpty() ? f.unit.name().toLowerCase(Locale.ROOT) : f.unit.label);
      m.put("runs", Arrays.asList(f.values));
      m.put("median", f.median());
      m.put("min", f.min());
      m.put("max", f.max());
      m.put("target", f.target);
      m.put("met", f.met());
      if (f.note != null) {
        m.put("note", f.note);
      }
      list.add(m);
    }
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("figures", list);
    json.put("notes", notes);
    return json;
  }
}
