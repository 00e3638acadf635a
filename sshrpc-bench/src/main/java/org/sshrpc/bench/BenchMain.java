package org.sshrpc.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The end-to-end benchmark of issue 5: runs the workloads against sshrpc and its peers in one run
 * and prints each figure beside the peers' with the ratio. Usage:
 *
 * <pre>
 * java -Xmx2g -jar sshrpc-bench/target/sshrpc-bench.jar [--quick] [--runs N] [--workloads a,b,...]
 *      [--peers sshrpc,mina-echo,...] [--markdown FILE] [--verbose]
 * java -Xmx2g -jar sshrpc-bench/target/sshrpc-bench.jar soak [...]   (see {@link Soak})
 * </pre>
 */
public final class BenchMain {
  static volatile boolean verbose;
  /** Extra JVM options for the server child JVMs (e.g. a JFR recording), from --server-jvm. */
  static final List<String> serverJvmArgs = new java.util.concurrent.CopyOnWriteArrayList<>();

  private BenchMain() {}

  /** The parsed command line. */
  record Options(boolean quick, int runs, Set<Workload> workloads, List<String> peers, Path markdown) {}

  public static void main(String[] args) throws Exception {
    if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
      // MINA logs every session at INFO; the report is the output that matters
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    }
    // the CLI's simplelogger.properties (on this class path for the soak's `sshrpc serve`) turns
    // sshrpc's own loggers to INFO: keep the benchmark's client side quiet all the same
    quiet("org.slf4j.simpleLogger.log.org.sshrpc");
    quiet("org.slf4j.simpleLogger.log.sshrpc.audit");
    if (args.length > 0 && args[0].equals("fleet")) {
      FleetBench.main(java.util.Arrays.copyOfRange(args, 1, args.length));
      return;
    }
    if (args.length > 0 && args[0].equals("soak")) {
      Soak.main(java.util.Arrays.copyOfRange(args, 1, args.length));
      return;
    }
    if (args.length > 0 && args[0].equals("longhaul")) {
      LongHaul.main(java.util.Arrays.copyOfRange(args, 1, args.length));
      return;
    }
    if (List.of(args).contains("--help") || List.of(args).contains("-h")) {
      System.out.println(usage());
      System.exit(0);
      return;
    }
    Options o;
    try {
      o = parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("sshrpc-bench: " + e.getMessage());
      System.err.println(usage());
      System.exit(2);
      return;
    }
    System.exit(run(o, System.out));
  }

  private static void quiet(String property) {
    if (System.getProperty(property) == null) {
      System.setProperty(property, "warn");
    }
  }

  static String usage() {
    StringBuilder b = new StringBuilder(
        "usage: sshrpc-bench soak [options]   (the hostile soak of issue 10; sshrpc-bench soak --help)\n"
            + "usage: sshrpc-bench longhaul [options]   (50 ms RTT through a delaying proxy; sshrpc-bench longhaul --help)\n"
            + "usage: sshrpc-bench fleet [--calls N] [--runs N]   (the balancer's overhead, issue 15)\n"
            + "usage: sshrpc-bench [--quick] [--runs N] [--workloads LIST] [--peers LIST] [--markdown FILE] [--verbose]\n"
            + "  --quick      short counts, one run (unless --runs)\n"
            + "  --runs N     repetitions; each figure is the median (default 3)\n"
            + "  --markdown F also write the report to F\n"
            + "  --server-jvm OPT  add a JVM option to the Java servers (repeatable), e.g. for JFR\n"
            + "  workloads (letter or id):\n");
    for (Workload w : Workload.values()) {
      b.append(String.format(Locale.ROOT, "    %-3s %-17s %s%n", w.letter, w.id, w.title));
    }
    b.append("  peers (the first is the reference of the ratios): ").append(String.join(", ", Subjects.ALL));
    return b.toString();
  }

  static Options parse(String[] args) {
    boolean quick = false;
    Integer runs = null;
    Set<Workload> ws = EnumSet.allOf(Workload.class);
    List<String> peers = new ArrayList<>(Subjects.ALL);
    Path md = null;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      switch (a) {
        case "--quick" -> quick = true;
        case "--verbose" -> verbose = true;
        case "--runs" -> {
          runs = Integer.parseInt(value(args, ++i, a));
          if (runs < 1 || runs > 99) {
            throw new IllegalArgumentException("--runs " + runs + " (expected: 1..99)");
          }
        }
        case "--workloads" -> {
          ws = EnumSet.noneOf(Workload.class);
          for (String w : value(args, ++i, a).split(",")) {
            ws.add(Workload.parse(w));
          }
        }
        case "--peers" -> {
          peers = new ArrayList<>();
          for (String p : value(args, ++i, a).split(",")) {
            if (!Subjects.ALL.contains(p.trim())) {
              throw new IllegalArgumentException("unknown peer " + p + " (expected: " + String.join(", ", Subjects.ALL) + ")");
            }
            peers.add(p.trim());
          }
        }
        case "--markdown" -> md = Path.of(value(args, ++i, a));
        case "--server-jvm" -> serverJvmArgs.add(value(args, ++i, a));
        default -> throw new IllegalArgumentException("unknown option " + a);
      }
    }
    return new Options(quick, runs != null ? runs : (quick ? 1 : 3), ws, peers, md);
  }

  private static String value(String[] args, int i, String opt) {
    if (i >= args.length) {
      throw new IllegalArgumentException(opt + " needs a value");
    }
    return args[i];
  }

  static int run(Options o, PrintStream out) throws Exception {
    BenchKeys keys = BenchKeys.create();
    List<Subject> subjects = new ArrayList<>();
    Map<String, String> skipped = new LinkedHashMap<>();
    try {
      for (String p : o.peers()) {
        try {
          Subject s = Subjects.create(p, keys);
          if (s == null) {
            skipped.put(p, "not available on this machine");
          } else {
            subjects.add(s);
          }
        } catch (Exception e) {
          skipped.put(p, "failed to start: " + e);
        }
      }
      // results[subject][workload] = one Result per repetition
      Map<String, Map<Workload, List<Result>>> results = new LinkedHashMap<>();
      for (Subject s : subjects) {
        results.put(s.name(), new LinkedHashMap<>());
      }
      // repetitions interleave the subjects, so slow drifts of a shared machine hit all of them
      for (int rep = 1; rep <= o.runs(); rep++) {
        for (Workload w : o.workloads()) {
          for (Subject s : subjects) {
            if (!s.supports(w)) {
              continue;
            }
            Result r;
            try {
              r = s.run(w, o.quick());
            } catch (Exception | AssertionError e) {
              r = Result.failed(e.toString());
              if (verbose) {
                e.printStackTrace();
              }
            }
            results.get(s.name()).computeIfAbsent(w, k -> new ArrayList<>()).add(r);
            System.err.printf(Locale.ROOT, "run %d/%d %-18s %-16s %s%n", rep, o.runs(), w.id, s.name(),
                r.ok() ? Report.num(r.value()) + " " + w.unit : "FAILED " + r.note());
          }
        }
      }
      String report = Report.render(o, subjects, skipped, results);
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
      keys.delete();
    }
  }

  /** The median result (by headline value) of the successful repetitions, or the last failure. */
  static Result median(List<Result> rs) {
    List<Result> ok = new ArrayList<>(rs.stream().filter(Result::ok).toList());
    if (ok.isEmpty()) {
      return rs.isEmpty() ? null : rs.get(rs.size() - 1);
    }
    ok.sort(Comparator.comparingDouble(Result::value));
    return ok.get((ok.size() - 1) / 2);
  }
}
