package dev.jobqueue.internal.store;

import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.name;

import dev.jobqueue.JobPriority;
import dev.jobqueue.JobStoreException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.jooq.ExecuteListener;
import org.jooq.Field;
import org.jooq.SQLDialect;
import org.jooq.TransactionalCallable;
import org.jooq.conf.Settings;
import org.jooq.exception.DataAccessException;
import org.jooq.impl.DSL;
import org.jooq.impl.DefaultConfiguration;
import org.jooq.impl.DefaultExecuteListenerProvider;
import org.jooq.impl.SQLDataType;

/** What every store shares: the jOOQ setup, error mapping, and small SQL helpers. */
final class Sql {

  static {
    // jOOQ prints a banner and tips on first use; a library must not write to its users' logs.
    System.setProperty("org.jooq.no-logo", System.getProperty("org.jooq.no-logo", "true"));
    System.setProperty("org.jooq.no-tips", System.getProperty("org.jooq.no-tips", "true"));
  }

  static final Settings SETTINGS = new Settings().withExecuteLogging(false).withRenderSchema(true);

  /** When this thread last sent a statement ({@code System.nanoTime()}). */
  private static final ThreadLocal<long[]> SENT = ThreadLocal.withInitial(() -> new long[1]);

  private Sql() {}

  /** A jOOQ context over {@code dataSource} that notes when each statement is sent. */
  static DSLContext newDsl(DataSource dataSource) {
    return DSL.using(
        new DefaultConfiguration()
            .set(dataSource)
            .set(SQLDialect.POSTGRES)
            .set(SETTINGS)
            .set(
                new DefaultExecuteListenerProvider(
                    ExecuteListener.onExecuteStart(ctx -> SENT.get()[0] = System.nanoTime()))));
  }

  /** {@code "schema".table}: the schema was checked, the table is ours. */
  static String qualified(String schema, String table) {
    return "\"" + schema + "\"." + table;
  }

  /** The later of this thread's last send and {@code fallback}. */
  static long sentSince(long fallback) {
    long sent = SENT.get()[0];
    return sent - fallback > 0 ? sent : fallback;
  }

  /**
   * Runs {@code body} in a transaction on one connection, asked for once: when the database is
   * unreachable, a failed attempt costs one {@code getConnection}, as a single statement does.
   */
  static <T> T inTransaction(DSLContext dsl, TransactionalCallable<T> body) {
    return dsl.connectionResult(
        connection -> DSL.using(connection, SQLDialect.POSTGRES, SETTINGS).transactionResult(body));
  }

  /** Runs {@code body}, turning a database failure into one that names {@code operation}. */
  static <T> T run(String operation, Supplier<T> body) {
    try {
      return body.get();
    } catch (DataAccessException e) {
      throw new JobStoreException(
          "database error while trying to " + operation + ": " + rootMessage(e), e);
    }
  }

  /**
   * The most telling message: the first {@code SQLException} in the chain (the driver's own words
   * for this statement), not the deepest cause, which can be an older error that aborted the
   * transaction.
   */
  private static String rootMessage(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof java.sql.SQLException) {
        return t.getMessage();
      }
    }
    return e.getMessage();
  }

  /**
   * {@code template} (with a {@code %d} for the priority rank) once per priority, comma-separated:
   * one index range per priority where a single range over all of them cannot use the index.
   */
  static String perPriority(String template) {
    StringBuilder sql = new StringBuilder();
    for (JobPriority priority : JobPriority.values()) {
      if (sql.length() > 0) {
        sql.append(", ");
      }
      sql.append(String.format(template, priority.rank()));
    }
    return sql.toString();
  }

  /** {@code value}, {@code times} times: one bind per repetition of a fragment. */
  /** The bind values {@code group}, {@code times} over: for SQL built by {@link #perPriority}. */
  static Object[] repeatEach(int times, Object... group) {
    Object[] values = new Object[times * group.length];
    for (int i = 0; i < times; i++) {
      System.arraycopy(group, 0, values, i * group.length, group.length);
    }
    return values;
  }

  static Field<OffsetDateTime> timestamp(String column) {
    return field(name(column), SQLDataType.TIMESTAMPWITHTIMEZONE);
  }

  static OffsetDateTime utc(Instant instant) {
    return instant.atOffset(ZoneOffset.UTC);
  }

  static Instant instant(OffsetDateTime value) {
    return value == null ? null : value.toInstant();
  }
}
