package dev.jobqueue;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobqueue.testing.EnqueueProcess;
import dev.jobqueue.testing.JobQueueExtension;
import dev.jobqueue.testing.JobRows;
import dev.jobqueue.testing.TestDatabase;
import dev.jobqueue.testing.WorkerProcess.Child;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Unique keys across JVMs: 3 child JVMs × 8 threads call {@code createJob} with the same keys at
 * the same moment, round after round, against one database. Each round's threads are armed in every
 * JVM first and then released together, so every key is inserted by 24 callers at once. Each key
 * must end with exactly one job, and every caller must get that job's id.
 */
class UniqueJobsClusterIT {

  private static final int JVMS = 3;
  private static final int THREADS = 8;
  private static final int ROUNDS = 10;
  private static final int KEYS = 6;

  @RegisterExtension
  static final JobQueueExtension jobqueue = JobQueueExtension.perClass().migrated();

  private final TestDatabase db = TestDatabase.get();
  private final JobRows rows = jobqueue.rows();
  private final List<Child> children = new ArrayList<>();

  @AfterEach
  void killChildren() {
    children.forEach(Child::close);
  }

  @Test
  void threeJvmsOfEightThreadsCreateExactlyOneJobPerKey() throws Exception {
    for (int i = 0; i < JVMS; i++) {
      children.add(EnqueueProcess.launchRace(db, jobqueue.schema(), "race-" + i, THREADS));
    }
    for (Child child : children) {
      child.awaitReady(Duration.ofSeconds(90));
    }

    for (int round = 0; round < ROUNDS; round++) {
      for (Child child : children) {
        child.send("ROUND " + round + " " + KEYS);
      }
      EnqueueProcess.awaitLine(children, "ARMED " + round, Duration.ofSeconds(30));
      for (Child child : children) {
        child.send("GO " + round);
      }
      EnqueueProcess.awaitLine(children, "DONE " + round, Duration.ofSeconds(60));
    }

    Map<String, Set<String>> idsByKey = new HashMap<>();
    Map<String, Integer> callsByKey = new HashMap<>();
    for (Child child : children) {
      assertThat(child.lines("FAILED ")).as(child.nodeId()).isEmpty();
      for (String line : child.lines("IDS ")) {
        String[] words = line.split(" ");
        for (int w = 2; w < words.length; w++) {
          String[] keyAndId = words[w].split("=");
          idsByKey.computeIfAbsent(keyAndId[0], k -> new HashSet<>()).add(keyAndId[1]);
          callsByKey.merge(keyAndId[0], 1, Integer::sum);
        }
      }
    }
    assertThat(idsByKey).hasSize(ROUNDS * KEYS);
    assertThat(callsByKey.values()).as("calls per key").containsOnly(JVMS * THREADS);
    assertThat(idsByKey.values())
        .as("distinct ids per key")
        .allSatisfy(ids -> assertThat(ids).hasSize(1));

    assertThat(rows.count()).as("one job per key").isEqualTo(ROUNDS * KEYS);
    for (Map.Entry<String, Set<String>> key : idsByKey.entrySet()) {
      String id = key.getValue().iterator().next();
      assertThat(rows.holds(id, "payload->>'key' = '" + key.getKey() + "'"))
          .as("job %s is the one of key %s", id, key.getKey())
          .isTrue();
    }
    // Even rounds give the key, odd rounds derive it from the payload.
    assertThat(rows.count("unique_key like 'r0-k%'")).isEqualTo(KEYS);
    assertThat(rows.count("unique_key like '{\"key\":\"r1-k%'")).isEqualTo(KEYS);
    System.out.printf(
        "UniqueJobsClusterIT: %d JVMs x %d threads, %d rounds of %d keys: %d createJob calls,"
            + " %d jobs%n",
        JVMS, THREADS, ROUNDS, KEYS, JVMS * THREADS * ROUNDS * KEYS, rows.count());
  }
}
