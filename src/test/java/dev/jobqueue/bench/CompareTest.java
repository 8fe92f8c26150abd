package dev.jobqueue.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The aggregation of compare-commits.sh: medians, ratios and which way each verdict goes. */
class CompareTest {

  @Test
  void medianIgnoresMissingRunsAndAveragesTheMiddlePair() {
    assertThat(Compare.median(List.of(3.0, 1.0, 2.0))).isEqualTo(2.0);
    assertThat(Compare.median(List.of(4.0, 1.0, 3.0, 2.0))).isEqualTo(2.5);
    assertThat(Compare.median(Arrays.asList(5.0, null, 1.0))).isEqualTo(3.0);
    assertThat(Compare.median(Arrays.asList((Double) null))).isNull();
  }

  @Test
  void ratioIsAfterOverBefore() {
    assertThat(Compare.ratio(200.0, 190.0)).isEqualTo(0.95);
    assertThat(Compare.ratio(null, 1.0)).isNull();
    assertThat(Compare.ratio(0.0, 1.0)).isNull();
  }

  @Test
  void throughputMustNotDropAndLatencyMustNotRise() {
    Compare.Direction throughput = Compare.direction("jobs/s");
    Compare.Direction latency = Compare.direction("ms");
    assertThat(throughput).isEqualTo(Compare.Direction.THROUGHPUT);
    assertThat(latency).isEqualTo(Compare.Direction.LATENCY);

    assertThat(Compare.within(throughput, 0.95)).isTrue();
    assertThat(Compare.within(throughput, 1.50)).isTrue();
    assertThat(Compare.within(throughput, 0.94)).isFalse();

    assertThat(Compare.within(latency, 1.05)).isTrue();
    assertThat(Compare.within(latency, 0.50)).isTrue();
    assertThat(Compare.within(latency, 1.06)).isFalse();

    assertThat(Compare.within(Compare.direction("count"), 2.0)).isNull();
  }

  @Test
  void onlyTheBoundedFiguresDecideTheOverallLine() throws Exception {
    ObjectMapper mapper = new ObjectMapper();
    JsonNode before = mapper.readTree(json(1_000, 2.0, 10.0));
    JsonNode after = mapper.readTree(json(1_000, 2.0, 20.0)); // only W3 max got worse
    List<Compare.Row> rows = Compare.rows(List.of(before), List.of(after));
    assertThat(rows)
        .extracting(Compare::verdict)
        .containsExactly("pass", "pass", "FAIL (not counted)");
    assertThat(Compare.allWithinBounds(rows)).isTrue();

    JsonNode slower = mapper.readTree(json(900, 2.2, 10.0));
    rows = Compare.rows(List.of(before), List.of(slower));
    assertThat(rows)
        .extracting(Compare::verdict)
        .containsExactly("FAIL", "FAIL", "pass (not counted)");
    assertThat(Compare.allWithinBounds(rows)).isFalse();
    assertThat(Compare.markdown(rows, "a", "b")).contains("all within bounds: no");

    rows = Compare.rows(List.of(before), Arrays.asList((JsonNode) null));
    assertThat(rows).extracting(Compare::verdict).contains("no data");
    assertThat(Compare.allWithinBounds(rows)).isFalse();
  }

  private static String json(double single, double p50, double max) {
    return """
        {"figures": [
          {"workload": "W1", "figure": "createJob, 1 per call, 20,000 calls", "unit": "jobs/s",
           "runs": [%s]},
          {"workload": "W3", "figure": "same manager, p50", "unit": "ms", "runs": [%s]},
          {"workload": "W3", "figure": "same manager, max", "unit": "ms", "runs": [%s]}
        ]}
        """
        .formatted(single, p50, max);
  }
}
