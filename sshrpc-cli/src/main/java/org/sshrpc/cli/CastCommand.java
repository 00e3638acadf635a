package org.sshrpc.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.sshrpc.RpcException;
import org.sshrpc.client.NodeAddress;
import org.sshrpc.client.Target;
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
      "Exit 0 once the node has received the request; 2 when the node cannot be reached."
    })
final class CastCommand implements Callable<Integer> {
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

  @Parameters(
      index = "1",
      paramLabel = "Module:Function(Args...)",
      converter = Cli.CallConverter.class,
      description = "The call, arguments in Erlang term syntax.")
  ParsedCall call;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    return fleet.withTarget(connection, target, err, conn -> {
      if (conn instanceof org.sshrpc.client.FleetConnection) {
        NodeAddress to = ((org.sshrpc.client.FleetConnection) conn).castConfirmed(
            call.module().name(), call.function().name(), call.args());
        if (fleet.verbose) {
          err.println("sshrpc: cast read by " + to);
        }
        return Main.OK;
      }
      conn.cast(call.module().name(), call.function().name(), call.args());
      // A cast is only queued for sending; closing at once could drop it. Any reply to a later
      // request on the same channel proves the server has read the cast (frames are read in
      // order), so a round trip is the "sent" barrier. Its outcome is irrelevant (a policy may
      // deny ping, a v1 Erlang node may not have it): only a lost connection matters.
      try {
        conn.call("sshrpc", "ping", java.util.List.of());
      } catch (RpcException e) {
        if (e.status() == org.sshrpc.Status.UNAVAILABLE) {
          throw e;
        }
      }
      return Main.OK;
    });
  }
}
