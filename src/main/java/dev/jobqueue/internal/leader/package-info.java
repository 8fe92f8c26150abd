/**
 * Leader election: one node of those sharing a schema holds a lease row in the database and runs
 * the leader-only work. <strong>Not API</strong>: anything here may change or disappear in any
 * release without notice.
 */
package dev.jobqueue.internal.leader;
