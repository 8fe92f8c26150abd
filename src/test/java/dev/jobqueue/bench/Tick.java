package dev.jobqueue.bench;

/**
 * The benchmark's job payload: a sequence number and, where a workload measures lag, the {@code
 * System.nanoTime()} at which the job was enqueued (same JVM, so the clocks agree).
 *
 * @param i the job's sequence number within its workload
 * @param t the enqueue time in {@code System.nanoTime()} units, or 0
 */
public record Tick(long i, long t) {}
