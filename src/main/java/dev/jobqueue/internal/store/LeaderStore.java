package dev.jobqueue.internal.store;

import static dev.jobqueue.internal.store.Sql.instant;
import static dev.jobqueue.internal.store.Sql.run;

import dev.jobqueue.JobStoreException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Objects;
import java.util.Optional;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.jooq.Record;

/**
 * All SQL of leader election, on the {@code leader} table: one row per leadership, whose lease ends
 * at {@code expires_at} on the database clock. Every value reaches PostgreSQL as a bind parameter;
 * the only identifier rendered into SQL is the schema name, already checked against {@code
 * ^[a-z_][a-z0-9_]{0,62}$}. Each method is one statement in auto-commit mode.
 *
 * <p>Thread-safe. Database failures surface as {@link JobStoreException} naming the operation.
 * <strong>Not API.</strong>
 */
public final class LeaderStore {

  /** The one leadership for now; later features may elect leaders of their own. */
  public static final String DEFAULT_NAME = "default";

  private final DSLContext dsl;
  private final String acquireSql;
  private final String resignSql;
  private final String currentSql;

  /**
   * The outcome of one {@link #acquireOrRenew} statement.
   *
   * @param leading whether the calling node holds the lease now
   * @param nodeId the node that holds it (the caller when {@code leading}); null in the rare case
   *     that another node's row was committed while the statement ran, too late for it to read
   * @param electedAt when the holder's lease began, on the database clock: unchanged by renewals,
   *     new when the lease changed hands or lapsed; null with {@code nodeId}
   * @param expiresAt when the holder's lease ends, on the database clock; null with {@code nodeId}
   * @param remainingMillis for a follower, how long the holder's lease still runs by the database
   *     clock (0 or less: it has just run out); 0 when {@code leading}, -1 when unknown
   */
  public record Attempt(
      boolean leading, String nodeId, Instant electedAt, Instant expiresAt, long remainingMillis) {}

  /**
   * The lease row as it is, for the health check.
   *
   * @param nodeId the node that holds (or last held) the lease
   * @param electedAt when its lease began, on the database clock
   * @param renewedAt when it last renewed, on the database clock
   * @param expiresAt when the lease ends, on the database clock
   * @param expired whether {@code expiresAt} has passed by the database clock: then no node leads
   *     until another one takes the row over
   */
  public record Holder(
      String nodeId, Instant electedAt, Instant renewedAt, Instant expiresAt, boolean expired) {}

  /**
   * Creates a store over the {@code leader} table in {@code schema}.
   *
   * @param dataSource where connections come from (in auto-commit mode)
   * @param schema a checked schema name
   */
  public LeaderStore(DataSource dataSource, String schema) {
    Objects.requireNonNull(dataSource, "dataSource");
    Objects.requireNonNull(schema, "schema");
    this.dsl = Sql.newDsl(dataSource);
    String leader = Sql.qualified(schema, "leader");
    // One statement: insert the row, or take it over once it expired, or renew it when this node
    // holds it. ON CONFLICT DO UPDATE locks the existing row and evaluates the WHERE on its latest
    // version, so of any number of nodes running this at once exactly one holds the row after.
    // When the WHERE is false nothing is written or returned; the second branch then reads the
    // holder, so a follower learns who leads and for how long without a second round trip.
    this.acquireSql =
        "with attempt as ("
            + " insert into "
            + leader
            + " as l (name, node_id, elected_at, renewed_at, expires_at)"
            + " values (?, ?, now(), now(), now() + ?::bigint * interval '1 millisecond')"
            + " on conflict (name) do update set node_id = excluded.node_id,"
            + " elected_at = case when l.node_id = excluded.node_id and l.expires_at >= now()"
            + " then l.elected_at else now() end,"
            + " renewed_at = now(), expires_at = excluded.expires_at"
            + " where l.expires_at < now() or l.node_id = excluded.node_id"
            + " returning l.node_id, l.elected_at, l.expires_at)"
            + " select true, a.node_id, a.elected_at, a.expires_at, 0::bigint from attempt a"
            + " union all"
            + " select false, h.node_id, h.elected_at, h.expires_at,"
            + " ceil(extract(epoch from (h.expires_at - now())) * 1000)::bigint from "
            + leader
            + " h where h.name = ? and not exists (select 1 from attempt)";
    this.resignSql = "delete from " + leader + " where name = ? and node_id = ?";
    this.currentSql =
        "select node_id, elected_at, renewed_at, expires_at, expires_at < now() from "
            + leader
            + " where name = ?";
  }

  /**
   * Takes the lease {@code name} for {@code nodeId}, in one statement: inserts the row if there is
   * none, takes it over if its lease expired by the database clock ({@code expires_at < now()}), or
   * renews it if {@code nodeId} holds it. In each of these cases the lease now ends {@code
   * ttlMillis} after the statement's {@code now()}. Otherwise nothing changes and the result names
   * the holder.
   *
   * @param name the leadership, such as {@code "default"}
   * @param nodeId the calling node
   * @param ttlMillis how long the lease lasts from now, by the database clock
   * @return whether the caller leads now, and the holder's lease
   */
  public Attempt acquireOrRenew(String name, String nodeId, long ttlMillis) {
    return run(
        "acquire or renew the leader lease",
        () -> {
          Record r = dsl.resultQuery(acquireSql, name, nodeId, ttlMillis, name).fetchOne();
          if (r == null) {
            return new Attempt(false, null, null, null, -1);
          }
          return new Attempt(
              Boolean.TRUE.equals(r.get(0, Boolean.class)),
              r.get(1, String.class),
              instant(r.get(2, OffsetDateTime.class)),
              instant(r.get(3, OffsetDateTime.class)),
              r.get(4, Long.class));
        });
  }

  /**
   * Gives the lease {@code name} up, if {@code nodeId} holds it: deletes the row, so that another
   * node takes it at its next attempt instead of waiting for the expiry.
   *
   * @param name the leadership
   * @param nodeId the calling node
   * @return true if the row was the caller's and is gone
   */
  public boolean resign(String name, String nodeId) {
    return run("resign the leader lease", () -> dsl.query(resignSql, name, nodeId).execute() > 0);
  }

  /**
   * Reads the lease row {@code name}.
   *
   * @param name the leadership
   * @return the row, expired or not; empty when there is none (no node has led, or the last leader
   *     resigned)
   */
  public Optional<Holder> current(String name) {
    return run(
        "read the leader lease",
        () ->
            dsl.resultQuery(currentSql, name)
                .fetchOptional()
                .map(
                    r ->
                        new Holder(
                            r.get(0, String.class),
                            instant(r.get(1, OffsetDateTime.class)),
                            instant(r.get(2, OffsetDateTime.class)),
                            instant(r.get(3, OffsetDateTime.class)),
                            Boolean.TRUE.equals(r.get(4, Boolean.class)))));
  }
}
