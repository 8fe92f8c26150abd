package dev.jobqueue.internal.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The verifier's list of scripts is the migration directory, in order. */
class SchemaMigratorScriptsTest {

  @Test
  void scriptListMatchesTheMigrationDirectory() throws IOException {
    Path directory = Path.of("src/main/resources/dev/jobqueue/db/migration");
    try (Stream<Path> files = Files.list(directory)) {
      assertThat(SchemaMigrator.SCRIPTS)
          .containsExactlyElementsOf(
              files
                  .map(file -> file.getFileName().toString())
                  .sorted(
                      (a, b) ->
                          Integer.compare(
                              Integer.parseInt(SchemaMigrator.version(a)),
                              Integer.parseInt(SchemaMigrator.version(b))))
                  .toList());
    }
  }
}
