package org.sshrpc.client;

import java.time.Duration;

/**
 * A snapshot of one replica of a {@link FleetConnection}: its state and the client-side metrics
 * of the calls made on it. Immutable.
 */
public final class ReplicaStats {
  /** Where a replica stands. */
  public enum State {
    /** Being connected to for the first time. */
    CONNECTING,
    /** Connected and taking calls. */
    READY,
    /** Taken out after failures; probed again after a backoff. */
    EJECTED
  }

  private final NodeAddress address;
  private final State state;
  private final int priority;
  private final int weight;
  private final long calls;
  private final long errors;
  private final long ejections;
  private final int outstanding;
  private final long latencyTotalNanos;
  private final long latencyMaxNanos;
  private final String lastError;

  ReplicaStats(NodeAddress address, State state, int priority, int weight, long calls, long errors, long ejections,
      int outstanding, long latencyTotalNanos, long latencyMaxNanos, String lastError) {
    this.address = address;
    this.state = state;
    this.priority = priority;
    this.weight = weight;
    this.calls = calls;
    this.errors = errors;
    this.ejections = ejections;
    this.outstanding = outstanding;
    this.latencyTotalNanos = latencyTotalNanos;
    this.latencyMaxNanos = latencyMaxNanos;
    this.lastError = lastError;
  }

  public NodeAddress address() {
    return address;
  }

  public State state() {
    return state;
  }

  /** SRV priority (0 for other targets): lower is preferred. */
  public int priority() {
    return priority;
  }

  /** SRV weight (1 for other targets). */
  public int weight() {
    return weight;
  }

  /** Calls completed on this replica (answered or failed), health pings excluded. */
  public long calls() {
    return calls;
  }

  /** Calls that failed, for any reason (error replies included). */
  public long errors() {
    return errors;
  }

  /** Times this replica was ejected. */
  public long ejections() {
    return ejections;
  }

  /** Calls in flight on it now. */
  public int outstanding() {
    return outstanding;
  }

  /** Mean latency of its completed calls; zero before any. */
  public Duration meanLatency() {
    return calls == 0 ? Duration.ZERO : Duration.ofNanos(latencyTotalNanos / calls);
  }

  /** Longest latency of its completed calls. */
  public Duration maxLatency() {
    return Duration.ofNanos(latencyMaxNanos);
  }

  /** Why it was last ejected or failed a call, or null. */
  public String lastError() {
    return lastError;
  }

  @Override
  public String toString() {
    return address + " " + state + " calls=" + calls + " errors=" + errors + " ejections=" + ejections
        + " outstanding=" + outstanding + " mean=" + meanLatency().toNanos() / 1000 + "us";
  }
}
