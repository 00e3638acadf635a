package org.sshrpc.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.io.IOException;
import java.io.PrintWriter;
import org.sshrpc.RpcException;
import org.sshrpc.client.NodeAddress;
import org.sshrpc.client.RpcClient;
import org.sshrpc.client.RpcConnection;
import picocli.CommandLine.Option;

/** The SSH client options shared by call, cast and multicall (OpenSSH's names where it has one). */
final class ConnectionOptions {
  @Option(
      names = "-i",
      paramLabel = "IDENTITY",
      description =
          "Private key file (OpenSSH format; repeatable). Default: the first of ~/.ssh/id_ed25519,"
              + " id_ecdsa, id_rsa. Passphrase from $SSHRPC_PASSPHRASE or a prompt.")
  List<Path> identities = new ArrayList<>();

  @Option(
      names = "--known-hosts",
      paramLabel = "FILE",
      defaultValue = "${sys:user.home}/.ssh/known_hosts",
      description = "OpenSSH known_hosts file checked strictly. Default: ${DEFAULT-VALUE}.")
  Path knownHosts;

  @Option(
      names = "--accept-new-host",
      description = "Accept and record the key of a host not yet in known_hosts (a changed key is still refused).")
  boolean acceptNewHost;

  @Option(
      names = "-l",
      paramLabel = "USER",
      description = "SSH user when the address names none. Default: the local user name.")
  String user;

  /** A client configured from these options; {@code connectTimeout} null keeps the default. */
  RpcClient.Builder clientBuilder(Duration connectTimeout) {
    RpcClient.Builder b = RpcClient.builder().knownHosts(knownHosts).acceptNewHostKeys(acceptNewHost);
    identities.forEach(b::identity);
    if (user != null) {
      b.defaultUser(user);
    }
    if (connectTimeout != null) {
      b.connectTimeout(connectTimeout);
    }
    return b;
  }

  /** What a command does once connected; returns the command's exit code. */
  @FunctionalInterface
  interface ConnectedAction {
    int run(RpcConnection conn) throws IOException;
  }

  /**
   * Connects to {@code node}, runs {@code action}, closes, and maps failures to the exit codes
   * every connecting command shares: an error reply → 1 (the reason on stderr as a term), a
   * connection, authentication or host-key failure → 2 (one line on stderr).
   */
  int withConnection(NodeAddress node, PrintWriter err, ConnectedAction action) {
    try (RpcClient client = clientBuilder(null).build();
        RpcConnection conn = client.connect(node)) {
      return action.run(conn);
    } catch (RpcException e) {
      return Cli.report(e, err);
    } catch (IOException | RuntimeException e) {
      err.println("sshrpc: " + Cli.oneLine(e));
      return Main.UNAVAILABLE;
    }
  }
}
