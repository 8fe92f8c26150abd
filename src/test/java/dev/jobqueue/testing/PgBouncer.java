package dev.jobqueue.testing;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Debian's PgBouncer ({@code /usr/sbin/pgbouncer}, package {@code pgbouncer}) in front of a
 * PostgreSQL server, for tests: a generated ini and auth file in a temporary directory, a free
 * loopback port, one pool mode ({@code session} or {@code transaction}) and a fixed pool size per
 * database and user ({@code default_pool_size}), so that a test can pin every server connection.
 *
 * <p>PgBouncer refuses to run as root: when the test JVM is root, it runs as the unprivileged user
 * {@code postgres} (created by Debian's {@code postgresql-common}, a dependency of the package)
 * through {@code setpriv}, and the temporary files belong to that user.
 *
 * <p>The process is stopped by {@link #close()}, at JVM exit, and also when the test JVM dies
 * without running its shutdown hooks: a small shell wrapper ends PgBouncer once its standard input
 * (a pipe from this JVM) closes.
 *
 * <p>A test class that needs PgBouncer calls {@link #assumeInstalled(Class)} first: without the
 * binary the class is skipped, and one line saying so is printed to stdout.
 */
public final class PgBouncer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(PgBouncer.class);

  /**
   * The binary: where Debian's package installs it, or the system property {@code
   * jobqueue.test.pgbouncer} (to try the skip path, point it at a file that does not exist).
   */
  public static final Path BINARY =
      Path.of(System.getProperty("jobqueue.test.pgbouncer", "/usr/sbin/pgbouncer"));

  private static final java.util.Set<String> SKIP_PRINTED =
      java.util.concurrent.ConcurrentHashMap.newKeySet();

  /** The unprivileged user PgBouncer runs as when the test JVM is root. */
  private static final String UNPRIVILEGED_USER = "postgres";

  /**
   * Ends PgBouncer when standard input closes (this JVM closed the pipe, or died). The background
   * subshell reads a copy of standard input (fd 3), because a non-interactive shell gives
   * background jobs {@code /dev/null} as their standard input.
   */
  private static final String WRAPPER =
      "exec 3<&0; \"$1\" \"$2\" </dev/null & p=$!; (cat <&3 >/dev/null; kill $p 2>/dev/null) &"
          + " wait $p";

  /** PgBouncer's pool modes used by the tests. */
  public enum PoolMode {
    /** A server connection per client connection, for the client connection's lifetime. */
    SESSION,
    /** A server connection per transaction: session state does not survive a transaction. */
    TRANSACTION;

    String iniValue() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private final PoolMode mode;
  private final int poolSize;
  private final int port;
  private final String database;
  private final String user;
  private final String password;
  private final Path directory;
  private final Path logFile;
  private final Process process;
  private final Thread shutdownHook;
  private final List<HikariDataSource> pools = new CopyOnWriteArrayList<>();
  private volatile boolean closed;

  private PgBouncer(
      PoolMode mode,
      int poolSize,
      int port,
      String database,
      String user,
      String password,
      Path directory,
      Path logFile,
      Process process) {
    this.mode = mode;
    this.poolSize = poolSize;
    this.port = port;
    this.database = database;
    this.user = user;
    this.password = password;
    this.directory = directory;
    this.logFile = logFile;
    this.process = process;
    this.shutdownHook = new Thread(this::stop, "pgbouncer-stop-" + port);
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /**
   * Whether Debian's PgBouncer is installed.
   *
   * @return true when {@link #BINARY} is an executable file
   */
  public static boolean installed() {
    return Files.isExecutable(BINARY);
  }

  /**
   * Skips the calling test when PgBouncer is not installed, printing one line per test class to
   * stdout: {@code SKIPPED <TestClass>: pgbouncer is not installed (apt-get install pgbouncer)}.
   * Call it first in {@code @BeforeEach}, so that each test is reported as skipped.
   *
   * @param testClass the test class
   */
  public static void assumeInstalled(Class<?> testClass) {
    if (!installed()) {
      String line = "SKIPPED " + testClass.getSimpleName() + ": " + missingReason();
      if (SKIP_PRINTED.add(testClass.getName())) {
        System.out.println(line);
      }
      Assumptions.abort(line);
    }
  }

  /**
   * Why PgBouncer cannot be used here.
   *
   * @return the reason, as printed in skip lines
   */
  public static String missingReason() {
    return "pgbouncer is not installed (apt-get install pgbouncer)";
  }

  /**
   * Starts PgBouncer in front of the test database's server itself (never through another pooler).
   *
   * @param db the test database
   * @param mode the pool mode
   * @param poolSize server connections per database and user ({@code default_pool_size})
   * @return the running PgBouncer; close it
   */
  public static PgBouncer start(TestDatabase db, PoolMode mode, int poolSize) {
    return start(db.directJdbcUrl(), db.user(), db.password(), mode, poolSize);
  }

  /**
   * Starts PgBouncer in front of a server.
   *
   * @param serverJdbcUrl the server, {@code jdbc:postgresql://host:port/database...}
   * @param user the one user clients log in as (also used for the server and the admin console)
   * @param password its password
   * @param mode the pool mode
   * @param poolSize server connections per database and user ({@code default_pool_size})
   * @return the running PgBouncer; close it
   */
  public static PgBouncer start(
      String serverJdbcUrl, String user, String password, PoolMode mode, int poolSize) {
    if (!installed()) {
      throw new IllegalStateException(missingReason());
    }
    URI server = URI.create(serverJdbcUrl.substring("jdbc:".length()));
    String host =
        server.getHost() == null || server.getHost().equals("localhost")
            ? "127.0.0.1"
            : server.getHost();
    int serverPort = server.getPort() < 0 ? 5432 : server.getPort();
    String database =
        server.getPath() == null || server.getPath().length() <= 1
            ? user
            : server.getPath().substring(1);
    IllegalStateException failure = null;
    for (int attempt = 1; attempt <= 3; attempt++) {
      try {
        return launch(host, serverPort, database, user, password, mode, poolSize);
      } catch (IllegalStateException e) {
        // Most likely the free port was taken between probing and binding: try another.
        failure = e;
      }
    }
    throw failure;
  }

  private static PgBouncer launch(
      String host,
      int serverPort,
      String database,
      String user,
      String password,
      PoolMode mode,
      int poolSize) {
    Path directory = null;
    try {
      int port = freePort();
      directory = Files.createTempDirectory("jobqueue-pgbouncer-");
      Path ini = directory.resolve("pgbouncer.ini");
      Path users = directory.resolve("userlist.txt");
      Path logFile = directory.resolve("pgbouncer.log");
      Files.writeString(users, quote(user) + " " + quote(password) + "\n");
      Files.writeString(
          ini,
          String.join(
              "\n",
              "[databases]",
              "* = host=" + host + " port=" + serverPort,
              "",
              "[pgbouncer]",
              "listen_addr = 127.0.0.1",
              "listen_port = " + port,
              "unix_socket_dir =",
              "auth_type = md5",
              "auth_file = " + users,
              "admin_users = " + user,
              "stats_users = " + user,
              "pool_mode = " + mode.iniValue(),
              "default_pool_size = " + poolSize,
              "min_pool_size = 0",
              "reserve_pool_size = 0",
              "max_client_conn = 1000",
              // Keep idle server connections for the whole test: a test that pins every server
              // connection sees the very backends that served the code under test.
              "server_idle_timeout = 3600",
              "server_lifetime = 3600",
              // pgjdbc sends it as a startup parameter; PgBouncer would refuse the connection.
              "ignore_startup_parameters = extra_float_digits",
              "log_connections = 0",
              "log_disconnections = 0",
              ""));
      List<String> command = new ArrayList<>();
      if (isRoot()) {
        chownTo(UNPRIVILEGED_USER, directory, ini, users);
        command.addAll(
            List.of(
                "setpriv",
                "--reuid=" + UNPRIVILEGED_USER,
                "--regid=" + UNPRIVILEGED_USER,
                "--init-groups",
                "--"));
      }
      command.addAll(List.of("sh", "-c", WRAPPER, "pgbouncer", BINARY.toString(), ini.toString()));
      Process process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
              .start();
      PgBouncer bouncer =
          new PgBouncer(
              mode, poolSize, port, database, user, password, directory, logFile, process);
      bouncer.awaitListening();
      log.info(
          "PgBouncer {} started: {} mode, default_pool_size {}, in front of {}:{}{}",
          version(),
          mode.iniValue(),
          poolSize,
          host,
          serverPort,
          isRoot() ? ", as user " + UNPRIVILEGED_USER : "");
      return bouncer;
    } catch (IOException e) {
      deleteQuietly(directory);
      throw new IllegalStateException("cannot start pgbouncer: " + e.getMessage(), e);
    }
  }

  private void awaitListening() {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        String output = logTail();
        stop();
        throw new IllegalStateException(
            "pgbouncer exited with " + process.exitValue() + " at start: " + output);
      }
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return;
      } catch (IOException notYet) {
        try {
          Thread.sleep(50);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          stop();
          throw new IllegalStateException("interrupted while pgbouncer starts", e);
        }
      }
    }
    String output = logTail();
    stop();
    throw new IllegalStateException("pgbouncer did not listen on " + port + " in 20 s: " + output);
  }

  /**
   * The pool mode.
   *
   * @return session or transaction
   */
  public PoolMode mode() {
    return mode;
  }

  /**
   * Server connections per database and user ({@code default_pool_size}): this many client
   * connections, each in an open transaction, hold every server connection PgBouncer may open for
   * the test user.
   *
   * @return the pool size
   */
  public int poolSize() {
    return poolSize;
  }

  /**
   * The loopback port PgBouncer listens on.
   *
   * @return the port
   */
  public int port() {
    return port;
  }

  /**
   * A JDBC URL through PgBouncer to the server's database, without credentials and without any
   * pgjdbc option (so with pgjdbc's defaults, {@code prepareThreshold=5} included).
   *
   * @return the URL
   */
  public String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
  }

  /**
   * {@link #jdbcUrl()} with {@code user} and {@code password} parameters, for code that takes a URL
   * only.
   *
   * @return the URL
   */
  public String jdbcUrlWithCredentials() {
    return jdbcUrl() + "?user=" + user + "&password=" + password;
  }

  /**
   * The database clients connect to (the server's, of its JDBC URL).
   *
   * @return the database name
   */
  public String database() {
    return database;
  }

  /**
   * The user clients log in as.
   *
   * @return the user
   */
  public String user() {
    return user;
  }

  /**
   * Its password.
   *
   * @return the password
   */
  public String password() {
    return password;
  }

  /**
   * A new connection through PgBouncer, with pgjdbc's defaults. The caller closes it.
   *
   * @return the connection
   * @throws SQLException if it cannot connect
   */
  public Connection connect() throws SQLException {
    return DriverManager.getConnection(jdbcUrl(), user, password);
  }

  /**
   * A Hikari pool through PgBouncer, with pgjdbc's defaults (what a user's pool would be). It is
   * closed by {@link #close()} at the latest.
   *
   * @param name the pool name
   * @param size the maximum pool size
   * @return the pool
   */
  public HikariDataSource newPool(String name, int size) {
    return newPool(name, size, config -> {});
  }

  /**
   * A Hikari pool through PgBouncer, adjusted before it starts. It is closed by {@link #close()} at
   * the latest.
   *
   * @param name the pool name
   * @param size the maximum pool size
   * @param adjust changes to the configuration, applied last
   * @return the pool
   */
  public HikariDataSource newPool(String name, int size, Consumer<HikariConfig> adjust) {
    HikariConfig config = new HikariConfig();
    config.setPoolName(name);
    config.setJdbcUrl(jdbcUrl());
    config.setUsername(user);
    config.setPassword(password);
    config.setMaximumPoolSize(size);
    config.setMinimumIdle(0);
    adjust.accept(config);
    HikariDataSource pool = new HikariDataSource(config);
    pools.add(pool);
    return pool;
  }

  /**
   * Runs a command on PgBouncer's admin console ({@code SHOW SERVERS}, {@code SHOW POOLS}, ...).
   *
   * <p>It speaks the PostgreSQL wire protocol's simple query itself: pgjdbc cannot log in to the
   * console, because the console reports its own version ({@code 1.18.0/bouncer}) as {@code
   * server_version}, for which pgjdbc sends {@code SET extra_float_digits}, and the console refuses
   * any {@code SET} of a name that is not one of its settings.
   *
   * @param command the console command
   * @return its rows, each a map from column name to value (null for SQL null)
   */
  public List<Map<String, String>> admin(String command) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
      socket.setSoTimeout(10_000);
      return new AdminConsole(socket, user, password).query(command);
    } catch (IOException e) {
      throw new IllegalStateException("pgbouncer admin console: " + command + " failed", e);
    }
  }

  /** The few messages of the PostgreSQL wire protocol (version 3) a console query needs. */
  private static final class AdminConsole {
    private final DataInputStream in;
    private final DataOutputStream out;

    AdminConsole(Socket socket, String user, String password) throws IOException {
      in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
      out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream()));
      ByteArrayOutputStream startup = new ByteArrayOutputStream();
      for (String text : new String[] {"user", user, "database", "pgbouncer"}) {
        startup.writeBytes(cString(text));
      }
      startup.write(0);
      out.writeInt(8 + startup.size());
      out.writeInt(196608); // protocol 3.0
      out.write(startup.toByteArray());
      out.flush();
      while (true) {
        char type = (char) in.readUnsignedByte();
        byte[] body = body();
        if (type == 'R') {
          int code = ByteBuffer.wrap(body).getInt();
          if (code == 3) {
            send('p', cString(password));
          } else if (code == 5) {
            byte[] salt = java.util.Arrays.copyOfRange(body, 4, 8);
            String inner = md5Hex((password + user).getBytes(StandardCharsets.UTF_8));
            ByteArrayOutputStream salted = new ByteArrayOutputStream();
            salted.writeBytes(inner.getBytes(StandardCharsets.US_ASCII));
            salted.writeBytes(salt);
            send('p', cString("md5" + md5Hex(salted.toByteArray())));
          } else if (code != 0) {
            throw new IOException("unsupported authentication request " + code);
          }
        } else if (type == 'E') {
          throw new IOException(errorText(body));
        } else if (type == 'Z') {
          return;
        }
        // 'S' parameter status, 'K' backend key data: not needed.
      }
    }

    List<Map<String, String>> query(String command) throws IOException {
      send('Q', cString(command));
      List<String> columns = new ArrayList<>();
      List<Map<String, String>> rows = new ArrayList<>();
      IOException error = null;
      while (true) {
        char type = (char) in.readUnsignedByte();
        ByteBuffer body = ByteBuffer.wrap(body());
        switch (type) {
          case 'T' -> {
            columns.clear();
            int count = body.getShort();
            for (int i = 0; i < count; i++) {
              columns.add(readCString(body));
              body.position(body.position() + 18); // table oid, column, type oid, size, mod, format
            }
          }
          case 'D' -> {
            int count = body.getShort();
            Map<String, String> row = new LinkedHashMap<>();
            for (int i = 0; i < count; i++) {
              int length = body.getInt();
              String value = null;
              if (length >= 0) {
                byte[] bytes = new byte[length];
                body.get(bytes);
                value = new String(bytes, StandardCharsets.UTF_8);
              }
              row.put(columns.get(i), value);
            }
            rows.add(row);
          }
          case 'E' -> error = new IOException(errorText(body.array()));
          case 'Z' -> {
            send('X', new byte[0]);
            if (error != null) {
              throw error;
            }
            return rows;
          }
          default -> {
            // 'C' command complete, 'N' notice: nothing to keep.
          }
        }
      }
    }

    private byte[] body() throws IOException {
      byte[] body = new byte[in.readInt() - 4];
      in.readFully(body);
      return body;
    }

    private void send(char type, byte[] body) throws IOException {
      out.writeByte(type);
      out.writeInt(4 + body.length);
      out.write(body);
      out.flush();
    }

    private static byte[] cString(String text) {
      byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
      return java.util.Arrays.copyOf(bytes, bytes.length + 1);
    }

    private static String readCString(ByteBuffer buffer) {
      int start = buffer.position();
      while (buffer.get() != 0) {
        // find the terminator
      }
      return new String(
          buffer.array(), start, buffer.position() - start - 1, StandardCharsets.UTF_8);
    }

    private static String errorText(byte[] body) {
      StringBuilder text = new StringBuilder();
      ByteBuffer buffer = ByteBuffer.wrap(body);
      while (buffer.hasRemaining()) {
        byte field = buffer.get();
        if (field == 0) {
          break;
        }
        String value = readCString(buffer);
        if (field == 'M' || field == 'C') {
          text.append(text.length() == 0 ? "" : " ")
              .append(field == 'C' ? "[" + value + "]" : value);
        }
      }
      return text.toString();
    }

    private static String md5Hex(byte[] bytes) {
      try {
        return java.util.HexFormat.of()
            .formatHex(java.security.MessageDigest.getInstance("MD5").digest(bytes));
      } catch (java.security.NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  /**
   * The backend process ids of the server connections PgBouncer holds for the test user's database
   * ({@code SHOW SERVERS}, column {@code remote_pid}).
   *
   * @return the pids, in the console's order
   */
  public List<Integer> serverPids() {
    return admin("SHOW SERVERS").stream()
        .filter(row -> database.equals(row.get("database")) && user.equals(row.get("user")))
        .map(row -> Integer.valueOf(row.get("remote_pid")))
        .toList();
  }

  /** Closes the pools made by {@link #newPool}, stops PgBouncer and deletes its files. */
  @Override
  public void close() {
    stop();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException shuttingDown) {
      // The JVM is exiting: the hook runs (or ran) stop() itself.
    }
  }

  private synchronized void stop() {
    if (closed) {
      return;
    }
    closed = true;
    pools.forEach(HikariDataSource::close);
    try {
      process.getOutputStream().close(); // the wrapper kills PgBouncer (SIGTERM) and exits
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
      }
    } catch (IOException e) {
      process.destroyForcibly();
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    deleteQuietly(directory);
  }

  private String logTail() {
    try {
      String text = Files.readString(logFile, StandardCharsets.UTF_8).strip();
      return text.length() > 2000 ? text.substring(text.length() - 2000) : text;
    } catch (IOException e) {
      return "(no output: " + e.getMessage() + ")";
    }
  }

  private static String version() {
    try {
      Process p =
          new ProcessBuilder(BINARY.toString(), "--version").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      p.waitFor(5, TimeUnit.SECONDS);
      return out.lines().findFirst().orElse("?").replace("PgBouncer ", "").strip();
    } catch (IOException e) {
      return "?";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "?";
    }
  }

  private static boolean isRoot() {
    try {
      Process p = new ProcessBuilder("id", "-u").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      p.waitFor(5, TimeUnit.SECONDS);
      return out.equals("0");
    } catch (IOException e) {
      return "root".equals(System.getProperty("user.name"));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "root".equals(System.getProperty("user.name"));
    }
  }

  private static void chownTo(String userName, Path directory, Path... files) throws IOException {
    UserPrincipalLookupService lookup = directory.getFileSystem().getUserPrincipalLookupService();
    UserPrincipal owner;
    try {
      owner = lookup.lookupPrincipalByName(userName);
    } catch (IOException e) {
      throw new IOException(
          "pgbouncer refuses to run as root and there is no user "
              + userName
              + " to run it as (Debian's pgbouncer package creates it)",
          e);
    }
    Files.setOwner(directory, owner);
    Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwx------"));
    for (Path file : files) {
      Files.setOwner(file, owner);
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    }
  }

  private static String quote(String value) {
    return "\"" + value.replace("\"", "\"\"") + "\"";
  }

  private static void deleteQuietly(Path directory) {
    if (directory == null) {
      return;
    }
    try (Stream<Path> paths = Files.walk(directory)) {
      paths
          .sorted(Comparator.reverseOrder())
          .forEach(
              path -> {
                try {
                  Files.deleteIfExists(path);
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
    } catch (IOException | UncheckedIOException e) {
      log.debug("could not delete {}", directory, e);
    }
  }
}
