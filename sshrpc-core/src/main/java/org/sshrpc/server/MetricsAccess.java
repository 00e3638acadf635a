package org.sshrpc.server;

import org.sshrpc.acl.AccessPolicy;

/**
 * The access rule for the built-in metrics module {@code sshrpc_metrics}: callable only when the
 * policy allows it through a rule that names the module, never through a catch-all.
 *
 * <p>Metrics tell which functions are called, how often and by how many sessions, which is
 * operator information. So {@code allow *} (and {@link AccessPolicy#ALLOW_ALL}, the default
 * without a policy file) does not open it, while {@code allow user=ops sshrpc_metrics:scrape/0} or
 * {@code allow user=ops sshrpc_metrics:*} does.
 */
final class MetricsAccess {
  /** The metrics module's name. */
  static final String MODULE = "sshrpc_metrics";

  // A module name no policy pattern can spell, so only a module wildcard ('*') matches it.
  private static final String PROBE = "\u0000";

  private MetricsAccess() {}

  /**
   * Whether {@code policy} lets the caller call {@code sshrpc_metrics:function/arity} through a
   * rule that names the module: the deciding rule must allow, and must not be the same rule that
   * decides the same call to a module nobody can name.
   */
  static boolean allows(
      AccessPolicy policy, String user, String keyFingerprint, String function, int arity) {
    if (!policy.allows(user, keyFingerprint, MODULE, function, arity)) {
      return false;
    }
    String rule = policy.explain(user, keyFingerprint, MODULE, function, arity);
    return rule != null && !rule.equals(policy.explain(user, keyFingerprint, PROBE, function, arity));
  }
}
