package dev.jobqueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jobqueue.testing.PgBouncer;
import dev.jobqueue.testing.PgBouncer.PoolMode;
import dev.jobqueue.testing.TestDatabase;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@link PgBouncer} fixture itself, against real PgBouncer behaviour: what session and
 * transaction pooling do to session state, the admin console, and that the process goes away.
 */
class PgBouncerFixtureIT {

  @BeforeEach
  void needsPgBouncer() {
    PgBouncer.assumeInstalled(PgBouncerFixtureIT.class);
  }

  @Test
  void transactionModeSharesOneServerConnectionAndItsSessionState() throws Exception {
    try (PgBouncer bouncer = PgBouncer.start(TestDatabase.get(), PoolMode.TRANSACTION, 1);
        Connection a = bouncer.connect();
        Connection b = bouncer.connect()) {
      int pidA = queryInt(a, "select pg_backend_pid()");
      execute(a, "set search_path = fixture_leak");
      // b's transaction runs on the only server connection, which kept a's SET.
      assertThat(queryInt(b, "select pg_backend_pid()")).isEqualTo(pidA);
      assertThat(queryString(b, "select current_setting('search_path')")).isEqualTo("fixture_leak");
      assertThat(bouncer.serverPids()).containsExactly(pidA);
      execute(b, "reset search_path");
    }
  }

  @Test
  void sessionModeGivesEachClientItsOwnServerConnection() throws Exception {
    try (PgBouncer bouncer = PgBouncer.start(TestDatabase.get(), PoolMode.SESSION, 2);
        Connection a = bouncer.connect();
        Connection b = bouncer.connect()) {
      int pidA = queryInt(a, "select pg_backend_pid()");
      int pidB = queryInt(b, "select pg_backend_pid()");
      execute(a, "set search_path = fixture_session");
      assertThat(pidB).isNotEqualTo(pidA);
      assertThat(queryInt(a, "select pg_backend_pid()")).isEqualTo(pidA);
      assertThat(queryString(a, "select current_setting('search_path')"))
          .isEqualTo("fixture_session");
      assertThat(queryString(b, "select current_setting('search_path')"))
          .isNotEqualTo("fixture_session");
      assertThat(bouncer.serverPids()).containsExactlyInAnyOrder(pidA, pidB);
      assertThat(bouncer.admin("SHOW POOLS"))
          .anySatisfy(pool -> assertThat(pool.get("pool_mode")).isEqualTo("session"));
    }
  }

  @Test
  void closeStopsPgBouncer() throws Exception {
    PgBouncer bouncer = PgBouncer.start(TestDatabase.get(), PoolMode.TRANSACTION, 1);
    int port = bouncer.port();
    try (Connection connection = bouncer.connect()) {
      assertThat(queryInt(connection, "select 1")).isEqualTo(1);
    }
    bouncer.close();
    assertThatThrownBy(
            () -> {
              try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
              }
            })
        .isInstanceOf(java.io.IOException.class);
  }

  private static void execute(Connection connection, String sql) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute(sql);
    }
  }

  private static int queryInt(Connection connection, String sql) throws SQLException {
    try (Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery(sql)) {
      rs.next();
      return rs.getInt(1);
    }
  }

  private static String queryString(Connection connection, String sql) throws SQLException {
    try (Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }
}
