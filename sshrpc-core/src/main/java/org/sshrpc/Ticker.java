package org.sshrpc;

/**
 * A source of monotonic nanoseconds, as {@link System#nanoTime()}. Every {@link Deadline} reads one,
 * so tests can move time with a fake ticker instead of sleeping.
 */
@FunctionalInterface
public interface Ticker {
  /** The current value in nanoseconds; only differences between two values mean anything. */
  long nanoTime();

  /** The system's monotonic clock. */
  static Ticker system() {
    return SystemTicker.INSTANCE;
  }
}

/** {@link Ticker#system()}: {@link System#nanoTime()}. */
enum SystemTicker implements Ticker {
  INSTANCE;

  @Override
  public long nanoTime() {
    return System.nanoTime();
  }
}
