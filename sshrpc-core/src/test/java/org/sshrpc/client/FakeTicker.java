package org.sshrpc.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import org.sshrpc.Deadline;
import org.sshrpc.Ticker;

/**
 * A ticker and deadline timer whose time moves only when a test calls {@link #advance}: what falls
 * due then runs on the test's thread. Client deadline tests use it instead of sleeping.
 */
final class FakeTicker implements Ticker, DeadlineTimer {
  private record Task(long at, Runnable run, CompletableFuture<Void> handle) {}

  private long now = 1_000_000_000L;
  private final List<Task> tasks = new ArrayList<>();

  @Override
  public synchronized long nanoTime() {
    return now;
  }

  @Override
  public synchronized Future<?> schedule(Runnable task, Deadline deadline, long graceNanos) {
    if (deadline.ticker() != this) {
      throw new IllegalArgumentException("deadline on another ticker: " + deadline);
    }
    Task t = new Task(deadline.nanoTime() + graceNanos, task, new CompletableFuture<>());
    tasks.add(t);
    return t.handle;
  }

  /** Tasks scheduled and neither run nor cancelled. */
  synchronized int scheduled() {
    tasks.removeIf(t -> t.handle.isDone());
    return tasks.size();
  }

  /** Moves time on by {@code d} and runs, in time order, every task now due. */
  void advance(Duration d) {
    List<Task> due = new ArrayList<>();
    synchronized (this) {
      now += d.toNanos();
      for (Task t : new ArrayList<>(tasks)) {
        if (t.at - now <= 0) {
          tasks.remove(t);
          due.add(t);
        }
      }
    }
    due.sort((a, b) -> Long.compare(a.at, b.at));
    for (Task t : due) {
      if (!t.handle.isDone()) {
        t.run.run();
        t.handle.complete(null);
      }
    }
  }
}
