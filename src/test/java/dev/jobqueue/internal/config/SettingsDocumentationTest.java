package dev.jobqueue.internal.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Keeps the documentation of the settings in step with their descriptors in {@link Settings}: the
 * per-group tables of {@code docs/configuration.md}, the short table in the README, and the
 * defaults and ranges written in the Javadoc of {@code JobQueueConfig} (accessors) and of its
 * builder's setters, which are declared in the package-private {@code ConfigSetters}. No database.
 *
 * <p>With {@code -Djobqueue.docs.write=true} the tables of both Markdown files are rewritten in
 * place from the descriptors instead of checked (the Javadoc is always only checked).
 */
class SettingsDocumentationTest {

  static final String WRITE_PROPERTY = "jobqueue.docs.write";
  static final String GUIDE = "docs/configuration.md";
  static final String README = "README.md";
  static final String CONFIG_SOURCE = "src/main/java/dev/jobqueue/JobQueueConfig.java";
  static final String SETTERS_SOURCE = "src/main/java/dev/jobqueue/ConfigSetters.java";

  static final String GUIDE_HEADER = "| setting | variable | default | range | meaning |";
  static final String GUIDE_RULE = "|---|---|---|---|---|";
  static final String README_HEADER = "| builder option | environment variable | default |";
  static final String README_RULE = "|---|---|---|";

  private static final String REGENERATE =
      "; to rewrite the tables from the descriptors in Settings, run ./mvnw -o test"
          + " -Dtest=SettingsDocumentationTest -D"
          + WRITE_PROPERTY
          + "=true";

  private static final Pattern FIRST_CELL = Pattern.compile("^\\| `([A-Za-z]+)` \\|");
  private static final Pattern VARIABLE = Pattern.compile("JOB_QUEUE_[A-Z][A-Z_]*[A-Z]");

  @Test
  void configurationGuideHasOneTablePerGroupRenderedFromTheDescriptors() throws IOException {
    Path file = projectDirectory().resolve(GUIDE);
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    List<String> problems = new ArrayList<>();
    // From the last group up, so that replacing a table keeps the line numbers of those above.
    List<Group> groups = new ArrayList<>(List.of(Group.values()));
    Collections.reverse(groups);
    for (Group group : groups) {
      int[] table = tableAfterHeading(lines, "## " + group.title());
      assertThat(table).as(GUIDE + ": a table under \"## " + group.title() + "\"").isNotNull();
      List<String> expected = guideTable(group);
      List<String> actual = lines.subList(table[0], table[1]);
      String mismatch = firstMismatch(GUIDE, group.title(), table[0], expected, actual);
      if (mismatch != null) {
        problems.add(mismatch);
        if (writing()) {
          actual.clear();
          actual.addAll(expected);
        }
      }
    }
    Collections.reverse(problems);
    finish(file, lines, problems);
  }

  @Test
  void readmeTableShowsSettingsAsDescribed() throws IOException {
    Path file = projectDirectory().resolve(README);
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    int[] table = tableAfterHeading(lines, "## Configuration");
    assertThat(table).as(README + ": a table under \"## Configuration\"").isNotNull();
    List<String> actual = lines.subList(table[0], table[1]);
    assertThat(actual.size()).as(README + ": settings in the table").isGreaterThan(2);

    List<String> expected = new ArrayList<>(List.of(README_HEADER, README_RULE));
    List<String> problems = new ArrayList<>();
    for (String row : actual.subList(2, actual.size())) {
      Matcher cell = FIRST_CELL.matcher(row);
      Setting<?> setting = cell.find() ? byName().get(cell.group(1)) : null;
      if (setting == null) {
        problems.add(README + ": row names no setting: " + row);
        expected.add(row);
      } else {
        expected.add(readmeRow(setting));
      }
    }
    String mismatch = firstMismatch(README, "Configuration", table[0], expected, actual);
    if (mismatch != null) {
      problems.add(mismatch);
      if (writing()) {
        actual.clear();
        actual.addAll(expected);
      }
    }
    String section = String.join("\n", lines.subList(table[1], lines.size()));
    assertThat(section.substring(0, Math.min(section.length(), 600)))
        .as(README + ": a link to the full table after the short one")
        .contains("(docs/configuration.md)");
    finish(file, lines, problems);
  }

  @Test
  void documentationNamesOnlyKnownVariables() throws IOException {
    Set<String> known = new TreeSet<>(Settings.variables());
    Set<String> unknown = new TreeSet<>();
    for (String name : List.of(GUIDE, README)) {
      Matcher m = VARIABLE.matcher(Files.readString(projectDirectory().resolve(name)));
      while (m.find()) {
        if (!known.contains(m.group())) {
          unknown.add(name + ": " + m.group());
        }
      }
    }
    assertThat(unknown).as("environment variables that no setting has").isEmpty();
  }

  @Test
  void accessorJavadocGivesTheDocumentedDefault() throws IOException {
    Map<String, String> javadoc = javadocs("public [\\w<>]+ (\\w+)\\(\\)", configSources());
    List<String> problems = new ArrayList<>();
    for (Setting<?> setting : Settings.ALL) {
      String doc = javadoc.get(setting.name());
      String ending = "; default " + setting.documentedDefault() + "}";
      if (doc == null || !doc.startsWith("{@return ") || !doc.endsWith(ending)) {
        problems.add(
            setting.name() + "(): expected \"{@return ..." + ending + "\", found \"" + doc + "\"");
      }
    }
    assertThat(problems).as(CONFIG_SOURCE + ": accessor Javadoc").isEmpty();
  }

  @Test
  void setterJavadocGivesTheRange() throws IOException {
    Map<String, String> javadoc =
        javadocs("public Builder (\\w+)\\([\\w<>]+ \\w+\\)", configSources());
    List<String> problems = new ArrayList<>();
    for (Setting<?> setting : Settings.ALL) {
      String doc = javadoc.get(setting.name());
      String range = toJavadoc(Ordering.range(setting));
      String param = doc == null ? null : paramText(doc, setting.name());
      if (param == null || !param.startsWith(range)) {
        problems.add(
            "Builder."
                + setting.name()
                + "(...): expected \"@param "
                + setting.name()
                + " "
                + range
                + "...\", found \"@param "
                + setting.name()
                + " "
                + param
                + "\"");
      }
    }
    assertThat(problems)
        .as(CONFIG_SOURCE + " and " + SETTERS_SOURCE + ": setter Javadoc")
        .isEmpty();
  }

  @Test
  void everyMeaningFitsInOneTableCell() {
    for (Setting<?> setting : Settings.ALL) {
      assertThat(setting.meaning())
          .as(setting.name())
          .isNotBlank()
          .doesNotContain("|", "\n")
          .endsWith(".");
    }
  }

  /** The table of a group in {@code docs/configuration.md}, as the descriptors describe it. */
  static List<String> guideTable(Group group) {
    List<String> table = new ArrayList<>(List.of(GUIDE_HEADER, GUIDE_RULE));
    for (Setting<?> setting : Settings.ALL) {
      if (setting.group() == group) {
        table.add(
            row(
                "`" + setting.name() + "`",
                "`" + setting.variable() + "`",
                setting.documentedDefault(),
                Ordering.range(setting),
                setting.meaning()));
      }
    }
    return table;
  }

  static String readmeRow(Setting<?> setting) {
    return row(
        "`" + setting.name() + "`", "`" + setting.variable() + "`", setting.documentedDefault());
  }

  /** A Markdown table row; an empty cell is written {@code | |}. */
  static String row(String... cells) {
    StringBuilder row = new StringBuilder("|");
    for (String cell : cells) {
      row.append(cell.isEmpty() ? " |" : " " + cell + " |");
    }
    return row.toString();
  }

  /**
   * The lines of the first table after a heading, before the next heading.
   *
   * @return {@code [first, end)} line indexes, or null
   */
  static int[] tableAfterHeading(List<String> lines, String heading) {
    int at = lines.indexOf(heading);
    if (at < 0) {
      return null;
    }
    int start = at + 1;
    while (start < lines.size() && !lines.get(start).startsWith("|")) {
      if (lines.get(start).startsWith("#")) {
        return null;
      }
      start++;
    }
    int end = start;
    while (end < lines.size() && lines.get(end).startsWith("|")) {
      end++;
    }
    return start < end ? new int[] {start, end} : null;
  }

  /**
   * Compares a table with what it should be.
   *
   * @return a message naming the missing and unexpected settings and the first line that differs,
   *     or null if the table is as expected
   */
  static String firstMismatch(
      String file, String table, int firstLine, List<String> expected, List<String> actual) {
    if (expected.equals(actual)) {
      return null;
    }
    StringBuilder message = new StringBuilder(file + ", table \"" + table + "\":");
    Set<String> expectedNames = names(expected);
    Set<String> actualNames = names(actual);
    Set<String> missing = new TreeSet<>(expectedNames);
    missing.removeAll(actualNames);
    Set<String> unexpected = new TreeSet<>(actualNames);
    unexpected.removeAll(expectedNames);
    if (!missing.isEmpty()) {
      message.append(" missing settings ").append(missing).append(';');
    }
    if (!unexpected.isEmpty()) {
      message.append(" settings that do not belong here ").append(unexpected).append(';');
    }
    int i = 0;
    while (i < expected.size() && i < actual.size() && expected.get(i).equals(actual.get(i))) {
      i++;
    }
    message
        .append(" first difference at line ")
        .append(firstLine + i + 1)
        .append(":\n  expected: ")
        .append(i < expected.size() ? expected.get(i) : "(end of table)")
        .append("\n  found:    ")
        .append(i < actual.size() ? actual.get(i) : "(end of table)");
    return message.toString();
  }

  private static Set<String> names(List<String> rows) {
    Set<String> names = new TreeSet<>();
    for (String row : rows) {
      Matcher cell = FIRST_CELL.matcher(row);
      if (cell.find()) {
        names.add(cell.group(1));
      }
    }
    return names;
  }

  private static Map<String, Setting<?>> byName() {
    return Settings.ALL.stream()
        .collect(
            Collectors.toMap(
                Setting::name, s -> s, (a, b) -> a, LinkedHashMap<String, Setting<?>>::new));
  }

  /** Writes the file when asked to, else fails with the problems found. */
  private static void finish(Path file, List<String> lines, List<String> problems)
      throws IOException {
    if (writing()) {
      if (!problems.isEmpty()) {
        Files.write(file, lines, StandardCharsets.UTF_8);
        System.out.println("Rewrote the settings tables of " + file);
      }
      return;
    }
    assertThat(problems).as("settings documentation" + REGENERATE).isEmpty();
  }

  private static boolean writing() {
    return Boolean.getBoolean(WRITE_PROPERTY);
  }

  /** The Javadoc comment before each declaration matching {@code declaration}, by group 1. */
  private static Map<String, String> javadocs(String declaration, String source) {
    Matcher m =
        Pattern.compile("/\\*\\*((?:(?!\\*/).)*)\\*/\\s*" + declaration, Pattern.DOTALL)
            .matcher(source);
    Map<String, String> docs = new LinkedHashMap<>();
    while (m.find()) {
      String text = m.group(1).replaceAll("\\n\\s*\\*", " ").replaceAll("\\s+", " ").trim();
      docs.put(m.group(2), text);
    }
    return docs;
  }

  private static String paramText(String javadoc, String name) {
    String tag = "@param " + name + " ";
    int at = javadoc.indexOf(tag);
    if (at < 0) {
      return null;
    }
    String rest = javadoc.substring(at + tag.length());
    int next = rest.indexOf(" @");
    return (next < 0 ? rest : rest.substring(0, next)).trim();
  }

  /** Markdown code spans to Javadoc's {@code {@code ...}}. */
  static String toJavadoc(String markdown) {
    return markdown.replaceAll("`([^`]*)`", "{@code $1}");
  }

  /**
   * The sources declaring the public members of {@code JobQueueConfig} and its {@code Builder}:
   * {@code JobQueueConfig.java}, and {@code ConfigSetters.java}, the package-private superclass of
   * {@code Builder} declaring its setters. Each declaration is in exactly one of them.
   */
  private static String configSources() throws IOException {
    Path project = projectDirectory();
    return Files.readString(project.resolve(CONFIG_SOURCE))
        + "\n"
        + Files.readString(project.resolve(SETTERS_SOURCE));
  }

  static Path projectDirectory() {
    String basedir = System.getProperty("basedir");
    Path start = Path.of(basedir != null ? basedir : System.getProperty("user.dir"));
    for (Path dir = start.toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve("pom.xml")) && Files.isDirectory(dir.resolve("docs"))) {
        return dir;
      }
    }
    throw new IllegalStateException("cannot find the project directory from " + start);
  }
}
