package dev.jobqueue.internal;

import dev.jobqueue.CreateJobOptions;
import dev.jobqueue.FieldError;
import dev.jobqueue.JobFilters;
import dev.jobqueue.JobHandler;
import dev.jobqueue.JobHandlerRegistry;
import dev.jobqueue.JobPolicy;
import dev.jobqueue.JobQueueConfig;
import dev.jobqueue.JobValidationException;
import dev.jobqueue.QueueOptions;
import dev.jobqueue.UniqueOptions;
import dev.jobqueue.ValidationErrors;
import dev.jobqueue.internal.store.JobQuery;
import dev.jobqueue.internal.store.NewJob;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Checks everything a caller hands to {@code createJob} and {@code getJobs} before any SQL runs, so
 * bad input fails with a message that names the field and value, and nothing is stored.
 */
public final class JobInputValidator {

  /** The earliest {@code scheduledAt} accepted. */
  static final Instant MIN_SCHEDULED_AT = Instant.parse("1970-01-01T00:00:00Z");

  /** The latest {@code scheduledAt} accepted. */
  static final Instant MAX_SCHEDULED_AT = Instant.parse("9999-12-31T23:59:59Z");

  /** Filter instants are clamped to this range, which holds every timestamp PostgreSQL stores. */
  private static final Instant MIN_FILTER_INSTANT = Instant.parse("0001-01-01T00:00:00Z");

  private static final Instant MAX_FILTER_INSTANT = Instant.parse("9999-12-31T23:59:59Z");

  private final JobQueueConfig config;
  private final JobHandlerRegistry registry;

  /**
   * Creates a validator.
   *
   * @param config defaults and limits
   * @param registry the known handlers
   */
  public JobInputValidator(JobQueueConfig config, JobHandlerRegistry registry) {
    this.config = config;
    this.registry = registry;
  }

  /**
   * Builds what the first enqueue of each registered type needs (see {@link Json#prepareEnqueue}).
   */
  public void prepare() {
    Json.prepareAll(registry, Json::prepareEnqueue);
  }

  /**
   * Validates jobs to create and turns them into rows.
   *
   * @param options the jobs
   * @param indexed whether field paths carry the job's index ({@code jobs[3].payload})
   * @return one row per job, in order
   * @throws JobValidationException listing every problem, if there is any
   */
  public List<NewJob> toNewJobs(List<CreateJobOptions> options, boolean indexed) {
    List<FieldError> errors = new ArrayList<>();
    List<NewJob> rows = new ArrayList<>(options.size());
    Instant now = null; // One time bucket for the whole batch, read only when a job needs one.
    Map<String, Integer> firstWithKey = null;
    for (int i = 0; i < options.size(); i++) {
      String prefix = indexed ? "jobs[" + i + "]." : "";
      CreateJobOptions option = options.get(i);
      if (option == null) {
        errors.add(
            FieldError.of(indexed ? "jobs[" + i + "]" : "options", "must not be null", null));
        rows.add(null); // Keeps rows aligned with the options; the batch is refused anyway.
        continue;
      }
      if (now == null && option.unique().flatMap(UniqueOptions::period).isPresent()) {
        now = WallClock.now();
      }
      NewJob row = toNewJob(option, prefix, now, errors);
      rows.add(row);
      if (row != null && row.unique() != null) {
        firstWithKey = firstWithKey == null ? new HashMap<>() : firstWithKey;
        Integer first = firstWithKey.putIfAbsent(row.type() + '\0' + row.unique().key(), i);
        if (first != null && !sameRules(rows.get(first).unique(), row.unique())) {
          errors.add(
              FieldError.of(
                  prefix + "unique",
                  "has the key of jobs["
                      + first
                      + "] but other unique options; jobs of one batch with one key are"
                      + " treated as one and must agree",
                  option.unique().get()));
        }
      }
    }
    if (!errors.isEmpty()) {
      throw new JobValidationException(errors);
    }
    return rows;
  }

  private static boolean sameRules(NewJob.Unique a, NewJob.Unique b) {
    return a.states().equals(b.states())
        && a.completedWithinMillis() == b.completedWithinMillis()
        && a.replace() == b.replace();
  }

  private NewJob toNewJob(
      CreateJobOptions options, String prefix, Instant now, List<FieldError> errors) {
    int before = errors.size();
    String type = options.type();
    Optional<JobHandler<?>> handler = Optional.empty();
    if (!JobHandlerRegistry.isValidTypeName(type)) {
      errors.add(
          FieldError.of(
              prefix + "type", "must match " + JobHandlerRegistry.TYPE_PATTERN.pattern(), type));
    } else {
      handler = registry.find(type);
      if (handler.isEmpty() && !config.allowUnknownTypes()) {
        errors.add(
            FieldError.of(
                prefix + "type",
                "has no registered handler (registered: "
                    + registry.getRegisteredTypes()
                    + "); enable allowUnknownTypes on nodes that only enqueue it",
                type));
      }
    }
    JobPolicy policy = registry.policy(type).orElse(JobPolicy.defaults());
    String queue = options.queue().or(policy::queue).orElse(JobQueueConfig.DEFAULT_QUEUE);
    if (!QueueOptions.NAME_PATTERN.matcher(queue).matches()) {
      errors.add(
          FieldError.of(
              prefix + "queue", "must match " + QueueOptions.NAME_PATTERN.pattern(), queue));
    }
    String concurrencyKey = options.concurrencyKey().orElse(null);
    if (concurrencyKey != null && !isValidKey(concurrencyKey)) {
      errors.add(
          FieldError.of(
              prefix + "concurrencyKey",
              "must be 1 to " + MAX_KEY_LENGTH + " characters, with no control characters",
              concurrencyKey));
    }
    int maxRetries =
        options.maxRetries().orElse(policy.maxRetries().orElse(config.defaultMaxRetries()));
    if (maxRetries < 0 || maxRetries > CreateJobOptions.MAX_RETRIES_LIMIT) {
      errors.add(
          FieldError.of(
              prefix + "maxRetries",
              "must be between 0 and " + CreateJobOptions.MAX_RETRIES_LIMIT,
              maxRetries));
    }
    int timeoutSeconds =
        options
            .timeoutSeconds()
            .orElse(policy.timeoutSeconds().orElse(config.defaultTimeoutSeconds()));
    if (timeoutSeconds < 1 || timeoutSeconds > CreateJobOptions.MAX_TIMEOUT_SECONDS) {
      errors.add(
          FieldError.of(
              prefix + "timeoutSeconds",
              "must be between 1 and " + CreateJobOptions.MAX_TIMEOUT_SECONDS,
              timeoutSeconds));
    }
    Instant scheduledAt = options.scheduledAt().orElse(null);
    if (scheduledAt != null
        && (scheduledAt.isBefore(MIN_SCHEDULED_AT) || scheduledAt.isAfter(MAX_SCHEDULED_AT))) {
      errors.add(
          FieldError.of(
              prefix + "scheduledAt",
              "must be between " + MIN_SCHEDULED_AT + " and " + MAX_SCHEDULED_AT,
              scheduledAt));
    }
    String payloadJson = encodePayload(options.payload(), handler, prefix + "payload", errors);
    NewJob.Unique unique =
        options.unique().isEmpty()
            ? null
            : UniqueKeys.resolve(options.unique().get(), payloadJson, now, prefix, errors);
    if (errors.size() > before) {
      return null;
    }
    return new NewJob(
        type,
        options.priority().rank(),
        payloadJson,
        maxRetries,
        timeoutSeconds,
        scheduledAt,
        queue,
        concurrencyKey,
        unique);
  }

  /**
   * Reads a handler's policy, as the registry does once when the handler is registered; a handler
   * whose {@code policy()} throws or returns null is refused.
   *
   * @param handler the handler
   * @return its policy
   * @throws IllegalArgumentException naming the handler, if it has none
   */
  public static JobPolicy policyOf(JobHandler<?> handler) {
    JobPolicy policy;
    try {
      policy = handler.policy();
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "the policy() of handler " + handler.type() + " threw " + e, e);
    }
    if (policy == null) {
      throw new IllegalArgumentException("the policy() of handler " + handler.type() + " is null");
    }
    return policy;
  }

  /** The longest concurrency or unique key. */
  public static final int MAX_KEY_LENGTH = 255;

  /**
   * Whether a concurrency or unique key may be stored: 1 to {@value #MAX_KEY_LENGTH} characters,
   * none of them a control character.
   *
   * @param key the key
   * @return true if it may
   */
  public static boolean isValidKey(String key) {
    if (key.isEmpty() || key.length() > MAX_KEY_LENGTH) {
      return false;
    }
    for (int i = 0; i < key.length(); i++) {
      if (Character.isISOControl(key.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  private String encodePayload(
      Object payload, Optional<JobHandler<?>> handler, String path, List<FieldError> errors) {
    if (handler.isEmpty()) {
      return PayloadCodec.encodeObject(payload, config.maxPayloadBytes(), path, errors);
    }
    return encodeTyped(payload, handler.get(), path, errors);
  }

  private <P> String encodeTyped(
      Object payload, JobHandler<P> handler, String path, List<FieldError> errors) {
    P typed = PayloadCodec.convert(payload, handler.payloadType(), path, errors);
    if (typed == null) {
      return null;
    }
    ValidationErrors found = new ValidationErrors(path);
    try {
      handler.validate(typed, found);
    } catch (RuntimeException e) {
      found.reject(
          "", "validation threw " + e.getClass().getSimpleName() + ": " + e.getMessage(), null);
    }
    if (!found.isEmpty()) {
      errors.addAll(found.toList());
      return null;
    }
    // Store the converted payload, so the stored JSON is exactly what the handler will read.
    return PayloadCodec.encodeObject(typed, config.maxPayloadBytes(), path, errors);
  }

  /**
   * Turns filters into a query, encoding the payload filter like a payload.
   *
   * @param filters the caller's filters
   * @return the query
   * @throws IllegalArgumentException if the payload filter cannot be stored as JSON
   */
  public JobQuery toQuery(JobFilters filters) {
    String payloadJson = null;
    if (filters.payloadContains().isPresent()) {
      List<FieldError> errors = new ArrayList<>();
      payloadJson =
          PayloadCodec.encodeObject(
              filters.payloadContains().get(), config.maxPayloadBytes(), "payloadContains", errors);
      if (!errors.isEmpty()) {
        throw new IllegalArgumentException(
            "invalid payload filter: "
                + errors.stream().map(FieldError::toString).collect(Collectors.joining("; ")));
      }
    }
    return new JobQuery(
        filters.status().map(s -> s.wireName()).orElse(null),
        filters.type().orElse(null),
        filters.priority().map(p -> p.rank()).orElse(null),
        filters.createdAfter().map(JobInputValidator::clampFilterInstant).orElse(null),
        filters.createdBefore().map(JobInputValidator::clampFilterInstant).orElse(null),
        payloadJson,
        filters.limit(),
        filters.offset());
  }

  private static Instant clampFilterInstant(Instant instant) {
    if (instant.isBefore(MIN_FILTER_INSTANT)) {
      return MIN_FILTER_INSTANT;
    }
    return instant.isAfter(MAX_FILTER_INSTANT) ? MAX_FILTER_INSTANT : instant;
  }
}
