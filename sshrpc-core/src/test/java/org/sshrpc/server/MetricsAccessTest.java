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
    assertTrue(scrape("allow 'sshrpc_metrics':scrape/0\n", "ops", null), "a quoted atom is literal");
    assertTrue(scrape("allow sshrpc*:* sshrpc_metrics:scrape/0\n", "ops", null), "literal pattern of the rule");
  }

  @Test
  void wildcardModulePatternsNeverOpenIt() {
    // Each of these allows every other call it matches, but not the metrics.
    for (String pattern :
        new String[] {
          "*", "sshrpc*:*", "sshrpc_*:scrape/0", "*_metrics:*", "*metrics:scrape", "sshrpc_metric*:*",
          "sshrpc_metrics*:*", "*sshrpc_metrics:*", "s*s:scrape/0", "*:scrape/0", "*:*/*"
        }) {
      AccessPolicy p = AccessPolicy.parse("allow user=ops " + pattern + "\n");
      assertTrue(p.allows("ops", FP, "sshrpc_metrics", "scrape", 0), pattern + " matches the call");
      assertFalse(scrape("allow user=ops " + pattern + "\n", "ops", FP), pattern);
    }
  }

  @Test
  void aWildcardAllowIsPassedOverSoALaterLiteralRuleDecides() {
    assertTrue(scrape("allow sshrpc*:*\nallow user=ops sshrpc_metrics:*\n", "ops", FP));
    assertFalse(scrape("allow sshrpc*:*\nallow user=ops sshrpc_metrics:*\n", "alice", FP));
  }

  @Test
  void denyStillWins() {
    assertFalse(scrape("deny user=ops *\nallow sshrpc_metrics:*\n", "ops", FP));
    assertFalse(scrape("deny sshrpc_metrics:*\nallow user=ops sshrpc_metrics:*\n", "ops", FP));
    assertFalse(scrape("allow user=ops sshrpc_metrics:scrape/1\n", "ops", FP));
    assertFalse(scrape("deny user=ops sshrpc*:*\nallow sshrpc_metrics:*\n", "ops", FP), "wildcard deny");
    assertTrue(scrape("deny user=ops sshrpc*:*\nallow sshrpc_metrics:*\n", "alice", FP));
  }
}
