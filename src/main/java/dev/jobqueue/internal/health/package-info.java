/**
 * The health check: its rules, the bounded read of the database it needs, and the periodic metrics
 * line. <strong>Not API</strong>: anything here may change or disappear in any release without
 * notice.
 */
package dev.jobqueue.internal.health;
