package dev.jobqueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class JobFiltersTest {

  private static final Instant EARLY = Instant.parse("2024-01-01T00:00:00Z");
  private static final Instant LATE = Instant.parse("2024-06-01T00:00:00Z");

  @Test
  void defaultsToNewestHundredWithoutFilters() {
    JobFilters filters = JobFilters.builder().build();

    assertThat(filters.limit()).isEqualTo(100).isEqualTo(JobFilters.DEFAULT_LIMIT);
    assertThat(filters.offset()).isZero();
    assertThat(filters.status()).isEmpty();
    assertThat(filters.type()).isEmpty();
    assertThat(filters.priority()).isEmpty();
    assertThat(filters.createdAfter()).isEmpty();
    assertThat(filters.createdBefore()).isEmpty();
    assertThat(filters.payloadContains()).isEmpty();
  }

  @Test
  void allHasTheDefaults() {
    JobFilters all = JobFilters.all();

    assertThat(all.limit()).isEqualTo(100);
    assertThat(all.offset()).isZero();
    assertThat(all.status()).isEmpty();
    assertThat(all.type()).isEmpty();
  }

  @Test
  void keepsEveryFilterSet() {
    JobFilters filters =
        JobFilters.builder()
            .status(JobStatus.PENDING)
            .type("email-notification")
            .priority(JobPriority.HIGH)
            .createdAfter(EARLY)
            .createdBefore(LATE)
            .payloadContains(Map.of("userId", "user123"))
            .limit(50)
            .offset(10)
            .build();

    assertThat(filters.status()).contains(JobStatus.PENDING);
    assertThat(filters.type()).contains("email-notification");
    assertThat(filters.priority()).contains(JobPriority.HIGH);
    assertThat(filters.createdAfter()).contains(EARLY);
    assertThat(filters.createdBefore()).contains(LATE);
    assertThat(filters.payloadContains()).contains(Map.of("userId", "user123"));
    assertThat(filters.limit()).isEqualTo(50);
    assertThat(filters.offset()).isEqualTo(10);
  }

  @Test
  void copiesThePayloadFilterSoLaterChangesDoNotLeakIn() {
    Map<String, Object> contains = new HashMap<>();
    contains.put("userId", "user123");
    JobFilters filters = JobFilters.builder().payloadContains(contains).build();

    contains.put("injected", true);

    assertThat(filters.payloadContains().orElseThrow()).containsOnlyKeys("userId");
  }

  @ParameterizedTest
  @ValueSource(ints = {0, -1, 1001, Integer.MAX_VALUE, Integer.MIN_VALUE})
  void rejectsLimitOutOfRangeNamingTheValue(int limit) {
    JobFilters.Builder builder = JobFilters.builder();

    assertThatIllegalArgumentException()
        .isThrownBy(() -> builder.limit(limit))
        .withMessageContaining("limit")
        .withMessageContaining("(was " + limit + ")");
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 1000})
  void acceptsLimitAtTheBounds(int limit) {
    assertThat(JobFilters.builder().limit(limit).build().limit()).isEqualTo(limit);
  }

  @ParameterizedTest
  @ValueSource(ints = {-1, Integer.MIN_VALUE, JobFilters.MAX_OFFSET + 1, Integer.MAX_VALUE})
  void rejectsOffsetOutOfRangeNamingTheValue(int offset) {
    JobFilters.Builder builder = JobFilters.builder();

    assertThatIllegalArgumentException()
        .isThrownBy(() -> builder.offset(offset))
        .withMessageContaining("offset")
        .withMessageContaining("(was " + offset + ")");
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, JobFilters.MAX_OFFSET})
  void acceptsOffsetInRange(int offset) {
    assertThat(JobFilters.builder().offset(offset).build().offset()).isEqualTo(offset);
  }

  @Test
  void rejectsCreatedAfterLaterThanCreatedBeforeNamingBoth() {
    JobFilters.Builder builder = JobFilters.builder().createdAfter(LATE).createdBefore(EARLY);

    assertThatIllegalArgumentException()
        .isThrownBy(builder::build)
        .withMessageContaining("createdAfter")
        .withMessageContaining("createdBefore")
        .withMessageContaining(LATE.toString())
        .withMessageContaining(EARLY.toString());
  }

  @Test
  void rejectsInvertedRangeWhicheverOrderItWasSetIn() {
    JobFilters.Builder builder = JobFilters.builder().createdBefore(EARLY).createdAfter(LATE);

    assertThatIllegalArgumentException().isThrownBy(builder::build);
  }

  @Test
  void acceptsEqualCreatedAfterAndCreatedBefore() {
    JobFilters filters = JobFilters.builder().createdAfter(EARLY).createdBefore(EARLY).build();

    assertThat(filters.createdAfter()).contains(EARLY);
    assertThat(filters.createdBefore()).contains(EARLY);
  }

  @ParameterizedTest
  @MethodSource("malformedTypeNames")
  void rejectsMalformedTypeNameNamingTheValue(String type) {
    JobFilters.Builder builder = JobFilters.builder();

    assertThatIllegalArgumentException()
        .isThrownBy(() -> builder.type(type))
        .withMessageContaining("type")
        .withMessageContaining("'" + type + "'");
  }

  static Stream<String> malformedTypeNames() {
    return Stream.of(
        "x'; drop table jobs; --",
        "",
        "email\u0000",
        "\u0000",
        "a".repeat(129),
        " email",
        "email ",
        "-leading-dash",
        "emaíl",
        "a/b",
        "a\nb");
  }

  @Test
  void rejectsNullTypeName() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> JobFilters.builder().type(null))
        .withMessageContaining("null");
  }

  @ParameterizedTest
  @MethodSource("wellFormedTypeNames")
  void acceptsWellFormedTypeName(String type) {
    assertThat(JobFilters.builder().type(type).build().type()).contains(type);
  }

  static Stream<String> wellFormedTypeNames() {
    return Stream.of(
        "email-notification", "a", "Report.v2", "billing:invoice_sent", "a".repeat(128));
  }

  @Test
  void rejectedTypeLeavesEarlierTypeInPlace() {
    JobFilters.Builder builder = JobFilters.builder().type("email");

    assertThatIllegalArgumentException().isThrownBy(() -> builder.type("bad type"));

    assertThat(builder.build().type()).contains("email");
  }
}
