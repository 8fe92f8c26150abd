package dev.jobqueue.admin;

import java.util.List;

/**
 * What a bulk action did, or in a dry run would do.
 *
 * @param action {@code retry}, {@code cancel} or {@code delete}
 * @param dryRun true when nothing was changed
 * @param matched how many selected jobs exist
 * @param changed how many were (or in a dry run would be) changed: the others are in a state the
 *     action does not apply to
 * @param changedIds the ids of the changed jobs, at most {@value #MAX_IDS}
 * @param skipped why some matched jobs were left as they are, one line per reason with its count
 */
public record BulkResult(
    String action,
    boolean dryRun,
    int matched,
    int changed,
    List<String> changedIds,
    List<String> skipped) {
  /** The most ids a result lists. */
  public static final int MAX_IDS = 1_000;

  /**
   * Copies the lists.
   *
   * @param action {@code retry}, {@code cancel} or {@code delete}
   * @param dryRun true when nothing was changed
   * @param matched how many selected jobs exist
   * @param changed how many were (or in a dry run would be) changed: the others are in a state the
   *     action does not apply to
   * @param changedIds the ids of the changed jobs, at most {@value #MAX_IDS}
   * @param skipped why some matched jobs were left as they are, one line per reason with its count
   */
  public BulkResult {
    changedIds = List.copyOf(changedIds);
    skipped = List.copyOf(skipped);
  }
}
