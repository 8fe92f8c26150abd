package dev.jobqueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobqueue.testing.TestDatabase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class EngineSmokeIT {
  record P(int n) {}

  @Test
  void runsJobs() {
    TestDatabase db = TestDatabase.get();
    String schema = db.newSchema("engine");
    AtomicInteger runs = new AtomicInteger();
    try (JobQueueManager m =
        JobQueueManager.builder()
            .config(JobQueueConfig.builder().schema(schema).maxWorkers(8).build())
            .dataSource(db.newPool("p", 20))
            .handler(
                JobHandler.of(
                    "t",
                    P.class,
                    (p, c) -> {
                      runs.incrementAndGet();
                      if (p.n() % 10 == 0) throw new IllegalStateException("boom");
                      return Map.of("n", p.n());
                    }))
            .build()) {
      m.initialize();
      List<CreateJobOptions> list = new ArrayList<>();
      for (int i = 1; i <= 2000; i++)
        list.add(CreateJobOptions.builder("t", new P(i)).maxRetries(0).build());
      long t0 = System.nanoTime();
      m.createJobs(list);
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  db.queryLong(
                          "select count(*) from "
                              + schema
                              + ".jobs where status in ('pending','running')")
                      == 0);
      System.out.println(
          "drained 2000 in ms "
              + (System.nanoTime() - t0) / 1_000_000
              + " workers "
              + m.workerPool().getWorkers().size());
      assertThat(
              db.queryLong("select count(*) from " + schema + ".jobs where status = 'completed'"))
          .isEqualTo(1800);
      assertThat(db.queryLong("select count(*) from " + schema + ".jobs where status = 'failed'"))
          .isEqualTo(200);
      long t1 = System.nanoTime();
      String id = m.createJob(CreateJobOptions.of("t", new P(1)));
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> m.getJob(id).orElseThrow().status() == JobStatus.COMPLETED);
      System.out.println("single pickup+complete ms " + (System.nanoTime() - t1) / 1_000_000);
      assertThat(runs.get()).isEqualTo(2001);
    }
  }
}
