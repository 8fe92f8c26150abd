package dev.jobqueue.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * Named calls timed round-robin: each round calls every one of them once, in the order they were
 * added, so that the machine's noise spreads over all of them instead of falling on whichever ran
 * in a busy minute. A call is any {@link Callable}: an operator API call, or an HTTP GET of a
 * dashboard page. Its result is kept until the next call (so that nothing is optimized away) and
 * otherwise ignored; a call that throws fails the run.
 */
final class TimedCalls {

  /** One call's durations. */
  record Timings(String name, double[] sortedMs) {

    double p50() {
      return Workloads.percentile(sortedMs, 0.50);
    }

    double p95() {
      return Workloads.percentile(sortedMs, 0.95);
    }

    double max() {
      return sortedMs[sortedMs.length - 1];
    }
  }

  private final Map<String, Callable<?>> calls = new LinkedHashMap<>();
  private volatile Object sink;

  /**
   * Adds a call.
   *
   * @param name what the report calls it; unique
   * @param call the call
   * @return this
   */
  TimedCalls add(String name, Callable<?> call) {
    if (calls.putIfAbsent(name, call) != null) {
      throw new IllegalArgumentException("a call named '" + name + "' is already there");
    }
    return this;
  }

  /** The names, in the order the calls were added. */
  List<String> names() {
    return List.copyOf(calls.keySet());
  }

  /** Calls {@code name} once, untimed. */
  Object callOnce(String name) throws Exception {
    return calls.get(name).call();
  }

  /**
   * Runs {@code warmUp} untimed rounds, then {@code rounds} timed ones; each round calls every call
   * once, in order. Clocks are {@code System.nanoTime()} around each call.
   *
   * @return each call's durations in ms, in the order the calls were added
   */
  List<Timings> run(int warmUp, int rounds) throws Exception {
    List<String> names = names();
    List<Callable<?>> list = new ArrayList<>(calls.values());
    double[][] ms = new double[list.size()][rounds];
    for (int round = 0; round < warmUp + rounds; round++) {
      for (int c = 0; c < list.size(); c++) {
        long t0 = System.nanoTime();
        try {
          sink = list.get(c).call();
        } catch (Exception e) {
          throw new IllegalStateException(names.get(c) + " failed in round " + round, e);
        }
        long t1 = System.nanoTime();
        if (round >= warmUp) {
          ms[c][round - warmUp] = (t1 - t0) / 1_000_000.0;
        }
      }
    }
    sink = null;
    List<Timings> out = new ArrayList<>(list.size());
    for (int c = 0; c < list.size(); c++) {
      Arrays.sort(ms[c]);
      out.add(new Timings(names.get(c), ms[c]));
    }
    return out;
  }
}
