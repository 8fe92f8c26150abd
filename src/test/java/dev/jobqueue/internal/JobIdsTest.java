package dev.jobqueue.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;

class JobIdsTest {

  @Test
  void parsesOne() {
    assertThat(JobIds.parse("1")).hasValue(1L);
  }

  @Test
  void parsesLargestBigint() {
    assertThat(JobIds.parse("9223372036854775807")).hasValue(Long.MAX_VALUE);
  }

  @Test
  void rejectsLeadingZerosBecauseNoIdIsWrittenThatWay() {
    assertThat(JobIds.parse("0042")).isEmpty();
    assertThat(JobIds.parse("0")).isEmpty();
  }

  @ParameterizedTest
  @NullAndEmptySource
  @MethodSource("notIds")
  void rejectsAnythingButAPositiveDecimalBigint(String id) {
    assertThat(JobIds.parse(id)).isEmpty();
  }

  static Stream<String> notIds() {
    return Stream.of(
        "0",
        "00",
        "-1",
        "+1",
        " 1",
        "1 ",
        "1\n",
        "1.0",
        "abc",
        "1e3",
        "0x1",
        "\uFF19",
        "\u0661",
        "99999999999999999999",
        "9223372036854775808",
        "18446744073709551615",
        "' or 1=1 --",
        "1; drop table jobs",
        "1\u0000");
  }
}
