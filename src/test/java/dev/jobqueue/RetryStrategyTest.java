package dev.jobqueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class RetryStrategyTest {

  private static final Duration BASE = Duration.ofSeconds(1);
  private static final Duration MAX = Duration.ofSeconds(30);

  @ParameterizedTest(name = "retry {0} waits {1} s")
  @CsvSource({"1, 1", "2, 2", "3, 4", "4, 8", "5, 16"})
  void exponentialDoublesFromTheBaseDelay(int retry, long seconds) {
    assertThat(RetryStrategy.EXPONENTIAL.delay(retry, BASE, MAX))
        .isEqualTo(Duration.ofSeconds(seconds));
  }

  @ParameterizedTest(name = "retry {0} waits {1} s")
  @CsvSource({"1, 1", "2, 2", "3, 3", "4, 4", "5, 5"})
  void linearGrowsByTheBaseDelay(int retry, long seconds) {
    assertThat(RetryStrategy.LINEAR.delay(retry, BASE, MAX)).isEqualTo(Duration.ofSeconds(seconds));
  }

  @ParameterizedTest(name = "retry {0}")
  @ValueSource(ints = {1, 2, 3, 4, 5})
  void fixedAlwaysWaitsTheBaseDelay(int retry) {
    assertThat(RetryStrategy.FIXED.delay(retry, BASE, MAX)).isEqualTo(BASE);
  }

  @Test
  void exponentialIsCappedAtTheMaxDelay() {
    assertThat(RetryStrategy.EXPONENTIAL.delay(6, BASE, MAX)).isEqualTo(MAX);
    assertThat(RetryStrategy.EXPONENTIAL.delay(10, BASE, MAX)).isEqualTo(MAX);
  }

  @Test
  void linearIsCappedAtTheMaxDelay() {
    assertThat(RetryStrategy.LINEAR.delay(30, BASE, MAX)).isEqualTo(MAX);
    assertThat(RetryStrategy.LINEAR.delay(31, BASE, MAX)).isEqualTo(MAX);
  }

  @Test
  void fixedIsCappedAtTheMaxDelay() {
    assertThat(RetryStrategy.FIXED.delay(1, Duration.ofSeconds(45), MAX)).isEqualTo(MAX);
  }

  @ParameterizedTest(name = "{0} retry {1}")
  @MethodSource("hugeRetries")
  void hugeRetryNumbersNeverOverflowAndReturnTheMax(RetryStrategy strategy, int retry) {
    Duration delay = strategy.delay(retry, BASE, MAX);

    assertThat(delay).isEqualTo(strategy == RetryStrategy.FIXED ? BASE : MAX);
  }

  static Stream<Arguments> hugeRetries() {
    return Stream.of(RetryStrategy.values())
        .flatMap(
            s ->
                Stream.of(63, 64, 65, 1000, Integer.MAX_VALUE - 1, Integer.MAX_VALUE)
                    .map(r -> Arguments.of(s, r)));
  }

  @ParameterizedTest
  @EnumSource(RetryStrategy.class)
  void hugeBaseAndMaxDelaysNeverOverflow(RetryStrategy strategy) {
    Duration hugeBase = Duration.ofDays(365L * 1000);
    Duration hugeMax = Duration.ofMillis(Long.MAX_VALUE);

    Duration delay = strategy.delay(Integer.MAX_VALUE, hugeBase, hugeMax);

    assertThat(delay).isPositive().isLessThanOrEqualTo(hugeMax);
  }

  @ParameterizedTest
  @EnumSource(RetryStrategy.class)
  void zeroBaseDelayGivesZero(RetryStrategy strategy) {
    assertThat(strategy.delay(1000, Duration.ZERO, MAX)).isZero();
  }

  @ParameterizedTest
  @EnumSource(RetryStrategy.class)
  void zeroMaxDelayGivesZero(RetryStrategy strategy) {
    assertThat(strategy.delay(3, BASE, Duration.ZERO)).isZero();
  }

  @ParameterizedTest
  @ValueSource(ints = {0, -1, Integer.MIN_VALUE})
  void rejectsRetryBelowOne(int retry) {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> RetryStrategy.EXPONENTIAL.delay(retry, BASE, MAX))
        .withMessageContaining("retry")
        .withMessageContaining(String.valueOf(retry));
  }

  @ParameterizedTest
  @EnumSource(RetryStrategy.class)
  void rejectsNegativeBaseDelay(RetryStrategy strategy) {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> strategy.delay(1, Duration.ofMillis(-1), MAX))
        .withMessageContaining("negative");
  }

  @ParameterizedTest
  @EnumSource(RetryStrategy.class)
  void rejectsNegativeMaxDelay(RetryStrategy strategy) {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> strategy.delay(1, BASE, Duration.ofMillis(-1)))
        .withMessageContaining("negative");
  }

  @Test
  void rejectsNullDelays() {
    assertThatThrownBy(() -> RetryStrategy.LINEAR.delay(1, null, MAX))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> RetryStrategy.LINEAR.delay(1, BASE, null))
        .isInstanceOf(NullPointerException.class);
  }

  @ParameterizedTest
  @CsvSource({
    "fixed, FIXED",
    "FIXED, FIXED",
    "Linear, LINEAR",
    "linear, LINEAR",
    "EXPONENTIAL, EXPONENTIAL",
    "eXpOnEnTiAl, EXPONENTIAL"
  })
  void parsesWireNameIgnoringCase(String value, RetryStrategy expected) {
    assertThat(RetryStrategy.fromWireName(value)).isEqualTo(expected);
  }

  @ParameterizedTest
  @NullAndEmptySource
  @ValueSource(strings = {"random", "expo", "exponential2", "fixed;drop", "   "})
  void rejectsUnknownWireNameNamingTheValue(String value) {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> RetryStrategy.fromWireName(value))
        .withMessageContaining("'" + value + "'");
  }

  @ParameterizedTest
  @EnumSource(RetryStrategy.class)
  void wireNameRoundTrips(RetryStrategy strategy) {
    assertThat(strategy.wireName()).isLowerCase();
    assertThat(RetryStrategy.fromWireName(strategy.wireName())).isEqualTo(strategy);
  }
}
