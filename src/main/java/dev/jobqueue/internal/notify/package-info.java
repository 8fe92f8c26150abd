/**
 * Wake-ups between nodes over LISTEN/NOTIFY: the channel and its messages, the listener and the
 * debouncing notifier. <strong>Not API</strong>: anything here may change or disappear in any
 * release without notice.
 */
package dev.jobqueue.internal.notify;
