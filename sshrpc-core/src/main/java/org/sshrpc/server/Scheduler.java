package org.sshrpc.server;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Where the server's timers run: call deadlines and the frame timeout. In production the service's
 * deadline thread ({@code sshrpc-deadline-1}); in tests a fake one that a fake {@link
 * org.sshrpc.Ticker} drives, so deadline tests move time instead of sleeping.
 */
interface Scheduler {
  /**
   * Runs {@code task} once, {@code delayNanos} from now (on the scheduler's clock).
   *
   * @throws RejectedExecutionException when the service is stopping
   */
  Cancellable schedule(Runnable task, long delayNanos);

  /** A scheduled task, which {@link #cancel} stops if it has not run yet. */
  @FunctionalInterface
  interface Cancellable {
    void cancel();
  }

  /** A scheduler on {@code executor}. */
  static Scheduler of(ScheduledExecutorService executor) {
    return (task, delayNanos) -> {
      ScheduledFuture<?> f = executor.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
      return () -> f.cancel(false);
    };
  }
}
