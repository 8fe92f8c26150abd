/**
 * The PostgreSQL repository: the only package that talks SQL, and the only one that imports jOOQ
 * (an architecture test enforces this). <strong>Not API.</strong>
 */
package dev.jobqueue.internal.store;
