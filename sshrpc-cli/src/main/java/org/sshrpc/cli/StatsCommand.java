package org.sshrpc.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import org.sshrpc.client.NodeAddress;
import org.sshrpc.term.ErlBinary;
import org.sshrpc.term.Term;
import org.sshrpc.term.TermPrinter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code sshrpc stats}: a node's metrics in Prometheus text format. */
@Command(
    name = "stats",
    description = {
      "Print a node's metrics (calls, errors, latency per Module:Function/Arity, bytes, sessions,"
          + " in-flight calls, JVM) in Prometheus text format, from sshrpc_metrics:scrape().",
      "The node's policy must allow the caller sshrpc_metrics:scrape/0 by name (docs/operations.md).",
      "Exit 0 with the text on stdout; 1 with the error reply on stderr (e.g. sshrpc_denied);"
          + " 2 when the node cannot be reached."
    })
final class StatsCommand implements Callable<Integer> {
  @Mixin ConnectionOptions connection;

  @Parameters(
      index = "0",
      paramLabel = "[USER@]HOST[:PORT]",
      converter = Cli.NodeConverter.class,
      description = "The node; port 2222 by default; IPv6 as [::1]:2222.")
  NodeAddress node;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    return connection.withConnection(node, err, conn -> {
      Term t = conn.call("sshrpc_metrics", "scrape", List.of());
      if (!(t instanceof ErlBinary)) {
        err.println("sshrpc stats: expected a binary from sshrpc_metrics:scrape(), got " + TermPrinter.print(t));
        return Main.ERROR_REPLY;
      }
      out.print(((ErlBinary) t).utf8String());
      out.flush();
      return Main.OK;
    });
  }
}
