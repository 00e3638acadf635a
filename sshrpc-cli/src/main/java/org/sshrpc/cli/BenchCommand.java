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
 * {@code sshrpc bench}: runs the end-to-end benchmark suite (sshrpc beside gRPC-java over TLS, a
 * bare MINA echo subsystem, OpenSSH and Erlang/OTP peers) from the separate benchmark jar.
 *
 * <p>The benchmarks and their peers (gRPC, JMH) live in {@code sshrpc-bench} so that the library
 * and this CLI never depend on them; this command only starts that jar in a child JVM with the
 * same arguments and returns its exit code.
 */
@Command(
    name = "bench",
    description = {
      "Run the benchmark suite with its peers in the same run (see docs/performance.md).",
      "Arguments are passed on to sshrpc-bench.jar; try 'sshrpc bench --help'.",
      "The jar is $SSHRPC_BENCH_JAR, else sshrpc-bench/target/sshrpc-bench.jar in the checkout",
      "(build it with: mvn -B -q -pl sshrpc-bench -am package -DskipTests)."
    })
final class BenchCommand implements Callable<Integer> {
  /** Everything after {@code bench}, options included, goes to the benchmark jar unparsed. */
  @CommandLine.Unmatched List<String> args = new ArrayList<>();

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws IOException, InterruptedException {
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
