package dev.jobqueue.internal.notify;

import java.util.Optional;
import java.util.OptionalLong;

/**
 * The one place that names the notification channel and spells its messages. Every message is
 * small: never a payload, at most a job id. <strong>Not API.</strong>
 *
 * <ul>
 *   <li>{@value #NEW_JOBS} (empty): new jobs may be due in any queue, or a rescue gave jobs back.
 *   <li>{@code jobs:<queue>}: new jobs may be due in one queue.
 *   <li>{@code resume:<queue>}: a queue was resumed; the nodes serving it claim again.
 *   <li>{@code pause:<queue>}: a queue was paused (claims check the stored state themselves).
 *   <li>{@code cancel:<id>}: a running job was cancelled; the node that runs it interrupts it.
 *   <li>{@code probe:<uuid>}: a listener's own test message, proving that notifications arrive.
 * </ul>
 */
public final class Notifications {

  /** The message that announces new (or given back) jobs. */
  public static final String NEW_JOBS = "";

  /** What a cancellation message starts with; the job id follows. */
  public static final String CANCEL_PREFIX = "cancel:";

  /** What a message about new jobs in one queue starts with; the queue follows. */
  public static final String JOBS_PREFIX = "jobs:";

  /** What a resume message starts with; the queue follows. */
  static final String RESUME_PREFIX = "resume:";

  /** What a pause message starts with; the queue follows. */
  static final String PAUSE_PREFIX = "pause:";

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
   * The message announcing new jobs in one queue.
   *
   * @param queue a checked queue name
   * @return the message
   */
  public static String newJobs(String queue) {
    return JOBS_PREFIX + queue;
  }

  /**
   * The message announcing new jobs in these queues: {@link #newJobs(String)} when they are all in
   * one, otherwise {@link #NEW_JOBS}, for every queue.
   *
   * @param queues the queues of the new jobs, one per job
   * @return the message
   */
  public static String newJobs(String[] queues) {
    String queue = commonQueue(queues);
    return queue.isEmpty() ? NEW_JOBS : newJobs(queue);
  }

  /**
   * The one queue all these jobs are in.
   *
   * @param queues the queues of some jobs, one per job
   * @return the queue, or {@code ""} when they are in several (or none)
   */
  public static String commonQueue(String[] queues) {
    if (queues.length == 0) {
      return "";
    }
    for (String queue : queues) {
      if (!queue.equals(queues[0])) {
        return "";
      }
    }
    return queues[0];
  }

  /**
   * The message announcing that a queue was paused.
   *
   * @param queue a checked queue name
   * @return the message
   */
  public static String paused(String queue) {
    return PAUSE_PREFIX + queue;
  }

  /**
   * The message announcing that a queue was resumed.
   *
   * @param queue a checked queue name
   * @return the message
   */
  public static String resumed(String queue) {
    return RESUME_PREFIX + queue;
  }

  /**
   * The queue whose jobs a message announces: new jobs or a resume in one queue, or every queue for
   * {@link #NEW_JOBS}.
   *
   * @param payload a message
   * @return the queue name, {@code ""} for every queue, or empty when the message announces none
   */
  static Optional<String> announcedQueue(String payload) {
    if (payload == null || payload.equals(NEW_JOBS)) {
      return Optional.of("");
    }
    if (payload.startsWith(JOBS_PREFIX)) {
      return Optional.of(payload.substring(JOBS_PREFIX.length()));
    }
    if (payload.startsWith(RESUME_PREFIX)) {
      return Optional.of(payload.substring(RESUME_PREFIX.length()));
    }
    return Optional.empty();
  }

  /**
   * The queue a pause message names.
   *
   * @param payload a message
   * @return the queue name, or empty when the message is not a pause
   */
  static Optional<String> pausedQueue(String payload) {
    return payload != null && payload.startsWith(PAUSE_PREFIX)
        ? Optional.of(payload.substring(PAUSE_PREFIX.length()))
        : Optional.empty();
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
