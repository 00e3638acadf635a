package org.sshrpc;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * An absolute point in time on a {@link Ticker}, by which a call must be answered. The client
 * sends what remains of it (whole milliseconds, rounded up) with each v2 request; the server
 * re-anchors that on its own ticker, so the two clocks never need to agree.
 *
 * <p>Immutable. Durations are saturated: a deadline hundreds of years away is simply far.
 */
public final class Deadline implements Comparable<Deadline> {
  private static final long MAX_NANOS = Long.MAX_VALUE / 4; // ~73 years: far, without overflow

  private final Ticker ticker;
  private final long deadlineNanos;

  private Deadline(Ticker ticker, long deadlineNanos) {
    this.ticker = ticker;
    this.deadlineNanos = deadlineNanos;
  }

  /** A deadline {@code timeout} from now on the system ticker; a negative timeout is already past. */
  public static Deadline after(Duration timeout) {
    return after(timeout, Ticker.system());
  }

  /** A deadline {@code timeout} from now on {@code ticker}. */
  public static Deadline after(Duration timeout, Ticker ticker) {
    Objects.requireNonNull(timeout, "timeout");
    Objects.requireNonNull(ticker, "ticker");
    return new Deadline(ticker, ticker.nanoTime() + saturatedNanos(timeout));
  }

  /** A deadline {@code amount} {@code unit}s from now on {@code ticker}. */
  public static Deadline after(long amount, TimeUnit unit, Ticker ticker) {
    return after(Duration.ofNanos(unit.toNanos(amount)), ticker);
  }

  /** A deadline at this {@link Ticker#nanoTime()} value of {@code ticker}. */
  public static Deadline atNanos(long nanoTime, Ticker ticker) {
    return new Deadline(Objects.requireNonNull(ticker, "ticker"), nanoTime);
  }

  /** The ticker this deadline is measured on. */
  public Ticker ticker() {
    return ticker;
  }

  /** The deadline as a value of its ticker's {@link Ticker#nanoTime()}. */
  public long nanoTime() {
    return deadlineNanos;
  }

  /** Nanoseconds left (negative once passed). */
  public long remainingNanos() {
    return deadlineNanos - ticker.nanoTime();
  }

  /** Time left, rounded up to whole {@code unit}s (so 1 ns left is 1 ms, not 0); negative once passed. */
  public long timeRemaining(TimeUnit unit) {
    long nanos = remainingNanos();
    long whole = unit.convert(nanos, TimeUnit.NANOSECONDS);
    return nanos > 0 && unit.toNanos(whole) < nanos ? whole + 1 : whole;
  }

  /** True once the ticker has reached the deadline. */
  public boolean isExpired() {
    return remainingNanos() <= 0;
  }

  /** The earlier of the two (this one on a tie). Both must be on the same ticker. */
  public Deadline minimum(Deadline other) {
    requireSameTicker(other);
    return other.deadlineNanos - deadlineNanos < 0 ? other : this;
  }

  /** A deadline {@code d} later (or earlier, for a negative {@code d}) on the same ticker. */
  public Deadline offset(Duration d) {
    return new Deadline(ticker, deadlineNanos + saturatedNanos(d));
  }

  @Override
  public int compareTo(Deadline other) {
    requireSameTicker(other);
    return Long.signum(deadlineNanos - other.deadlineNanos);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Deadline
        && ((Deadline) o).ticker == ticker
        && ((Deadline) o).deadlineNanos == deadlineNanos;
  }

  @Override
  public int hashCode() {
    return Long.hashCode(deadlineNanos) * 31 + System.identityHashCode(ticker);
  }

  @Override
  public String toString() {
    long ms = timeRemaining(TimeUnit.MILLISECONDS);
    return ms >= 0 ? "Deadline[" + ms + " ms from now]" : "Deadline[" + -ms + " ms ago]";
  }

  private void requireSameTicker(Deadline other) {
    if (other.ticker != ticker) {
      throw new IllegalArgumentException("deadlines on different tickers cannot be compared");
    }
  }

  static long saturatedNanos(Duration d) {
    if (d.compareTo(Duration.ofNanos(MAX_NANOS)) >= 0) {
      return MAX_NANOS;
    }
    if (d.compareTo(Duration.ofNanos(-MAX_NANOS)) <= 0) {
      return -MAX_NANOS;
    }
    return d.toNanos();
  }
}
