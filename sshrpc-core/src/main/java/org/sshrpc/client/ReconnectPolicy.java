package org.sshrpc.client;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * When a connection whose session dropped may try to connect again: exponential backoff with
 * full jitter, capped at a maximum delay. Immutable; built with {@link #builder()}.
 *
 * <p>Reconnection is lazy and fails fast: the first call after a drop reconnects at once; if that
 * fails, calls fail with {@code UNAVAILABLE} until the backoff delay has passed, then the next
 * call tries again. No call ever waits for a backoff.
 */
public final class ReconnectPolicy {
  /** Never reconnect: after a drop every call fails with {@code UNAVAILABLE}. */
  public static final ReconnectPolicy NEVER = new ReconnectPolicy(false, Duration.ZERO, Duration.ZERO, 1.0);

  /** Reconnect with 100 ms initial delay, doubling, at most 10 s. */
  public static final ReconnectPolicy DEFAULT = builder().build();

  private final boolean enabled;
  private final Duration initialDelay;
  private final Duration maxDelay;
  private final double multiplier;

  private ReconnectPolicy(boolean enabled, Duration initialDelay, Duration maxDelay, double multiplier) {
    this.enabled = enabled;
    this.initialDelay = initialDelay;
    this.maxDelay = maxDelay;
    this.multiplier = multiplier;
  }

  public static Builder builder() {
    return new Builder();
  }

  public boolean enabled() {
    return enabled;
  }

  /**
   * The delay before attempt {@code failures + 1} after {@code failures} consecutive failed
   * attempts: a random value in [0, min(max, initial * multiplier^(failures-1))]; zero when no
   * attempt has failed yet.
   */
  public Duration delayAfter(int failures) {
    if (failures <= 0) {
      return Duration.ZERO;
    }
    double cap = initialDelay.toNanos() * Math.pow(multiplier, Math.min(failures - 1, 62));
    long capNanos = (long) Math.min(cap, (double) maxDelay.toNanos());
    return Duration.ofNanos(capNanos <= 0 ? 0 : ThreadLocalRandom.current().nextLong(capNanos + 1));
  }

  @Override
  public String toString() {
    return enabled
        ? "ReconnectPolicy{initial=" + initialDelay + ", max=" + maxDelay + ", x" + multiplier + "}"
        : "ReconnectPolicy{never}";
  }

  /** Builder for {@link ReconnectPolicy}. */
  public static final class Builder {
    private Duration initialDelay = Duration.ofMillis(100);
    private Duration maxDelay = Duration.ofSeconds(10);
    private double multiplier = 2.0;

    private Builder() {}

    public Builder initialDelay(Duration d) {
      this.initialDelay = nonNegative(d, "initialDelay");
      return this;
    }

    public Builder maxDelay(Duration d) {
      this.maxDelay = nonNegative(d, "maxDelay");
      return this;
    }

    public Builder multiplier(double m) {
      if (!(m >= 1.0 && m <= 100.0)) {
        throw new IllegalArgumentException("multiplier out of range: " + m + " (expected: 1..100)");
      }
      this.multiplier = m;
      return this;
    }

    public ReconnectPolicy build() {
      if (maxDelay.compareTo(initialDelay) < 0) {
        throw new IllegalArgumentException("maxDelay " + maxDelay + " < initialDelay " + initialDelay);
      }
      return new ReconnectPolicy(true, initialDelay, maxDelay, multiplier);
    }

    private static Duration nonNegative(Duration d, String what) {
      Objects.requireNonNull(d, what);
      if (d.isNegative()) {
        throw new IllegalArgumentException(what + " is negative: " + d);
      }
      return d;
    }
  }
}
