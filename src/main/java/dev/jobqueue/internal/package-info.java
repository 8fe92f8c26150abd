/**
 * Implementation details of jobqueue. <strong>Not API</strong>: anything here may change or
 * disappear in any release without notice. Use the types in {@code dev.jobqueue} instead.
 */
package dev.jobqueue.internal;
