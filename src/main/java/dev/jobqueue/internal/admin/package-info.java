/**
 * The crossing from the operator API into a manager. <strong>Not API</strong>: anything here may
 * change or disappear in any release.
 */
package dev.jobqueue.internal.admin;
