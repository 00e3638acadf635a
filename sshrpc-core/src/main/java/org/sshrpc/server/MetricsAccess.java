package org.sshrpc.server;

import org.sshrpc.acl.AccessPolicy;

/**
 * The access rule for the built-in metrics module {@code sshrpc_metrics}: callable only through
 * an {@code allow} rule whose pattern spells the module name literally, never through a wildcard.
 *
 * <p>Metrics tell which functions are called, how often and by how many sessions, which is
 * operator information. So {@code allow *}, {@code allow sshrpc*:*}, {@code allow *_metrics:*} (and
 * {@link AccessPolicy#ALLOW_ALL}, the default without a policy file) do not open it, while {@code
 * allow user=ops sshrpc_metrics:scrape/0} or {@code allow user=ops sshrpc_metrics:*} does. Rules
 * are read in file order: a wildcard {@code allow} is passed over for this module, a matching
 * {@code deny} (wildcard or not) denies it ({@link AccessPolicy#allowsByLiteralModule}).
 */
final class MetricsAccess {
  /** The metrics module's name. */
  static final String MODULE = "sshrpc_metrics";

  private MetricsAccess() {}

  /**
   * Whether {@code policy} lets the caller call {@code sshrpc_metrics:function/arity} through a
   * rule that names the module literally.
   */
  static boolean allows(
      AccessPolicy policy, String user, String keyFingerprint, String function, int arity) {
    return policy.allowsByLiteralModule(user, keyFingerprint, MODULE, function, arity);
  }
}
