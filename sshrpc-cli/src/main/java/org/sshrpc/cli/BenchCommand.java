package org.sshrpc.cli;

import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code sshrpc bench}: with {@code --target}, the load generator for a user's own node ({@link
 * LoadCommand}); otherwise runs the end-to-end benchmark suite (sshrpc beside gRPC-java over TLS, a
 * bare MINA echo subsystem, OpenSSH and Erlang/OTP peers) from the separate benchmark jar.
 *
 * <p>The benchmarks and their peers (gRPC, JMH) live in {@code sshrpc-bench} so that the library
 * and this CLI never depend on them; this command only starts that jar in a child JVM with the
 * same arguments and returns its exit code.
 */
@Command(
    name = "bench",
    description = {
      "With --target: load a node of yours and report calls/s, latency percentiles and errors by status:",
      "  sshrpc bench --target TARGET [-i KEY] [--known-hosts FILE] [-l USER]",
      "      [--resolver IP[:PORT]] [--calls N]",
      "      [--in-flight K] [--connections C] [--duration S] [--warmup N] [--timeout MS] 'M:F(Args)'",
      "  (its options are listed below).",
      "Without --target: run the benchmark suite with its peers in the same run (see docs/performance.md).",
      "Arguments are passed on to sshrpc-bench.jar; try 'sshrpc bench --help'.",
      "The jar is $SSHRPC_BENCH_JAR, else sshrpc-bench/target/sshrpc-bench.jar in the checkout",
      "(build it with: mvn -B -q -pl sshrpc-bench -am package -DskipTests)."
    },
    // The load generator parses its own options (LoadCommand); picocli shows this command's help
    // for `bench --target x --help`, so its options are listed here.
    footer = {
      "",
      "Load generator options (with --target):",
      "  --target TARGET      the node, [USER@]HOST[:PORT] (port 2222 by default;",
      "                       IPv6 as [::1]:2222), or a fleet balanced over its",
      "                       replicas: dns:///NAME[:PORT], srv:///_sshrpc._tcp.NAME",
      "                       or HOST:PORT,HOST:PORT,...",
      "  --resolver IP[:PORT] DNS server for dns:/// and srv:/// targets",
      "  -i, --known-hosts, --accept-new-host, -l   as for 'sshrpc call'",
      "  -n, --calls N        calls after the warm-up (default 10000; unbounded with",
      "                       --duration)",
      "  --duration S         start no call after S seconds (decimals allowed)",
      "  --in-flight K        calls outstanding on each connection (default 1)",
      "  --connections C      connections, each its own SSH session (default 1); for",
      "                       a fleet, balanced ones, each a session per replica",
      "  --warmup N           calls made first and not counted (default 0)",
      "  --timeout MS         deadline of each call (default none)",
      "Prints calls/s, latency p50/p90/p99/max (issue to reply, failures included),",
      "errors by status, for a fleet each replica's calls and errors, a progress line",
      "when stdout is a terminal, and last calls_per_s=N. Protocol v2 when the node",
      "offers it, else v1. Exit 0 all calls succeeded, 1 some failed, 2 node unreachable."
    })
final class BenchCommand implements Callable<Integer> {
  /** Everything after {@code bench}, options included, goes to the benchmark jar unparsed. */
  @CommandLine.Unmatched List<String> args = new ArrayList<>();

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws IOException, InterruptedException {
    if (isLoadMode(args)) {
      return runLoad(args);
    }
    Path jar = findJar();
    if (jar == null) {
      spec.commandLine()
          .getErr()
          .println(
              "sshrpc bench: sshrpc-bench.jar not found; build it with "
                  + "'mvn -B -q -pl sshrpc-bench -am package -DskipTests' or set SSHRPC_BENCH_JAR");
      return Main.UNAVAILABLE;
    }
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx2g");
    cmd.add("-jar");
    cmd.add(jar.toString());
    cmd.addAll(args);
    Process p = new ProcessBuilder(cmd).inheritIO().start();
    try {
      return p.waitFor();
    } finally {
      p.destroy();
    }
  }

  /** Whether the arguments ask for the load generator: {@code --target} among the options. */
  static boolean isLoadMode(List<String> args) {
    for (String a : args) {
      if (a.equals("--")) {
        return false;
      }
      if (a.equals("--target") || a.startsWith("--target=")) {
        return true;
      }
    }
    return false;
  }

  /** Parses {@code args} as {@link LoadCommand} options, with the same error and help handling. */
  private int runLoad(List<String> args) {
    CommandLine load = loadCommandLine(spec.commandLine().getOut(), spec.commandLine().getErr(), new LoadCommand());
    return load.execute(args.toArray(new String[0]));
  }

  static CommandLine loadCommandLine(java.io.PrintWriter out, java.io.PrintWriter err, LoadCommand command) {
    CommandLine load = new CommandLine(command);
    load.setOut(out);
    load.setErr(err);
    load.getCommandSpec().mixinStandardHelpOptions(true);
    load.getCommandSpec().exitCodeOnInvalidInput(Main.USAGE);
    load.setParameterExceptionHandler(
        (ex, a) -> {
          // as Main: one line and a hint, not the whole usage text
          err.println(ex.getMessage());
          err.println("Try 'sshrpc bench --help' for more information.");
          return Main.USAGE;
        });
    load.setExecutionExceptionHandler(
        (ex, line, parseResult) -> {
          err.println("sshrpc: " + Cli.oneLine(ex));
          return Main.UNAVAILABLE;
        });
    return load;
  }

  private static Path findJar() {
    String env = System.getenv("SSHRPC_BENCH_JAR");
    if (env != null && !env.isEmpty()) {
      Path p = Path.of(env);
      return Files.isRegularFile(p) ? p : null;
    }
    List<Path> candidates = new ArrayList<>();
    try {
      // sshrpc.jar sits in <checkout>/sshrpc-cli/target/; the bench jar in <checkout>/sshrpc-bench/target/.
      File self = new File(BenchCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      Path checkout = self.toPath().toAbsolutePath().getParent();
      for (int i = 0; i < 3 && checkout != null; i++) {
        candidates.add(checkout.resolve("sshrpc-bench/target/sshrpc-bench.jar"));
        checkout = checkout.getParent();
      }
    } catch (URISyntaxException | SecurityException | NullPointerException e) {
      // no code source: fall back to the working directory
    }
    candidates.add(Path.of("sshrpc-bench/target/sshrpc-bench.jar").toAbsolutePath());
    for (Path c : candidates) {
      if (Files.isRegularFile(c)) {
        return c;
      }
    }
    return null;
  }
}
