package org.sshrpc.bench.codec;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A companion to {@link CodecBench} for a shared, overloaded machine: the same payloads and
 * operations, timed in <em>thread CPU time</em> per operation rather than wall-clock throughput,
 * with the sshrpc and JInterface sides interleaved round by round so both see the same machine
 * state. CPU time does not count the time the thread waits for a core, which dominates JMH's
 * wall-clock scores when other builds run; it still includes cache and memory contention. Not a
 * JMH benchmark and no substitute for one on a quiet machine.
 *
 * <p>Run: {@code java -cp ... org.sshrpc.bench.codec.CodecCpuTime [rounds [payload,...]]} (default 15 rounds of
 * about 0.2 s per side and cell, after a warm-up of the same length). Prints the median CPU
 * nanoseconds per op of each side and their ratio.
 */
public final class CodecCpuTime {
  private CodecCpuTime() {}

  private interface Op {
    Object run() throws Exception;
  }

  private static volatile Object sink;

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    System.out.printf("%-8s %-12s %14s %14s %8s%n", "op", "payload", "sshrpc ns/op", "jinterface ns/op", "ratio");
    String[] payloads =
        args.length > 1 ? args[1].split(",") : new String[] {"seq100", "seq100fresh", "binary1MiB", "map1000"};
    for (String payload : payloads) {
      CodecBench b = new CodecBench();
      b.payload = payload;
      b.setUp();
      report(mx, rounds, "encode", payload, b::encodeSshrpc, b::encodeJinterface);
      report(mx, rounds, "decode", payload, b::decodeSshrpc, b::decodeJinterface);
    }
  }

  private static void report(ThreadMXBean mx, int rounds, String op, String payload, Op ours, Op theirs)
      throws Exception {
    // Warm-up: the same alternation, results discarded.
    for (int r = 0; r < 5; r++) {
      time(mx, ours);
      time(mx, theirs);
    }
    List<Double> a = new ArrayList<>();
    List<Double> b = new ArrayList<>();
    for (int r = 0; r < rounds; r++) {
      a.add(time(mx, ours));
      b.add(time(mx, theirs));
    }
    double ma = median(a);
    double mb = median(b);
    System.out.printf("%-8s %-12s %14.1f %14.1f %7.2fx%n", op, payload, ma, mb, mb / ma);
  }

  /** CPU nanoseconds per op over about 0.2 s of this thread's CPU time. */
  private static double time(ThreadMXBean mx, Op op) throws Exception {
    long budget = 200_000_000L;
    long start = mx.getCurrentThreadCpuTime();
    long ops = 0;
    long now;
    do {
      for (int i = 0; i < 16; i++) {
        sink = op.run();
      }
      ops += 16;
      now = mx.getCurrentThreadCpuTime();
    } while (now - start < budget);
    return (double) (now - start) / ops;
  }

  private static double median(List<Double> xs) {
    double[] v = xs.stream().mapToDouble(Double::doubleValue).toArray();
    Arrays.sort(v);
    return v[v.length / 2];
  }
}
