package dev.jobqueue.cli;

import dev.jobqueue.JobPriority;
import dev.jobqueue.JobStatus;
import dev.jobqueue.admin.JobSearch;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.EnumSet;
import java.util.List;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/** The filters of {@link JobSearch}, shared by {@code jobs list} and the bulk actions. */
final class JobFilterOptions {
  @Option(
      names = "--status",
      paramLabel = "STATUS",
      split = ",",
      converter = StatusConverter.class,
      description = "pending, running, completed, failed or cancelled; repeat or comma-separate")
  List<JobStatus> statuses = List.of();

  @Option(names = "--type", paramLabel = "TYPE", description = "Only jobs of this type")
  String type;

  @Option(names = "--queue", paramLabel = "QUEUE", description = "Only jobs in this queue")
  String queue;

  @Option(
      names = "--priority",
      paramLabel = "PRIORITY",
      converter = PriorityConverter.class,
      description = "high, normal or low")
  JobPriority priority;

  @Option(
      names = "--created-after",
      paramLabel = "INSTANT",
      converter = InstantConverter.class,
      description = "Created at or after this ISO-8601 instant, e.g. 2026-01-31T12:00:00Z")
  Instant createdAfter;

  @Option(
      names = "--created-before",
      paramLabel = "INSTANT",
      converter = InstantConverter.class,
      description = "Created before this ISO-8601 instant")
  Instant createdBefore;

  @Option(
      names = "--payload-contains",
      paramLabel = "JSON",
      description = "Payloads containing this JSON object, e.g. '{\"customerId\": 42}'")
  String payloadContains;

  /** Whether any filter is given. */
  boolean any() {
    return !statuses.isEmpty()
        || type != null
        || queue != null
        || priority != null
        || createdAfter != null
        || createdBefore != null
        || payloadContains != null;
  }

  /**
   * The search these filters make.
   *
   * @param command the command, whose usage error names the option a check refused
   */
  JobSearch.Builder search(CliCommand command) {
    JobSearch.Builder b = JobSearch.builder();
    b.statuses(statuses.isEmpty() ? EnumSet.noneOf(JobStatus.class) : EnumSet.copyOf(statuses));
    command.check("--type", () -> b.type(type));
    command.check("--queue", () -> b.queue(queue));
    b.priority(priority).createdAfter(createdAfter).createdBefore(createdBefore);
    command.check("--payload-contains", () -> b.payloadContainsJson(payloadContains));
    command.check("--created-after", b::build);
    return b;
  }

  /** Reads a status by its wire name, ignoring case. */
  static final class StatusConverter implements ITypeConverter<JobStatus> {
    @Override
    public JobStatus convert(String value) {
      try {
        return JobStatus.fromWireName(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }

  /** Reads a priority by its wire name, ignoring case. */
  static final class PriorityConverter implements ITypeConverter<JobPriority> {
    @Override
    public JobPriority convert(String value) {
      try {
        return JobPriority.fromWireName(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }

  /** Reads an ISO-8601 instant. */
  static final class InstantConverter implements ITypeConverter<Instant> {
    @Override
    public Instant convert(String value) {
      try {
        return Instant.parse(value.trim());
      } catch (DateTimeParseException e) {
        throw new TypeConversionException(
            "expected an ISO-8601 instant such as 2026-01-31T12:00:00Z (was '" + value + "')");
      }
    }
  }
}
