package org.sshrpc.client;

/**
 * How a {@link FleetConnection} picks the replica for each call, among the ready replicas of the
 * best (lowest) SRV priority, in proportion to their SRV weights.
 */
public enum BalancingPolicy {
  /** Each replica in turn (weighted): even shares whatever the replicas' speed. */
  ROUND_ROBIN,
  /**
   * The default: two replicas drawn at random (weighted), and the one with fewer calls in flight
   * (relative to its weight) gets the call. With equal replicas it spreads like round robin; a
   * replica that slows down accumulates calls in flight and is then picked less, and, unlike
   * always taking the least loaded, many clients do not all rush to the same replica.
   */
  LEAST_OUTSTANDING
}
