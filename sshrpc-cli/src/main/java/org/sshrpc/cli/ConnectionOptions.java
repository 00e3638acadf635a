package org.sshrpc.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.sshrpc.client.RpcClient;
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
}
