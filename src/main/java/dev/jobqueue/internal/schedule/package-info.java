/**
 * Recurring schedules: when their occurrences fall (cron expressions on a zone's wall clock, fixed
 * intervals). <strong>Not API</strong>: anything here may change or disappear in any release
 * without notice.
 */
package dev.jobqueue.internal.schedule;
