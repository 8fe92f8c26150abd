package dev.jobqueue;

import dev.jobqueue.internal.schedule.Occurrences;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A recurring job: a name, the job each occurrence creates, and when the occurrences fall (a cron
 * expression in a time zone, or a fixed interval). Stored in the database, so that it survives
 * restarts; the cluster's leader enqueues each occurrence exactly once, by the database clock. See
 * {@link JobQueueManager#addSchedule(Schedule)} and {@link
 * JobQueueManager.Builder#schedules(java.util.Collection)}. Immutable and thread-safe.
 *
 * <pre>{@code
 * Schedule nightly = Schedule.cron("nightly-report", "0 2 * * *",
 *         CreateJobOptions.builder("report", Map.of("kind", "daily")).queue("reports").build())
 *     .zone("Europe/Berlin")
 *     .missedRuns(MissedRunPolicy.once())
 *     .overlap(OverlapPolicy.SKIP)
 *     .build();
 * Schedule ping = Schedule.every("ping", Duration.ofSeconds(30),
 *         CreateJobOptions.of("ping", Map.of()))
 *     .build();
 * }</pre>
 *
 * <p>Cron expressions have 5 fields (minute, hour, day of month, month, day of week, as in Unix
 * cron) or 6 (seconds first, as in Spring). They are matched on the zone's wall-clock time: an
 * occurrence that falls into the hour skipped when clocks go forward runs once, at the first
 * instant after the gap; an occurrence in the hour repeated when clocks go back runs once, at its
 * first pass. Intervals ignore daylight saving: they fall at {@code anchor + k × interval}.
 */
public final class Schedule {

  /**
   * What a schedule name must look like: a letter or digit, then up to 127 letters, digits, {@code
   * .}, {@code _}, {@code :} or {@code -}.
   */
  public static final Pattern NAME_PATTERN = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,127}");

  /** The shortest interval. */
  public static final Duration MIN_INTERVAL = Occurrences.MIN_INTERVAL;

  /** The longest interval. */
  public static final Duration MAX_INTERVAL = Occurrences.MAX_INTERVAL;

  private final String name;
  private final CreateJobOptions job;
  private final String cron;
  private final ZoneId zone;
  private final Duration interval;
  private final Instant anchor;
  private final MissedRunPolicy missedRuns;
  private final OverlapPolicy overlap;

  private Schedule(Builder builder) {
    this.name = builder.name;
    this.job = builder.job;
    this.cron = builder.cron;
    this.zone = builder.zone;
    this.interval = builder.interval;
    this.anchor = builder.anchor;
    this.missedRuns = builder.missedRuns;
    this.overlap = builder.overlap;
  }

  /**
   * Starts a schedule whose occurrences a cron expression gives, in UTC unless {@link
   * Builder#zone(String)} says otherwise.
   *
   * @param name the schedule's identity, matching {@link #NAME_PATTERN}
   * @param expression 5 fields ({@code "0 2 * * *"}) or 6, seconds first ({@code "30 0 2 * * *"})
   * @param job the job each occurrence creates; it must not set {@code scheduledAt}
   * @return a builder
   * @throws IllegalArgumentException naming the value, for a malformed name or expression, an
   *     expression that never matches, or a job with {@code scheduledAt}
   */
  public static Builder cron(String name, String expression, CreateJobOptions job) {
    Builder builder = new Builder(name, job);
    Objects.requireNonNull(expression, "expression must not be null");
    Occurrences.cron(expression, ZoneId.of("UTC"));
    builder.cron = expression;
    return builder;
  }

  /**
   * Starts a schedule with an occurrence every {@code interval}, from an anchor: by default the
   * moment the schedule is first stored, so that the first occurrence is one interval later.
   *
   * @param name the schedule's identity, matching {@link #NAME_PATTERN}
   * @param interval {@link #MIN_INTERVAL} to {@link #MAX_INTERVAL}, in whole milliseconds
   * @param job the job each occurrence creates; it must not set {@code scheduledAt}
   * @return a builder
   * @throws IllegalArgumentException naming the value, for a malformed name, an interval that is
   *     zero, negative or out of range, or a job with {@code scheduledAt}
   */
  public static Builder every(String name, Duration interval, CreateJobOptions job) {
    Builder builder = new Builder(name, job);
    Occurrences.checkInterval(interval);
    builder.interval = interval;
    return builder;
  }

  /**
   * The schedule's identity.
   *
   * @return the name
   */
  public String name() {
    return name;
  }

  /**
   * The job each occurrence creates.
   *
   * @return the job's options
   */
  public CreateJobOptions job() {
    return job;
  }

  /**
   * The cron expression, for a cron schedule.
   *
   * @return the expression, or empty for an interval schedule
   */
  public Optional<String> cron() {
    return Optional.ofNullable(cron);
  }

  /**
   * The time zone a cron expression is matched in.
   *
   * @return the zone; UTC unless set
   */
  public ZoneId zone() {
    return zone;
  }

  /**
   * The interval, for an interval schedule.
   *
   * @return the interval, or empty for a cron schedule
   */
  public Optional<Duration> interval() {
    return Optional.ofNullable(interval);
  }

  /**
   * An interval schedule's anchor, when one was set.
   *
   * @return the anchor, or empty for "when first stored"
   */
  public Optional<Instant> anchor() {
    return Optional.ofNullable(anchor);
  }

  /**
   * What happens to occurrences missed while no node ran.
   *
   * @return the policy; {@link MissedRunPolicy#skip()} unless set
   */
  public MissedRunPolicy missedRuns() {
    return missedRuns;
  }

  /**
   * What happens when an occurrence comes due while the previous one's job is pending or running.
   *
   * @return the policy; {@link OverlapPolicy#ALLOW} unless set
   */
  public OverlapPolicy overlap() {
    return overlap;
  }

  @Override
  public String toString() {
    return "Schedule["
        + name
        + ", "
        + (cron != null ? "cron '" + cron + "' in " + zone : "every " + interval.toMillis() + " ms")
        + ", job "
        + job.type()
        + ", missed "
        + missedRuns
        + ", overlap "
        + overlap.wireName()
        + "]";
  }

  /** Builds a {@link Schedule}. Not thread-safe. */
  public static final class Builder {
    private final String name;
    private final CreateJobOptions job;
    private String cron;
    private ZoneId zone = ZoneId.of("UTC");
    private Duration interval;
    private Instant anchor;
    private MissedRunPolicy missedRuns = MissedRunPolicy.skip();
    private OverlapPolicy overlap = OverlapPolicy.ALLOW;

    private Builder(String name, CreateJobOptions job) {
      this.name = checkedName(name);
      this.job = Objects.requireNonNull(job, "job must not be null");
      if (job.scheduledAt().isPresent()) {
        throw new IllegalArgumentException(
            "the job of schedule '"
                + name
                + "' sets scheduledAt ("
                + job.scheduledAt().get()
                + "); its occurrences decide when it runs");
      }
      if (job.unique().flatMap(UniqueOptions::period).isPresent()) {
        throw new IllegalArgumentException(
            "the job of schedule '"
                + name
                + "' has a unique period ("
                + job.unique().get().period().get()
                + "); its key would be fixed when the schedule is stored, and each occurrence"
                + " is enqueued once anyway");
      }
    }

    /**
     * Sets the time zone a cron expression is matched in.
     *
     * @param zone a zone id such as {@code Europe/Berlin}, {@code UTC} or {@code +02:00}
     * @return this builder
     * @throws IllegalArgumentException naming the value, for an unknown zone
     * @throws IllegalStateException for an interval schedule
     */
    public Builder zone(String zone) {
      Objects.requireNonNull(zone, "zone must not be null");
      return zone(Occurrences.zone(zone));
    }

    /**
     * Sets the time zone a cron expression is matched in.
     *
     * @param zone the zone
     * @return this builder
     * @throws IllegalStateException for an interval schedule
     */
    public Builder zone(ZoneId zone) {
      Objects.requireNonNull(zone, "zone must not be null");
      if (cron == null) {
        throw new IllegalStateException(
            "schedule '" + name + "' runs at an interval: a time zone applies to cron only");
      }
      this.zone = zone;
      return this;
    }

    /**
     * Sets an interval schedule's anchor: its occurrences fall at {@code anchor + k × interval}.
     *
     * @param anchor any instant, in the past or the future
     * @return this builder
     * @throws IllegalStateException for a cron schedule
     */
    public Builder anchor(Instant anchor) {
      Objects.requireNonNull(anchor, "anchor must not be null");
      if (interval == null) {
        throw new IllegalStateException(
            "schedule '" + name + "' runs by cron: an anchor applies to intervals only");
      }
      this.anchor = anchor.truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
      return this;
    }

    /**
     * Sets what happens to occurrences missed while no node ran.
     *
     * @param missedRuns the policy; default {@link MissedRunPolicy#skip()}
     * @return this builder
     */
    public Builder missedRuns(MissedRunPolicy missedRuns) {
      this.missedRuns = Objects.requireNonNull(missedRuns, "missedRuns must not be null");
      return this;
    }

    /**
     * Sets what happens when an occurrence comes due while the previous one's job is pending or
     * running.
     *
     * @param overlap the policy; default {@link OverlapPolicy#ALLOW}
     * @return this builder
     */
    public Builder overlap(OverlapPolicy overlap) {
      this.overlap = Objects.requireNonNull(overlap, "overlap must not be null");
      return this;
    }

    /**
     * Builds the schedule. The job's type and payload are checked when it is stored.
     *
     * @return the schedule
     */
    public Schedule build() {
      return new Schedule(this);
    }
  }

  static String checkedName(String name) {
    Objects.requireNonNull(name, "schedule name must not be null");
    if (!NAME_PATTERN.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "schedule name must match " + NAME_PATTERN.pattern() + " (was '" + name + "')");
    }
    return name;
  }
}
