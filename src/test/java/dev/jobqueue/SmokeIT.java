package dev.jobqueue;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobqueue.testing.TestDatabase;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SmokeIT {
  record Email(String userId, String template) {}

  @Test
  void createsAndReadsAJob() {
    TestDatabase db = TestDatabase.get();
    String schema = db.newSchema("smoke");
    try (JobQueueManager m =
        db.managerBuilder(schema)
            .handler(JobHandler.of("email", Email.class, (p, c) -> null))
            .build()) {
      m.initialize();
      String id = m.createJob(CreateJobOptions.of("email", Map.of("userId", "u1", "template", "welcome")));
      Job job = m.getJob(id).orElseThrow();
      assertThat(job.status()).isEqualTo(JobStatus.PENDING);
      assertThat(job.payload()).containsEntry("userId", "u1");
      List<String> ids = m.createJobs(List.of(CreateJobOptions.of("email", new Email("a", "b")), CreateJobOptions.of("email", new Email("c", "d"))));
      assertThat(m.getJob(ids.get(1)).orElseThrow().payloadAs(Email.class)).isEqualTo(new Email("c", "d"));
      assertThat(m.getJobs(JobFilters.builder().payloadContains(Map.of("userId", "a")).build())).hasSize(1);
      assertThat(m.cancelJob(id)).isTrue();
      assertThat(m.cancelJob(id)).isFalse();
      assertThat(m.getJob("abc")).isEmpty();
    }
  }
}
