package dev.jobqueue.internal.leader;

import static org.awaitility.Awaitility.await;

import dev.jobqueue.testing.OutageDataSource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.LockSupport;
import javax.sql.DataSource;

/** Nodes, leader-only tasks and clock arithmetic for {@link LeaderElectionIT}. */
final class LeaderTestSupport {

  private LeaderTestSupport() {}

  /** One elector, its data source and what its listener heard. */
  record Node(String id, OutageDataSource dataSource, LeaderElector elector, Counts counts) {
    boolean leads() {
      return elector.isLeader();
    }
  }

  /** A listener that counts. */
  static final class Counts implements LeaderElector.Listener {
    final AtomicInteger elected = new AtomicInteger();
    final AtomicInteger demoted = new AtomicInteger();

    @Override
    public void elected() {
      elected.incrementAndGet();
    }

    @Override
    public void demoted() {
      demoted.incrementAndGet();
    }
  }

  /** One contiguous run of a node's leader-only task, by System.nanoTime(). */
  record Interval(String node, long start, long end) {}

  /** Waits until the node's loop has run {@code more} further statements. */
  static void awaitAttempts(Node node, int more, Duration atMost) {
    long target = node.elector().attempts() + more;
    await()
        .atMost(atMost)
        .pollInterval(Duration.ofMillis(5))
        .until(() -> node.elector().attempts() >= target);
  }

  static long millisSince(long nanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
  }

  /**
   * The earliest instant, by this JVM's System.nanoTime(), at which the database clock can reach
   * {@code at}: from the sample of the database clock with the shortest round trip (the database
   * read its clock somewhere between the sample's send and its answer).
   */
  static long earliestLocalTimeOf(DataSource dataSource, Instant at) throws SQLException {
    long bestRoundTrip = Long.MAX_VALUE;
    long earliest = 0;
    try (Connection connection = dataSource.getConnection();
        Statement statement = connection.createStatement()) {
      for (int i = 0; i < 10; i++) {
        long before = System.nanoTime();
        Instant databaseNow;
        try (ResultSet rs = statement.executeQuery("select clock_timestamp()")) {
          rs.next();
          databaseNow = rs.getObject(1, OffsetDateTime.class).toInstant();
        }
        long after = System.nanoTime();
        if (after - before < bestRoundTrip) {
          bestRoundTrip = after - before;
          earliest = before + Duration.between(databaseNow, at).toNanos();
        }
      }
    }
    return earliest;
  }

  /**
   * Slots of electors, each watched by a leader-only task on a thread of its own. A slot's elector
   * can be replaced (a node that stopped and a fresh one in its place); the task follows.
   */
  static final class Slots {
    private final AtomicReferenceArray<Node> slot;
    private final List<Interval> intervals = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger steps = new AtomicInteger();
    private final List<Thread> tasks = new ArrayList<>();
    private volatile boolean done;

    Slots(List<Node> nodes) {
      slot = new AtomicReferenceArray<>(nodes.size());
      for (int i = 0; i < nodes.size(); i++) {
        slot.set(i, nodes.get(i));
        int index = i;
        Thread task = new Thread(() -> runTask(index), "leader-only-task-" + i);
        task.setDaemon(true);
        tasks.add(task);
      }
      tasks.forEach(Thread::start);
    }

    /**
     * The leader-only task: checks {@code isLeader()} before every step and records each run of
     * steps (from just before the first check that said yes to just after the last) as an interval.
     * A check that says no, or a new elector in the slot, ends the run.
     */
    private void runTask(int index) {
      String open = null;
      long start = 0;
      long end = 0;
      while (!done) {
        Node node = slot.get(index);
        long before = System.nanoTime();
        boolean leads = node.leads();
        long after = System.nanoTime();
        if (leads && node.id().equals(open)) {
          end = after;
        } else {
          if (open != null) {
            intervals.add(new Interval(open, start, end));
            open = null;
          }
          if (leads) {
            open = node.id();
            start = before;
            end = after;
          }
        }
        if (leads) {
          steps.incrementAndGet(); // the step itself: nothing but being counted
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
      }
      if (open != null) {
        intervals.add(new Interval(open, start, end));
      }
    }

    /** Waits until exactly one slot's elector leads, and returns it. */
    Node awaitSoleLeader() {
      Node[] found = new Node[1];
      await()
          .atMost(Duration.ofSeconds(10))
          .pollInterval(Duration.ofMillis(5))
          .until(
              () -> {
                List<Node> leading = new ArrayList<>();
                for (int i = 0; i < slot.length(); i++) {
                  if (slot.get(i).leads()) {
                    leading.add(slot.get(i));
                  }
                }
                // Overlaps are the task intervals' business; here only a settled state counts.
                found[0] = leading.size() == 1 ? leading.get(0) : null;
                return found[0] != null;
              });
      return found[0];
    }

    /** Whether an elector other than {@code old} leads. */
    boolean leaderOtherThan(Node old) {
      for (int i = 0; i < slot.length(); i++) {
        Node node = slot.get(i);
        if (node != old && node.leads()) {
          return true;
        }
      }
      return false;
    }

    /** Puts {@code fresh} in slot {@code index}. */
    void set(int index, Node fresh) {
      slot.set(index, fresh);
    }

    /** The index of the slot that holds {@code node}. */
    int indexOf(Node node) {
      for (int i = 0; i < slot.length(); i++) {
        if (slot.get(i) == node) {
          return i;
        }
      }
      throw new IllegalStateException(node.id() + " is in no slot");
    }

    /** How many leader-only steps ran. */
    int steps() {
      return steps.get();
    }

    /**
     * Ends the tasks.
     *
     * @return every run they recorded, by start
     */
    List<Interval> finish() throws InterruptedException {
      done = true;
      for (Thread task : tasks) {
        task.join(10_000);
        if (task.isAlive()) {
          throw new IllegalStateException(task.getName() + " did not end");
        }
      }
      List<Interval> sorted = new ArrayList<>(intervals);
      sorted.sort(Comparator.comparingLong(Interval::start));
      return sorted;
    }
  }

  /** Every pair of runs of different nodes that overlap, in {@code sorted}. */
  static List<String> overlaps(List<Interval> sorted) {
    List<String> overlaps = new ArrayList<>();
    for (int i = 0; i < sorted.size(); i++) {
      for (int j = i + 1; j < sorted.size(); j++) {
        Interval x = sorted.get(i);
        Interval y = sorted.get(j);
        if (!x.node().equals(y.node()) && y.start() - x.end() <= 0) {
          overlaps.add(x + " overlaps " + y);
        }
      }
    }
    return overlaps;
  }

  /** How often consecutive runs in {@code sorted} belong to different nodes. */
  static int handovers(List<Interval> sorted) {
    int handovers = 0;
    for (int i = 1; i < sorted.size(); i++) {
      if (!sorted.get(i).node().equals(sorted.get(i - 1).node())) {
        handovers++;
      }
    }
    return handovers;
  }

  /** The nodes that ran in {@code sorted}. */
  static Set<String> nodes(List<Interval> sorted) {
    Set<String> nodes = new LinkedHashSet<>();
    sorted.forEach(interval -> nodes.add(interval.node()));
    return nodes;
  }

  /** The shortest time between the end of one node's run and the start of another's. */
  static long smallestGapMicros(List<Interval> sorted) {
    long smallest = Long.MAX_VALUE;
    for (int i = 1; i < sorted.size(); i++) {
      if (!sorted.get(i).node().equals(sorted.get(i - 1).node())) {
        smallest = Math.min(smallest, (sorted.get(i).start() - sorted.get(i - 1).end()) / 1_000);
      }
    }
    return smallest;
  }
}
