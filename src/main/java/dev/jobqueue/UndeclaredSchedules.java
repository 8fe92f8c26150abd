package dev.jobqueue;

/**
 * What {@link JobQueueManager#initialize()} does with a stored schedule that an earlier build of
 * the application declared but this one does not; see {@link
 * JobQueueManager.Builder#schedules(java.util.Collection)}. Schedules added at run time, through
 * {@link JobQueueManager#addSchedule(Schedule)}, are never touched.
 */
public enum UndeclaredSchedules {
  /** Delete it; its jobs already enqueued stay. The default. */
  REMOVE,
  /**
   * Keep it, paused, for an operator to look at or delete. Declaring it again resumes it, unless an
   * operator paused it.
   */
  PAUSE
}
