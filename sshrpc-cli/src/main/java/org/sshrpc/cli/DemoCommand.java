package org.sshrpc.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.sshrpc.RpcException;
import org.sshrpc.auth.HostKeys;
import org.sshrpc.client.PassphraseSource;
import org.sshrpc.client.RpcClient;
import org.sshrpc.client.RpcConnection;
import org.sshrpc.server.RpcModule;
import org.sshrpc.server.RpcServer;
import org.sshrpc.term.ParsedCall;
import org.sshrpc.term.Term;
import org.sshrpc.term.TermParser;
import org.sshrpc.term.TermPrinter;
import org.sshrpc.term.Terms;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sshrpc demo}: the whole system in one command, on loopback with throw-away keys: the
 * seed's call, a denied call, a failing call, then the seed's benchmark.
 */
@Command(
    name = "demo",
    description = {
      "Start a server on a free loopback port with fresh keys in a temporary directory, make the"
          + " seed's call lists:seq(1,100), a call the demo policy denies and a call that fails,"
          + " then run the seed's benchmark (sequential calls of lists:seq(1,100)) and compare"
          + " with the seed's ~500 calls/s. Everything is removed afterwards."
    })
final class DemoCommand implements Callable<Integer> {
  /** The seed's figure: 10,000 sequential calls on a 1.6 GHz Atom over 100BASE-TX, 2010. */
  static final int SEED_CALLS_PER_SECOND = 500;

  static final String POLICY =
      "# demo policy: the vault is closed to everyone, everything else exported is open\n"
          + "deny vault:*\n"
          + "allow *\n";

  @Option(
      names = "--calls",
      paramLabel = "N",
      defaultValue = "10000",
      description = "Sequential calls in the benchmark. Default: ${DEFAULT-VALUE}, as the seed.")
  int calls;

  @Option(
      names = "--warmup",
      paramLabel = "N",
      defaultValue = "1000",
      description = "Untimed calls before the benchmark (JIT warm-up). Default: ${DEFAULT-VALUE}.")
  int warmup;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    if (calls < 1 || warmup < 0) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--calls must be >= 1 and --warmup >= 0");
    }
    // The demo's own lines tell the story; the library's info logs would interleave with them.
    if (System.getProperty("org.slf4j.simpleLogger.log.org.sshrpc") == null) {
      System.setProperty("org.slf4j.simpleLogger.log.org.sshrpc", "warn");
    }
    // Nor the audit trail: one line per call would bury the output under 11,000 lines.
    if (System.getProperty("org.slf4j.simpleLogger.log.sshrpc.audit") == null) {
      System.setProperty("org.slf4j.simpleLogger.log.sshrpc.audit", "warn");
    }
    PrintWriter out = spec.commandLine().getOut();
    Path dir = Files.createTempDirectory("sshrpc-demo-");
    try {
      return run(dir, out);
    } finally {
      deleteTree(dir);
    }
  }

  private int run(Path dir, PrintWriter out) throws IOException {
    HostKeys clientKey = HostKeys.loadOrGenerate(dir.resolve("id_ed25519")); // a fresh ed25519 key file
    // Bound to this user explicitly: run as root, a root-owned file never maps unbound keys to root.
    Files.writeString(
        dir.resolve("authorized_keys"),
        "sshrpc-user=\"" + System.getProperty("user.name") + "\" " + clientKey.publicKeyLine() + " demo-client\n");
    Files.writeString(dir.resolve("policy"), POLICY);
    RpcModule vault =
        RpcModule.builder("vault")
            .function("secret", 0, (ctx, args) -> Terms.binary("the combination is 12345"))
            .build();
    try (RpcServer server =
        RpcServer.builder()
            .listen("127.0.0.1", 0)
            .hostKey(dir.resolve("host_ed25519"))
            .authorizedKeys(dir.resolve("authorized_keys"))
            .policyFile(dir.resolve("policy"))
            .module(vault)
            .nodeName("demo")
            .build()
            .start()) {
      int port = server.port();
      String node = "127.0.0.1:" + port;
      Files.writeString(
          dir.resolve("known_hosts"),
          "[127.0.0.1]:" + port + " " + server.hostKeys().publicKeyLine() + "\n",
          StandardCharsets.UTF_8);
      out.println("sshrpc demo: server on " + node + ", host key " + server.hostKeyFingerprint());
      out.println("  keys, known_hosts and policy in " + dir + " (removed at the end)");
      out.println("  policy: " + POLICY.lines().filter(l -> !l.startsWith("#")).reduce((a, b) -> a + "; " + b).orElse(""));
      try (RpcClient client =
              RpcClient.builder()
                  .identity(dir.resolve("id_ed25519"))
                  .knownHosts(dir.resolve("known_hosts"))
                  .passphrases(PassphraseSource.none())
                  .build();
          RpcConnection conn = client.connect(node)) {
        out.println("  connected over SSH, protocol v" + conn.protocolVersion());
        out.println();
        show(out, conn, node, "lists:seq(1,100)", "the seed's call");
        show(out, conn, node, "vault:secret()", "denied by the policy");
        show(out, conn, node, "lists:nth(5,[a,b,c])", "raises, as in Erlang");
        out.println();
        benchmark(out, conn);
      }
    }
    out.flush();
    return Main.OK;
  }

  private static void show(PrintWriter out, RpcConnection conn, String node, String text, String note) {
    out.println("$ sshrpc call " + node + " '" + text + "'    # " + note);
    ParsedCall c = TermParser.parseCall(text);
    try {
      Term reply = conn.call(c.module().name(), c.function().name(), c.args());
      out.println(TermPrinter.print(reply));
      out.println("  (exit 0)");
    } catch (RpcException e) {
      out.println(TermPrinter.print(Cli.reasonOf(e)));
      out.println("  (exit 1, on stderr; status " + e.status() + ")");
    }
  }

  private void benchmark(PrintWriter out, RpcConnection conn) {
    List<Term> args = List.of(Terms.integer(1), Terms.integer(100));
    Term expected = conn.call("lists", "seq", args);
    for (int i = 0; i < warmup; i++) {
      conn.call("lists", "seq", args);
    }
    out.printf(Locale.ROOT, "benchmark: %,d sequential calls of lists:seq(1,100) (after %,d warm-up calls)%n", calls, warmup);
    out.flush();
    long start = System.nanoTime();
    for (int i = 0; i < calls; i++) {
      Term r = conn.call("lists", "seq", args);
      if (!r.equals(expected)) {
        throw new IllegalStateException("wrong reply in benchmark: " + TermPrinter.print(r));
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    double rate = calls / seconds;
    out.printf(Locale.ROOT, "  sshrpc, this machine, loopback: %,.0f calls/s (%.2f s, %.1f us/call)%n", rate, seconds, seconds * 1e6 / calls);
    out.printf(Locale.ROOT, "  seed (2010, Atom 1.6 GHz, 100BASE-TX): ~%d calls/s%n", SEED_CALLS_PER_SECOND);
    out.printf(Locale.ROOT, "  ratio: %.1fx (different hardware and network; loopback has no wire latency)%n", rate / SEED_CALLS_PER_SECOND);
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
