package org.sshrpc.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.concurrent.Callable;
import org.sshrpc.client.NodeAddress;
import org.sshrpc.client.RpcChannel;
import org.sshrpc.client.Target;
import org.sshrpc.term.ErlBinary;
import org.sshrpc.term.Term;
import org.sshrpc.term.TermPrinter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code sshrpc stats}: a node's metrics in Prometheus text format; for a fleet target, every
 * replica's, one after another, each under a {@code # replica HOST:PORT} comment line.
 *
 * <p>A fleet's replicas are scraped one by one rather than summed: server metrics are per process
 * (sessions, in-flight calls, JVM memory), and an operator looking at a fleet wants to see the one
 * replica that differs, as Prometheus itself scrapes each instance.
 */
@Command(
    name = "stats",
    description = {
      "Print a node's metrics (calls, errors, latency per Module:Function/Arity, bytes, sessions,"
          + " in-flight calls, JVM) in Prometheus text format, from sshrpc_metrics:scrape().",
      "With a fleet target, every replica it resolves to is asked in turn, its text under a line"
          + " '# replica HOST:PORT' (a Prometheus comment); errors on stderr start with 'HOST:PORT: '.",
      "The node's policy must allow the caller sshrpc_metrics:scrape/0 by name (docs/operations.md).",
      "Exit 0 with the text on stdout; 1 with the error reply on stderr (e.g. sshrpc_denied);"
          + " 2 when the node cannot be reached. For a fleet: 2 if some replica could not be reached,"
          + " else 1 if some replied with an error, else 0."
    })
final class StatsCommand implements Callable<Integer> {
  @Mixin ConnectionOptions connection;
  @Mixin FleetOptions fleet;

  /** The node, when the target is one; null for a fleet. */
  NodeAddress node;
  Target target;

  @Parameters(
      index = "0",
      paramLabel = FleetOptions.TARGET_LABEL,
      converter = FleetOptions.TargetConverter.class,
      description = FleetOptions.TARGET_HELP)
  void target(Target t) {
    target = t;
    node = t.isSingleNode() ? t.nodes().get(0) : null;
  }

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (node != null) {
      return connection.withConnection(node, err, conn -> scrape(conn, out, err));
    }
    List<NodeAddress> replicas;
    try {
      replicas = target.kind() == Target.Kind.STATIC ? target.nodes() : target.resolve(fleet.resolver);
    } catch (IOException | RuntimeException e) { // a name that does not resolve
      err.println("sshrpc: " + Cli.oneLine(e));
      return Main.UNAVAILABLE;
    }
    if (replicas.isEmpty()) {
      err.println("sshrpc: " + target + " resolves to no replica");
      return Main.UNAVAILABLE;
    }
    int worst = Main.OK;
    for (NodeAddress r : replicas) {
      out.println("# replica " + r);
      out.flush();
      // The replica's errors are collected, then printed with its address in front: with several
      // replicas, "sshrpc: connection refused" alone would not say which one.
      StringWriter buf = new StringWriter();
      PrintWriter replicaErr = new PrintWriter(buf);
      int code = connection.withConnection(r, replicaErr, conn -> scrape(conn, out, replicaErr));
      replicaErr.flush();
      buf.toString().lines().forEach(l -> err.println(r + ": " + l));
      err.flush();
      worst = worse(worst, code);
    }
    return worst;
  }

  /** Of two exit codes, the one that matters more: unreachable, then error reply, then ok. */
  static int worse(int a, int b) {
    if (a == Main.UNAVAILABLE || b == Main.UNAVAILABLE) {
      return Main.UNAVAILABLE;
    }
    return Math.max(a, b);
  }

  private static int scrape(RpcChannel conn, PrintWriter out, PrintWriter err) {
    Term t = conn.call("sshrpc_metrics", "scrape", List.of());
    if (!(t instanceof ErlBinary)) {
      err.println("sshrpc stats: expected a binary from sshrpc_metrics:scrape(), got " + TermPrinter.print(t));
      return Main.ERROR_REPLY;
    }
    out.print(((ErlBinary) t).utf8String());
    out.flush();
    return Main.OK;
  }
}
