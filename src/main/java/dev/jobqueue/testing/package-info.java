/**
 * A test kit for applications' own tests of their jobs: {@link
 * dev.jobqueue.testing.JobQueueTestKit} drains due jobs on the calling thread through the real
 * engine, asserts what was enqueued, runs one handler with a {@link
 * dev.jobqueue.testing.TestJobContext}, and moves stored times so that jobs fall due without
 * waiting. Optional: nothing in the library uses it, and it needs no test framework.
 */
package dev.jobqueue.testing;
