package org.sshrpc.server;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.sshrpc.acl.AccessPolicy;

class MetricsAccessTest {
  private static final String FP = "SHA256:uGIm6tKmVmWHvtwRDRhMXNNV5EFeaeaEvYuiMrcUrAU";

  private static boolean scrape(String policy, String user, String fp) {
    return MetricsAccess.allows(AccessPolicy.parse(policy), user, fp, "scrape", 0);
  }

  @Test
  void defaultPolicyDoesNotExportMetrics() {
    assertFalse(MetricsAccess.allows(AccessPolicy.ALLOW_ALL, "root", FP, "scrape", 0));
    assertFalse(MetricsAccess.allows(AccessPolicy.DENY_ALL, "root", FP, "scrape", 0));
  }

  @Test
  void catchAllRulesDoNotCount() {
    assertFalse(scrape("allow *\n", "ops", FP));
    assertFalse(scrape("allow user=ops *\n", "ops", FP));
    assertFalse(scrape("allow *:scrape/0\n", "ops", FP));
    assertFalse(scrape("allow *:*/*\n", "ops", FP));
  }

  @Test
  void explicitRulesOpenItToTheirCallersOnly() {
    String p = "allow user=ops sshrpc_metrics:scrape/0\nallow *\n";
    assertTrue(scrape(p, "ops", FP));
    assertFalse(scrape(p, "alice", FP));
    assertTrue(scrape("allow user=ops sshrpc_metrics:*\n", "ops", null));
    assertTrue(scrape("allow key=" + FP + " sshrpc_metrics:scrape/0\n", "anyone", FP));
    assertFalse(scrape("allow key=" + FP + " sshrpc_metrics:scrape/0\n", "anyone", null));
    assertTrue(scrape("allow sshrpc_*:scrape/0\n", "anyone", null));
  }

  @Test
  void denyStillWins() {
    assertFalse(scrape("deny user=ops *\nallow sshrpc_metrics:*\n", "ops", FP));
    assertFalse(scrape("deny sshrpc_metrics:*\nallow user=ops sshrpc_metrics:*\n", "ops", FP));
    assertFalse(scrape("allow user=ops sshrpc_metrics:scrape/1\n", "ops", FP));
  }
}
