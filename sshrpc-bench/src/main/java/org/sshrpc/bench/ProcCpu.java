package org.sshrpc.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** CPU and memory figures of processes, read from Linux {@code /proc} (NaN elsewhere). */
final class ProcCpu {
  // USER_HZ is 100 on every Linux we run on; /proc reports times in these ticks.
  private static final long NANOS_PER_TICK = 10_000_000L;

  private ProcCpu() {}

  /** CPU nanoseconds used so far by this JVM. */
  static long selfNanos() {
    var os = ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
      return sun.getProcessCpuTime();
    }
    return -1;
  }

  /**
   * CPU nanoseconds used so far by {@code root} and its live descendants, plus the children it
   * already reaped; -1 when {@code /proc} is not readable.
   */
  static long treeNanos(ProcessHandle root) {
    long ticks = 0;
    long[] r = stat(root.pid());
    if (r == null) {
      return -1;
    }
    ticks += r[0] + r[1] + r[2] + r[3];
    for (ProcessHandle d : (Iterable<ProcessHandle>) root.descendants()::iterator) {
      long[] s = stat(d.pid());
      if (s != null) {
        ticks += s[0] + s[1];
      }
    }
    return ticks * NANOS_PER_TICK;
  }

  /** Resident set size in bytes of {@code root} and its descendants. */
  static long treeRssBytes(ProcessHandle root) {
    long kb = rssKb(root.pid());
    for (ProcessHandle d : (Iterable<ProcessHandle>) root.descendants()::iterator) {
      kb += Math.max(0, rssKb(d.pid()));
    }
    return kb * 1024;
  }

  private static long rssKb(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"), StandardCharsets.US_ASCII)) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException | RuntimeException e) {
      // the process ended between listing and reading: it holds no memory
    }
    return 0;
  }

  /** utime, stime, cutime, cstime in ticks, or null. */
  private static long[] stat(long pid) {
    try {
      String s = Files.readString(Path.of("/proc/" + pid + "/stat"), StandardCharsets.US_ASCII);
      // the command name (field 2) may contain spaces; fields after its closing paren are fixed
      String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
      // f[0] is field 3 (state); utime is field 14
      return new long[] {Long.parseLong(f[11]), Long.parseLong(f[12]), Long.parseLong(f[13]), Long.parseLong(f[14])};
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }
}
