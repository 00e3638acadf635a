package org.sshrpc.server;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;

/**
 * Per-user fairness in front of the shared worker pool: each SSH user has at most {@code
 * perUser} functions queued on or running in the pool at once; more wait in that user's own lane
 * (bounded by {@code laneCapacity}) and enter the pool as the user's earlier calls finish. So one
 * user's slow calls occupy at most {@code perUser} workers and never fill the pool's shared queue
 * in front of everyone else's calls.
 *
 * <p>Thread-safe; one lock guards the lanes (held only to move a task, never while one runs).
 */
final class UserLanes {
  private final Executor pool;
  private final int perUser;
  private final int laneCapacity;
  private final Map<String, Lane> lanes = new HashMap<>(); // guarded by this

  /** One user's tasks in the pool and waiting. */
  private static final class Lane {
    int active; // in the pool (queued there or running)
    final ArrayDeque<Task> waiting = new ArrayDeque<>();
  }

  /** A submitted function: its future (cancel interrupts it) and what to do if it cannot run. */
  private record Task(FutureTask<?> future, Runnable rejected) {}

  UserLanes(Executor pool, int perUser, int laneCapacity) {
    if (perUser <= 0 || laneCapacity < 0) {
      throw new IllegalArgumentException("perUser " + perUser + ", laneCapacity " + laneCapacity + " (expected: > 0, >= 0)");
    }
    this.pool = pool;
    this.perUser = perUser;
    this.laneCapacity = laneCapacity;
  }

  int perUser() {
    return perUser;
  }

  /**
   * Runs {@code work} for {@code user} on the pool now or when one of the user's earlier tasks
   * ends. Returns its future (cancelling it with interruption stops it, queued or running).
   * {@code rejected} runs instead if the pool later refuses it (shut down, or its queue full).
   *
   * @throws RejectedExecutionException when the user's lane is full or the pool refuses it now
   */
  FutureTask<?> submit(String user, Runnable work, Runnable rejected) {
    FutureTask<?> f = new FutureTask<>(work, null);
    Task t = new Task(f, rejected);
    synchronized (this) {
      Lane lane = lanes.computeIfAbsent(user, k -> new Lane());
      if (lane.active >= perUser) {
        if (lane.waiting.size() >= laneCapacity) {
          throw new RejectedExecutionException("lane of " + user + " full (" + laneCapacity + ")");
        }
        lane.waiting.add(t);
        return f;
      }
      lane.active++;
    }
    try {
      pool.execute(() -> run(user, t));
    } catch (RejectedExecutionException e) {
      done(user);
      throw e;
    }
    return f;
  }

  private void run(String user, Task t) {
    try {
      t.future.run();
    } finally {
      done(user);
    }
  }

  /** One of the user's tasks left the pool: start the next waiting one, or shrink the lane. */
  private void done(String user) {
    while (true) {
      Task next;
      synchronized (this) {
        Lane lane = lanes.get(user);
        if (lane == null) {
          return;
        }
        next = lane.waiting.poll();
        while (next != null && next.future.isDone()) { // cancelled while waiting (deadline, cancel)
          next = lane.waiting.poll();
        }
        if (next == null) {
          if (--lane.active == 0 && lane.waiting.isEmpty()) {
            lanes.remove(user);
          }
          return;
        }
      }
      Task started = next;
      try {
        pool.execute(() -> run(user, started));
        return;
      } catch (RejectedExecutionException e) {
        started.future.cancel(false);
        started.rejected.run();
        // the slot is still ours: try the next waiting task
      }
    }
  }

  /** Users with tasks in the pool or waiting (for tests: lanes are dropped when idle). */
  synchronized int activeUsers() {
    return lanes.size();
  }
}
