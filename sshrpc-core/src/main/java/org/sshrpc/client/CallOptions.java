package org.sshrpc.client;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * Per-call settings: the call's deadline, absolute or started afresh by each call, and whether the
 * call is idempotent. Immutable; every {@code with*} method returns a new instance.
 *
 * <p>A deadline is absolute (a {@link System#nanoTime()} instant), so an options object made
 * with {@link #withTimeout} before a retry loop bounds the whole loop, not each attempt. The
 * remaining time is sent to a v2 server, which enforces it (the call then fails with {@code
 * DEADLINE_EXCEEDED} and reason {@code timeout}); the client also gives up on its own shortly
 * after the deadline, so a silent server cannot hold a caller forever.
 *
 * <p>Options kept and used for many calls (a {@linkplain RpcConnection#proxy(Class, CallOptions)
 * typed proxy's}, an application's constant) want a {@linkplain #withCallTimeout call timeout}
 * instead: each call made with them gets its own deadline that long after it starts. With both,
 * the earlier deadline wins. A call whose options have neither gets the client's {@linkplain
 * RpcClient.Builder#defaultDeadline default deadline}, if one is set.
 */
public final class CallOptions {
  /** No deadline. */
  public static final CallOptions DEFAULT = new CallOptions(false, 0, -1, false);

  private final boolean hasDeadline;
  private final long deadlineNanos;
  private final long callTimeoutNanos; // -1: none
  private final boolean idempotent;

  private CallOptions(boolean hasDeadline, long deadlineNanos, long callTimeoutNanos, boolean idempotent) {
    this.hasDeadline = hasDeadline;
    this.deadlineNanos = deadlineNanos;
    this.callTimeoutNanos = callTimeoutNanos;
    this.idempotent = idempotent;
  }

  /**
   * Options whose deadline is {@code timeout} from now.
   *
   * @param timeout from now, not negative
   * @return the options
   */
  public static CallOptions timeout(Duration timeout) {
    return DEFAULT.withTimeout(timeout);
  }

  /**
   * Options whose every call gets a deadline {@code timeout} after it starts; see {@link
   * #withCallTimeout}.
   *
   * @param timeout per call, not negative
   * @return the options
   */
  public static CallOptions callTimeout(Duration timeout) {
    return DEFAULT.withCallTimeout(timeout);
  }

  /**
   * A copy whose every call gets a deadline {@code timeout} after the call starts (the earlier
   * one, if these options also have an absolute deadline). For options that are kept and reused.
   *
   * @param timeout per call, not negative
   * @return the new options
   */
  public CallOptions withCallTimeout(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("negative timeout: " + timeout);
    }
    return new CallOptions(hasDeadline, deadlineNanos, saturatedNanos(timeout), idempotent);
  }

  /**
   * Whether calls made with these options each get a deadline when they start.
   *
   * @return true if {@link #withCallTimeout} set one
   */
  public boolean hasCallTimeout() {
    return callTimeoutNanos >= 0;
  }

  /**
   * The per-call timeout; meaningful only if {@link #hasCallTimeout()}.
   *
   * @return the timeout
   */
  public Duration callTimeout() {
    return Duration.ofNanos(Math.max(0, callTimeoutNanos));
  }

  /**
   * The options one call starting now runs with: the call timeout (or, without a deadline and a
   * call timeout, {@code defaultTimeoutNanos} if not negative) turned into an absolute deadline.
   */
  CallOptions startCall(long defaultTimeoutNanos) {
    long timeout = callTimeoutNanos >= 0 ? callTimeoutNanos : hasDeadline ? -1 : defaultTimeoutNanos;
    if (timeout < 0) {
      return callTimeoutNanos < 0 ? this : new CallOptions(hasDeadline, deadlineNanos, -1, idempotent);
    }
    long d = System.nanoTime() + timeout;
    if (hasDeadline && deadlineNanos - d < 0) {
      d = deadlineNanos;
    }
    return new CallOptions(true, d, -1, idempotent);
  }

  /**
   * A copy with the deadline set to {@code timeout} from now.
   *
   * @param timeout from now, not negative
   * @return the new options
   */
  public CallOptions withTimeout(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("negative timeout: " + timeout);
    }
    return withDeadlineNanos(System.nanoTime() + saturatedNanos(timeout));
  }

  /**
   * A copy with the deadline at this wall-clock instant (converted once, now).
   *
   * @param deadline the instant
   * @return the new options
   */
  public CallOptions withDeadline(Instant deadline) {
    Objects.requireNonNull(deadline, "deadline");
    Duration left = Duration.between(Instant.now(), deadline);
    return withDeadlineNanos(System.nanoTime() + saturatedNanos(left.isNegative() ? Duration.ZERO : left));
  }

  /**
   * A copy with the deadline at this {@link System#nanoTime()} value.
   *
   * @param nanoTime the deadline
   * @return the new options
   */
  public CallOptions withDeadlineNanos(long nanoTime) {
    return new CallOptions(true, nanoTime, callTimeoutNanos, idempotent);
  }

  /**
   * A copy without a deadline or call timeout (the client's default deadline then applies).
   *
   * @return the options
   */
  public CallOptions withoutDeadline() {
    return idempotent ? DEFAULT.withIdempotent(true) : DEFAULT;
  }

  /**
   * A copy marked idempotent (or not): running the call twice does no harm, so a {@link
   * FleetConnection} may retry it once on another replica, within its deadline, when the replica
   * it was sent to dropped before answering. Calls are not idempotent by default: such a call is
   * never sent twice.
   *
   * @param idempotent whether the call may run twice
   * @return the new options
   */
  public CallOptions withIdempotent(boolean idempotent) {
    return new CallOptions(hasDeadline, deadlineNanos, callTimeoutNanos, idempotent);
  }

  /**
   * Whether the call may be retried on another replica; see {@link #withIdempotent}.
   *
   * @return true if marked idempotent
   */
  public boolean isIdempotent() {
    return idempotent;
  }

  /**
   * Whether these options have an absolute deadline.
   *
   * @return true if a deadline is set
   */
  public boolean hasDeadline() {
    return hasDeadline;
  }

  /**
   * The deadline as a {@link System#nanoTime()} value; meaningful only if {@link #hasDeadline()}.
   *
   * @return the deadline
   */
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
    String d = hasDeadline ? "deadline in " + Duration.ofNanos(remainingNanos()) : "no deadline";
    return "CallOptions{" + d + (callTimeoutNanos >= 0 ? ", call timeout " + callTimeout() : "")
        + (idempotent ? ", idempotent}" : "}");
  }
}
