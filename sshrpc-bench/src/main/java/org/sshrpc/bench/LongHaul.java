package org.sshrpc.bench;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The long-haul benchmark of issue 14: sshrpc, gRPC-java over TLS and the seed's Erlang pair, each
 * through a {@link DelayProxy} adding a fixed round-trip time (50 ms by default), on the workloads
 * where distance matters: sequential calls, 64 in flight and a 16 MiB echo. Each figure is printed
 * beside its physical limit: one call per RTT, 64 per RTT, and for the echo the SSH window per RTT
 * each way. Our pair also runs with larger MINA windows ({@code org.apache.sshd.config.window-size}
 * on both JVMs) to show what the window bounds. Usage:
 *
 * <pre>
 * java -jar sshrpc-bench.jar longhaul [--rtt MS] [--runs N] [--peers LIST] [--windows LIST] [--markdown FILE]
 * </pre>
 */
final class LongHaul {
  /** MINA's own default channel window (CoreModuleProperties.WINDOW_SIZE). */
  static final long MINA_DEFAULT_WINDOW = 2L << 20;
  static final String WINDOW_PROPERTY = "org.apache.sshd.config.window-size";
  static final List<Workload> WORKLOADS = List.of(Workload.SEQ, Workload.PIPELINED, Workload.BULK);
  static final int BULK_BYTES = 16 << 20;

  private LongHaul() {}

  record Options(double rttMillis, int runs, List<String> peers, List<Long> windows, Path markdown) {}

  static String usage() {
    return "usage: sshrpc-bench longhaul [--rtt MS] [--runs N] [--peers LIST] [--windows LIST] [--markdown FILE] [--verbose]\n"
        + "  --rtt MS       round-trip time the delaying proxy adds (default 50)\n"
        + "  --runs N       repetitions, figures are medians (default 3)\n"
        + "  --peers LIST   of sshrpc, grpc-tls, erlang-seed (default all three)\n"
        + "  --windows LIST extra MINA window sizes for our pair, e.g. 8m,32m (default 8m,32m; 'none')\n";
  }

  static Options parse(String[] args) {
    double rtt = 50;
    int runs = 3;
    List<String> peers = new ArrayList<>(List.of("sshrpc", "grpc-tls", "erlang-seed"));
    List<Long> windows = new ArrayList<>(List.of(8L << 20, 32L << 20));
    Path md = null;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      switch (a) {
        case "--rtt" -> {
          rtt = Double.parseDouble(value(args, ++i, a));
          if (!(rtt >= 0 && rtt <= 10_000)) {
            throw new IllegalArgumentException("--rtt " + rtt + " (expected: 0..10000 ms)");
          }
        }
        case "--runs" -> {
          runs = Integer.parseInt(value(args, ++i, a));
          if (runs < 1 || runs > 99) {
            throw new IllegalArgumentException("--runs " + runs + " (expected: 1..99)");
          }
        }
        case "--peers" -> {
          peers = new ArrayList<>();
          for (String p : value(args, ++i, a).split(",")) {
            if (!List.of("sshrpc", "grpc-tls", "erlang-seed").contains(p.trim())) {
              throw new IllegalArgumentException("unknown peer " + p + " (expected: sshrpc, grpc-tls, erlang-seed)");
            }
            peers.add(p.trim());
          }
        }
        case "--windows" -> {
          windows = new ArrayList<>();
          String v = value(args, ++i, a);
          if (!v.equals("none")) {
            for (String w : v.split(",")) {
              windows.add(bytes(w.trim()));
            }
          }
        }
        case "--markdown" -> md = Path.of(value(args, ++i, a));
        case "--verbose" -> BenchMain.verbose = true;
        default -> throw new IllegalArgumentException("unknown option " + a);
      }
    }
    return new Options(rtt, runs, peers, windows, md);
  }

  /** {@code 8m}, {@code 512k} or a plain byte count. */
  static long bytes(String s) {
    String k = s.toLowerCase(Locale.ROOT);
    long unit = k.endsWith("m") ? 1 << 20 : k.endsWith("k") ? 1 << 10 : 1;
    String digits = unit == 1 ? k : k.substring(0, k.length() - 1);
    long v;
    try {
      v = Long.parseLong(digits) * unit;
    } catch (NumberFormatException e) {
      v = -1;
    }
    if (v < 64 << 10 || v > (1L << 30)) {
      throw new IllegalArgumentException("window " + s + " (expected: 64k..1024m)");
    }
    return v;
  }

  private static String value(String[] args, int i, String opt) {
    if (i >= args.length) {
      throw new IllegalArgumentException(opt + " needs a value");
    }
    return args[i];
  }

  public static void main(String[] args) throws Exception {
    if (List.of(args).contains("--help") || List.of(args).contains("-h")) {
      System.out.print(usage());
      return;
    }
    Options o;
    try {
      o = parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("sshrpc-bench longhaul: " + e.getMessage());
      System.err.print(usage());
      System.exit(2);
      return;
    }
    System.exit(run(o, System.out));
  }

  /** Our pair with both ends' MINA window set to {@code window} bytes for the duration of each run. */
  static final class WindowedSubject implements Subject {
    private final String name;
    private final long window;
    private final SshrpcSubject inner;

    WindowedSubject(BenchKeys keys, long window) throws java.io.IOException {
      this.name = "sshrpc-w" + (window >> 20) + "m";
      this.window = window;
      ServerProcess server = ServerProcess.java("sshrpc",
          List.of(keys.hostKey.toString(), keys.sshrpcAuthorizedKeys.toString()),
          List.of("-D" + WINDOW_PROPERTY + "=" + window));
      this.inner = new SshrpcSubject(name, "as sshrpc, MINA window " + (window >> 20) + " MiB on both ends", server, keys);
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public String description() {
      return inner.description();
    }

    @Override
    public boolean supports(Workload w) {
      return true;
    }

    @Override
    public Result run(Workload w, boolean quick) throws Exception {
      // MINA reads its properties through the system properties at channel open: the client's
      // window is this JVM's setting while this subject's connections open.
      System.setProperty(WINDOW_PROPERTY, Long.toString(window));
      try {
        return inner.run(w, quick);
      } finally {
        System.clearProperty(WINDOW_PROPERTY);
      }
    }

    @Override
    public void close() throws Exception {
      inner.close();
    }
  }

  /** The physical limit of a workload at this RTT ({@code window} only matters for the echo). */
  static double limit(Workload w, double rttSeconds, long window) {
    return switch (w) {
      case SEQ -> 1 / rttSeconds;
      case PIPELINED -> Workload.IN_FLIGHT / rttSeconds;
      // The reply starts once the request is whole. With a window W < N each way, the first W
      // bytes arrive after RTT/2 and each further window one RTT later: (N/W - 1/2) RTT each way,
      // RTT x (2N/W - 1) in all; a window >= N leaves one RTT. Bandwidth is not limited.
      case BULK -> BULK_BYTES / 1e6 / (rttSeconds * Math.max(1.0, 2.0 * BULK_BYTES / window - 1));
      default -> Double.NaN;
    };
  }

  static int run(Options o, PrintStream out) throws Exception {
    double rtt = o.rttMillis() / 1e3;
    // counts sized for ~5 s per figure at the limit, warm-up apart
    Workload.COUNT_OVERRIDES.put(Workload.SEQ, (int) Math.max(20, Math.min(1000, 5 / Math.max(rtt, 1e-3))));
    Workload.COUNT_OVERRIDES.put(Workload.PIPELINED, (int) Math.max(640, Math.min(100_000, 5 * Workload.IN_FLIGHT / Math.max(rtt, 1e-3))));
    Workload.COUNT_OVERRIDES.put(Workload.BULK, 3);
    List<DelayProxy> proxies = new java.util.concurrent.CopyOnWriteArrayList<>();
    ServerProcess.route = port -> {
      try {
        DelayProxy p = DelayProxy.withRtt(port, o.rttMillis());
        proxies.add(p);
        return p.port();
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    };
    BenchKeys keys = BenchKeys.create();
    List<Subject> subjects = new ArrayList<>();
    Map<String, Long> windows = new LinkedHashMap<>();
    Map<String, String> skipped = new LinkedHashMap<>();
    try {
      for (String p : o.peers()) {
        Subject s = Subjects.create(p, keys);
        if (s == null) {
          skipped.put(p, "not available on this machine");
        } else {
          subjects.add(s);
          windows.put(p, p.equals("sshrpc") ? MINA_DEFAULT_WINDOW : -1L);
        }
        if (p.equals("sshrpc")) {
          for (long w : o.windows()) {
            WindowedSubject ws = new WindowedSubject(keys, w);
            subjects.add(ws);
            windows.put(ws.name(), w);
          }
        }
      }
      Map<String, Map<Workload, List<Result>>> results = new LinkedHashMap<>();
      for (Subject s : subjects) {
        results.put(s.name(), new LinkedHashMap<>());
      }
      for (int rep = 1; rep <= o.runs(); rep++) {
        for (Workload w : WORKLOADS) {
          for (Subject s : subjects) {
            if (!s.supports(w)) {
              continue;
            }
            Result r;
            try {
              r = s.run(w, true);
            } catch (Exception | AssertionError e) {
              r = Result.failed(e.toString());
              if (BenchMain.verbose) {
                e.printStackTrace();
              }
            }
            results.get(s.name()).computeIfAbsent(w, k -> new ArrayList<>()).add(r);
            System.err.printf(Locale.ROOT, "run %d/%d %-10s %-14s %s%n", rep, o.runs(), w.id, s.name(),
                r.ok() ? Report.num(r.value()) + " " + w.unit : "FAILED " + r.note());
          }
        }
      }
      String report = render(o, subjects, windows, skipped, results);
      out.print(report);
      if (o.markdown() != null) {
        Files.writeString(o.markdown(), report, StandardCharsets.UTF_8);
      }
      return 0;
    } finally {
      for (Subject s : subjects) {
        try {
          s.close();
        } catch (Exception e) {
          System.err.println("closing " + s.name() + ": " + e);
        }
      }
      proxies.forEach(DelayProxy::close);
      ServerProcess.route = java.util.function.IntUnaryOperator.identity();
      keys.delete();
    }
  }

  static String render(Options o, List<Subject> subjects, Map<String, Long> windows, Map<String, String> skipped,
      Map<String, Map<Workload, List<Result>>> results) {
    double rtt = o.rttMillis() / 1e3;
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "## Long haul: %.0f ms RTT through a delaying proxy (medians of %d runs)%n%n", o.rttMillis(), o.runs()));
    b.append("| workload | limit | ");
    for (Subject s : subjects) {
      b.append(s.name()).append(" | ");
    }
    b.append("\n|---|---|");
    b.append("---|".repeat(subjects.size())).append('\n');
    for (Workload w : WORKLOADS) {
      b.append("| ").append(w.title).append(" (").append(w.unit).append(") | ");
      if (w == Workload.BULK) {
        b.append("per window, below");
      } else {
        b.append(Report.num(limit(w, rtt, 0)));
      }
      b.append(" | ");
      for (Subject s : subjects) {
        Result r = BenchMain.median(results.get(s.name()).getOrDefault(w, List.of()));
        if (r == null) {
          b.append("- | ");
          continue;
        }
        if (!r.ok()) {
          b.append("failed | ");
          continue;
        }
        long win = windows.getOrDefault(s.name(), -1L);
        double lim = limit(w, rtt, win > 0 ? win : Long.MAX_VALUE);
        b.append(String.format(Locale.ROOT, "%s (%.2fx)", Report.num(r.value()), r.value() / lim)).append(" | ");
      }
      b.append('\n');
    }
    b.append("\nLimits: sequential 1/RTT; 64 in flight 64/RTT; the 16 MiB echo (N bytes, request whole, then reply) with an SSH window W\n");
    b.append("on each end takes at least RTT x max(1, 2N/W - 1) (one window per RTT each way; bandwidth unlimited), one RTT without a fixed window: ");
    for (Map.Entry<String, Long> e : windows.entrySet()) {
      double lim = limit(Workload.BULK, rtt, e.getValue() > 0 ? e.getValue() : Long.MAX_VALUE);
      b.append(e.getKey()).append(e.getValue() > 0 ? " (W " + (e.getValue() >> 20) + " MiB) " : " (no fixed window) ")
          .append(Report.num(lim)).append(" MB/s; ");
    }
    b.append("\nRatios in brackets are to the subject's limit.\n\n");
    for (Subject s : subjects) {
      b.append("- ").append(s.name()).append(": ").append(s.description()).append('\n');
    }
    skipped.forEach((k, v) -> b.append("- ").append(k).append(": skipped, ").append(v).append('\n'));
    for (Subject s : subjects) {
      for (Workload w : WORKLOADS) {
        List<Result> rs = results.get(s.name()).getOrDefault(w, List.of());
        for (Result r : rs) {
          if (!r.ok()) {
            b.append("- ").append(s.name()).append(' ').append(w.id).append(" failed: ").append(r.note()).append('\n');
          }
        }
      }
    }
    return b.toString();
  }
}
