package org.sshrpc.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
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

  @Test
  void aCallTimeoutBecomesADeadlineWhenEachCallStarts() {
    long hour = Duration.ofHours(1).toNanos();
    CallOptions per = CallOptions.callTimeout(Duration.ofHours(1));
    assertFalse(per.hasDeadline());
    assertTrue(per.hasCallTimeout());
    assertEquals(Duration.ofHours(1), per.callTimeout());
    long before = System.nanoTime();
    CallOptions started = per.startCall(-1);
    assertTrue(started.hasDeadline());
    assertFalse(started.hasCallTimeout());
    assertTrue(started.deadlineNanos() - before >= hour);
    assertTrue(started.deadlineNanos() - System.nanoTime() <= hour);
    // an earlier absolute deadline wins over the call timeout
    assertEquals(12345L, per.withDeadlineNanos(12345L).startCall(-1).deadlineNanos());
    // the client's default applies only without a deadline and a call timeout
    assertEquals(777L, CallOptions.DEFAULT.withDeadlineNanos(777L).startCall(5).deadlineNanos());
    assertTrue(CallOptions.DEFAULT.startCall(hour).deadlineNanos() - before >= hour);
    assertTrue(per.startCall(1).deadlineNanos() - before >= hour);
    assertSame(CallOptions.DEFAULT, CallOptions.DEFAULT.startCall(-1));
    assertEquals("CallOptions{no deadline, call timeout PT1H}", per.toString());
    assertThrows(IllegalArgumentException.class, () -> CallOptions.callTimeout(Duration.ofMillis(-1)));
  }
}
