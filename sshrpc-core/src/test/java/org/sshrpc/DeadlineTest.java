package org.sshrpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class DeadlineTest {
  /** A ticker moved by hand. */
  static final class FakeTicker implements Ticker {
    long now = 1_000_000_000L;

    @Override
    public long nanoTime() {
      return now;
    }
  }

  @Test
  void expiresExactlyWhenTheTickerReachesIt() {
    FakeTicker t = new FakeTicker();
    Deadline d = Deadline.after(Duration.ofMillis(50), t);
    assertFalse(d.isExpired());
    t.now += TimeUnit.MILLISECONDS.toNanos(50) - 1;
    assertFalse(d.isExpired());
    assertEquals(1, d.remainingNanos());
    t.now += 1;
    assertTrue(d.isExpired());
  }

  @Test
  void remainingMillisRoundUpSoAnUnexpiredDeadlineIsNeverSentAsZero() {
    FakeTicker t = new FakeTicker();
    Deadline d = Deadline.after(Duration.ofNanos(1), t);
    assertEquals(1, d.timeRemaining(TimeUnit.MILLISECONDS));
    Deadline d2 = Deadline.after(Duration.ofMillis(3), t);
    assertEquals(3, d2.timeRemaining(TimeUnit.MILLISECONDS));
    t.now += TimeUnit.MILLISECONDS.toNanos(5);
    assertEquals(-2, d2.timeRemaining(TimeUnit.MILLISECONDS));
  }

  @Test
  void farDeadlinesSaturateInsteadOfOverflowing() {
    FakeTicker t = new FakeTicker();
    t.now = Long.MAX_VALUE - 10;
    Deadline d = Deadline.after(Duration.ofDays(365L * 1000), t);
    assertFalse(d.isExpired());
    assertTrue(d.remainingNanos() > TimeUnit.DAYS.toNanos(365L * 50));
  }

  @Test
  void minimumAndOrderingWorkAcrossTickerWrapAround() {
    FakeTicker t = new FakeTicker();
    t.now = Long.MAX_VALUE - 5;
    Deadline a = Deadline.after(Duration.ofNanos(3), t); // before the wrap
    Deadline b = Deadline.after(Duration.ofNanos(10), t); // after the wrap
    assertSame(a, a.minimum(b));
    assertSame(a, b.minimum(a));
    assertTrue(a.compareTo(b) < 0);
  }

  @Test
  void deadlinesOnDifferentTickersAreNotCompared() {
    Deadline a = Deadline.after(Duration.ofSeconds(1), new FakeTicker());
    Deadline b = Deadline.after(Duration.ofSeconds(1), new FakeTicker());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.minimum(b));
    assertEquals("deadlines on different tickers cannot be compared", e.getMessage());
  }
}
