package org.sshrpc.bench;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;

/** The counters of the hostile soak: one {@link Op} per legitimate operation, one {@link Attack} per attack kind. */
final class SoakStats {
  private SoakStats() {}

  /** A legitimate operation's attempts, successes, latency of the successes and failure reasons. */
  static final class Op {
    final LongAdder attempts = new LongAdder();
    final LongAdder ok = new LongAdder();
    private final Histogram latencyNanos = new Histogram(60_000_000_000L, 3);
    private final Map<String, LongAdder> reasons = new ConcurrentHashMap<>();

    void success(long nanos) {
      attempts.increment();
      ok.increment();
      synchronized (latencyNanos) {
        latencyNanos.recordValue(Math.min(nanos, latencyNanos.getHighestTrackableValue()));
      }
    }

    void failure(String reason) {
      attempts.increment();
      // bounded: at most 20 distinct reasons, each cut to 100 characters
      String r = reason == null ? "?" : reason.length() > 100 ? reason.substring(0, 100) : reason;
      if (reasons.size() < 20 || reasons.containsKey(r)) {
        reasons.computeIfAbsent(r, k -> new LongAdder()).increment();
      }
    }

    long failures() {
      return attempts.sum() - ok.sum();
    }

    Histogram histogram() {
      synchronized (latencyNanos) {
        return latencyNanos.copy();
      }
    }

    Map<String, Long> reasons() {
      Map<String, Long> m = new LinkedHashMap<>();
      reasons.entrySet().stream()
          .sorted((a, b) -> Long.compare(b.getValue().sum(), a.getValue().sum()))
          .forEach(e -> m.put(e.getKey(), e.getValue().sum()));
      return m;
    }
  }

  /**
   * One attack kind over all attackers. {@code sent}: requests, frames, connections or sockets
   * sent; {@code refused}: the server said no (an error reply, a refused login, a closed socket or
   * channel); {@code errors}: failures on our side (connect refused, I/O errors, timeouts);
   * {@code breaches}: the attack got what it wanted (another user's pid or name, a message meant
   * for someone else, a login under a forged name).
   */
  static final class Attack {
    final String id;
    final String what;
    final LongAdder sent = new LongAdder();
    final LongAdder refused = new LongAdder();
    final LongAdder errors = new LongAdder();
    final LongAdder breaches = new LongAdder();
    final LongAdder replyBytes = new LongAdder();
    volatile String lastError = "";

    Attack(String id, String what) {
      this.id = id;
      this.what = what;
    }

    void error(Throwable e) {
      errors.increment();
      lastError = Soak.oneLine(e);
    }
  }
}
