package dev.jobqueue.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import dev.jobqueue.FieldError;
import dev.jobqueue.UniqueOptions;
import dev.jobqueue.internal.store.NewJob;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Key derivation: canonical JSON, time buckets, hashing, and the checks of the options. */
class UniqueKeysTest {

  private static final Instant NOW = Instant.parse("2026-03-01T13:47:12.345Z");

  private static String canonical(String json) throws Exception {
    return UniqueKeys.canonical(
        Json.MAPPER
            .reader()
            .with(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .readTree(json));
  }

  private static NewJob.Unique resolve(UniqueOptions options, String payload, List<FieldError> e) {
    return UniqueKeys.resolve(options, payload, NOW, "", e);
  }

  @Test
  void canonicalJsonSortsKeysAtEveryLevelAndDropsWhiteSpace() throws Exception {
    assertThat(canonical("{ \"b\": [ {\"z\":1, \"a\":2} ], \"a\" : true, \"c\": null }"))
        .isEqualTo("{\"a\":true,\"b\":[{\"a\":2,\"z\":1}],\"c\":null}");
  }

  @Test
  void canonicalNumbersHaveNoExponentOrTrailingZeros() throws Exception {
    assertThat(canonical("[1, 1.0, 1.50, 1e2, -0.0, 12345678901234567890123, 2.5e-3]"))
        .isEqualTo("[1,1,1.5,100,0,12345678901234567890123,0.0025]");
  }

  @Test
  void canonicalStringsEscapeQuotesBackslashesAndControlCharacters() throws Exception {
    assertThat(canonical("[\"a\\\"b\\\\c\\n\\u0085é\"]"))
        .isEqualTo("[\"a\\\"b\\\\c\\u000a\\u0085é\"]");
  }

  @Test
  void aBucketIsItsStartAndThePeriod() {
    assertThat(UniqueKeys.bucket(NOW, Duration.ofDays(1))).isEqualTo("2026-03-01T00:00:00Z/P1D");
    assertThat(UniqueKeys.bucket(NOW, Duration.ofHours(1))).isEqualTo("2026-03-01T13:00:00Z/PT1H");
    assertThat(UniqueKeys.bucket(NOW, Duration.ofMinutes(15)))
        .isEqualTo("2026-03-01T13:45:00Z/PT15M");
    assertThat(UniqueKeys.bucket(NOW, Duration.ofMillis(100)))
        .isEqualTo("2026-03-01T13:47:12.300Z/PT0.1S");
    assertThat(UniqueKeys.bucket(Instant.parse("1969-12-31T23:59:59Z"), Duration.ofDays(1)))
        .isEqualTo("1969-12-31T00:00:00Z/P1D");
  }

  @Test
  void aKeyLongerThan255CharactersIsHashed() {
    String max = "k".repeat(255);
    assertThat(UniqueKeys.fit(max)).isSameAs(max);
    // The SHA-256 of 256 times "k" in UTF-8, as sha256sum prints it.
    assertThat(UniqueKeys.fit(max + "k"))
        .isEqualTo("sha256:ce16fe78208a4e93f7158e62393680e025b2ad584f4e875ce903a654bb74cf93")
        .isNotEqualTo(UniqueKeys.fit("k".repeat(257)));
  }

  @Test
  void aGivenKeyIsStoredAsIsAndAPeriodAppendsTheBucket() {
    List<FieldError> errors = new ArrayList<>();
    assertThat(resolve(UniqueOptions.byKey("acct-1"), "{}", errors).key()).isEqualTo("acct-1");
    NewJob.Unique daily =
        resolve(
            UniqueOptions.byKey("acct-1")
                .period(Duration.ofDays(1))
                .countingCompletedWithin(Duration.ofHours(2))
                .countingCancelled()
                .replacingPending(),
            "{}",
            errors);
    assertThat(daily)
        .isEqualTo(
            new NewJob.Unique(
                "acct-1@2026-03-01T00:00:00Z/P1D",
                List.of("pending", "running", "completed", "cancelled"),
                7_200_000,
                true));
    assertThat(errors).isEmpty();
  }

  @Test
  void aDerivedKeyIsTheCanonicalJsonOfTheNamedFields() {
    List<FieldError> errors = new ArrayList<>();
    String payload = "{\"b\":{\"y\":2,\"x\":1},\"a\":\"v\",\"c\":3}";
    assertThat(resolve(UniqueOptions.byPayload("b", "a", "b"), payload, errors).key())
        .isEqualTo("{\"a\":\"v\",\"b\":{\"x\":1,\"y\":2}}");
    assertThat(resolve(UniqueOptions.byPayload(), payload, errors).key())
        .isEqualTo("{\"a\":\"v\",\"b\":{\"x\":1,\"y\":2},\"c\":3}");
    assertThat(errors).isEmpty();
  }

  @Test
  void everyProblemIsReportedWithItsField() {
    List<FieldError> errors = new ArrayList<>();
    assertThat(
            resolve(
                UniqueOptions.byPayload("a", "missing", "")
                    .period(Duration.ofNanos(1))
                    .countingCompletedWithin(Duration.ZERO),
                "{\"a\":1}",
                errors))
        .isNull();
    assertThat(errors)
        .extracting(FieldError::field, FieldError::rejectedValue)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("unique.period", "PT0.000000001S"),
            org.assertj.core.groups.Tuple.tuple("unique.completedWithin", "PT0S"),
            org.assertj.core.groups.Tuple.tuple("unique.fields", ""));
    errors.clear();
    assertThat(resolve(UniqueOptions.byPayload("a", "missing"), "{\"a\":1}", errors)).isNull();
    assertThat(errors)
        .extracting(FieldError::field, FieldError::rejectedValue)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("unique.fields", "missing"));
  }
}
