package dev.jobqueue.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobqueue.testing.EnqueueProcess;
import dev.jobqueue.testing.JobQueueExtension;
import dev.jobqueue.testing.JobRows;
import dev.jobqueue.testing.TestDatabase;
import dev.jobqueue.testing.WorkerProcess.Child;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Unique keys under kill -9: 3 JVMs × 8 threads each enqueue a job for every one of 10,000 keys,
 * each inside a transaction of their own that also writes a log row (key, job id, outcome). A
 * transaction that created its job is held open for up to 20 ms before it commits, one that found
 * the key held commits at once. The JVMs take the keys in the same order, so those behind catch up
 * and contend for the keys of the one ahead. A third of the way through, the JVM whose open
 * transactions have inserted jobs that calls of the other JVMs wait for on the unique index (by
 * {@code pg_blocking_pids}; its backends have an xid) is SIGKILLed. PostgreSQL rolls those
 * transactions back when the connections close, and the waiting calls go on.
 *
 * <p>Afterwards every key has exactly one job; every committed log row, the killed JVM's included,
 * names the job that holds its key; each key's job was created by exactly one committed call; and
 * the survivors got an answer for every key.
 */
class UniqueKeysKillNineIT {

  private static final int JVMS = 3;
  private static final int THREADS = 8;
  private static final int KEYS = 10_000;
  private static final long HOLD_MILLIS = 20;

  @RegisterExtension
  static final JobQueueExtension jobqueue =
      JobQueueExtension.perClass().migrated().withSql(EnqueueProcess.LOG_TABLE_SQL);

  private final TestDatabase db = TestDatabase.get();
  private final JobRows rows = jobqueue.rows();
  private final List<Child> children = new ArrayList<>();

  @AfterEach
  void killChildren() {
    children.forEach(Child::close);
  }

  @Test
  @Tag("reliability")
  void eachKeyHasOneJobAfterAJvmWithOpenInsertsWasKilled() throws Exception {
    String schema = jobqueue.schema();
    for (int i = 0; i < JVMS; i++) {
      children.add(
          EnqueueProcess.launchHold(db, schema, "uk9-" + i, THREADS, KEYS, HOLD_MILLIS, 17L));
    }
    for (Child child : children) {
      child.awaitReady(Duration.ofSeconds(90));
    }
    long t0 = System.nanoTime();
    for (Child child : children) {
      child.send("GO");
    }

    String log = "\"" + schema + "\"." + EnqueueProcess.LOG_TABLE;
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
    while (db.queryLong("select count(*) from " + log) < KEYS) {
      assertThat(System.nanoTime()).as("a third of the calls committed").isLessThan(deadline);
      Thread.sleep(50);
    }
    // The victim: a JVM with open transactions that have inserted jobs, and calls of the other
    // JVMs waiting for those transactions on the unique index.
    String blocker =
        "select coalesce((select substr(b.application_name, 5)::int"
            + " from pg_stat_activity a join pg_stat_activity b"
            + " on b.pid = any (pg_blocking_pids(a.pid))"
            + " where a.application_name like 'uk9-%' and b.application_name like 'uk9-%'"
            + " and a.application_name <> b.application_name and b.backend_xid is not null"
            + " group by 1 order by count(*) desc limit 1), -1)";
    long victimIndex = -1;
    while (victimIndex < 0) {
      assertThat(System.nanoTime()).as("a JVM holds keys others wait for").isLessThan(deadline);
      assertThat(children).as("still running").allMatch(c -> c.lines("FINISHED ").isEmpty());
      victimIndex = db.queryLong(blocker);
    }
    Child victim = children.get((int) victimIndex);
    String name = victim.nodeId();
    long open =
        db.queryLong(
            "select count(*) from pg_stat_activity where application_name = '"
                + name
                + "' and state like 'idle in transaction%' and backend_xid is not null");
    long waiting =
        db.queryLong(
            "select count(*) from pg_stat_activity a where a.application_name <> '"
                + name
                + "' and a.application_name like 'uk9-%' and exists (select 1 from"
                + " pg_stat_activity b where b.application_name = '"
                + name
                + "' and b.pid = any (pg_blocking_pids(a.pid)))");
    long committedBefore =
        db.queryLong("select count(*) from " + log + " where node = '" + name + "'");
    int exit = victim.kill9();
    long killedAtMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);

    List<Child> survivors = children.stream().filter(c -> c != victim).toList();
    for (Child survivor : survivors) {
      long left = deadline - System.nanoTime();
      EnqueueProcess.awaitLine(
          List.of(survivor), "FINISHED " + KEYS, Duration.ofNanos(Math.max(left, 1)));
    }
    long drainedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);

    long jobs = rows.count();
    long keysWithJobs = db.queryLong("select count(distinct unique_key) from " + rows.table());
    long keysWithTwoJobs =
        db.queryLong(
            "select count(*) from (select unique_key from "
                + rows.table()
                + " group by unique_key having count(*) > 1) d");
    long logRows = db.queryLong("select count(*) from " + log);
    long victimRows = db.queryLong("select count(*) from " + log + " where node = '" + name + "'");
    long lost =
        db.queryLong(
            "select count(*) from "
                + log
                + " l where not exists (select 1 from "
                + rows.table()
                + " j where j.unique_key = l.key and j.id = l.job_id and j.status = 'pending')");
    long created = db.queryLong("select count(*) from " + log + " where outcome = 'CREATED'");
    long keysCreatedOnce =
        db.queryLong(
            "select count(*) from (select key from "
                + log
                + " where outcome = 'CREATED' group by key having count(*) = 1) c");
    System.out.printf(
        "RELIABILITY unique-kill-9: %d JVMs x %d threads, %d keys each, transactions held up to"
            + " %d ms; SIGKILL of %s (exit %d) at %d ms with %d open transactions that had"
            + " inserted, %d calls of other JVMs waiting for them, %d of its calls committed; drained in %d ms; jobs %d,"
            + " keys with a job %d, keys with two %d; committed calls %d (killed JVM %d),"
            + " committed rows naming another job than their key's %d; creations %d%n",
        JVMS,
        THREADS,
        KEYS,
        HOLD_MILLIS,
        name,
        exit,
        killedAtMillis,
        open,
        waiting,
        committedBefore,
        drainedMillis,
        jobs,
        keysWithJobs,
        keysWithTwoJobs,
        logRows,
        victimRows,
        lost,
        created);

    assertThat(exit).isEqualTo(137);
    assertThat(open + waiting).as("open transactions with inserts, and calls waiting").isPositive();
    for (Child survivor : survivors) {
      assertThat(survivor.lines("FAILED ")).as(survivor.nodeId()).isEmpty();
    }
    assertThat(jobs).as("one job per key").isEqualTo(KEYS);
    assertThat(keysWithJobs).isEqualTo(KEYS);
    assertThat(keysWithTwoJobs).isZero();
    assertThat(lost).as("committed answers that do not name their key's job").isZero();
    assertThat(created).as("each job was created by one committed call").isEqualTo(KEYS);
    assertThat(keysCreatedOnce).isEqualTo(KEYS);
    assertThat(victimRows).isGreaterThanOrEqualTo(committedBefore).isLessThan(KEYS);
    assertThat(logRows).isEqualTo(2L * KEYS + victimRows);
  }
}
