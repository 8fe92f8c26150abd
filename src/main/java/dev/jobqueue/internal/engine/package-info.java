/**
 * The engine of a worker node: the claim loop, worker slots, the executor, leases, the watchdog and
 * the completer, composed with the maintenance services by {@link
 * dev.jobqueue.internal.engine.Engine}. <strong>Not API</strong>: anything here may change or
 * disappear in any release without notice.
 */
package dev.jobqueue.internal.engine;
