package dev.jobqueue.internal.leader;

import static dev.jobqueue.internal.leader.LeaderTestSupport.awaitAttempts;
import static dev.jobqueue.internal.leader.LeaderTestSupport.earliestLocalTimeOf;
import static dev.jobqueue.internal.leader.LeaderTestSupport.millisSince;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import dev.jobqueue.internal.leader.LeaderTestSupport.Counts;
import dev.jobqueue.internal.leader.LeaderTestSupport.Interval;
import dev.jobqueue.internal.leader.LeaderTestSupport.Node;
import dev.jobqueue.internal.leader.LeaderTestSupport.Slots;
import dev.jobqueue.internal.lifecycle.Deadline;
import dev.jobqueue.internal.store.LeaderStore;
import dev.jobqueue.internal.store.SchemaMigrator;
import dev.jobqueue.testing.JobQueueExtension;
import dev.jobqueue.testing.LeaderProcess;
import dev.jobqueue.testing.OutageDataSource;
import dev.jobqueue.testing.OutageDataSource.Mode;
import dev.jobqueue.testing.TestDatabase;
import dev.jobqueue.testing.WorkerProcess;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Leader election against PostgreSQL: electors in this JVM (each on a data source that can be made
 * to fail or hang) and one in a child JVM that is killed with SIGKILL. Every wait is on a condition
 * with a bound; the bounds name the rule they check (the timing rules are in {@link LeaderLease}).
 */
class LeaderElectionIT {

  /** Room for thread scheduling and one statement on a loaded 2-core machine. */
  private static final Duration ALLOWANCE = Duration.ofSeconds(1);

  @RegisterExtension static final JobQueueExtension jobqueue = JobQueueExtension.perTest();

  private final TestDatabase db = TestDatabase.get();
  private final String schema = jobqueue.schema();
  private HikariDataSource pool;
  private LeaderStore observer;
  private final List<Node> nodes = Collections.synchronizedList(new ArrayList<>());
  private WorkerProcess.Child child;

  /** The migration alone (no manager, so no node or leader rows), and the nodes' pool. */
  @BeforeEach
  void setUp() {
    SchemaMigrator.migrate(db.dataSource(), schema);
    pool = jobqueue.newPool("leader-it", 8);
    observer = new LeaderStore(db.dataSource(), schema);
  }

  @AfterEach
  void tearDown() {
    if (child != null) {
      child.close();
    }
    synchronized (nodes) {
      for (Node node : nodes) {
        node.dataSource().set(Mode.UP);
        node.elector().stop(Deadline.inMillis(5_000));
      }
    }
  }

  private Node node(String id, Duration ttl) {
    OutageDataSource dataSource = new OutageDataSource(pool);
    Counts counts = new Counts();
    Node node =
        new Node(
            id,
            dataSource,
            new LeaderElector(new LeaderStore(dataSource, schema), id, ttl, counts),
            counts);
    nodes.add(node);
    return node;
  }

  private Node started(String id, Duration ttl) {
    Node node = node(id, ttl);
    node.elector().start();
    return node;
  }

  private LeaderStore.Holder holder() {
    return observer.current(LeaderElector.DEFAULT_NAME).orElseThrow();
  }

  // ---------------------------------------------------------------------------------------------

  @Test
  void oneNodeLeadsAndRenews() {
    Duration ttl = Duration.ofMillis(1_500);
    long t0 = System.nanoTime();
    Node a = started("node-a", ttl);
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5)).until(a::leads);
    System.out.printf("LeaderElectionIT: node-a leads %d ms after start%n", millisSince(t0));
    LeaderStore.Holder first = holder();
    assertThat(first.nodeId()).isEqualTo("node-a");
    assertThat(first.expired()).isFalse();
    assertThat(a.elector().leaderNodeId()).contains("node-a");
    assertThat(a.elector().electedAt()).contains(first.electedAt());

    // Three TTLs: the lease holds all along (checked every 10 ms), renewed every third of the TTL.
    long attempts = a.elector().attempts();
    await()
        .during(ttl.multipliedBy(3))
        .atMost(ttl.multipliedBy(3).plus(ALLOWANCE))
        .pollInterval(Duration.ofMillis(10))
        .until(a::leads);
    LeaderStore.Holder later = holder();
    assertThat(later.nodeId()).isEqualTo("node-a");
    assertThat(later.electedAt()).as("one term across renewals").isEqualTo(first.electedAt());
    assertThat(Duration.between(first.renewedAt(), later.renewedAt()))
        .isGreaterThanOrEqualTo(ttl.multipliedBy(2));
    assertThat(later.expiresAt()).isAfter(later.renewedAt());
    assertThat(a.elector().attempts() - attempts).as("renewals in three TTLs").isBetween(6L, 14L);
    assertThat(a.counts().elected).hasValue(1);
    assertThat(a.counts().demoted).hasValue(0);

    a.elector().stop(Deadline.inMillis(5_000));
    assertThat(a.leads()).isFalse();
    assertThat(a.counts().demoted).hasValue(1);
    assertThat(observer.current(LeaderElector.DEFAULT_NAME)).as("resigned").isEmpty();
    assertThat(a.elector().leaderNodeId()).isEmpty();
    a.elector().start(); // A stopped elector does not start again.
    assertThat(a.leads()).isFalse();
  }

  @Test
  void gracefulStopHandsOverAtOnce() {
    Duration ttl = Duration.ofSeconds(6); // renewals every 2 s, follower attempts every 1 s
    LeaderLease rules = new LeaderLease(ttl);
    Node a = started("node-a", ttl);
    await().atMost(Duration.ofSeconds(10)).until(a::leads);
    Node b = started("node-b", ttl);
    awaitAttempts(b, 1, Duration.ofSeconds(10));
    assertThat(b.leads()).isFalse();

    // Stop the leader right after a renewal: its lease would run for almost the whole TTL.
    awaitAttempts(a, 1, Duration.ofSeconds(10));
    LeaderStore.Holder before = holder();
    assertThat(before.nodeId()).isEqualTo("node-a");
    a.elector().stop(Deadline.inMillis(5_000));
    long stopped = System.nanoTime();
    assertThat(a.leads()).isFalse();

    // The follower takes over at its next attempt (within 1 s), not after the expiry (about 6 s).
    Duration bound = Duration.ofMillis(rules.followerIntervalMillis()).plus(ALLOWANCE);
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5)).until(b::leads);
    long handover = millisSince(stopped);
    LeaderStore.Holder after = holder();
    long beforeExpiry = Duration.between(after.electedAt(), before.expiresAt()).toMillis();
    System.out.printf(
        "LeaderElectionIT: graceful handover %d ms after stop returned (bound %d ms), %d ms"
            + " before the resigned lease would have expired (TTL %d ms)%n",
        handover, bound.toMillis(), beforeExpiry, ttl.toMillis());
    assertThat(after.nodeId()).isEqualTo("node-b");
    assertThat(handover).isLessThan(bound.toMillis());
    // Waiting for the expiry would have taken nearly the whole TTL after the stop.
    assertThat(beforeExpiry).isGreaterThan(ttl.toMillis() / 2);
    assertThat(b.counts().elected).hasValue(1);
    assertThat(a.counts().demoted).hasValue(1);
  }

  @Test
  void killedLeaderIsReplacedWithinTtlPlusOneRenewal() throws Exception {
    Duration ttl = Duration.ofSeconds(2);
    LeaderLease rules = new LeaderLease(ttl);
    String childId = "child-" + System.nanoTime() % 100_000;
    child = LeaderProcess.launch(db, schema, childId, ttl);
    child.awaitReady(Duration.ofSeconds(60));
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(10))
        .until(() -> !child.lines("LEADER ").isEmpty());
    Node parent = started("parent", ttl);
    awaitAttempts(parent, 1, Duration.ofSeconds(10));
    assertThat(parent.leads()).isFalse();
    assertThat(holder().nodeId()).isEqualTo(childId);

    long killed = System.nanoTime();
    assertThat(child.kill9()).isEqualTo(137); // SIGKILL: no shutdown hook, no resignation
    LeaderStore.Holder last = holder(); // the dead leader's last renewal stays behind
    assertThat(last.nodeId()).isEqualTo(childId);

    Duration bound = Duration.ofMillis(rules.takeoverBoundMillis()).plus(ALLOWANCE);
    await().atMost(bound.plusSeconds(5)).pollInterval(Duration.ofMillis(5)).until(parent::leads);
    long local = millisSince(killed);
    LeaderStore.Holder taken = holder();
    long sinceRenewal = Duration.between(last.renewedAt(), taken.electedAt()).toMillis();
    long afterExpiry = Duration.between(last.expiresAt(), taken.electedAt()).toMillis();
    System.out.printf(
        "LeaderElectionIT: killed leader replaced %d ms after its last renewal (database clock;"
            + " %d ms after its lease expired), %d ms after the kill (local); bound ttl + follower interval"
            + " + allowance = %d ms%n",
        sinceRenewal, afterExpiry, local, bound.toMillis());
    assertThat(taken.nodeId()).isEqualTo("parent");
    assertThat(taken.electedAt()).as("not before the lease expired").isAfter(last.expiresAt());
    assertThat(sinceRenewal).isLessThanOrEqualTo(bound.toMillis());
    assertThat(local).isLessThanOrEqualTo(bound.toMillis());
    assertThat(parent.counts().elected).hasValue(1);
  }

  @Test
  void twoNodesNeverBothRunALeaderOnlyTask() throws Exception {
    Duration ttl = Duration.ofMillis(600);
    List<Node> initial = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      initial.add(started("slot" + i + "-gen0", ttl));
    }
    Slots slots = new Slots(initial);

    // Churn: each round ends the current leader's leadership in one of three ways, in turn, and
    // waits until another node leads.
    Mode[] ways = {null, Mode.DOWN, Mode.HUNG}; // null: a graceful stop and a fresh node
    int rounds = 9;
    List<String> leaders = new ArrayList<>();
    long t0 = System.nanoTime();
    for (int round = 0; round < rounds; round++) {
      Node leader = slots.awaitSoleLeader();
      leaders.add(leader.id());
      Mode way = ways[round % ways.length];
      if (way == null) {
        leader.elector().stop(Deadline.inMillis(5_000));
        int index = slots.indexOf(leader);
        slots.set(index, started("slot" + index + "-gen" + (round + 1), ttl));
      } else {
        leader.dataSource().set(way);
      }
      await()
          .atMost(Duration.ofSeconds(10))
          .pollInterval(Duration.ofMillis(5))
          .until(() -> slots.leaderOtherThan(leader));
      leader.dataSource().set(Mode.UP);
    }
    leaders.add(slots.awaitSoleLeader().id());
    long churnMillis = millisSince(t0);
    List<Interval> runs = slots.finish();

    List<String> overlaps = LeaderTestSupport.overlaps(runs);
    int handovers = LeaderTestSupport.handovers(runs);
    Set<String> ran = LeaderTestSupport.nodes(runs);
    System.out.printf(
        "LeaderElectionIT: %d rounds of churn in %d ms; leaders %s; %d task runs, %d handovers"
            + " between %d nodes, %d leader-only steps; smallest gap between two nodes' runs"
            + " %d us%n",
        rounds,
        churnMillis,
        leaders,
        runs.size(),
        handovers,
        ran.size(),
        slots.steps(),
        LeaderTestSupport.smallestGapMicros(runs));
    assertThat(overlaps).as("leader-only task runs of different nodes that overlap").isEmpty();
    // Each round handed leadership to another node; the tasks saw most of it (a task thread that
    // is descheduled through a whole short term may miss one), so the check is not vacuous.
    assertThat(leaders).hasSize(rounds + 1);
    for (int i = 1; i < leaders.size(); i++) {
      assertThat(leaders.get(i)).isNotEqualTo(leaders.get(i - 1));
    }
    assertThat(handovers).as("handovers the tasks saw").isGreaterThanOrEqualTo(rounds - 3);
    assertThat(ran.size()).isGreaterThanOrEqualTo(3);
  }

  @Test
  void pausedLeaderStopsLeadingByItsOwnClock() throws Exception {
    Duration ttl = Duration.ofSeconds(2); // margin 200 ms, interval 666 ms
    LeaderLease rules = new LeaderLease(ttl);
    Node a = started("node-a", ttl);
    await().atMost(Duration.ofSeconds(10)).until(a::leads);
    Node b = started("node-b", ttl);
    awaitAttempts(b, 1, Duration.ofSeconds(10));

    // The leader's next renewal hangs: its loop is stuck, as in a paused JVM.
    a.dataSource().set(Mode.HUNG);
    await()
        .atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(5))
        .until(() -> a.dataSource().hanging() == 1);
    LeaderStore.Holder held = holder();
    assertThat(held.nodeId()).isEqualTo("node-a");
    long databaseExpiry = earliestLocalTimeOf(db.dataSource(), held.expiresAt());
    long localEnd = a.elector().localLeaseEnd().orElseThrow();

    long deadline = System.nanoTime() + ttl.plus(ALLOWANCE).toNanos();
    while (a.leads()) {
      assertThat(System.nanoTime() - deadline).as("still the leader").isNegative();
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
    }
    long observed = System.nanoTime();
    Optional<String> direct = directCheck(observed, rules);
    System.out.printf(
        "LeaderElectionIT: paused leader stopped leading %d ms before its lease expired in the"
            + " database (local lease end %d ms before; margin %d ms)%s%n",
        TimeUnit.NANOSECONDS.toMillis(databaseExpiry - observed),
        TimeUnit.NANOSECONDS.toMillis(databaseExpiry - localEnd),
        rules.marginMillis(),
        direct.map(s -> "; " + s).orElse(""));
    assertThat(localEnd - databaseExpiry).as("local end before the database's").isNegative();
    assertThat(observed - databaseExpiry).as("seen to end before the database's").isNegative();
    // isLeader() needed no loop: the stuck loop has not told the listener yet.
    assertThat(a.counts().demoted).hasValue(0);

    // The other node takes over only after the lease expired by the database clock.
    await()
        .atMost(Duration.ofMillis(rules.takeoverBoundMillis()).plus(ALLOWANCE).plusSeconds(3))
        .pollInterval(Duration.ofMillis(5))
        .until(b::leads);
    LeaderStore.Holder taken = holder();
    assertThat(taken.nodeId()).isEqualTo("node-b");
    assertThat(taken.electedAt()).isAfter(held.expiresAt());
    assertThat(a.leads()).isFalse();

    // The pause ends: the hung call fails, the loop notices the lost lease once, and follows.
    a.dataSource().set(Mode.UP);
    await()
        .atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(5))
        .until(() -> a.counts().demoted.get() == 1);
    awaitAttempts(a, 2, Duration.ofSeconds(10));
    assertThat(a.leads()).isFalse();
    assertThat(b.leads()).isTrue();
    assertThat(a.counts().elected).hasValue(1);
    assertThat(a.counts().demoted).hasValue(1);
    assertThat(b.counts().elected).hasValue(1);
    assertThat(b.counts().demoted).hasValue(0);
  }

  @Test
  void aClockJumpEndsTheTermAtOnceAndTheNextRenewalStartsAnother() {
    Duration ttl = Duration.ofSeconds(1);
    AtomicLong jump = new AtomicLong();
    Counts counts = new Counts();
    OutageDataSource dataSource = new OutageDataSource(pool);
    Node a =
        new Node(
            "node-a",
            dataSource,
            new LeaderElector(
                new LeaderStore(dataSource, schema),
                "node-a",
                ttl,
                counts,
                () -> System.nanoTime() + jump.get()),
            counts);
    nodes.add(a);
    a.elector().start();
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5)).until(a::leads);
    Instant term = a.elector().electedAt().orElseThrow();

    // As after a pause longer than the lease (a stop-the-world GC, SIGSTOP): the local lease is
    // over the moment the node's clock has moved on, whatever its loop is doing.
    jump.set(ttl.toNanos());
    assertThat(a.leads()).isFalse();
    assertThat(a.elector().electedAt()).isEmpty();

    // The next attempt ends the term (demoted once) and, the row being still its own in the
    // database, starts a new local term of the same database term.
    await()
        .atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(5))
        .until(() -> counts.elected.get() == 2);
    assertThat(counts.demoted).hasValue(1);
    assertThat(a.leads()).isTrue();
    assertThat(a.elector().electedAt()).contains(term);
    assertThat(holder().electedAt()).isEqualTo(term);
  }

  /**
   * Right after the leader was seen to stop leading: is its row still live in the database? Only
   * asserted when the query started well within the margin (a stalled test thread proves nothing).
   */
  private Optional<String> directCheck(long observed, LeaderLease rules) {
    long queried = System.nanoTime();
    LeaderStore.Holder row = holder();
    long lateMillis = TimeUnit.NANOSECONDS.toMillis(queried - observed);
    if (lateMillis < rules.marginMillis() / 2) {
      assertThat(row.nodeId()).isEqualTo("node-a");
      assertThat(row.expired()).as("the database lease, %d ms later", lateMillis).isFalse();
      return Optional.of("the database still had it live " + lateMillis + " ms later");
    }
    return Optional.of("direct check skipped: queried " + lateMillis + " ms late");
  }
}
