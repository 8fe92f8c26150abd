package dev.jobqueue.dashboard;

import dev.jobqueue.admin.JobCount;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Optional;

/** How numbers, counts and times read on the pages. */
final class Formats {
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'", Locale.ROOT)
          .withZone(ZoneOffset.UTC);

  private Formats() {}

  /** {@code 1,234}, or {@code 10,000+} for a count that reached its cap. */
  static String count(JobCount count) {
    return number(count.value()) + (count.atLeast() ? "+" : "");
  }

  static String number(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }

  static String time(Instant instant) {
    return instant == null ? "–" : TIME.format(instant);
  }

  static String time(Optional<Instant> instant) {
    return time(instant.orElse(null));
  }

  /** A duration in milliseconds, in the largest unit that reads well. */
  static String millis(long ms) {
    if (ms < 1_000) {
      return ms + " ms";
    }
    if (ms < 120_000) {
      return String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
    }
    if (ms < 7_200_000) {
      return (ms / 60_000) + " min";
    }
    return (ms / 3_600_000) + " h";
  }
}
