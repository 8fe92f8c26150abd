/**
 * All retry maths: the budget rule, each strategy's delay, and jitter. <strong>Not API</strong>:
 * anything here may change or disappear in any release without notice.
 */
package dev.jobqueue.internal.retry;
