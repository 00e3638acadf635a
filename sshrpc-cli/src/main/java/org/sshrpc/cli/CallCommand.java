package org.sshrpc.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.sshrpc.client.CallOptions;
import org.sshrpc.client.NodeAddress;
import org.sshrpc.client.Target;
import org.sshrpc.term.ParsedCall;
import org.sshrpc.term.TermPrinter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code sshrpc call}: one call, its reply printed in Erlang syntax. */
@Command(
    name = "call",
    description = {
      "Call Module:Function(Args...) on a node and print the reply in Erlang syntax.",
      "Exit 0 with the reply on stdout; 1 with an error reply on stderr (an Erlang term);"
          + " 2 when the node cannot be reached, authentication fails or its host key is refused."
    })
final class CallCommand implements Callable<Integer> {
  @Mixin ConnectionOptions connection;

  @Option(
      names = "--timeout",
      paramLabel = "MS",
      description =
          "Deadline of the call in milliseconds, enforced by a v2 server too (the reply is then"
              + " the error 'timeout', exit 1). Connecting has its own 10 s limit. Default: no deadline.")
  Long timeoutMillis;

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
      description = "The call, arguments in Erlang term syntax, e.g. 'lists:seq(1, 100)'.")
  ParsedCall call;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  Duration timeout() {
    if (timeoutMillis == null) {
      return null;
    }
    if (timeoutMillis <= 0) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--timeout must be positive: " + timeoutMillis);
    }
    return Duration.ofMillis(timeoutMillis);
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Duration timeout = timeout();
    return fleet.withTarget(connection, target, err, conn -> {
      CallOptions options = timeout == null ? CallOptions.DEFAULT : CallOptions.timeout(timeout);
      out.println(TermPrinter.print(
          fleet.call(conn, call.module().name(), call.function().name(), call.args(), options, err)));
      return Main.OK;
    });
  }
}
