package dev.jobqueue.dashboard;

/** Reads single parameters, refusing a bad value with a 400 that names the parameter. */
final class Params {
  private Params() {}

  /** A whole number within bounds, or the default when the parameter is absent. */
  static int intValue(Context context, String name, int min, int max, int absent) {
    return (int) longValue(context, name, min, max, absent);
  }

  /** A whole number within bounds, or the default when the parameter is absent. */
  static long longValue(Context context, String name, long min, long max, long absent) {
    String value = SearchForm.value(context, name);
    if (value == null) {
      return absent;
    }
    try {
      long n = Long.parseLong(value);
      if (n >= min && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // Reported below.
    }
    throw HttpError.badParameter(name, value, "must be a whole number from " + min + " to " + max);
  }

  /** A job id: a positive decimal number. */
  static String jobId(Context context, String name) {
    String value = required(context, name);
    if (!isJobId(value)) {
      throw HttpError.badParameter(name, value, "must be a job id, a positive whole number");
    }
    return value;
  }

  /** Whether a value is a job id: a positive decimal number that fits a {@code long}. */
  static boolean isJobId(String value) {
    if (!value.matches("[1-9][0-9]{0,18}")) {
      return false;
    }
    try {
      Long.parseLong(value);
      return true;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  /** A parameter that must be there and not blank. */
  static String required(Context context, String name) {
    String value = SearchForm.value(context, name);
    if (value == null) {
      throw new HttpError(400, "parameter '" + name + "' is required");
    }
    return value;
  }
}
