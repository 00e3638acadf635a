package org.sshrpc.server;

import java.time.Duration;
import java.util.PriorityQueue;
import org.sshrpc.Ticker;

/**
 * A fake clock for the server's timers: a {@link Ticker} that moves only when told, and a {@link
 * Scheduler} whose tasks run on the thread that calls {@link #advance}, in due order, each with the
 * clock set to its due time. Deadline tests drive it instead of sleeping.
 */
final class FakeTime implements Ticker, Scheduler {
  private record Task(long due, long seq, Runnable run) {}

  private final PriorityQueue<Task> tasks =
      new PriorityQueue<>((a, b) -> a.due != b.due ? Long.compare(a.due, b.due) : Long.compare(a.seq, b.seq));
  private long now = 1_000_000_000L; // any origin: only differences mean anything
  private long seq;

  @Override
  public synchronized long nanoTime() {
    return now;
  }

  @Override
  public synchronized Cancellable schedule(Runnable task, long delayNanos) {
    Task t = new Task(now + Math.max(0, delayNanos), seq++, task);
    tasks.add(t);
    return () -> {
      synchronized (FakeTime.this) {
        tasks.remove(t);
      }
    };
  }

  /** Tasks scheduled and neither run nor cancelled. */
  synchronized int pending() {
    return tasks.size();
  }

  /** Moves the clock by {@code d}, running every task that falls due on the way (outside the lock). */
  void advance(Duration d) {
    long target;
    synchronized (this) {
      target = now + d.toNanos();
    }
    while (true) {
      Task t;
      synchronized (this) {
        t = tasks.peek();
        if (t == null || t.due > target) {
          now = target;
          return;
        }
        tasks.poll();
        now = t.due;
      }
      t.run.run();
    }
  }
}
