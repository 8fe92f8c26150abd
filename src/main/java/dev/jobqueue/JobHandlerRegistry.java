package dev.jobqueue;

import dev.jobqueue.internal.JobInputValidator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.regex.Pattern;

/**
 * The handlers a node knows, by job type.
 *
 * <p>{@code createJob} refuses types that are not registered (unless {@link
 * JobQueueConfig#allowUnknownTypes()} is set), and a node only claims jobs whose type it has a
 * handler for. Thread-safe; handlers may be registered at any time.
 *
 * <p>Each handler's {@link JobHandler#policy()} is read once, when it is registered, and that
 * policy applies to its jobs from then on.
 */
public final class JobHandlerRegistry {

  /** What a job type name must look like. */
  public static final Pattern TYPE_PATTERN = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,127}");

  /** A registered handler and the policy read from it at registration. */
  private record Registration(JobHandler<?> handler, JobPolicy policy) {}

  private final ConcurrentMap<String, Registration> handlers = new ConcurrentHashMap<>();

  /** Creates an empty registry. */
  public JobHandlerRegistry() {}

  /**
   * Adds a handler.
   *
   * @param handler the handler; its type must be new to this registry
   * @return this registry
   * @throws IllegalArgumentException if the type name is malformed, the payload class is missing,
   *     its {@link JobHandler#policy()} throws or returns null, or a handler for the type is
   *     already registered
   */
  public JobHandlerRegistry register(JobHandler<?> handler) {
    Objects.requireNonNull(handler, "handler");
    String type = handler.type();
    checkTypeName(type);
    if (handler.payloadType() == null) {
      throw new IllegalArgumentException("handler for type '" + type + "' has no payloadType");
    }
    JobPolicy policy = JobInputValidator.policyOf(handler);
    Registration existing = handlers.putIfAbsent(type, new Registration(handler, policy));
    if (existing != null) {
      throw new IllegalArgumentException(
          "a handler for job type '" + type + "' is already registered: " + existing.handler());
    }
    return this;
  }

  /**
   * The handler for a type.
   *
   * @param type the job type
   * @return the handler, or empty when none is registered
   */
  public Optional<JobHandler<?>> find(String type) {
    return registration(type).map(Registration::handler);
  }

  /**
   * The policy of the handler for a type, as its {@link JobHandler#policy()} returned it when it
   * was registered.
   *
   * @param type the job type
   * @return the policy, or empty when no handler is registered for the type
   */
  public Optional<JobPolicy> policy(String type) {
    return registration(type).map(Registration::policy);
  }

  private Optional<Registration> registration(String type) {
    return type == null ? Optional.empty() : Optional.ofNullable(handlers.get(type));
  }

  /**
   * The registered types, sorted.
   *
   * @return an unmodifiable list
   */
  public List<String> getRegisteredTypes() {
    return handlers.keySet().stream().sorted().toList();
  }

  /**
   * Whether a string is a well-formed job type name.
   *
   * @param type the candidate
   * @return true when it matches {@link #TYPE_PATTERN}
   */
  public static boolean isValidTypeName(String type) {
    return type != null && TYPE_PATTERN.matcher(type).matches();
  }

  static void checkTypeName(String type) {
    if (!isValidTypeName(type)) {
      throw new IllegalArgumentException(
          "job type must match "
              + TYPE_PATTERN.pattern()
              + " (was "
              + (type == null ? "null" : "'" + type + "'")
              + ")");
    }
  }
}
