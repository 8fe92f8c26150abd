package dev.jobqueue.internal.notify;

import java.util.OptionalLong;

/**
 * The one place that names the notification channel and spells its messages. Every message is
 * small: never a payload, at most a job id. <strong>Not API.</strong>
 *
 * <ul>
 *   <li>{@value #NEW_JOBS} (empty): new jobs may be due, or a rescue gave jobs back.
 *   <li>{@code cancel:<id>}: a running job was cancelled; the node that runs it interrupts it.
 *   <li>{@code probe:<uuid>}: a listener's own test message, proving that notifications arrive.
 * </ul>
 */
public final class Notifications {

  /** The message that announces new (or given back) jobs. */
  public static final String NEW_JOBS = "";

  /** What a cancellation message starts with; the job id follows. */
  public static final String CANCEL_PREFIX = "cancel:";

  /** What a probe starts with; a random id follows. */
  static final String PROBE_PREFIX = "probe:";

  private Notifications() {}

  /**
   * The channel of a schema: {@code jobqueue_<schema>}, cut to PostgreSQL's 63-byte identifier
   * limit (schema names are ASCII, so bytes are characters).
   *
   * @param schema a checked schema name
   * @return the channel name
   */
  public static String channel(String schema) {
    String name = "jobqueue_" + schema;
    return name.length() > 63 ? name.substring(0, 63) : name;
  }

  /**
   * The job a cancellation message names.
   *
   * @param payload a message
   * @return the id, or empty when the message is not a cancellation
   */
  static OptionalLong cancelled(String payload) {
    if (payload == null || !payload.startsWith(CANCEL_PREFIX)) {
      return OptionalLong.empty();
    }
    try {
      return OptionalLong.of(Long.parseLong(payload.substring(CANCEL_PREFIX.length())));
    } catch (NumberFormatException e) {
      return OptionalLong.empty(); // Not ours.
    }
  }

  /** Whether a message is a probe (anyone's). */
  static boolean isProbe(String payload) {
    return payload != null && payload.startsWith(PROBE_PREFIX);
  }
}
