package org.sshrpc.client;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import org.sshrpc.Deadline;
import org.sshrpc.Ticker;

/**
 * Per-call settings: the call's {@link Deadline} (absolute, or started afresh by each call) and
 * whether the call is idempotent. Immutable; every {@code with*} method returns a new instance.
 *
 * <p>A deadline is absolute, so an options object made with {@link #withTimeout} before a retry
 * loop bounds the whole loop, not each attempt. The remaining time is sent to a v2 server (whole
 * milliseconds, rounded up), which enforces it (the call then fails with {@code
 * DEADLINE_EXCEEDED} and reason {@code timeout}); the client also gives up on its own shortly
 * after the deadline, so a silent server cannot hold a caller forever. A deadline on a {@link
 * Ticker} other than the system's is measured on that ticker (tests move time with a fake one).
 *
 * <p>Options kept and used for many calls (a {@linkplain RpcConnection#proxy(Class, CallOptions)
 * typed proxy's}, an application's constant) want a {@linkplain #withCallTimeout call timeout}
 * instead: each call made with them gets its own deadline that long after it starts. With both,
 * the earlier deadline wins. A call whose options have neither gets the client's {@linkplain
 * RpcClient.Builder#defaultDeadline default deadline}, if one is set.
 */
public final class CallOptions {
  /** No deadline, not idempotent. */
  public static final CallOptions DEFAULT = new CallOptions(null, -1, false);

  private final Deadline deadline; // null: none
  private final long callTimeoutNanos; // -1: none
  private final boolean idempotent;

  private CallOptions(Deadline deadline, long callTimeoutNanos, boolean idempotent) {
    this.deadline = deadline;
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
    return new CallOptions(deadline, saturatedNanos(requireNotNegative(timeout)), idempotent);
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
   * call timeout, {@code defaultTimeoutNanos} if not negative) turned into an absolute deadline on
   * the deadline's ticker (the system's without one).
   */
  CallOptions startCall(long defaultTimeoutNanos) {
    long timeout = callTimeoutNanos >= 0 ? callTimeoutNanos : deadline != null ? -1 : defaultTimeoutNanos;
    if (timeout < 0) {
      return callTimeoutNanos < 0 ? this : new CallOptions(deadline, -1, idempotent);
    }
    Ticker ticker = deadline != null ? deadline.ticker() : Ticker.system();
    Deadline d = Deadline.after(Duration.ofNanos(timeout), ticker);
    return new CallOptions(deadline != null ? deadline.minimum(d) : d, -1, idempotent);
  }

  /**
   * A copy with the deadline set to {@code timeout} from now.
   *
   * @param timeout from now, not negative
   * @return the new options
   */
  public CallOptions withTimeout(Duration timeout) {
    return withDeadline(Deadline.after(requireNotNegative(timeout)));
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
    return withDeadline(Deadline.after(left.isNegative() ? Duration.ZERO : left));
  }

  /**
   * A copy with this deadline.
   *
   * @param deadline the deadline, on any ticker
   * @return the new options
   */
  public CallOptions withDeadline(Deadline deadline) {
    return new CallOptions(Objects.requireNonNull(deadline, "deadline"), callTimeoutNanos, idempotent);
  }

  /**
   * A copy with the deadline at this {@link System#nanoTime()} value.
   *
   * @param nanoTime the deadline
   * @return the new options
   */
  public CallOptions withDeadlineNanos(long nanoTime) {
    return withDeadline(Deadline.atNanos(nanoTime, Ticker.system()));
  }

  /**
   * A copy without a deadline or call timeout (the client's default deadline then applies).
   *
   * @return the options
   */
  public CallOptions withoutDeadline() {
    return new CallOptions(null, -1, idempotent);
  }

  /**
   * A copy marked idempotent (or not): running the call twice does no harm, so a {@link
   * FleetConnection} may retry it once on another replica, within its deadline, when the replica
   * it was sent to dropped before answering. Calls are not idempotent by default: such a call is
   * never sent twice.
   *
   * @param idempotent whether running the call twice does no harm
   * @return the new options
   */
  public CallOptions withIdempotent(boolean idempotent) {
    return new CallOptions(deadline, callTimeoutNanos, idempotent);
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
   * The deadline, if one is set.
   *
   * @return the deadline, or empty
   */
  public Optional<Deadline> deadline() {
    return Optional.ofNullable(deadline);
  }

  /**
   * Whether these options have an absolute deadline.
   *
   * @return true if a deadline is set
   */
  public boolean hasDeadline() {
    return deadline != null;
  }

  /**
   * The deadline as a value of its ticker's {@code nanoTime()} ({@link System#nanoTime()} unless it
   * was made on another ticker); meaningful only if {@link #hasDeadline()}.
   *
   * @return the deadline
   */
  public long deadlineNanos() {
    return deadline == null ? 0 : deadline.nanoTime();
  }

  /** Nanoseconds left before the deadline (negative when passed), or Long.MAX_VALUE without one. */
  long remainingNanos() {
    return deadline == null ? Long.MAX_VALUE : deadline.remainingNanos();
  }

  private static Duration requireNotNegative(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("negative timeout: " + timeout);
    }
    return timeout;
  }

  private static long saturatedNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE / 4;
    }
  }

  @Override
  public String toString() {
    String d = deadline != null ? "deadline in " + Duration.ofNanos(remainingNanos()) : "no deadline";
    return "CallOptions{" + d + (callTimeoutNanos >= 0 ? ", call timeout " + callTimeout() : "")
        + (idempotent ? ", idempotent" : "") + "}";
  }
}
