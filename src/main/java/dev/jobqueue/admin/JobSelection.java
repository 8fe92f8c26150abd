package dev.jobqueue.admin;

import dev.jobqueue.internal.JobIds;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The jobs a bulk action ({@link JobQueueAdmin#retryJobs}, {@link JobQueueAdmin#cancelJobs}, {@link
 * JobQueueAdmin#deleteJobs}) applies to: listed ids, or every job a search matches (its cursor and
 * limit are ignored). An action touches at most {@value #MAX_JOBS} jobs; a selection that matches
 * more is refused before anything changes.
 */
public final class JobSelection {
  /** The most jobs one action touches. */
  public static final int MAX_JOBS = 10_000;

  private final List<Long> ids;
  private final JobSearch search;

  private JobSelection(List<Long> ids, JobSearch search) {
    this.ids = ids;
    this.search = search;
  }

  /**
   * These jobs.
   *
   * @param ids job ids, as {@code createJob} returned them; duplicates count once
   * @return the selection
   * @throws IllegalArgumentException naming the first malformed id, or when there are none or more
   *     than {@value #MAX_JOBS}
   */
  public static JobSelection ids(List<String> ids) {
    Objects.requireNonNull(ids, "ids must not be null");
    if (ids.isEmpty() || ids.size() > MAX_JOBS) {
      throw new IllegalArgumentException(
          "a selection lists 1 to " + MAX_JOBS + " job ids (was " + ids.size() + ")");
    }
    Set<Long> parsed = new LinkedHashSet<>();
    for (String id : ids) {
      parsed.add(
          JobIds.parse(id)
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          "job id must be a positive decimal number (was '"
                              + (id != null && id.length() > 40 ? id.substring(0, 40) + "…" : id)
                              + "')")));
    }
    return new JobSelection(List.copyOf(parsed), null);
  }

  /**
   * Every job the search matches, whatever its cursor and limit.
   *
   * @param search the filters
   * @return the selection
   */
  public static JobSelection matching(JobSearch search) {
    return new JobSelection(null, Objects.requireNonNull(search, "search must not be null"));
  }

  /**
   * The listed ids.
   *
   * @return the ids, or empty for a selection by search
   */
  public Optional<List<String>> ids() {
    return ids == null ? Optional.empty() : Optional.of(ids.stream().map(String::valueOf).toList());
  }

  /**
   * The search.
   *
   * @return the search, or empty for a selection by ids
   */
  public Optional<JobSearch> search() {
    return Optional.ofNullable(search);
  }

  List<Long> numericIds() {
    return ids;
  }

  @Override
  public String toString() {
    return ids != null
        ? (ids.size() <= 10 ? "ids " + ids : ids.size() + " ids")
        : search.toString();
  }
}
