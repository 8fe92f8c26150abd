package dev.jobqueue.internal.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A migration script that has landed never changes: a database it migrated records its checksum,
 * and Flyway refuses to start on a changed one. A change to the schema is a new script. When a new
 * script lands, add its digest here.
 */
class LandedMigrationsTest {
  /** SHA-256 of each landed script, as it landed. */
  private static final Map<String, String> LANDED = new LinkedHashMap<>();

  static {
    LANDED.put(
        "V1__create_jobs.sql", "1ab88e03a873fd3f4f181ded9bc2414d075c2470452cbdc2d0a99c6e93d00f08");
    LANDED.put(
        "V2__nodes_and_stats.sql",
        "46b744e1ac275ce3dbd2221cbe48b13821153bf3a9e600f7530817f3dbd6e194");
    LANDED.put(
        "V3__leader.sql", "45c7d2a93d86b9b7c1d1846e4ed9c34e647275ea42fa9099ee8780690a1e5287");
    LANDED.put(
        "V4__queues_limits_unique.sql",
        "8bbbffa42ffab17f2cded2782fbc61434dcc81fb11378116ef5bdaf7ee8ef89b");
    LANDED.put(
        "V5__cheaper_job_checks.sql",
        "aa9aa3ff5605972449f5ffe0a903f09e1df69155d820ee7033e9276dac16f31e");
    LANDED.put(
        "V6__schedules.sql", "b2a1b0f1b1654f1afdc32f2a74a3aa482871a6e458786da3f714ae53b57803fe");
    LANDED.put(
        "V7__pending_and_finished_indexes.sql",
        "67b6339ffa9126f046ae6dc3edc3dffea210b5990c44b19174dc8696f6e73859");
    LANDED.put(
        "V8__trace_context.sql",
        "643bc1d69a2f835ee4580c2a417acff963f21904919aff6a2ad23d0831bf442e");
    LANDED.put(
        "V9__audit_log_and_progress.sql",
        "0f2e16ce8c8a042a2d6aafd9c3e1c569024c075db31c332e77bed4754d8800dc");
  }

  @Test
  void everyLandedScriptIsUnchanged() throws IOException {
    Map<String, String> now = new LinkedHashMap<>();
    for (String script : LANDED.keySet()) {
      now.put(script, digest(script));
    }
    assertThat(now).isEqualTo(LANDED);
  }

  @Test
  void everyScriptIsListed() {
    assertThat(SchemaMigrator.SCRIPTS).containsExactlyElementsOf(LANDED.keySet());
  }

  private static String digest(String script) throws IOException {
    String path = "/dev/jobqueue/db/migration/" + script;
    try (InputStream in = LandedMigrationsTest.class.getResourceAsStream(path)) {
      assertThat(in).as(path).isNotNull();
      return HexFormat.of()
          .formatHex(MessageDigest.getInstance("SHA-256").digest(in.readAllBytes()));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
