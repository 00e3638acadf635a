package org.sshrpc.cli;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A bounded log-linear histogram of latencies in nanoseconds, as HdrHistogram keeps them: exact
 * below 256 ns, then 128 linear buckets per power of two, so any recorded value is reported within
 * 1/128 (0.8 %) of itself. Fixed size (5,120 counters, 40 KiB) whatever is recorded: values above
 * {@link #MAX_TRACKED} (about 9.8 hours) count in the last bucket, and {@link #max()} stays exact.
 *
 * <p>Thread-safe and lock-free: completions on several threads record at once.
 */
final class LatencyHistogram {
  private static final int LINEAR = 256; // values below this have a bucket each
  private static final int SUB = 128; // buckets per power of two above it
  private static final int MAX_SHIFT = 38; // v >> shift in [128, 256): values below 2^45 ns
  static final long MAX_TRACKED = (1L << 45) - 1;

  private final AtomicLongArray counts = new AtomicLongArray(LINEAR + MAX_SHIFT * SUB);
  private final AtomicLong total = new AtomicLong();
  private final AtomicLong max = new AtomicLong();

  /** Records one latency; negative values count as 0. */
  void record(long nanos) {
    long v = Math.max(0, nanos);
    counts.incrementAndGet(index(Math.min(v, MAX_TRACKED)));
    total.incrementAndGet();
    max.accumulateAndGet(v, Math::max);
  }

  static int index(long v) {
    if (v < LINEAR) {
      return (int) v;
    }
    int shift = (63 - Long.numberOfLeadingZeros(v)) - 7; // >= 1 here
    return LINEAR + (shift - 1) * SUB + (int) ((v >>> shift) - SUB);
  }

  /** The highest value that falls in bucket {@code i} (what a percentile reports). */
  static long highestInBucket(int i) {
    if (i < LINEAR) {
      return i;
    }
    int shift = (i - LINEAR) / SUB + 1;
    long low = ((long) ((i - LINEAR) % SUB + SUB)) << shift;
    return low + (1L << shift) - 1;
  }

  long count() {
    return total.get();
  }

  /** The largest value recorded, exactly (0 when empty). */
  long max() {
    return max.get();
  }

  /**
   * The value at or below which {@code percentile} % of the recorded values fall, as the upper end
   * of its bucket (never more than {@link #max()}); 0 when empty.
   */
  long percentile(double percentile) {
    if (!(percentile >= 0 && percentile <= 100)) {
      throw new IllegalArgumentException("percentile " + percentile + " (expected: 0..100)");
    }
    long n = total.get();
    if (n == 0) {
      return 0;
    }
    long rank = Math.max(1, (long) Math.ceil(percentile / 100.0 * n));
    long seen = 0;
    for (int i = 0; i < counts.length(); i++) {
      seen += counts.get(i);
      if (seen >= rank) {
        return Math.min(highestInBucket(i), max.get());
      }
    }
    return max.get();
  }
}
