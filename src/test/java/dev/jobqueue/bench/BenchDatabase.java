package dev.jobqueue.bench;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The server the suite runs on: {@code JOB_QUEUE_DATABASE_URL} (with {@code
 * JOB_QUEUE_DATABASE_USER} and {@code JOB_QUEUE_DATABASE_PASSWORD}) when set, else an embedded
 * PostgreSQL configured like the setup the peers were measured on.
 */
final class BenchDatabase implements AutoCloseable {

  /** Settings shown in the report, whatever the server. */
  static final List<String> SHOWN_SETTINGS =
      List.of(
          "synchronous_commit",
          "fsync",
          "shared_buffers",
          "max_connections",
          "full_page_writes",
          "wal_level",
          "max_wal_size",
          "checkpoint_timeout",
          "autovacuum",
          "work_mem",
          "huge_pages");

  final String source;
  final String jdbcUrl;
  final String user;
  final String password;
  final String startupNote;
  private final EmbeddedPostgres embedded;

  private BenchDatabase(
      String source,
      String jdbcUrl,
      String user,
      String password,
      String startupNote,
      EmbeddedPostgres embedded) {
    this.source = source;
    this.jdbcUrl = jdbcUrl;
    this.user = user;
    this.password = password;
    this.startupNote = startupNote;
    this.embedded = embedded;
  }

  /**
   * The external server named by {@code JOB_QUEUE_DATABASE_URL}, or else an embedded one.
   *
   * @param statements load {@code pg_stat_statements} into the embedded server (for {@code
   *     --statements}); an external server must have it in its {@code shared_preload_libraries}
   */
  static BenchDatabase open(boolean statements) throws IOException {
    String url = System.getenv("JOB_QUEUE_DATABASE_URL");
    if (url != null && !url.isBlank()) {
      String[] parsed = toJdbc(url.trim());
      String user = firstNonBlank(System.getenv("JOB_QUEUE_DATABASE_USER"), parsed[1]);
      String password = firstNonBlank(System.getenv("JOB_QUEUE_DATABASE_PASSWORD"), parsed[2]);
      return new BenchDatabase(
          "JOB_QUEUE_DATABASE_URL", parsed[0], user, password, "server settings as found", null);
    }
    EmbeddedPostgres postgres;
    String note;
    try {
      postgres = embedded(true, statements).start();
      note =
          "embedded: requested synchronous_commit=on, fsync=on, shared_buffers=1GB, max_connections=300";
    } catch (IOException | RuntimeException e) {
      System.out.println(
          "Embedded PostgreSQL refused shared_buffers=1GB ("
              + e.getMessage()
              + "); starting it with the default shared_buffers");
      postgres = embedded(false, statements).start();
      note =
          "embedded: shared_buffers=1GB was refused, so the default was used;"
              + " requested synchronous_commit=on, fsync=on, max_connections=300";
    }
    EmbeddedPostgres started = postgres;
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    started.close();
                  } catch (IOException | RuntimeException ignored) {
                    // Best effort on the way out.
                  }
                },
                "bench-postgres-stop"));
    return new BenchDatabase(
        "embedded PostgreSQL (io.zonky)",
        postgres.getJdbcUrl("postgres", "postgres"),
        "postgres",
        "postgres",
        note,
        postgres);
  }

  private static EmbeddedPostgres.Builder embedded(boolean bigBuffers, boolean statements) {
    EmbeddedPostgres.Builder builder =
        EmbeddedPostgres.builder()
            .setPGStartupWait(Duration.ofSeconds(60))
            // io.zonky turns synchronous_commit off by default; the peers ran with it on.
            .setServerConfig("synchronous_commit", "on")
            // ... and starts the server with -F (fsync off); this -c comes after it and wins.
            .setServerConfig("fsync", "on")
            .setServerConfig("max_connections", "300");
    if (bigBuffers) {
      builder.setServerConfig("shared_buffers", "1GB");
    }
    if (statements) {
      builder.setServerConfig("shared_preload_libraries", "pg_stat_statements");
    }
    return builder;
  }

  Connection connect() throws SQLException {
    return DriverManager.getConnection(jdbcUrl, user, password);
  }

  /** The server's version string and the settings in {@link #SHOWN_SETTINGS}. */
  Map<String, String> describe() throws SQLException {
    Map<String, String> info = new LinkedHashMap<>();
    try (Connection c = connect();
        Statement s = c.createStatement()) {
      try (ResultSet r = s.executeQuery("select version()")) {
        r.next();
        info.put("version", r.getString(1));
      }
      for (String setting : SHOWN_SETTINGS) {
        try (ResultSet r = s.executeQuery("show " + setting)) {
          r.next();
          info.put(setting, r.getString(1));
        } catch (SQLException e) {
          info.put(setting, "?");
        }
      }
    }
    return info;
  }

  @Override
  public void close() throws IOException {
    if (embedded != null) {
      embedded.close();
    }
  }

  /** {@code jdbc:postgresql:...} as is; libpq-style URLs converted. Returns url, user, password. */
  static String[] toJdbc(String url) {
    if (url.startsWith("jdbc:postgresql:")) {
      return new String[] {url, null, null};
    }
    if (!url.startsWith("postgresql://") && !url.startsWith("postgres://")) {
      throw new IllegalArgumentException(
          "JOB_QUEUE_DATABASE_URL must start with jdbc:postgresql:, postgresql:// or postgres://");
    }
    URI uri = URI.create(url);
    String user = null;
    String password = null;
    String info = uri.getRawUserInfo();
    if (info != null) {
      int colon = info.indexOf(':');
      user = decode(colon < 0 ? info : info.substring(0, colon));
      password = colon < 0 ? null : decode(info.substring(colon + 1));
    }
    StringBuilder jdbc = new StringBuilder("jdbc:postgresql://").append(uri.getHost());
    if (uri.getPort() > 0) {
      jdbc.append(':').append(uri.getPort());
    }
    jdbc.append(uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath());
    if (uri.getRawQuery() != null) {
      jdbc.append('?').append(uri.getRawQuery());
    }
    return new String[] {jdbc.toString(), user, password};
  }

  private static String decode(String s) {
    return URLDecoder.decode(s, StandardCharsets.UTF_8);
  }

  private static String firstNonBlank(String a, String b) {
    return a != null && !a.isBlank() ? a : b;
  }
}
