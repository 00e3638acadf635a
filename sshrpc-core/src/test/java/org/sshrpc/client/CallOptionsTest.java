package org.sshrpc.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class CallOptionsTest {
  @Test
  void deadlinesAreAbsoluteAndImmutable() {
    CallOptions none = CallOptions.DEFAULT;
    assertFalse(none.hasDeadline());
    assertEquals(Long.MAX_VALUE, none.remainingNanos());
    CallOptions d = none.withDeadlineNanos(12345L);
    assertTrue(d.hasDeadline());
    assertEquals(12345L, d.deadlineNanos());
    assertFalse(none.hasDeadline(), "the original is unchanged");
    assertFalse(d.withoutDeadline().hasDeadline());
  }

  @Test
  void timeoutAndInstantConvertToNanoTime() {
    long before = System.nanoTime();
    CallOptions t = CallOptions.timeout(Duration.ofSeconds(5));
    assertTrue(t.deadlineNanos() - before >= Duration.ofSeconds(5).toNanos());
    assertTrue(t.remainingNanos() <= Duration.ofSeconds(5).toNanos());
    CallOptions past = CallOptions.DEFAULT.withDeadline(Instant.now().minusSeconds(10));
    assertTrue(past.remainingNanos() <= 0);
    assertThrows(IllegalArgumentException.class, () -> CallOptions.timeout(Duration.ofMillis(-1)));
  }
}
