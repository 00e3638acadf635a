package org.sshrpc.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.sshrpc.term.TermLimits;

class ServerLimitsTest {
  @Test
  void defaultsAreTheDocumentedOnes() {
    ServerLimits d = ServerLimits.DEFAULT;
    assertEquals(16 << 20, d.maxFrameLength());
    assertEquals(16 << 20, d.termLimits().maxInputBytes());
    assertEquals(TermLimits.DEFAULT.maxDepth(), d.termLimits().maxDepth());
    assertEquals(Duration.ofSeconds(30), d.frameTimeout());
    assertEquals(1024, d.maxInFlightPerChannel());
    assertEquals(1 << 20, d.maxOutboundBytesPerChannel());
    assertEquals(10, d.maxChannelsPerSession());
    assertEquals(100, d.maxSessionsPerUser());
    assertEquals(1000, d.maxSessions());
    assertEquals(100, d.maxUnauthenticated());
    assertEquals(10, d.maxStartupsStart());
    assertEquals(30, d.maxStartupsRate());
    assertEquals(5, d.maxUnauthenticatedPerSource());
    assertEquals(Duration.ofSeconds(10), d.versionLineTimeout());
    assertEquals(6, d.maxAuthAttempts());
    assertEquals(Duration.ofSeconds(60), d.authTimeout());
    assertEquals(Duration.ofMinutes(10), d.idleTimeout());
    assertEquals(Duration.ZERO, d.keepaliveInterval());
    assertEquals(3, d.keepaliveMaxMissed());
  }

  @Test
  void termLimitsFollowTheFrameLengthUnlessGiven() {
    assertEquals(1000, ServerLimits.builder().maxFrameLength(1000).build().termLimits().maxInputBytes());
    TermLimits t = TermLimits.builder().maxDepth(3).build();
    assertEquals(t, ServerLimits.builder().termLimits(t).maxFrameLength(1000).build().termLimits());
  }

  @Test
  void badValuesAreRefusedWithTheNameAndTheRange() {
    assertEquals("maxSessions: 0 (expected: >= 1)",
        assertThrows(IllegalArgumentException.class, () -> ServerLimits.builder().maxSessions(0)).getMessage());
    assertEquals("authTimeout: PT0S (expected: > 0)",
        assertThrows(IllegalArgumentException.class, () -> ServerLimits.builder().authTimeout(Duration.ZERO)).getMessage());
    assertEquals("keepaliveInterval: PT-1S (expected: >= 0)",
        assertThrows(IllegalArgumentException.class, () -> ServerLimits.builder().keepaliveInterval(Duration.ofSeconds(-1))).getMessage());
    assertThrows(IllegalArgumentException.class, () -> ServerLimits.builder().maxOutboundBytesPerChannel(0));
    assertThrows(NullPointerException.class, () -> ServerLimits.builder().idleTimeout(null));
  }

  @Test
  void maxUnauthenticatedAloneIsAHardLimitAndMaxStartupsSetsAllThree() {
    ServerLimits hard = ServerLimits.builder().maxUnauthenticated(64).build();
    assertEquals(64, hard.maxStartupsStart());
    assertEquals(100, hard.maxStartupsRate());
    assertEquals(64, hard.maxUnauthenticated());
    ServerLimits red = ServerLimits.builder().maxUnauthenticated(64).maxStartups(5, 50, 20).build();
    assertEquals(5, red.maxStartupsStart());
    assertEquals(50, red.maxStartupsRate());
    assertEquals(20, red.maxUnauthenticated());
    assertEquals(red, red.newBuilder().build());
    assertNotEquals(red, red.newBuilder().versionLineTimeout(Duration.ofSeconds(1)).build());
    assertNotEquals(red, red.newBuilder().maxUnauthenticatedPerSource(9).build());
    assertEquals(
        "maxStartups: 30:30:20 (expected: 0 <= start <= full, full >= 1, 1 <= rate <= 100)",
        assertThrows(IllegalArgumentException.class, () -> ServerLimits.builder().maxStartups(30, 30, 20)).getMessage());
    assertThrows(IllegalArgumentException.class, () -> ServerLimits.builder().maxStartups(1, 0, 20));
    assertThrows(IllegalArgumentException.class, () -> ServerLimits.builder().maxStartups(1, 101, 20));
    assertThrows(IllegalArgumentException.class, () -> ServerLimits.builder().maxStartups(-1, 30, 20));
    assertEquals("maxUnauthenticatedPerSource: 0 (expected: >= 1)",
        assertThrows(IllegalArgumentException.class, () -> ServerLimits.builder().maxUnauthenticatedPerSource(0)).getMessage());
    assertEquals("versionLineTimeout: PT0S (expected: > 0)",
        assertThrows(IllegalArgumentException.class, () -> ServerLimits.builder().versionLineTimeout(Duration.ZERO)).getMessage());
  }

  @Test
  void valueSemanticsAndNewBuilder() {
    ServerLimits a = ServerLimits.builder().maxChannelsPerSession(3).build();
    assertEquals(a, a.newBuilder().build());
    assertEquals(a.hashCode(), a.newBuilder().build().hashCode());
    assertNotEquals(a, ServerLimits.DEFAULT);
    assertEquals(a.toString(), a.newBuilder().build().toString());
  }
}
