package org.sshrpc.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The server of the hostile soak: {@code sshrpc serve} (the CLI's own entry point, with the CLI's
 * logging) in a child JVM started with the JVM options of {@code dist/sshrpc.service}, the heap
 * replaced by the soak's. Its output is counted and dropped (an attacker's log volume is one of
 * the costs measured), keeping only a bounded tail for the report.
 */
final class SoakServer implements AutoCloseable {
  /** The unit file's options when {@code dist/sshrpc.service} cannot be found (a jar run elsewhere). */
  static final String FALLBACK_JAVA_OPTS = "-Xms64m -Xmx512m -XX:+ExitOnOutOfMemoryError";

  private static final Pattern READY = Pattern.compile("ready on \\S*?:(\\d+)");
  private static final Pattern JAVA_OPTS = Pattern.compile("Environment=\"JAVA_OPTS=([^\"]*)\"");
  private static final int KEEP_CHARS = 300;

  private final Process process;
  private final List<String> jvmOptions;
  private final String javaOptsSource;
  private final CountDownLatch ready = new CountDownLatch(1);
  private volatile int port = -1;
  private final AtomicLong logBytes = new AtomicLong();
  private final AtomicLong logLines = new AtomicLong();
  private final AtomicLong rawSeparators = new AtomicLong();
  private final Deque<String> tail = new ArrayDeque<>();
  private final List<String> notable = new ArrayList<>();
  private volatile long exitedAtNanos;

  private SoakServer(Process process, List<String> jvmOptions, String javaOptsSource) {
    this.process = process;
    this.jvmOptions = jvmOptions;
    this.javaOptsSource = javaOptsSource;
    process.onExit().thenRun(() -> exitedAtNanos = System.nanoTime());
    Thread t = new Thread(this::pump, "soak-server-out");
    t.setDaemon(true);
    t.start();
  }

  /** Starts {@code sshrpc serve} on 127.0.0.1, an ephemeral port, and waits for its ready line. */
  static SoakServer start(String heap, Path hostKey, Path authorizedKeys, Path policy) throws IOException {
    String[] opts = unitJavaOpts();
    List<String> jvm = new ArrayList<>();
    for (String o : opts[0].trim().split("\\s+")) {
      if (o.startsWith("-Xmx")) {
        jvm.add("-Xmx" + heap);
      } else if (!o.isEmpty()) {
        jvm.add(o);
      }
    }
    if (jvm.stream().noneMatch(o -> o.startsWith("-Xmx"))) {
      jvm.add("-Xmx" + heap);
    }
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvm);
    cmd.addAll(BenchMain.serverJvmArgs);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add("org.sshrpc.cli.Main");
    cmd.addAll(List.of("serve", "--listen", "127.0.0.1:0", "--host-key", hostKey.toString(),
        "--authorized-keys", authorizedKeys.toString(), "--policy", policy.toString()));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    SoakServer s = new SoakServer(p, jvm, opts[1]);
    try {
      if (!s.ready.await(60, TimeUnit.SECONDS) || s.port < 0) {
        String why = p.isAlive() ? "no ready line within 60 s" : "exited with status " + p.exitValue();
        s.close();
        throw new IOException("sshrpc serve: " + why + "; last output: " + s.tail());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      s.close();
      throw new IOException("interrupted", e);
    }
    return s;
  }

  /** {JAVA_OPTS, where they came from}: the unit file of the checkout, else the fallback copy. */
  static String[] unitJavaOpts() {
    Path dir = Path.of("").toAbsolutePath();
    for (int i = 0; i < 4 && dir != null; i++, dir = dir.getParent()) {
      Path unit = dir.resolve("dist/sshrpc.service");
      if (Files.isRegularFile(unit)) {
        try {
          Matcher m = JAVA_OPTS.matcher(Files.readString(unit));
          if (m.find()) {
            return new String[] {m.group(1), unit.toString()};
          }
        } catch (IOException e) {
          break;
        }
      }
    }
    return new String[] {FALLBACK_JAVA_OPTS, "built-in copy of dist/sshrpc.service"};
  }

  int port() {
    return port;
  }

  long pid() {
    return process.pid();
  }

  List<String> jvmOptions() {
    return jvmOptions;
  }

  String javaOptsSource() {
    return javaOptsSource;
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** The exit status, or -1 while it runs. */
  int exitStatus() {
    return process.isAlive() ? -1 : process.exitValue();
  }

  /** When it exited ({@link System#nanoTime()}), or 0 while it runs. */
  long exitedAtNanos() {
    return process.isAlive() ? 0 : exitedAtNanos;
  }

  long logBytes() {
    return logBytes.get();
  }

  long logLines() {
    return logLines.get();
  }

  /**
   * NEL (U+0085), LINE SEPARATOR and PARAGRAPH SEPARATOR written unescaped (UTF-8 {@code C2 85},
   * {@code E2 80 A8}, {@code E2 80 A9}): each lets a client start what a line-based log reader
   * takes for a record of its own (issue 10, 6).
   */
  long rawSeparators() {
    return rawSeparators.get();
  }

  /** Lines that say why a JVM died (OutOfMemoryError, "Terminating"), at most 10, cut to 300 chars. */
  synchronized List<String> notableLines() {
    return List.copyOf(notable);
  }

  /** The last few output lines, each cut to 300 chars. */
  synchronized String tail() {
    return String.join(" | ", tail);
  }

  /** {VmRSS, VmHWM} in bytes from /proc, or {-1, -1} (not Linux, or exited). */
  long[] rss() {
    long[] r = {-1, -1};
    try {
      for (String l : Files.readAllLines(Path.of("/proc", String.valueOf(process.pid()), "status"))) {
        if (l.startsWith("VmRSS:")) {
          r[0] = kib(l);
        } else if (l.startsWith("VmHWM:")) {
          r[1] = kib(l);
        }
      }
    } catch (IOException | RuntimeException e) {
      // gone, or no /proc: reported as unknown
    }
    return r;
  }

  private static long kib(String statusLine) {
    return Long.parseLong(statusLine.replaceAll("[^0-9]", "")) * 1024;
  }

  /** "used/total" of the Java heap from {@code jcmd PID GC.heap_info}, or null when jcmd cannot say. */
  String heapInfo() {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    if (!process.isAlive() || !Files.isExecutable(jcmd)) {
      return null;
    }
    try {
      Process p = new ProcessBuilder(jcmd.toString(), String.valueOf(process.pid()), "GC.heap_info")
          .redirectErrorStream(true).start();
      byte[] out = p.getInputStream().readNBytes(64 * 1024);
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return null;
      }
      Matcher m = Pattern.compile("total (\\d+)K, used (\\d+)K").matcher(new String(out, StandardCharsets.UTF_8));
      return m.find() ? Long.parseLong(m.group(2)) / 1024 + " MiB used of " + Long.parseLong(m.group(1)) / 1024 + " MiB" : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** Counts the output and keeps its tail; lines are never held whole (a log line may be 16 MB). */
  private void pump() {
    byte[] buf = new byte[64 * 1024];
    StringBuilder line = new StringBuilder();
    try (InputStream in = process.getInputStream()) {
      int n;
      while ((n = in.read(buf)) > 0) {
        logBytes.addAndGet(n);
        for (int i = 0; i < n; i++) {
          byte c = buf[i];
          // a sequence split across reads is missed: rare, and this is a count, not a filter
          if ((c & 0xff) == 0x85 && i > 0 && (buf[i - 1] & 0xff) == 0xc2
              || ((c & 0xff) == 0xa8 || (c & 0xff) == 0xa9) && i > 1 && (buf[i - 1] & 0xff) == 0x80 && (buf[i - 2] & 0xff) == 0xe2) {
            rawSeparators.incrementAndGet();
          }
          if (c == '\n') {
            logLines.incrementAndGet();
            endLine(line.toString());
            line.setLength(0);
          } else if (line.length() < KEEP_CHARS) {
            line.append((char) (c & 0xff));
          }
        }
      }
    } catch (IOException e) {
      // the child went away
    }
    if (line.length() > 0) {
      endLine(line.toString());
    }
    ready.countDown();
  }

  private synchronized void endLine(String l) {
    if (port < 0) {
      Matcher m = READY.matcher(l);
      if (m.find()) {
        port = Integer.parseInt(m.group(1));
        ready.countDown();
      }
    }
    if ((l.contains("OutOfMemory") || l.contains("Terminating") || l.contains("fatal error")) && notable.size() < 10) {
      notable.add(l);
    }
    tail.addLast(l);
    if (tail.size() > 8) {
      tail.removeFirst();
    }
  }

  /** SIGTERM (a graceful close, as systemd stops it), then SIGKILL after 15 s. Only this child. */
  @Override
  public void close() {
    if (!process.isAlive()) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(15, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
