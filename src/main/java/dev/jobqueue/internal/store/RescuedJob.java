package dev.jobqueue.internal.store;

/**
 * A job whose lease expired and that the rescuer took back.
 *
 * @param id the job id
 * @param previousHolder the node that held it
 * @param status the status it was given: pending (to run again) or failed (retries exhausted)
 */
public record RescuedJob(long id, String previousHolder, String status) {}
