package org.sshrpc.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ReconnectPolicyTest {
  @Test
  void delaysAreJitteredWithinTheCappedExponential() {
    ReconnectPolicy p =
        ReconnectPolicy.builder().initialDelay(Duration.ofMillis(100)).maxDelay(Duration.ofMillis(1000)).multiplier(2).build();
    assertEquals(Duration.ZERO, p.delayAfter(0));
    for (int i = 0; i < 200; i++) {
      assertTrue(p.delayAfter(1).toMillis() <= 100);
      assertTrue(p.delayAfter(3).toMillis() <= 400);
      assertTrue(p.delayAfter(50).toMillis() <= 1000);
    }
    boolean varied = false;
    long first = p.delayAfter(10).toNanos();
    for (int i = 0; i < 50 && !varied; i++) {
      varied = p.delayAfter(10).toNanos() != first;
    }
    assertTrue(varied, "jitter");
  }

  @Test
  void neverIsDisabledAndBadSettingsAreRefused() {
    assertFalse(ReconnectPolicy.NEVER.enabled());
    assertTrue(ReconnectPolicy.DEFAULT.enabled());
    assertThrows(IllegalArgumentException.class, () -> ReconnectPolicy.builder().multiplier(0.5));
    assertThrows(IllegalArgumentException.class,
        () -> ReconnectPolicy.builder().initialDelay(Duration.ofSeconds(5)).maxDelay(Duration.ofSeconds(1)).build());
  }
}
