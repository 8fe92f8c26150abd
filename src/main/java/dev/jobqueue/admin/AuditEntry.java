package dev.jobqueue.admin;

import java.time.Instant;
import java.util.List;

/**
 * One recorded action.
 *
 * @param id the entry's id, increasing
 * @param at when, by the database clock
 * @param actor who
 * @param role their role then
 * @param via the tool: {@code dashboard}, {@code cli}, …
 * @param action what, e.g. {@code jobs.retry}, {@code queue.pause}, {@code login.failed}
 * @param target what it applied to: a queue, a schedule, or a description of the selection
 * @param jobCount how many jobs it changed
 * @param jobIds the ids of those jobs, at most {@value BulkResult#MAX_IDS}
 * @param details anything else, as text
 */
public record AuditEntry(
    long id,
    Instant at,
    String actor,
    Role role,
    String via,
    String action,
    String target,
    int jobCount,
    List<String> jobIds,
    String details) {
  /**
   * Copies the list.
   *
   * @param id the entry's id, increasing
   * @param at when, by the database clock
   * @param actor who
   * @param role their role then
   * @param via the tool: {@code dashboard}, {@code cli}, …
   * @param action what, e.g. {@code jobs.retry}, {@code queue.pause}, {@code login.failed}
   * @param target what it applied to: a queue, a schedule, or a description of the selection
   * @param jobCount how many jobs it changed
   * @param jobIds the ids of those jobs, at most {@value BulkResult#MAX_IDS}
   * @param details anything else, as text
   */
  public AuditEntry {
    jobIds = List.copyOf(jobIds);
  }
}
