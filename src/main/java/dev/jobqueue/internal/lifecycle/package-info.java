/**
 * The engine's one lifecycle: the {@link dev.jobqueue.internal.lifecycle.Service} contract, the
 * loop skeleton every background loop runs on, and the group that starts services in order and
 * stops them in reverse. <strong>Not API</strong>: anything here may change or disappear in any
 * release without notice.
 */
package dev.jobqueue.internal.lifecycle;
