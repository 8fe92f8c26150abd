package dev.jobqueue.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import dev.jobqueue.FieldError;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PayloadCodecTest {

  private static final int CAP = 1024 * 1024;
  private static final String PATH = "payload";

  /** A typical handler payload. */
  public record Email(String to, int count) {}

  /** A payload with an untyped slot, where default typing would be dangerous. */
  public record Envelope(String to, Object extra, Map<String, Object> data) {}

  /** A payload whose JSON carries an {@code @class} property as plain data. */
  public record Labelled(@JsonProperty("@class") String label, int count) {}

  /** Counts every attempt to create it; nothing in a payload may ever do so. */
  public static final class Gadget {
    static {
      GADGET_CLASS_INITS.incrementAndGet();
    }

    public Gadget() {
      GADGET_INSTANCES.incrementAndGet();
    }

    public void setCommand(String command) {
      GADGET_INSTANCES.incrementAndGet();
    }
  }

  private static final AtomicInteger GADGET_CLASS_INITS = new AtomicInteger();
  private static final AtomicInteger GADGET_INSTANCES = new AtomicInteger();

  private final List<FieldError> errors = new ArrayList<>();

  @BeforeEach
  void resetGadgetCounters() {
    GADGET_INSTANCES.set(0);
  }

  @Nested
  class Convert {

    @Test
    void returnsARecordPayloadAsIs() {
      Email email = new Email("a@example.com", 3);

      Email converted = PayloadCodec.convert(email, Email.class, PATH, errors);

      assertThat(converted).isSameAs(email);
      assertThat(errors).isEmpty();
    }

    @Test
    void convertsAMapToARecord() {
      Map<String, Object> payload = Map.of("to", "a@example.com", "count", 3);

      Email converted = PayloadCodec.convert(payload, Email.class, PATH, errors);

      assertThat(errors).isEmpty();
      assertThat(converted).isEqualTo(new Email("a@example.com", 3));
    }

    @Test
    void reportsAnUnknownFieldUnderThePayloadPath() {
      Map<String, Object> payload = Map.of("to", "a@example.com", "count", 3, "bogus", true);

      Email converted = PayloadCodec.convert(payload, Email.class, PATH, errors);

      assertThat(converted).isNull();
      assertThat(errors).singleElement().extracting(FieldError::field).isEqualTo("payload.bogus");
      assertThat(errors.get(0).message()).contains("Email");
    }

    @Test
    void reportsAWrongTypeNamingTheField() {
      Map<String, Object> payload = Map.of("to", "a@example.com", "count", "three");

      Email converted = PayloadCodec.convert(payload, Email.class, PATH, errors);

      assertThat(converted).isNull();
      assertThat(errors).singleElement().extracting(FieldError::field).isEqualTo("payload.count");
      assertThat(errors.get(0).rejectedValue()).isEqualTo("three");
    }

    @Test
    void reportsAWrongTypeUnderACustomPath() {
      Map<String, Object> payload = Map.of("to", List.of("x"), "count", 1);

      PayloadCodec.convert(payload, Email.class, "jobs[3].payload", errors);

      assertThat(errors)
          .singleElement()
          .extracting(FieldError::field)
          .isEqualTo("jobs[3].payload.to");
    }

    @Test
    void refusesAListPayload() {
      Email converted = PayloadCodec.convert(List.of("a", 1), Email.class, PATH, errors);

      assertThat(converted).isNull();
      assertThat(errors).singleElement().extracting(FieldError::field).isEqualTo(PATH);
    }

    @Test
    void refusesAStringPayload() {
      Email converted = PayloadCodec.convert("a@example.com", Email.class, PATH, errors);

      assertThat(converted).isNull();
      assertThat(errors).singleElement().extracting(FieldError::field).isEqualTo(PATH);
    }

    @Test
    void refusesANullForAPrimitiveField() {
      Map<String, Object> payload = new HashMap<>();
      payload.put("to", "a@example.com");
      payload.put("count", null);

      assertThat(PayloadCodec.convert(payload, Email.class, PATH, errors)).isNull();
      assertThat(errors).singleElement().extracting(FieldError::field).isEqualTo("payload.count");
    }

    @Test
    void refusesATenThousandLevelMapWithoutOverflowingTheStack() {
      Map<String, Object> payload = nestedMaps(10_000);

      assertThatCode(() -> PayloadCodec.convert(payload, Email.class, PATH, errors))
          .doesNotThrowAnyException();
      assertThat(errors).isNotEmpty();
      assertThat(errors).allSatisfy(e -> assertThat(e.field()).startsWith(PATH));
    }
  }

  @Nested
  class PolymorphicTyping {

    @ParameterizedTest
    @ValueSource(
        strings = {
          "java.lang.ProcessBuilder",
          "java.lang.Runtime",
          "javax.script.ScriptEngineManager",
          "org.springframework.context.support.ClassPathXmlApplicationContext",
          "com.sun.rowset.JdbcRowSetImpl"
        })
    void refusesAClassPropertyAsAnUnknownField(String gadget) {
      Map<String, Object> payload = new LinkedHashMap<>();
      payload.put("@class", gadget);
      payload.put("to", "a@example.com");
      payload.put("count", 1);

      Email converted = PayloadCodec.convert(payload, Email.class, PATH, errors);

      assertThat(converted).isNull();
      assertThat(errors).singleElement().extracting(FieldError::field).isEqualTo("payload.@class");
    }

    @Test
    void neverInstantiatesTheClassNamedByAClassProperty() {
      Map<String, Object> payload = new LinkedHashMap<>();
      payload.put("@class", Gadget.class.getName());
      payload.put("command", "touch /tmp/pwned");

      PayloadCodec.convert(payload, Email.class, PATH, errors);

      assertThat(errors).isNotEmpty();
      assertThat(GADGET_INSTANCES).hasValue(0);
      assertThat(GADGET_CLASS_INITS).hasValue(0);
    }

    @Test
    void keepsAClassPropertyInAnUntypedSlotAsPlainData() {
      Map<String, Object> gadget = new LinkedHashMap<>();
      gadget.put("@class", Gadget.class.getName());
      gadget.put("command", "touch /tmp/pwned");
      Map<String, Object> payload = new LinkedHashMap<>();
      payload.put("to", "a@example.com");
      payload.put("extra", gadget);
      payload.put("data", gadget);

      Envelope converted = PayloadCodec.convert(payload, Envelope.class, PATH, errors);

      assertThat(errors).isEmpty();
      assertThat(converted.extra()).isInstanceOf(Map.class).isEqualTo(gadget);
      assertThat(converted.data()).containsEntry("@class", Gadget.class.getName());
      assertThat(GADGET_INSTANCES).hasValue(0);
      assertThat(GADGET_CLASS_INITS).hasValue(0);
    }

    @Test
    void keepsAWrapperArrayInAnUntypedSlotAsPlainData() {
      Map<String, Object> payload = new LinkedHashMap<>();
      payload.put("to", "a@example.com");
      payload.put("extra", List.of(Gadget.class.getName(), Map.of("command", "id")));

      Envelope converted = PayloadCodec.convert(payload, Envelope.class, PATH, errors);

      assertThat(errors).isEmpty();
      assertThat(converted.extra())
          .isEqualTo(List.of(Gadget.class.getName(), Map.of("command", "id")));
      assertThat(GADGET_INSTANCES).hasValue(0);
      assertThat(GADGET_CLASS_INITS).hasValue(0);
    }

    @Test
    void convertingIntoMapKeepsAClassPropertyAsAPlainKey() {
      Labelled payload = new Labelled(Gadget.class.getName(), 1);

      @SuppressWarnings("unchecked")
      Map<String, Object> converted = PayloadCodec.convert(payload, Map.class, PATH, errors);

      assertThat(errors).isEmpty();
      assertThat(converted)
          .containsEntry("@class", Gadget.class.getName())
          .containsEntry("count", 1);
      assertThat(GADGET_INSTANCES).hasValue(0);
      assertThat(GADGET_CLASS_INITS).hasValue(0);
    }

    @Test
    void convertingAMapIntoMapKeepsAClassPropertyAsAPlainKey() {
      Map<String, Object> payload = new LinkedHashMap<>();
      payload.put("@class", "java.lang.ProcessBuilder");
      payload.put("command", List.of("id"));

      @SuppressWarnings("unchecked")
      Map<String, Object> converted = PayloadCodec.convert(payload, Map.class, PATH, errors);

      assertThat(errors).isEmpty();
      assertThat(converted).containsEntry("@class", "java.lang.ProcessBuilder");
    }

    @Test
    void encodesAClassPropertyAsPlainData() {
      Map<String, Object> payload = Map.of("@class", Gadget.class.getName());

      String json = PayloadCodec.encodeObject(payload, CAP, PATH, errors);

      assertThat(errors).isEmpty();
      assertThat(Json.readMap(json)).containsEntry("@class", Gadget.class.getName());
      assertThat(GADGET_INSTANCES).hasValue(0);
      assertThat(GADGET_CLASS_INITS).hasValue(0);
    }
  }

  @Nested
  class EncodeObject {

    @Test
    void encodesARecord() throws Exception {
      String json = PayloadCodec.encodeObject(new Email("a@example.com", 3), CAP, PATH, errors);

      assertThat(errors).isEmpty();
      JsonNode tree = Json.MAPPER.readTree(json);
      assertThat(tree.get("to").textValue()).isEqualTo("a@example.com");
      assertThat(tree.get("count").intValue()).isEqualTo(3);
      assertThat(tree.size()).isEqualTo(2);
    }

    @Test
    void encodesAMap() {
      Map<String, Object> payload = Map.of("userId", "user123", "tags", List.of("a", "b"));

      String json = PayloadCodec.encodeObject(payload, CAP, PATH, errors);

      assertThat(errors).isEmpty();
      assertThat(Json.readMap(json)).isEqualTo(payload);
    }

    @Test
    void refusesAList() {
      assertThat(PayloadCodec.encodeObject(List.of(1, 2), CAP, PATH, errors)).isNull();
      assertThat(errors)
          .singleElement()
          .satisfies(
              e -> {
                assertThat(e.field()).isEqualTo(PATH);
                assertThat(e.message()).contains("JSON object").contains("array");
              });
    }

    @Test
    void refusesAString() {
      assertThat(PayloadCodec.encodeObject("hello", CAP, PATH, errors)).isNull();
      assertThat(errors)
          .singleElement()
          .satisfies(
              e -> {
                assertThat(e.field()).isEqualTo(PATH);
                assertThat(e.message()).contains("JSON object").contains("string");
              });
    }

    @Test
    void refusesANumber() {
      assertThat(PayloadCodec.encodeObject(42, CAP, PATH, errors)).isNull();
      assertThat(errors).singleElement().extracting(FieldError::field).isEqualTo(PATH);
    }

    @Test
    void refusesNulCharacterInAValueNamingThePath() {
      Map<String, Object> payload = Map.of("note", "a\u0000b");

      assertThat(PayloadCodec.encodeObject(payload, CAP, PATH, errors)).isNull();
      assertThat(errors)
          .singleElement()
          .satisfies(
              e -> {
                assertThat(e.field()).isEqualTo("payload.note");
                assertThat(e.message()).contains("U+0000");
              });
    }

    @Test
    void refusesNulCharacterDeepInsideNamingTheFullPath() {
      Map<String, Object> payload = Map.of("outer", Map.of("inner", List.of("ok", "x\u0000")));

      assertThat(PayloadCodec.encodeObject(payload, CAP, PATH, errors)).isNull();
      assertThat(errors)
          .singleElement()
          .extracting(FieldError::field)
          .isEqualTo("payload.outer.inner[1]");
    }

    @Test
    void refusesNulCharacterInAKeyNamingThePath() {
      Map<String, Object> payload = Map.of("bad\u0000key", 1);

      assertThat(PayloadCodec.encodeObject(payload, CAP, PATH, errors)).isNull();
      assertThat(errors)
          .singleElement()
          .satisfies(
              e -> {
                assertThat(e.field()).startsWith("payload.bad\u0000key").contains("field name");
                assertThat(e.message()).contains("U+0000");
              });
    }

    @Test
    void refusesNulCharacterInARecordField() {
      assertThat(PayloadCodec.encodeObject(new Email("\u0000", 1), CAP, PATH, errors)).isNull();
      assertThat(errors).singleElement().extracting(FieldError::field).isEqualTo("payload.to");
    }

    @ParameterizedTest
    @ValueSource(strings = {"\uD800", "a\uD83D", "\uDC00b", "\uDE00\uD83D", "x\uD83Dy"})
    void refusesAnUnpairedSurrogateInAValue(String value) {
      Map<String, Object> payload = Map.of("text", value);

      assertThat(PayloadCodec.encodeObject(payload, CAP, PATH, errors)).isNull();
      assertThat(errors)
          .singleElement()
          .satisfies(
              e -> {
                assertThat(e.field()).isEqualTo("payload.text");
                assertThat(e.message()).contains("surrogate");
              });
    }

    @Test
    void refusesAnUnpairedSurrogateInAKey() {
      Map<String, Object> payload = Map.of("k\uD800", 1);

      assertThat(PayloadCodec.encodeObject(payload, CAP, PATH, errors)).isNull();
      assertThat(errors)
          .singleElement()
          .satisfies(
              e -> {
                assertThat(e.field()).startsWith("payload.k\uD800").contains("field name");
                assertThat(e.message()).contains("surrogate");
              });
    }

    @Test
    void acceptsPairedSurrogates() {
      Map<String, Object> payload = Map.of("emoji\uD83D\uDE00", "smile \uD83D\uDE00");

      String json = PayloadCodec.encodeObject(payload, CAP, PATH, errors);

      assertThat(errors).isEmpty();
      assertThat(Json.readMap(json)).isEqualTo(payload);
    }

    @Test
    void acceptsNestingAtTheMaximumDepth() {
      String json =
          PayloadCodec.encodeObject(nestedMaps(PayloadCodec.MAX_DEPTH), CAP, PATH, errors);

      assertThat(errors).isEmpty();
      assertThat(json).isNotNull();
    }

    @Test
    void refusesMapNestingDeeperThanTheMaximum() {
      assertThat(
              PayloadCodec.encodeObject(nestedMaps(PayloadCodec.MAX_DEPTH + 1), CAP, PATH, errors))
          .isNull();
      assertThat(errors)
          .singleElement()
          .satisfies(
              e -> {
                assertThat(e.field()).isEqualTo(PATH);
                assertThat(e.message()).contains("deeper than " + PayloadCodec.MAX_DEPTH);
              });
    }

    @Test
    void refusesListNestingDeeperThanTheMaximum() {
      Map<String, Object> payload = Map.of("list", nestedLists(PayloadCodec.MAX_DEPTH));

      assertThat(PayloadCodec.encodeObject(payload, CAP, PATH, errors)).isNull();
      assertThat(errors).singleElement().extracting(FieldError::field).isEqualTo(PATH);
    }

    @Test
    void refusesATenThousandLevelMapWithoutOverflowingTheStack() {
      Map<String, Object> payload = nestedMaps(10_000);

      assertThatCode(
              () -> assertThat(PayloadCodec.encodeObject(payload, CAP, PATH, errors)).isNull())
          .doesNotThrowAnyException();
      assertThat(errors).singleElement().extracting(FieldError::field).isEqualTo(PATH);
    }

    @Test
    void refusesATenThousandLevelListWithoutOverflowingTheStack() {
      Map<String, Object> payload = Map.of("list", nestedLists(10_000));

      assertThatCode(
              () -> assertThat(PayloadCodec.encodeObject(payload, CAP, PATH, errors)).isNull())
          .doesNotThrowAnyException();
      assertThat(errors).singleElement().extracting(FieldError::field).isEqualTo(PATH);
    }

    @Test
    void refusesASelfReferencingMapWithoutOverflowingTheStack() {
      Map<String, Object> payload = new HashMap<>();
      payload.put("self", payload);

      assertThatCode(
              () -> assertThat(PayloadCodec.encodeObject(payload, CAP, PATH, errors)).isNull())
          .doesNotThrowAnyException();
      assertThat(errors).isNotEmpty();
    }

    @Test
    void refusesAPayloadOverTheSizeCapNamingTheBytes() {
      Map<String, Object> payload = Map.of("blob", "x".repeat(200));

      assertThat(PayloadCodec.encodeObject(payload, 100, PATH, errors)).isNull();
      assertThat(errors)
          .singleElement()
          .satisfies(
              e -> {
                assertThat(e.field()).isEqualTo(PATH);
                assertThat(e.message()).contains("211 bytes").contains("limit of 100 bytes");
              });
    }

    @Test
    void countsTheCapInUtf8BytesNotCharacters() {
      // 100 two-byte characters: 100 chars, 200 bytes, plus {"s":""} = 208 bytes.
      Map<String, Object> payload = Map.of("s", "\u00e9".repeat(100));

      assertThat(PayloadCodec.encodeObject(payload, 150, PATH, errors)).isNull();
      assertThat(errors)
          .singleElement()
          .satisfies(e -> assertThat(e.message()).contains("208 bytes"));
    }

    @Test
    void acceptsAPayloadExactlyAtTheSizeCap() {
      Map<String, Object> payload = Map.of("blob", "x".repeat(200));

      String json = PayloadCodec.encodeObject(payload, 211, PATH, errors);

      assertThat(errors).isEmpty();
      assertThat(json).hasSize(211);
    }

    // PostgreSQL's jsonb refuses these with "value overflows numeric format" (found by the
    // reliability suite's hostile filters): the library must refuse them first, naming the field.
    @ParameterizedTest
    @ValueSource(strings = {"1e131072", "-9.99e463777543", "1e-16384", "1.5e-16383"})
    void refusesANumberPostgresqlCannotStoreNamingThePath(String number) {
      Map<String, Object> payload = Map.of("n", List.of(new java.math.BigDecimal(number)));

      assertThat(PayloadCodec.encodeObject(payload, CAP, PATH, errors)).isNull();
      assertThat(errors)
          .singleElement()
          .satisfies(
              e -> {
                assertThat(e.field()).isEqualTo("payload.n[0]");
                assertThat(e.message()).contains("PostgreSQL cannot store");
              });
    }

    // Raw JSON is written without being parsed: the reliability suite smuggled a \u0000 escape
    // past the checks this way, and PostgreSQL refused it instead of the library.
    @ParameterizedTest
    @ValueSource(strings = {"\"\\u0000\"", "[[[[[[]]]]]]", "}{", "{\"a\": 1}"})
    void refusesRawJsonNamingThePath(String raw) {
      Map<String, Object> payload =
          Map.of("r", List.of(new com.fasterxml.jackson.databind.util.RawValue(raw)));

      assertThat(PayloadCodec.encodeObject(payload, CAP, PATH, errors)).isNull();
      assertThat(errors)
          .singleElement()
          .satisfies(
              e -> {
                assertThat(e.field()).isEqualTo("payload.r[0]");
                assertThat(e.message()).contains("raw JSON");
              });
    }

    /** A record with a {@code @JsonRawValue} field, the annotation form of the same hole. */
    public record WithRaw(@com.fasterxml.jackson.annotation.JsonRawValue String json) {}

    @Test
    void refusesAJsonRawValueField() {
      assertThat(PayloadCodec.encodeObject(new WithRaw("\"\\u0000\""), CAP, PATH, errors)).isNull();
      assertThat(errors).singleElement().extracting(FieldError::field).isEqualTo("payload.json");
    }

    @Test
    void refusesAnIntegerWithTooManyDigits() {
      Map<String, Object> payload =
          Map.of("n", java.math.BigInteger.TEN.pow(PayloadCodec.MAX_INTEGER_DIGITS));

      assertThat(PayloadCodec.encodeObject(payload, CAP, PATH, errors)).isNull();
      assertThat(errors).singleElement().extracting(FieldError::field).isEqualTo("payload.n");
    }

    @ParameterizedTest
    @ValueSource(
        strings = {"1e131071", "1e-16383", "12345678901234567890e-16383", "0e99999999", "0e-99999"})
    void acceptsNumbersAtPostgresqlsNumericLimits(String number) {
      Map<String, Object> payload = Map.of("n", new java.math.BigDecimal(number));

      String json = PayloadCodec.encodeObject(payload, CAP, PATH, errors);

      assertThat(errors).isEmpty();
      // A zero is written without its exponent (Jackson strips its trailing zeros).
      assertThat(json).isNotNull().doesNotContain("E-99999");
    }
  }

  private static Map<String, Object> nestedMaps(int depth) {
    Map<String, Object> innermost = new HashMap<>();
    Map<String, Object> current = innermost;
    for (int level = 1; level < depth; level++) {
      Map<String, Object> outer = new HashMap<>();
      outer.put("n", current);
      current = outer;
    }
    return current;
  }

  private static List<Object> nestedLists(int depth) {
    List<Object> current = new ArrayList<>();
    for (int level = 1; level < depth; level++) {
      List<Object> outer = new ArrayList<>();
      outer.add(current);
      current = outer;
    }
    return current;
  }
}
