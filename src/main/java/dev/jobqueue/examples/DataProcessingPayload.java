package dev.jobqueue.examples;

import java.util.List;
import java.util.Map;

/**
 * The payload of a {@code data-processing} job, as in the specification.
 *
 * @param batchId the batch this job processes
 * @param operation what to do with the records
 * @param data the records: JSON objects
 */
public record DataProcessingPayload(
    String batchId, DataOperation operation, List<Map<String, Object>> data) {}
