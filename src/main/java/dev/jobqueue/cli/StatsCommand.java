package dev.jobqueue.cli;

import dev.jobqueue.HealthCheckResult;
import dev.jobqueue.JobStatus;
import dev.jobqueue.QueueInfo;
import dev.jobqueue.admin.JobCount;
import dev.jobqueue.admin.JobQueueAdmin;
import dev.jobqueue.admin.NodeView;
import dev.jobqueue.admin.Overview;
import dev.jobqueue.admin.ThroughputPoint;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;

/** {@code stats}: counts by status, queue depth and lag, last hour's throughput, nodes. */
@Command(
    name = "stats",
    mixinStandardHelpOptions = true,
    description = {
      "Show job counts, queue depth and lag, the last hour's throughput, the nodes.",
      "Counts by status stop at 10000 (shown as 10000+)."
    })
final class StatsCommand extends CliCommand {
  private static final Duration WINDOW = Duration.ofHours(1);

  @Override
  int run() {
    try (Session session = session()) {
      JobQueueAdmin admin = session.admin();
      Map<JobStatus, JobCount> counts = admin.countByStatus(JobQueueAdmin.DEFAULT_COUNT_CAP);
      Overview overview = admin.overview(WINDOW);
      Map<String, Object> throughput = throughput(overview.throughput());
      Map<String, Object> result = new LinkedHashMap<>();
      Map<String, JobCount> byStatus = new LinkedHashMap<>();
      counts.forEach((status, count) -> byStatus.put(status.wireName(), count));
      result.put("jobs", byStatus);
      result.put("queues", queues(overview));
      result.put("lastHour", throughput);
      result.put("nodes", overview.nodes());
      result.put("leader", overview.leader().orElse(null));
      output().print(result, out -> print(out, byStatus, overview, throughput));
      return JobQueueCli.OK;
    }
  }

  private static List<Map<String, Object>> queues(Overview overview) {
    Map<String, HealthCheckResult.QueueHealth> health = overview.health().queues();
    return overview.queues().stream()
        .map(
            q -> {
              HealthCheckResult.QueueHealth h = health.get(q.name());
              Map<String, Object> v = new LinkedHashMap<>();
              v.put("name", q.name());
              v.put("paused", q.paused());
              v.put("pending", q.pending());
              v.put("running", q.running());
              v.put("duePending", h == null ? null : h.duePending());
              v.put("lagMillis", h == null ? null : h.lagMillis());
              return v;
            })
        .toList();
  }

  private static Map<String, Object> throughput(List<ThroughputPoint> points) {
    long processed = 0;
    long succeeded = 0;
    long failed = 0;
    long retried = 0;
    for (ThroughputPoint p : points) {
      processed += p.processed();
      succeeded += p.succeeded();
      failed += p.failed();
      retried += p.retried();
    }
    Map<String, Object> v = new LinkedHashMap<>();
    v.put("processed", processed);
    v.put("succeeded", succeeded);
    v.put("failed", failed);
    v.put("retried", retried);
    return v;
  }

  private static void print(
      PrintWriter out,
      Map<String, JobCount> byStatus,
      Overview overview,
      Map<String, Object> throughput) {
    out.println("Jobs by status");
    Table jobs = Table.of("STATUS", "COUNT");
    byStatus.forEach((status, count) -> jobs.row(status, count));
    jobs.print(out);

    out.println();
    out.println("Queues");
    Table queues = Table.of("NAME", "STATE", "PENDING", "DUE", "RUNNING", "LAG");
    Map<String, HealthCheckResult.QueueHealth> health = overview.health().queues();
    for (QueueInfo q : overview.queues()) {
      HealthCheckResult.QueueHealth h = health.get(q.name());
      queues.row(
          q.name(),
          q.paused() ? "paused" : "active",
          q.pending(),
          h == null ? null : h.duePending(),
          q.running(),
          h == null ? null : Duration.ofMillis(h.lagMillis()));
    }
    queues.print(out);

    out.println();
    out.println("Last hour");
    Table hour = Table.of("PROCESSED", "SUCCEEDED", "FAILED", "RETRIED");
    hour.row(
        throughput.get("processed"),
        throughput.get("succeeded"),
        throughput.get("failed"),
        throughput.get("retried"));
    hour.print(out);

    out.println();
    out.println("Nodes");
    if (overview.nodes().isEmpty()) {
      out.println("no nodes");
      return;
    }
    Table nodes = Table.of("NODE", "HOST", "STATE", "LEADER", "WORKERS", "ACTIVE", "HEARTBEAT");
    for (NodeView n : overview.nodes()) {
      nodes.row(
          n.nodeId(),
          n.host(),
          n.live() ? "live" : "gone",
          n.leader() ? "yes" : "",
          n.maxWorkers(),
          n.activeWorkers(),
          Duration.ofMillis(n.heartbeatAgeMillis()) + " ago");
    }
    nodes.print(out);
  }
}
