package dev.jobqueue.internal.store;

import java.util.List;

/**
 * The columns every insert of new jobs writes, one array per column, in input order: the bind
 * values of the {@code unnest(...)} of both insert statements (plain and unique).
 */
final class JobColumns {
  final String[] types;
  final Integer[] priorities;
  final String[] payloads;
  final Integer[] maxRetries;
  final Integer[] timeouts;
  final String[] scheduled;
  final String[] queues;
  final String[] concurrencyKeys;

  JobColumns(List<NewJob> jobs) {
    int n = jobs.size();
    types = new String[n];
    priorities = new Integer[n];
    payloads = new String[n];
    maxRetries = new Integer[n];
    timeouts = new Integer[n];
    scheduled = new String[n];
    queues = new String[n];
    concurrencyKeys = new String[n];
    for (int i = 0; i < n; i++) {
      NewJob job = jobs.get(i);
      types[i] = job.type();
      priorities[i] = job.priority();
      payloads[i] = job.payloadJson();
      maxRetries[i] = job.maxRetries();
      timeouts[i] = job.timeoutSeconds();
      scheduled[i] = job.scheduledAt() == null ? null : job.scheduledAt().toString();
      queues[i] = job.queue();
      concurrencyKeys[i] = job.concurrencyKey();
    }
  }
}
