package dev.jobqueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jobqueue.testing.LegacyPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The library refuses a PostgreSQL older than 12 at {@code initialize()}, with a message that says
 * which version it found and which it needs, before it creates anything. The server is a real
 * PostgreSQL 11 ({@link LegacyPostgres}), not {@code TestDatabase}'s.
 */
class UnsupportedPostgresIT {

  private static LegacyPostgres postgres;

  @BeforeAll
  static void startPostgres11() {
    postgres = LegacyPostgres.start(UnsupportedPostgresIT.class);
  }

  @AfterAll
  static void stopPostgres11() {
    if (postgres != null) {
      postgres.close();
    }
  }

  @Test
  void serverIsPostgres11() {
    assertThat(postgres.serverVersion()).startsWith("11.");
  }

  @Test
  void initializeRefusesPostgres11AndCreatesNothing() {
    JobQueueManager manager =
        JobQueueManager.builder()
            .config(JobQueueConfig.builder().schema("x").build())
            .jdbcUrl(postgres.jdbcUrl(), "postgres", "postgres")
            .build();
    try {
      assertThatThrownBy(manager::initialize)
          .isInstanceOf(JobQueueException.class)
          .hasMessageContaining("PostgreSQL 11")
          .hasMessageContaining("12 or newer");
    } finally {
      manager.shutdown();
    }
    assertThat(postgres.queryLong("select count(*) from pg_tables where schemaname = 'x'"))
        .as("tables created in schema x")
        .isZero();
    assertThat(postgres.queryLong("select (to_regclass('x.jobs') is not null)::int"))
        .as("x.jobs exists")
        .isZero();
  }
}
