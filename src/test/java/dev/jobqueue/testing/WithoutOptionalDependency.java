package dev.jobqueue.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.jobqueue.JobQueueManager;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The machinery of the tests that run the library in a child JVM without one of its optional
 * dependencies ({@code WithoutMicrometerIT}, {@code WithoutOpenTelemetryIT}): the class path minus
 * that dependency's jars, the child run, and the child's check that every other library class
 * links.
 */
public final class WithoutOptionalDependency {

  /**
   * Library packages loaded only by Spring Boot, whose class conditions keep optional parts out.
   */
  private static final String SPRING_PACKAGE = "dev/jobqueue/spring/";

  private WithoutOptionalDependency() {}

  /**
   * Runs {@code child}'s {@code main} in a JVM whose class path is this one's without the jars
   * whose path contains one of {@code excluded}, with the arguments {@code jdbcUrl user password
   * schema classesDirectory}, and waits up to two minutes for it.
   *
   * @param child the child's main class
   * @param excluded path fragments of the jars left out
   * @param requiredJar a fragment of a left-out jar that must have been on the class path
   * @param db the test database
   * @param schema the schema the child runs in
   * @return the child's output, after asserting it exited 0 in time
   * @throws Exception if the child cannot be run
   */
  public static String runChild(
      Class<?> child, List<String> excluded, String requiredJar, TestDatabase db, String schema)
      throws Exception {
    List<String> kept = new ArrayList<>();
    List<String> dropped = new ArrayList<>();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      String normalized = entry.replace(File.separatorChar, '/');
      (excluded.stream().anyMatch(normalized::contains) ? dropped : kept).add(entry);
    }
    assertThat(dropped)
        .as("the test class path must hold " + requiredJar + " for this test to mean anything")
        .anyMatch(entry -> entry.contains(requiredJar));
    Path classes =
        Path.of(JobQueueManager.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    List<String> command =
        List.of(
            ProcessHandle.current().info().command().orElse("java"),
            "-Xmx256m",
            "-XX:TieredStopAtLevel=1",
            "-cp",
            String.join(File.pathSeparator, kept),
            child.getName(),
            db.jdbcUrl(),
            db.user(),
            db.password(),
            schema,
            classes.toString());
    Path output = Files.createTempFile(child.getSimpleName(), ".log");
    Process process =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(output.toFile())
            .start();
    boolean exited = process.waitFor(2, TimeUnit.MINUTES);
    if (!exited) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    String log = Files.readString(output, StandardCharsets.UTF_8);
    Files.deleteIfExists(output);
    System.out.println(child.getName() + " output:\n" + log);
    assertThat(exited).as("the child JVM finished within two minutes").isTrue();
    assertThat(process.exitValue()).as("child exit code; its output:%n%s", log).isZero();
    return log;
  }

  /**
   * In the child: loads, initializes and reflects on every library class outside {@code
   * skippedPackage} and the Spring integration; prints the broken ones and exits 12 if there are
   * any.
   *
   * @param classes the library's classes directory
   * @param skippedPackage the package that needs the missing dependency, as a path ({@code
   *     dev/jobqueue/micrometer/})
   * @param without what is missing, for the failure line
   * @param out where the child prints
   * @return how many classes linked
   * @throws IOException if the classes cannot be listed
   */
  public static int linkEveryOtherClass(
      Path classes, String skippedPackage, String without, PrintStream out) throws IOException {
    List<String> names;
    try (Stream<Path> files = Files.walk(classes)) {
      names =
          files
              .map(classes::relativize)
              .map(path -> path.toString().replace(File.separatorChar, '/'))
              .filter(path -> path.endsWith(".class"))
              .filter(path -> !path.startsWith(skippedPackage))
              // JobQueueAutoConfigurationIT checks the Spring part with the dependency filtered
              // out.
              .filter(path -> !path.startsWith(SPRING_PACKAGE))
              .filter(path -> !path.endsWith("package-info.class"))
              .map(path -> path.substring(0, path.length() - ".class".length()).replace('/', '.'))
              .sorted()
              .collect(Collectors.toList());
    }
    List<String> broken = new ArrayList<>();
    for (String name : names) {
      try {
        Class<?> type = Class.forName(name, true, WithoutOptionalDependency.class.getClassLoader());
        // Resolves every type in field, method and constructor signatures.
        type.getDeclaredFields();
        type.getDeclaredMethods();
        type.getDeclaredConstructors();
        type.getDeclaredClasses();
      } catch (ClassNotFoundException | LinkageError e) {
        broken.add(name + ": " + e);
      }
    }
    if (!broken.isEmpty() || names.isEmpty()) {
      out.println("FAIL: classes that do not link without " + without + ": " + broken);
      System.exit(12);
    }
    return names.size();
  }

  /**
   * In the child: a small pool on the test database.
   *
   * @param name the pool's name
   * @param jdbcUrl the URL
   * @param user the user
   * @param password the password
   * @return the pool; the caller closes it
   */
  public static HikariDataSource pool(String name, String jdbcUrl, String user, String password) {
    HikariConfig hikari = new HikariConfig();
    hikari.setPoolName(name);
    hikari.setJdbcUrl(jdbcUrl);
    hikari.setUsername(user);
    hikari.setPassword(password);
    hikari.setMaximumPoolSize(10);
    hikari.setMinimumIdle(0);
    return new HikariDataSource(hikari);
  }
}
