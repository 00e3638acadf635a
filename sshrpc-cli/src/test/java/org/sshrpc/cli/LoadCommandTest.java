package org.sshrpc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The load generator's parts without a network: its histogram and its argument checks. */
@Timeout(20)
class LoadCommandTest {

  private static String[] run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Main.run(
        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), args);
    return new String[] {String.valueOf(code), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)};
  }

  @Test
  void histogramIsExactBelow256AndWithin1Over128Above() {
    LatencyHistogram h = new LatencyHistogram();
    for (long v = 1; v <= 100; v++) {
      h.record(v);
    }
    assertEquals(50, h.percentile(50));
    assertEquals(90, h.percentile(90));
    assertEquals(99, h.percentile(99));
    assertEquals(100, h.percentile(100));
    assertEquals(100, h.max());
    assertEquals(100, h.count());

    Random rnd = new Random(7);
    for (int i = 0; i < 100_000; i++) {
      long v = (long) Math.exp(rnd.nextDouble() * Math.log(LatencyHistogram.MAX_TRACKED));
      int b = LatencyHistogram.index(v);
      long hi = LatencyHistogram.highestInBucket(b);
      assertTrue(hi >= v && hi - v <= v / 128, v + " reported as " + hi);
    }
  }

  @Test
  void bucketsTileTheRangeWithoutGapsOrOverlap() {
    int last = LatencyHistogram.index(LatencyHistogram.MAX_TRACKED);
    for (int i = 0; i < last; i++) {
      long hi = LatencyHistogram.highestInBucket(i);
      assertEquals(i, LatencyHistogram.index(hi), "bucket " + i);
      assertEquals(i + 1, LatencyHistogram.index(hi + 1), "after bucket " + i);
    }
  }

  @Test
  void hugeValuesAreClampedButMaxStaysExact() {
    LatencyHistogram h = new LatencyHistogram();
    h.record(Long.MAX_VALUE);
    h.record(-5);
    assertEquals(Long.MAX_VALUE, h.max());
    assertEquals(0, h.percentile(50));
    assertTrue(h.percentile(100) >= LatencyHistogram.MAX_TRACKED, "" + h.percentile(100));
    assertEquals(0, new LatencyHistogram().percentile(99));
  }

  @Test
  void targetSwitchesBenchToTheLoadGenerator() {
    assertTrue(BenchCommand.isLoadMode(List.of("--target", "h", "m:f()")));
    assertTrue(BenchCommand.isLoadMode(List.of("--calls", "3", "--target=h", "m:f()")));
    assertFalse(BenchCommand.isLoadMode(List.of("--quick", "--runs", "1")));
    assertFalse(BenchCommand.isLoadMode(List.of("--", "--target")));
  }

  @Test
  void badArgumentsAreOneLineAndExit64BeforeConnecting() {
    String[][] cases = {
      {"--calls", "0", "--calls 0 (expected: at least 1)"},
      {"--in-flight", "0", "--in-flight 0 (expected: 1..100000)"},
      {"--connections", "1001", "--connections 1001 (expected: 1..1000)"},
      {"--duration", "-1", "--duration -1.0 (expected: 0 < S <= 31536000)"},
      {"--warmup", "-3", "--warmup -3 (expected: 0 or more)"},
      {"--timeout", "0", "--timeout 0 (expected: a positive number of milliseconds)"},
    };
    for (String[] c : cases) {
      // port 1 on loopback: a run that connected before checking would report exit 2 instead
      String[] r = run("bench", "--target", "127.0.0.1:1", c[0], c[1], "lists:seq(1,2)");
      assertEquals("64", r[0], String.join(" ", c) + ": " + r[2]);
      assertEquals(c[2] + "\nTry 'sshrpc bench --help' for more information.\n", r[2]);
      assertEquals("", r[1]);
    }
    String[] r = run("bench", "--target", "127.0.0.1:1", "lists:seq(1,");
    assertEquals("64", r[0], r[2]);
    assertTrue(r[2].startsWith("Invalid value for positional parameter at index 0 (Module:Function(Args...)): bad call 'lists:seq(1,'"), r[2]);
  }

  @Test
  void benchHelpListsTheLoadGeneratorOptions() {
    String[] r = run("bench", "--help");
    assertEquals("0", r[0], r[2]);
    for (String opt : List.of("--target", "--calls", "--in-flight", "--connections", "--duration", "--warmup", "calls_per_s=N")) {
      assertTrue(r[1].contains(opt), opt + " missing from: " + r[1]);
    }
  }
}
