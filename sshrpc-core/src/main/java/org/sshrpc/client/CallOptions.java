package org.sshrpc.client;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import org.sshrpc.Deadline;
import org.sshrpc.Ticker;

/**
 * Per-call settings: currently the call's {@link Deadline}. Immutable; every {@code with*} method
 * returns a new instance.
 *
 * <p>A deadline is absolute, so an options object made with {@link #withTimeout} before a retry
 * loop bounds the whole loop, not each attempt. The remaining time is sent to a v2 server (whole
 * milliseconds, rounded up), which enforces it (the call then fails with {@code
 * DEADLINE_EXCEEDED} and reason {@code timeout}); the client also gives up on its own shortly
 * after the deadline, so a silent server cannot hold a caller forever. A deadline on a {@link
 * Ticker} other than the system's is measured on that ticker (tests move time with a fake one).
 */
public final class CallOptions {
  /** No deadline. */
  public static final CallOptions DEFAULT = new CallOptions(null);

  private final Deadline deadline; // null: none

  private CallOptions(Deadline deadline) {
    this.deadline = deadline;
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
    return withDeadline(Deadline.after(timeout));
  }

  /** A copy with the deadline at this wall-clock instant (converted once, now). */
  public CallOptions withDeadline(Instant deadline) {
    Objects.requireNonNull(deadline, "deadline");
    Duration left = Duration.between(Instant.now(), deadline);
    return withDeadline(Deadline.after(left.isNegative() ? Duration.ZERO : left));
  }

  /** A copy with this deadline. */
  public CallOptions withDeadline(Deadline deadline) {
    return new CallOptions(Objects.requireNonNull(deadline, "deadline"));
  }

  /** A copy with the deadline at this {@link System#nanoTime()} value. */
  public CallOptions withDeadlineNanos(long nanoTime) {
    return withDeadline(Deadline.atNanos(nanoTime, Ticker.system()));
  }

  /** A copy without a deadline. */
  public CallOptions withoutDeadline() {
    return DEFAULT;
  }

  /** The deadline, if one is set. */
  public Optional<Deadline> deadline() {
    return Optional.ofNullable(deadline);
  }

  public boolean hasDeadline() {
    return deadline != null;
  }

  /**
   * The deadline as a value of its ticker's {@code nanoTime()} ({@link System#nanoTime()} unless it
   * was made on another ticker); meaningful only if {@link #hasDeadline()}.
   */
  public long deadlineNanos() {
    return deadline == null ? 0 : deadline.nanoTime();
  }

  /** Nanoseconds left before the deadline (negative when passed), or Long.MAX_VALUE without one. */
  long remainingNanos() {
    return deadline == null ? Long.MAX_VALUE : deadline.remainingNanos();
  }

  @Override
  public String toString() {
    return deadline != null
        ? "CallOptions{deadline in " + Duration.ofNanos(remainingNanos()) + "}"
        : "CallOptions{no deadline}";
  }
}
