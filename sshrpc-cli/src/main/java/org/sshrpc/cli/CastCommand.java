package org.sshrpc.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.sshrpc.RpcException;
import org.sshrpc.client.NodeAddress;
import org.sshrpc.client.RpcClient;
import org.sshrpc.client.RpcConnection;
import org.sshrpc.term.ParsedCall;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code sshrpc cast}: run a function on a node without waiting for a reply. */
@Command(
    name = "cast",
    description = {
      "Run Module:Function(Args...) on a node without waiting for its result (protocol v2 cast).",
      "Exit 0 once the request is sent; 2 when the node cannot be reached."
    })
final class CastCommand implements Callable<Integer> {
  @Mixin ConnectionOptions connection;

  @Parameters(
      index = "0",
      paramLabel = "[USER@]HOST[:PORT]",
      converter = Cli.NodeConverter.class,
      description = "The node; port 2222 by default; IPv6 as [::1]:2222.")
  NodeAddress node;

  @Parameters(
      index = "1",
      paramLabel = "'Module:Function(Args...)'",
      converter = Cli.CallConverter.class,
      description = "The call, arguments in Erlang term syntax.")
  ParsedCall call;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    try (RpcClient client = connection.clientBuilder(null).build();
        RpcConnection conn = client.connect(node)) {
      conn.cast(call.module().name(), call.function().name(), call.args());
      return Main.OK;
    } catch (RpcException e) {
      return Cli.report(e, err);
    } catch (IOException | RuntimeException e) {
      err.println("sshrpc: " + Cli.oneLine(e));
      return Main.UNAVAILABLE;
    }
  }
}
