package dev.jobqueue.admin;

import dev.jobqueue.internal.admin.AdminAccess;
import dev.jobqueue.internal.store.AdminStore;
import java.util.List;

/** The audit log of one manager: entries written by {@link JobQueueAdmin}, and read back. */
final class AuditTrail {
  private final AdminAccess.Backend backend;

  AuditTrail(AdminAccess.Backend backend) {
    this.backend = backend;
  }

  /** Writes one entry; the first {@link BulkResult#MAX_IDS} ids are kept, details cut at 2,000. */
  void write(Actor actor, String action, String target, List<String> ids, String details) {
    List<Long> numeric = ids.stream().limit(BulkResult.MAX_IDS).map(Long::valueOf).toList();
    backend
        .store()
        .audit(
            new AdminStore.AuditRow(
                0,
                null,
                actor.name(),
                actor.role().wireName(),
                actor.via(),
                action,
                target,
                ids.size(),
                numeric,
                details.length() > 2_000 ? details.substring(0, 2_000) : details));
  }

  /** Entries older than {@code beforeId} (0: the newest), newest first; arguments checked. */
  List<AuditEntry> read(long beforeId, int limit) {
    return backend.store().auditLog(beforeId, limit).stream()
        .map(
            r ->
                new AuditEntry(
                    r.id(),
                    r.at(),
                    r.actor(),
                    Role.fromWireName(r.role()),
                    r.via(),
                    r.action(),
                    r.target(),
                    r.jobCount(),
                    r.jobIds().stream().map(String::valueOf).toList(),
                    r.details()))
        .toList();
  }
}
