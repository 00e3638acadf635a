package org.sshrpc.client;

import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.sshrpc.Deadline;

/**
 * Where the client's own deadlines fire: the client's timer thread in production; a fake ticker
 * in tests, which runs what is due when the test moves its time.
 */
@FunctionalInterface
interface DeadlineTimer {
  /** Runs {@code task} once {@code graceNanos} after {@code deadline}; the future cancels it. */
  Future<?> schedule(Runnable task, Deadline deadline, long graceNanos);

  /** A timer on {@code scheduler}: the delay is read from the deadline's ticker now. */
  static DeadlineTimer on(ScheduledExecutorService scheduler) {
    return (task, deadline, grace) ->
        scheduler.schedule(task, saturatedAdd(deadline.remainingNanos(), grace), TimeUnit.NANOSECONDS);
  }

  private static long saturatedAdd(long a, long b) {
    long r = a + b;
    return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
  }
}
