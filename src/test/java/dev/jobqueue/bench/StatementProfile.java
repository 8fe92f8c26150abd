package dev.jobqueue.bench;

import java.io.PrintStream;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;

/**
 * The server side of a profile ({@code --statements}): which statements took the server's time
 * during one workload, from {@code pg_stat_statements}. The view is reset before each workload and
 * read after it, so each report covers that workload only (its preloading included).
 */
final class StatementProfile {

  private static final int TOP = 8;

  private final BenchDatabase db;
  private final PrintStream out;

  private StatementProfile(BenchDatabase db, PrintStream out) {
    this.db = db;
    this.out = out;
  }

  /**
   * Prepares the extension; returns null (and says why) when the server does not have it loaded.
   */
  static StatementProfile open(BenchDatabase db, PrintStream out) {
    try (Connection c = db.connect();
        Statement s = c.createStatement()) {
      s.execute("create extension if not exists pg_stat_statements");
      s.executeQuery("select pg_stat_statements_reset()").close();
      return new StatementProfile(db, out);
    } catch (SQLException e) {
      out.println(
          "--statements: pg_stat_statements is not available ("
              + e.getMessage()
              + "); no server profile will be printed");
      return null;
    }
  }

  void reset() throws SQLException {
    try (Connection c = db.connect();
        Statement s = c.createStatement()) {
      s.executeQuery("select pg_stat_statements_reset()").close();
    }
  }

  /** Prints the top statements by total execution time and returns the same text. */
  String report(String workload, int run) throws SQLException {
    StringBuilder text = new StringBuilder();
    text.append(
        String.format(
            Locale.ROOT,
            "  server time by statement, %s run %d (pg_stat_statements, top %d):%n",
            workload,
            run,
            TOP));
    text.append(
        String.format(
            Locale.ROOT,
            "    %6s %10s %10s %9s %12s  %s%n",
            "share",
            "total ms",
            "calls",
            "mean ms",
            "rows",
            "statement"));
    String sql =
        "select total_exec_time, calls, mean_exec_time, rows,"
            + " total_exec_time / nullif(sum(total_exec_time) over (), 0) as share,"
            + " regexp_replace(query, '\\s+', ' ', 'g') as query"
            + " from pg_stat_statements"
            + " where query not like '%pg_stat_statements%'"
            + " order by total_exec_time desc limit "
            + TOP;
    try (Connection c = db.connect();
        Statement s = c.createStatement();
        ResultSet r = s.executeQuery(sql)) {
      while (r.next()) {
        String query = r.getString("query");
        text.append(
            String.format(
                Locale.ROOT,
                "    %5.1f%% %10.0f %10d %9.3f %12d  %s%n",
                r.getDouble("share") * 100,
                r.getDouble("total_exec_time"),
                r.getLong("calls"),
                r.getDouble("mean_exec_time"),
                r.getLong("rows"),
                query.length() > 140 ? query.substring(0, 140) + " …" : query));
      }
    }
    out.print(text);
    return text.toString();
  }
}
