package org.sshrpc.client;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * One replica of a {@link FleetConnection}: its connection, state and counters. State changes
 * happen under the replica's lock; counters are atomics read without it.
 */
final class Replica {
  final NodeAddress address;
  volatile int priority;
  volatile int weight;
  volatile RpcConnection conn;
  volatile ReplicaStats.State state = ReplicaStats.State.CONNECTING;
  /** Removed from the target by a re-resolution: picked no more, closed once idle. */
  volatile boolean removed;
  volatile long removedAtNanos;
  volatile String lastError;
  /** When an ejected replica is probed next (System.nanoTime). */
  volatile long probeAtNanos;
  /** Failed probes in a row: the backoff level. */
  int failedProbes;
  /** Calls failed with UNAVAILABLE or DEADLINE_EXCEEDED in a row (not ejected for yet). */
  final AtomicInteger consecutiveFailures = new AtomicInteger();
  final AtomicInteger outstanding = new AtomicInteger();
  /** A connect, probe or ping is under way: at most one per replica. */
  final AtomicBoolean busy = new AtomicBoolean();
  volatile long lastActivityNanos = System.nanoTime();
  final LongAdder calls = new LongAdder();
  final LongAdder errors = new LongAdder();
  final AtomicLong ejections = new AtomicLong();
  final LongAdder latencyTotal = new LongAdder();
  final AtomicLong latencyMax = new AtomicLong();

  Replica(Target.Endpoint e) {
    this.address = e.address;
    this.priority = e.priority;
    this.weight = e.weight;
  }

  /** Ready to take a call now. */
  boolean ready() {
    RpcConnection c = conn;
    return state == ReplicaStats.State.READY && !removed && c != null && c.isOpen();
  }

  void recordCall(long startNanos, boolean failed) {
    long t = System.nanoTime();
    long took = t - startNanos;
    lastActivityNanos = t;
    calls.increment();
    latencyTotal.add(took);
    latencyMax.accumulateAndGet(took, Math::max);
    if (failed) {
      errors.increment();
    }
  }

  ReplicaStats stats() {
    return new ReplicaStats(address, state, priority, weight, calls.sum(), errors.sum(), ejections.get(),
        outstanding.get(), latencyTotal.sum(), latencyMax.get(), lastError);
  }

  @Override
  public String toString() {
    return address + " (" + state + ")";
  }
}
