/**
 * The operator API: what the dashboard and the command line do, for any tool an application builds.
 * Start with {@link dev.jobqueue.admin.JobQueueAdmin#of(dev.jobqueue.JobQueueManager)}. Every
 * action names an {@link dev.jobqueue.admin.Actor}, is checked against its {@link
 * dev.jobqueue.admin.Role}, and is written to the audit log.
 */
package dev.jobqueue.admin;
