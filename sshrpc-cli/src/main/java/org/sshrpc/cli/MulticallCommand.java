package org.sshrpc.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.sshrpc.RpcException;
import org.sshrpc.client.MulticallResult;
import org.sshrpc.client.NodeAddress;
import org.sshrpc.client.RpcClient;
import org.sshrpc.term.ParsedCall;
import org.sshrpc.term.Term;
import org.sshrpc.term.TermPrinter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code sshrpc multicall}: one call on many nodes at once, as Erlang's {@code rpc:multicall}. */
@Command(
    name = "multicall",
    description = {
      "Call Module:Function(Args...) on every node in parallel, as Erlang's rpc:multicall.",
      "Prints one line per node, in the order given: NODE, a tab, then the value, {badrpc,Reason}"
          + " for an error reply, or {badnode,<<\"why\">>} for a node that could not be reached or"
          + " did not answer in time; then the {Results, BadNodes} term rpc:multicall returns.",
      "Exit 0 when every node returned a value; 1 when some node replied with an error;"
          + " 2 when some node is bad."
    })
final class MulticallCommand implements Callable<Integer> {
  @Mixin ConnectionOptions connection;
  @Mixin FleetOptions fleet;

  @Option(
      names = "--cluster",
      paramLabel = "FILE",
      description = "File of nodes, one [USER@]HOST[:PORT] per line, # comments.")
  Path cluster;

  @Option(
      names = "--timeout",
      paramLabel = "MS",
      defaultValue = "30000",
      description = "Nodes that have not answered after this many milliseconds are bad. Default: ${DEFAULT-VALUE}.")
  long timeoutMillis;

  @Parameters(
      arity = "1..*",
      paramLabel = "NODE... M:F(Args)",
      description = "Nodes as [USER@]HOST[:PORT] or fleet targets (dns:///NAME[:PORT], srv:///_sshrpc._tcp.NAME:"
          + " every replica they resolve to), then the call.")
  List<String> words;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** The call: the last positional argument. */
  ParsedCall parsedCall() {
    try {
      return Cli.parseCall(words.get(words.size() - 1));
    } catch (CommandLine.TypeConversionException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
  }

  /** Nodes from {@code --cluster} then the command line, in order. */
  List<NodeAddress> nodes() throws IOException {
    List<NodeAddress> nodes = new ArrayList<>();
    if (cluster != null) {
      try {
        nodes.addAll(NodeAddress.parseClusterFile(cluster));
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
      }
    }
    for (String w : words.subList(0, words.size() - 1)) {
      try {
        nodes.addAll(fleet.resolveAll(List.of(w)));
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(spec.commandLine(), "bad node '" + w + "': " + e.getMessage());
      }
    }
    if (nodes.isEmpty()) {
      throw new CommandLine.ParameterException(spec.commandLine(), "no nodes: give NODE... or --cluster FILE");
    }
    return nodes;
  }

  Duration timeout() {
    if (timeoutMillis <= 0) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--timeout must be positive: " + timeoutMillis);
    }
    return Duration.ofMillis(timeoutMillis);
  }

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    ParsedCall call = parsedCall();
    List<NodeAddress> nodes;
    try {
      nodes = nodes();
    } catch (IOException e) { // a fleet target that does not resolve
      spec.commandLine().getErr().println("sshrpc: " + Cli.oneLine(e));
      return Main.UNAVAILABLE;
    }
    Duration timeout = timeout();
    MulticallResult r;
    try (RpcClient client = connection.clientBuilder(timeout).build()) {
      r = client.multicallNodes(nodes, call.module().name(), call.function().name(), call.args(), timeout);
    }
    for (NodeAddress n : nodes) {
      out.println(n + "\t" + TermPrinter.print(outcome(r, n)));
    }
    out.println(TermPrinter.print(r.toTerm()));
    if (!r.badNodes().isEmpty()) {
      return Main.UNAVAILABLE;
    }
    return r.errors().isEmpty() ? Main.OK : Main.ERROR_REPLY;
  }

  private static Term outcome(MulticallResult r, NodeAddress n) {
    Term v = r.values().get(n);
    if (v != null) {
      return v;
    }
    for (Map.Entry<NodeAddress, RpcException> e : r.errors().entrySet()) {
      if (e.getKey().equals(n)) {
        return org.sshrpc.term.Terms.tuple(org.sshrpc.term.ErlAtom.of("badrpc"), Cli.reasonOf(e.getValue()));
      }
    }
    RpcException bad = r.badNodes().get(n);
    String why = bad == null ? "no answer" : Cli.oneLine(bad);
    return org.sshrpc.term.Terms.tuple(org.sshrpc.term.ErlAtom.of("badnode"), org.sshrpc.term.Terms.binary(why));
  }
}
