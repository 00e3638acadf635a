package org.sshrpc.client;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * Per-call settings: the call's deadline and whether it is idempotent. Immutable; every {@code
 * with*} method returns a new instance.
 *
 * <p>A deadline is absolute (a {@link System#nanoTime()} instant), so an options object made
 * with {@link #withTimeout} before a retry loop bounds the whole loop, not each attempt. The
 * remaining time is sent to a v2 server, which enforces it (the call then fails with {@code
 * DEADLINE_EXCEEDED} and reason {@code timeout}); the client also gives up on its own shortly
 * after the deadline, so a silent server cannot hold a caller forever.
 */
public final class CallOptions {
  /** No deadline. */
  public static final CallOptions DEFAULT = new CallOptions(false, 0, false);

  private final boolean hasDeadline;
  private final long deadlineNanos;
  private final boolean idempotent;

  private CallOptions(boolean hasDeadline, long deadlineNanos, boolean idempotent) {
    this.hasDeadline = hasDeadline;
    this.deadlineNanos = deadlineNanos;
    this.idempotent = idempotent;
  }

  /** Options whose deadline is {@code timeout} from now. */
  public static CallOptions timeout(Duration timeout) {
    return DEFAULT.withTimeout(timeout);
  }

  /** A copy with the deadline set to {@code timeout} from now. */
  public CallOptions withTimeout(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("negative timeout: " + timeout);
    }
    return withDeadlineNanos(System.nanoTime() + saturatedNanos(timeout));
  }

  /** A copy with the deadline at this wall-clock instant (converted once, now). */
  public CallOptions withDeadline(Instant deadline) {
    Objects.requireNonNull(deadline, "deadline");
    Duration left = Duration.between(Instant.now(), deadline);
    return withDeadlineNanos(System.nanoTime() + saturatedNanos(left.isNegative() ? Duration.ZERO : left));
  }

  /** A copy with the deadline at this {@link System#nanoTime()} value. */
  public CallOptions withDeadlineNanos(long nanoTime) {
    return new CallOptions(true, nanoTime, idempotent);
  }

  /** A copy without a deadline. */
  public CallOptions withoutDeadline() {
    return new CallOptions(false, 0, idempotent);
  }

  /**
   * A copy marked idempotent (or not): running the call twice does no harm, so a {@link
   * FleetConnection} may retry it once on another replica, within its deadline, when the replica
   * it was sent to dropped before answering. Calls are not idempotent by default: such a call is
   * never sent twice.
   */
  public CallOptions withIdempotent(boolean idempotent) {
    return new CallOptions(hasDeadline, deadlineNanos, idempotent);
  }

  /** Whether the call may be retried on another replica; see {@link #withIdempotent}. */
  public boolean isIdempotent() {
    return idempotent;
  }

  public boolean hasDeadline() {
    return hasDeadline;
  }

  /** The deadline as a {@link System#nanoTime()} value; meaningful only if {@link #hasDeadline()}. */
  public long deadlineNanos() {
    return deadlineNanos;
  }

  /** Nanoseconds left before the deadline (negative when passed), or Long.MAX_VALUE without one. */
  long remainingNanos() {
    return hasDeadline ? deadlineNanos - System.nanoTime() : Long.MAX_VALUE;
  }

  private static long saturatedNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE / 2;
    }
  }

  @Override
  public String toString() {
    return (hasDeadline
            ? "CallOptions{deadline in " + Duration.ofNanos(remainingNanos())
            : "CallOptions{no deadline")
        + (idempotent ? ", idempotent}" : "}");
  }
}
