package dev.jobqueue.internal.store;

import dev.jobqueue.EnqueueResult.Outcome;
import dev.jobqueue.JobStoreException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jooq.DSLContext;
import org.jooq.Record;

/**
 * The SQL of jobs with a unique key: inserted so that a key held by another job is an answer, never
 * an error, on the unique index {@code jobs_unique_idx (type, unique_key) WHERE unique_key IS NOT
 * NULL AND status = ANY (unique_states)}.
 *
 * <p>Jobs of one batch with one type and key are one group: the first one's row is inserted (with
 * the last one's payload and run time in replace mode), and the others report its id. The groups
 * are written in (type, key) order, so that concurrent batches that share keys take them in the
 * same order. Then, in rounds:
 *
 * <ol>
 *   <li>{@code INSERT … ON CONFLICT … DO NOTHING}: the groups whose key is free are created.
 *       Concurrent inserts of one key wait for each other on the index, so exactly one of them
 *       creates the job; a rollback frees the key for the waiting one.
 *   <li>Replace mode: the pending job that holds the key gets the group's payload and run time.
 *   <li>The holders of the remaining keys are read. A holder in a state the group counts makes it a
 *       duplicate. A holder in a state it does not count (completed without, or before, the group's
 *       window; failed or cancelled when not named) gives its key up, and the next round inserts
 *       again.
 * </ol>
 *
 * A key whose holder left its states between the steps is tried again, for {@value #ROUNDS} rounds.
 * Every statement runs on the caller's {@code DSLContext}: one connection, in a transaction.
 */
final class UniqueInserts {

  /** Rounds before a key that keeps changing hands is given up. */
  static final int ROUNDS = 5;

  private static final String HELD =
      " h.unique_key is not null and h.status = any (h.unique_states)";

  private final String insertSql;
  private final String replaceSql;
  private final String holdersSql;
  private final String releaseSql;

  UniqueInserts(String jobs) {
    this.insertSql =
        JobColumns.insertSql(
                jobs,
                new JobColumns.Extra("unique_key", "u.ukey", "?::text[]", "ukey"),
                new JobColumns.Extra(
                    "unique_states", "string_to_array(u.ustates, ',')", "?::text[]", "ustates"))
            + " on conflict (type, unique_key)"
            + " where unique_key is not null and status = any (unique_states) do nothing"
            + " returning id, type, unique_key";
    // Locks the pending holders in key order, then updates them; a holder claimed meanwhile is
    // running when the lock is granted, and is left alone.
    this.replaceSql =
        "with target as (select h.id, u.payload, u.scheduled_at"
            + " from unnest(?::text[], ?::text[], ?::text[], ?::timestamptz[]) with ordinality"
            + " as u(type, ukey, payload, scheduled_at, ord)"
            + " join "
            + jobs
            + " h on h.type = u.type and h.unique_key = u.ukey"
            + " where"
            + HELD
            + " and h.status = 'pending'"
            + " order by u.ord for update of h)"
            + " update "
            + jobs
            + " j set payload = t.payload::jsonb, scheduled_at = coalesce(t.scheduled_at, now()),"
            + " run_at = coalesce(t.scheduled_at, now()), updated_at = now()"
            + " from target t where j.id = t.id"
            + " returning j.id, j.type, j.unique_key";
    this.holdersSql =
        "select h.id, h.type, h.unique_key, h.status,"
            + " coalesce(h.completed_at >= now() - u.window_ms * interval '1 millisecond', false)"
            + " from unnest(?::text[], ?::text[], ?::bigint[]) as u(type, ukey, window_ms)"
            + " join "
            + jobs
            + " h on h.type = u.type and h.unique_key = u.ukey"
            + " where"
            + HELD;
    // Only a holder still in the state it was seen in gives its key up.
    this.releaseSql =
        "with target as (select h.id"
            + " from unnest(?::bigint[], ?::text[]) with ordinality as u(id, status, ord)"
            + " join "
            + jobs
            + " h on h.id = u.id and h.status = u.status"
            + " where h.unique_key is not null"
            + " order by u.ord for update of h)"
            + " update "
            + jobs
            + " j set unique_key = null, unique_states = null from target t where j.id = t.id";
  }

  /** The jobs of a batch that share a type and key. */
  private static final class Group {
    final String type;
    final String key;
    final NewJob first;
    NewJob latest;
    final List<Integer> members = new ArrayList<>();
    long id;
    Outcome outcome;
    long releaseId;
    String releaseStatus;

    Group(NewJob first) {
      this.type = first.type();
      this.key = first.unique().key();
      this.first = first;
      this.latest = first;
    }

    NewJob.Unique rules() {
      return first.unique();
    }
  }

  /**
   * Inserts jobs that all have a unique key.
   *
   * @param ctx one connection, in a transaction
   * @param rows the jobs, each with {@link NewJob#unique()}
   * @return what happened to each, in the same order
   */
  Inserted[] insert(DSLContext ctx, List<NewJob> rows) {
    Map<String, Group> byKey = new LinkedHashMap<>();
    for (int i = 0; i < rows.size(); i++) {
      NewJob row = rows.get(i);
      Group group = byKey.computeIfAbsent(id(row.type(), row.unique().key()), k -> new Group(row));
      group.members.add(i);
      if (row.unique().replace()) {
        group.latest = row; // The last one wins.
      }
    }
    List<Group> open = new ArrayList<>(byKey.values());
    open.sort(Comparator.comparing((Group g) -> g.type).thenComparing(g -> g.key));
    for (int round = 0; !open.isEmpty(); round++) {
      if (round == ROUNDS) {
        throw new JobStoreException(
            "the unique key "
                + open.get(0).key
                + " of type "
                + open.get(0).type
                + " changed hands "
                + ROUNDS
                + " times while jobs were inserted",
            null);
      }
      create(ctx, open, byKey);
      open.removeIf(g -> g.outcome != null);
      List<Group> replacing = open.stream().filter(g -> g.rules().replace()).toList();
      if (!replacing.isEmpty()) {
        replace(ctx, replacing, byKey);
        open.removeIf(g -> g.outcome != null);
      }
      if (!open.isEmpty()) {
        classify(ctx, open, byKey);
        open.removeIf(g -> g.outcome != null);
        release(ctx, open.stream().filter(g -> g.releaseStatus != null).toList());
      }
    }
    Inserted[] results = new Inserted[rows.size()];
    for (Group group : byKey.values()) {
      for (int m = 0; m < group.members.size(); m++) {
        Outcome outcome = group.outcome;
        if (m > 0) {
          // Later jobs of the group come after the first: a duplicate of it, or its replacement
          // while it is pending.
          outcome =
              group.rules().replace() && outcome != Outcome.DUPLICATE
                  ? Outcome.REPLACED
                  : Outcome.DUPLICATE;
        }
        results[group.members.get(m)] = new Inserted(group.id, outcome);
      }
    }
    return results;
  }

  private void create(DSLContext ctx, List<Group> groups, Map<String, Group> byKey) {
    int n = groups.size();
    List<NewJob> rows = new ArrayList<>(n);
    String[] keys = new String[n];
    String[] states = new String[n];
    for (int i = 0; i < n; i++) {
      Group group = groups.get(i);
      NewJob first = group.first;
      // The group's first job, with the payload and run time of its latest (replace mode).
      rows.add(
          new NewJob(
              first.type(),
              first.priority(),
              group.latest.payloadJson(),
              first.maxRetries(),
              first.timeoutSeconds(),
              group.latest.scheduledAt(),
              first.queue(),
              first.concurrencyKey(),
              first.unique(),
              first.traceContext()));
      keys[i] = group.key;
      states[i] = String.join(",", group.rules().states());
    }
    JobColumns c = new JobColumns(rows);
    for (Record r : ctx.resultQuery(insertSql, c.binds(keys, states))) {
      decide(byKey, r, Outcome.CREATED);
    }
  }

  private void replace(DSLContext ctx, List<Group> groups, Map<String, Group> byKey) {
    int n = groups.size();
    String[] types = new String[n];
    String[] keys = new String[n];
    String[] payloads = new String[n];
    String[] scheduled = new String[n];
    for (int i = 0; i < n; i++) {
      Group group = groups.get(i);
      types[i] = group.type;
      keys[i] = group.key;
      payloads[i] = group.latest.payloadJson();
      scheduled[i] = instantText(group.latest);
    }
    for (Record r : ctx.resultQuery(replaceSql, types, keys, payloads, scheduled)) {
      decide(byKey, r, Outcome.REPLACED);
    }
  }

  /** Reads the holders: a duplicate, or a holder to release. No holder: the next round inserts. */
  private void classify(DSLContext ctx, List<Group> groups, Map<String, Group> byKey) {
    int n = groups.size();
    String[] types = new String[n];
    String[] keys = new String[n];
    Long[] windows = new Long[n];
    for (int i = 0; i < n; i++) {
      Group group = groups.get(i);
      group.releaseStatus = null;
      types[i] = group.type;
      keys[i] = group.key;
      windows[i] = group.rules().completedWithinMillis();
    }
    for (Record r : ctx.resultQuery(holdersSql, types, keys, windows)) {
      Group group = byKey.get(id(r.get(1, String.class), r.get(2, String.class)));
      long holder = r.get(0, Long.class);
      String status = r.get(3, String.class);
      if (group.rules().counts(status, r.get(4, Boolean.class))) {
        group.id = holder;
        group.outcome = Outcome.DUPLICATE;
      } else {
        group.releaseId = holder;
        group.releaseStatus = status;
      }
    }
  }

  private void release(DSLContext ctx, List<Group> groups) {
    if (groups.isEmpty()) {
      return;
    }
    Long[] ids = new Long[groups.size()];
    String[] statuses = new String[groups.size()];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = groups.get(i).releaseId;
      statuses[i] = groups.get(i).releaseStatus;
    }
    ctx.query(releaseSql, ids, statuses).execute();
  }

  private static void decide(Map<String, Group> byKey, Record r, Outcome outcome) {
    Group group = byKey.get(id(r.get(1, String.class), r.get(2, String.class)));
    group.id = r.get(0, Long.class);
    group.outcome = outcome;
  }

  private static String instantText(NewJob job) {
    return job.scheduledAt() == null ? null : job.scheduledAt().toString();
  }

  private static String id(String type, String key) {
    return type + '\0' + key;
  }
}
