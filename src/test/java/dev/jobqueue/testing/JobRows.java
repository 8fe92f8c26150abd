package dev.jobqueue.testing;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Reads a schema's job rows as they are stored, for assertions the public API does not show (locks,
 * leases, run_at, whole rows), on the shared pool and by the database clock.
 *
 * <p>The one way tests read the jobs table: typed rows ({@link #get(String)}), counts ({@link
 * #count(String)}, {@link #countByStatus()}), and expressions over one row ({@link #holds(String,
 * String)}, {@link #valueOf(String, String)}, {@link #millisBetween(String, String, String)}).
 * Conditions and expressions are SQL over the table's columns, written by the test.
 */
public final class JobRows {

  /** One row of the jobs table; JSON columns as text, timestamps as instants (microseconds). */
  public record JobRow(
      long id,
      String type,
      String status,
      int priority,
      int attempt,
      int retryCount,
      int maxRetries,
      int timeoutSeconds,
      String lockedBy,
      Instant leaseExpiresAt,
      Instant runAt,
      Instant scheduledAt,
      Instant createdAt,
      Instant updatedAt,
      Instant startedAt,
      Instant completedAt,
      String errorMessage,
      String errors,
      String result,
      String payload) {}

  private static final String COLUMNS =
      "id, type, status, priority, attempt, retry_count, max_retries, timeout_seconds, locked_by,"
          + " lease_expires_at, run_at, scheduled_at, created_at, updated_at, started_at,"
          + " completed_at, error_message, errors::text, result::text, payload::text";

  private final Supplier<TestDatabase> db;
  private final Supplier<String> schema;

  /**
   * Rows of one schema's jobs table.
   *
   * @param db the test database
   * @param schema the schema
   */
  public JobRows(TestDatabase db, String schema) {
    this(() -> db, () -> schema);
  }

  /** Rows of whichever schema {@code schema} names when asked: {@link JobQueueExtension#rows()}. */
  JobRows(Supplier<TestDatabase> db, Supplier<String> schema) {
    this.db = db;
    this.schema = schema;
  }

  /**
   * The jobs table, qualified, for the SQL a test writes itself (updates that set up a state).
   *
   * @return for example {@code "t_retryit_3_x1"."jobs"}
   */
  public String table() {
    return "\"" + schema.get() + "\".jobs";
  }

  /**
   * One job's row.
   *
   * @param id the job id
   * @return the row
   * @throws AssertionError if there is none
   */
  public JobRow get(String id) {
    return find(id)
        .orElseThrow(() -> new AssertionError("no row for job " + id + " in " + table()));
  }

  /**
   * One job's row, if it exists.
   *
   * @param id the job id
   * @return the row, or empty
   */
  public Optional<JobRow> find(String id) {
    return select(null, "id = " + Long.parseLong(id)).stream().findFirst();
  }

  /**
   * One job's row as a given connection sees it: inside the caller's open transaction, for a row
   * not committed yet.
   *
   * @param connection the connection to read on (left open)
   * @param id the job id
   * @return the row
   * @throws AssertionError if there is none
   */
  public JobRow get(Connection connection, String id) {
    return select(connection, "id = " + Long.parseLong(id)).stream()
        .findFirst()
        .orElseThrow(() -> new AssertionError("no row for job " + id + " in " + table()));
  }

  /**
   * The rows matching a condition, in id order.
   *
   * @param where an SQL condition on the jobs table, for example {@code "status = 'running'"}
   * @return the rows
   */
  public List<JobRow> where(String where) {
    return select(null, where);
  }

  /**
   * The ids of the rows matching a condition, in id order.
   *
   * @param where an SQL condition on the jobs table ({@code "true"} for all)
   * @return the ids, as the API spells them
   */
  public List<String> ids(String where) {
    List<String> ids = new ArrayList<>();
    query(
        "select id from " + table() + " where " + where + " order by id",
        rs -> ids.add(Long.toString(rs.getLong(1))));
    return ids;
  }

  /**
   * One job's whole row as JSON text: to show that nothing in it changed.
   *
   * @param id the job id
   * @return the row as {@code row_to_json} renders it
   * @throws AssertionError if there is none
   */
  public String json(String id) {
    List<String> rows = new ArrayList<>();
    query(
        "select row_to_json(j)::text from " + table() + " j where id = " + Long.parseLong(id),
        rs -> rows.add(rs.getString(1)));
    if (rows.isEmpty()) {
      throw new AssertionError("no row for job " + id + " in " + table());
    }
    return rows.get(0);
  }

  /**
   * The whole table as one text: the row count and a digest of every row's full text, in id order.
   * Any change to any job changes it.
   *
   * @return for example {@code "12:3f2a..."}
   */
  public String digest() {
    List<String> digest = new ArrayList<>();
    query(
        "select count(*) || ':' || coalesce(md5(string_agg(j::text, '|' order by id)), '')"
            + " from "
            + table()
            + " j",
        rs -> digest.add(rs.getString(1)));
    return digest.get(0);
  }

  /**
   * Counts all jobs of the schema.
   *
   * @return the count
   */
  public long count() {
    return count("true");
  }

  /**
   * Counts the schema's jobs matching a condition.
   *
   * @param where an SQL condition on the jobs table, for example {@code "status = 'pending'"}
   * @return the count
   */
  public long count(String where) {
    return db.get().queryLong("select count(*) from " + table() + " where " + where);
  }

  /**
   * Counts the jobs matching a condition as a given connection sees them: inside the caller's open
   * transaction.
   *
   * @param connection the connection to read on (left open)
   * @param where an SQL condition on the jobs table ({@code "true"} for all)
   * @return the count
   */
  public long count(Connection connection, String where) {
    long[] count = new long[1];
    query(
        connection,
        "select count(*) from " + table() + " where " + where,
        rs -> count[0] = rs.getLong(1));
    return count[0];
  }

  /**
   * Counts the schema's jobs by status.
   *
   * @return status (as stored, for example {@code "pending"}) to count; statuses without jobs are
   *     left out
   */
  public Map<String, Long> countByStatus() {
    Map<String, Long> counts = new LinkedHashMap<>();
    query(
        "select status, count(*) from " + table() + " group by status order by status",
        rs -> counts.put(rs.getString(1), rs.getLong(2)));
    return counts;
  }

  /**
   * The highest job id of the schema.
   *
   * @return the id, or 0 when the table is empty
   */
  public long maxId() {
    return db.get().queryLong("select coalesce(max(id), 0) from " + table());
  }

  /**
   * Evaluates an SQL expression on one job's row.
   *
   * @param id the job id
   * @param expression a numeric expression over the row's columns
   * @return its value
   */
  public long valueOf(String id, String expression) {
    return db.get().queryLong("select " + expression + " from " + table() + " where id = " + id);
  }

  /**
   * Whether an SQL condition holds on one job's row.
   *
   * @param id the job id
   * @param condition a boolean expression over the row's columns
   * @return the value (false when null)
   */
  public boolean holds(String id, String condition) {
    return valueOf(id, "coalesce((" + condition + ")::int, 0)") == 1;
  }

  /**
   * Milliseconds between two timestamp expressions of a job's row, by the database clock.
   *
   * @param id the job id
   * @param from the earlier timestamp expression
   * @param to the later timestamp expression
   * @return {@code to - from} in milliseconds
   */
  public long millisBetween(String id, String from, String to) {
    return valueOf(id, "round(extract(epoch from (" + to + ") - (" + from + ")) * 1000)::bigint");
  }

  /**
   * The database clock.
   *
   * @return {@code now()}
   */
  public Instant dbNow() {
    Instant[] now = new Instant[1];
    query("select now()", rs -> now[0] = instant(rs, 1));
    return now[0];
  }

  /** Deletes every job of the schema; call once the managers using it are shut down. */
  public void truncate() {
    db.get().execute("truncate table " + table());
  }

  private List<JobRow> select(Connection connection, String where) {
    List<JobRow> rows = new ArrayList<>();
    query(
        connection,
        "select " + COLUMNS + " from " + table() + " where " + where + " order by id",
        rs ->
            rows.add(
                new JobRow(
                    rs.getLong(1),
                    rs.getString(2),
                    rs.getString(3),
                    rs.getInt(4),
                    rs.getInt(5),
                    rs.getInt(6),
                    rs.getInt(7),
                    rs.getInt(8),
                    rs.getString(9),
                    instant(rs, 10),
                    instant(rs, 11),
                    instant(rs, 12),
                    instant(rs, 13),
                    instant(rs, 14),
                    instant(rs, 15),
                    instant(rs, 16),
                    rs.getString(17),
                    rs.getString(18),
                    rs.getString(19),
                    rs.getString(20))));
    return rows;
  }

  private static Instant instant(ResultSet rs, int column) throws SQLException {
    OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
    return value == null ? null : value.toInstant();
  }

  private interface RowReader {
    void read(ResultSet rs) throws SQLException;
  }

  private void query(String sql, RowReader reader) {
    query(null, sql, reader);
  }

  /** Runs a query on {@code connection}, or on a connection of the shared pool when null. */
  private void query(Connection connection, String sql, RowReader reader) {
    try {
      if (connection != null) {
        read(connection, sql, reader);
      } else {
        try (Connection pooled = db.get().dataSource().getConnection()) {
          read(pooled, sql, reader);
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException("test SQL failed: " + sql, e);
    }
  }

  private static void read(Connection connection, String sql, RowReader reader)
      throws SQLException {
    try (Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery(sql)) {
      while (rs.next()) {
        reader.read(rs);
      }
    }
  }
}
