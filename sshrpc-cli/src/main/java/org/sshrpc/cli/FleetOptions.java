package org.sshrpc.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.sshrpc.RpcException;
import org.sshrpc.client.CallOptions;
import org.sshrpc.client.FleetConnection;
import org.sshrpc.client.NodeAddress;
import org.sshrpc.client.RpcChannel;
import org.sshrpc.client.RpcClient;
import org.sshrpc.client.RpcConnection;
import org.sshrpc.client.Target;
import org.sshrpc.term.Term;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * Fleet targets for the connecting commands: {@code dns:///name[:port]}, {@code
 * srv:///_sshrpc._tcp.name} or {@code a,b,c} wherever a node is expected, {@code --resolver} to
 * name the DNS server, and {@code -v} to say which replica answered.
 */
final class FleetOptions {
  /** What the commands' target parameter says it accepts. */
  static final String TARGET_LABEL = "TARGET";
  static final String TARGET_HELP =
      "[USER@]HOST[:PORT] (port 2222 by default; IPv6 as [::1]:2222), or a fleet: dns:///NAME[:PORT]"
          + " (every A/AAAA address), srv:///_sshrpc._tcp.NAME (SRV records), or HOST:PORT,HOST:PORT,...";

  @Option(
      names = "--resolver",
      paramLabel = "IP[:PORT]",
      converter = ResolverConverter.class,
      description = "DNS server for dns:/// and srv:/// targets (port 53 by default). Default: the first"
          + " nameserver of /etc/resolv.conf.")
  InetSocketAddress resolver;

  /**
   * Say on stderr which node or replica answered: set from the connection options' {@code -v}
   * (picocli refuses two mixins declaring the same option, and every command failed).
   */
  boolean verbose;

  /** {@code --resolver} values: an IP literal and an optional port. */
  static final class ResolverConverter implements CommandLine.ITypeConverter<InetSocketAddress> {
    @Override
    public InetSocketAddress convert(String value) {
      try {
        return Target.resolverAddress(value, 53);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException(e.getMessage());
      }
    }
  }

  /** A node address or a fleet target. */
  static final class TargetConverter implements CommandLine.ITypeConverter<Target> {
    @Override
    public Target convert(String value) {
      try {
        return Target.parse(value);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException(e.getMessage());
      }
    }
  }

  /** What a command does with its channel; returns the exit code. */
  @FunctionalInterface
  interface ChannelAction {
    int run(RpcChannel channel) throws IOException;
  }

  /**
   * Runs {@code action} on a connection to {@code target}: one node through {@code
   * connection.withConnection} (the usual exit codes), or a {@link FleetConnection} with the same
   * exit codes (2 when no replica can be reached or the name does not resolve).
   */
  int withTarget(ConnectionOptions connection, Target target, PrintWriter err, ChannelAction action) {
    verbose = connection.verbose.length > 0;
    if (target.isSingleNode()) {
      return connection.withConnection(target.nodes().get(0), err, action::run);
    }
    try (RpcClient client = connection.clientBuilder(null).build();
        FleetConnection fleet = FleetConnection.builder(client, target).resolver(resolver).build()) {
      return action.run(fleet);
    } catch (RpcException e) {
      return Cli.report(e, err);
    } catch (IOException | RuntimeException e) {
      err.println("sshrpc: " + Cli.oneLine(e));
      return Main.UNAVAILABLE;
    }
  }

  /** Calls on {@code channel}; with {@code -v}, says on {@code err} which node answered. */
  Term call(RpcChannel channel, String m, String f, List<? extends Term> args, CallOptions options, PrintWriter err) {
    if (channel instanceof FleetConnection) {
      FleetConnection.Answer a = ((FleetConnection) channel).answer(m, f, args, options);
      if (verbose) {
        err.println("sshrpc: answered by " + a.replica() + (a.attempts() > 1 ? " (after a retry)" : ""));
      }
      return a.value();
    }
    Term v = channel.call(m, f, args, options);
    if (verbose && channel instanceof RpcConnection) {
      err.println("sshrpc: answered by " + ((RpcConnection) channel).address());
    }
    return v;
  }

  /** Every node the words name: node addresses as they are, fleet targets resolved now. */
  List<NodeAddress> resolveAll(List<String> words) throws IOException {
    List<NodeAddress> out = new ArrayList<>();
    for (String w : words) {
      Target t = Target.parse(w);
      out.addAll(t.isSingleNode() || t.kind() == Target.Kind.STATIC ? t.nodes() : t.resolve(resolver));
    }
    return out;
  }
}
