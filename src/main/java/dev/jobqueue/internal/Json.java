package dev.jobqueue.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.jsontype.BasicPolymorphicTypeValidator;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.jobqueue.JobError;
import dev.jobqueue.JobHandlerRegistry;
import dev.jobqueue.JobQueueException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.LoggerFactory;

/**
 * The library's one Jackson configuration, shared by payloads, results and the error history.
 *
 * <p>Polymorphic typing by class name is refused outright: default typing is never enabled, and the
 * polymorphic type validator allows no class, so a {@code @class} field in a payload can never
 * instantiate anything. Unknown fields, nulls for primitives and trailing tokens are errors.
 */
public final class Json {

  /** The shared, thread-safe mapper. */
  public static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .addModule(new JavaTimeModule())
          .polymorphicTypeValidator(BasicPolymorphicTypeValidator.builder().build())
          .enable(MapperFeature.BLOCK_UNSAFE_POLYMORPHIC_BASE_TYPES)
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
          .build();

  private static final com.fasterxml.jackson.databind.ObjectReader LENIENT =
      MAPPER.reader().without(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};
  private static final TypeReference<List<StoredError>> ERRORS = new TypeReference<>() {};

  private Json() {}

  /**
   * Decodes a JSON object into maps and lists.
   *
   * @param json the JSON text of an object
   * @return the decoded map
   */
  public static Map<String, Object> readMap(String json) {
    try {
      return MAPPER.readValue(json, MAP);
    } catch (JsonProcessingException e) {
      throw new JobQueueException("stored JSON is not an object: " + e.getOriginalMessage(), e);
    }
  }

  /**
   * Converts stored JSON to a class.
   *
   * @param json the JSON text
   * @param type the class
   * @param what what is being read, for the error message
   * @param <T> the class
   * @return the value
   */
  public static <T> T read(String json, Class<T> type, String what) {
    try {
      return MAPPER.readValue(json, type);
    } catch (JsonProcessingException e) {
      throw new JobQueueException(
          "cannot convert " + what + " to " + type.getName() + ": " + e.getOriginalMessage(), e);
    }
  }

  /**
   * Converts a stored payload for a handler, ignoring fields the class no longer has, so payloads
   * written by an older version of a class still run after a field was removed.
   *
   * @param json the JSON text
   * @param type the class
   * @param <T> the class
   * @return the value
   * @throws IllegalArgumentException if the JSON does not convert
   */
  public static <T> T readLenient(String json, Class<T> type) {
    try {
      return LENIENT.forType(type).readValue(json);
    } catch (JsonProcessingException e) {
      // Jackson's own message quotes the offending value, which is payload content: it must not
      // reach logs or the stored error. Name the field and the expected type only.
      throw new IllegalArgumentException(describeWithoutValues(e), e);
    }
  }

  /**
   * Builds and caches what {@link #readLenient} needs for {@code type}, without reading anything:
   * the first conversion to a type otherwise builds its deserializer, which takes a fresh JVM a few
   * hundred milliseconds.
   *
   * @param type the target type
   */
  public static void prepareLenient(Class<?> type) {
    LENIENT.forType(type);
  }

  /**
   * Builds and caches what an enqueue of a {@code type} payload needs, without writing anything:
   * its serializer, and the deserializer that converts other objects to it. Built on the first
   * {@code createJob} instead, they held up a fresh node's first jobs by tens of milliseconds.
   *
   * @param type a handler's payload type
   */
  public static void prepareEnqueue(Class<?> type) {
    MAPPER.writerFor(type);
    MAPPER.readerFor(type);
  }

  /**
   * Runs {@code step} ({@link #prepareLenient} or {@link #prepareEnqueue}) for the payload type of
   * every handler in {@code registry}. A type that cannot be prepared is logged at DEBUG and left
   * to its first use, which reports its problem.
   *
   * @param registry the handlers
   * @param step what to build for each payload type
   */
  public static void prepareAll(JobHandlerRegistry registry, Consumer<Class<?>> step) {
    for (String type : registry.getRegisteredTypes()) {
      registry
          .find(type)
          .ifPresent(
              handler -> {
                try {
                  step.accept(handler.payloadType());
                } catch (RuntimeException e) {
                  LoggerFactory.getLogger(Json.class)
                      .debug("Could not prepare the payload type of {}: {}", type, e.toString());
                }
              });
    }
  }

  /**
   * Describes a conversion failure by field path and expected type, never by value.
   *
   * @param e the failure
   * @return for example {@code "field count: expected int"}
   */
  public static String describeWithoutValues(JsonProcessingException e) {
    if (e instanceof JsonMappingException mapping) {
      StringBuilder path = new StringBuilder();
      for (JsonMappingException.Reference ref : mapping.getPath()) {
        if (ref.getFieldName() != null) {
          path.append(path.length() == 0 ? "" : ".").append(ref.getFieldName());
        } else {
          path.append('[').append(ref.getIndex()).append(']');
        }
      }
      String where = path.length() == 0 ? "the payload" : "field " + path;
      if (mapping instanceof MismatchedInputException mismatch
          && mismatch.getTargetType() != null) {
        return where + ": expected " + mismatch.getTargetType().getSimpleName();
      }
      return where + ": " + mapping.getClass().getSimpleName();
    }
    return "malformed JSON";
  }

  /**
   * Decodes the stored error history.
   *
   * @param json the JSON array, or null
   * @return the entries, oldest first
   */
  public static List<JobError> readErrors(String json) {
    if (json == null || json.isEmpty() || json.equals("[]")) {
      return List.of();
    }
    try {
      return MAPPER.readValue(json, ERRORS).stream()
          .map(e -> new JobError(e.attempt(), e.at(), e.error() == null ? "" : e.error()))
          .toList();
    } catch (JsonProcessingException e) {
      throw new JobQueueException(
          "stored error history is malformed: " + e.getOriginalMessage(), e);
    }
  }

  /**
   * One entry of the {@code errors} column, as the engine writes it.
   *
   * @param attempt the attempt that failed
   * @param at when, by the database clock
   * @param error the message
   */
  record StoredError(int attempt, Instant at, String error) {}
}
