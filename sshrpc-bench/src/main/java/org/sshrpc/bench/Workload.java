package org.sshrpc.bench;

import java.util.Locale;

/** One end-to-end workload of issue 5, with its letter, its unit and its call counts. */
enum Workload {
  SEQ("a", "seq", "(a) lists:seq(1,100) sequential", "calls/s", 10_000, 1_000),
  PIPELINED("b", "pipelined", "(b) lists:seq(1,100), 64 in flight", "calls/s", 200_000, 20_000),
  ECHO_1K("c", "echo1k", "(c) 1 KiB echo sequential", "calls/s", 10_000, 1_000),
  ECHO_1K_PIPELINED("c2", "echo1k-pipelined", "(c) 1 KiB echo, 64 in flight", "calls/s", 100_000, 10_000),
  BULK("d", "bulk", "(d) 16 MiB binary echo", "MB/s", 8, 3),
  CONNECT("e", "connect", "(e) connect+auth+subsystem open (median of 20)", "ms", 20, 20),
  CONNECT_100("f", "connect100", "(f) 100 connections at once, one call each", "ms", 100, 100),
  IDLE_1000("g", "idle1000", "(g) server memory per idle connection, 1,000 open", "KiB/conn", 1_000, 200);

  /** Requests in flight for the pipelined workloads. */
  static final int IN_FLIGHT = 64;

  final String letter;
  final String id;
  final String title;
  final String unit;
  final int count;
  final int quickCount;

  Workload(String letter, String id, String title, String unit, int count, int quickCount) {
    this.letter = letter;
    this.id = id;
    this.title = title;
    this.unit = unit;
    this.count = count;
    this.quickCount = quickCount;
  }

  /** True when a higher figure is better (throughput), false for times and memory. */
  boolean higherIsBetter() {
    return unit.endsWith("/s");
  }

  /** Counts that replace the defaults, for runs far slower per call (the long-haul run). */
  static final java.util.Map<Workload, Integer> COUNT_OVERRIDES = new java.util.concurrent.ConcurrentHashMap<>();

  int count(boolean quick) {
    Integer o = COUNT_OVERRIDES.get(this);
    return o != null ? o : quick ? quickCount : count;
  }

  /** Finds a workload by letter ("a", "c2") or id ("seq"). */
  static Workload parse(String s) {
    String k = s.trim().toLowerCase(Locale.ROOT);
    for (Workload w : values()) {
      if (w.letter.equals(k) || w.id.equals(k)) {
        return w;
      }
    }
    throw new IllegalArgumentException("unknown workload: " + s + " (expected: a, b, c, c2, d, e, f, g or their ids)");
  }
}
