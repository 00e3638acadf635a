package org.sshrpc.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.sshrpc.RpcException;
import org.sshrpc.client.NodeAddress;
import org.sshrpc.client.RpcClient;
import org.sshrpc.client.RpcConnection;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * The SSH client options shared by every connecting command, with OpenSSH's names and meaning:
 * {@code ~/.ssh/config} is read (or {@code -F FILE}), {@code -o Key=Value}, {@code -p}, {@code
 * -l}, {@code -i}, the ssh-agent of {@code SSH_AUTH_SOCK}; command-line values win over the file.
 */
final class ConnectionOptions {
  @Option(
      names = "-i",
      paramLabel = "IDENTITY",
      description =
          "Private key file (OpenSSH format; repeatable); FILE-cert.pub beside it is offered too."
              + " Default: IdentityFile of the ssh config, else those of ~/.ssh/id_ed25519, id_ecdsa,"
              + " id_rsa that exist. Passphrase from $SSHRPC_PASSPHRASE or a prompt.")
  List<Path> identities = new ArrayList<>();

  @Option(
      names = "--known-hosts",
      paramLabel = "FILE",
      description =
          "OpenSSH known_hosts file checked strictly (as -o UserKnownHostsFile=FILE)."
              + " Default: UserKnownHostsFile of the ssh config, else ~/.ssh/known_hosts.")
  Path knownHosts;

  @Option(
      names = "--accept-new-host",
      description =
          "Accept and record the key of a host not yet in known_hosts (as -o"
              + " StrictHostKeyChecking=accept-new); a changed key is still refused.")
  boolean acceptNewHost;

  @Option(
      names = "-l",
      paramLabel = "USER",
      description = "SSH user when the address names none. Default: User of the ssh config, else the local user name.")
  String user;

  @Option(
      names = "-p",
      paramLabel = "PORT",
      description = "Port when the address names none. Default: Port of the ssh config, else 2222.")
  Integer port;

  @Option(
      names = "-F",
      paramLabel = "FILE",
      description = "ssh client configuration file ('none': none). Default: ~/.ssh/config (if it exists).")
  String configFile;

  @Option(
      names = "-o",
      paramLabel = "Key=Value",
      description =
          "An ssh_config option (repeatable), before the file: HostName, Port, User, IdentityFile,"
              + " CertificateFile, IdentitiesOnly, IdentityAgent, ConnectTimeout, UserKnownHostsFile,"
              + " StrictHostKeyChecking, HashKnownHosts.")
  List<String> sshOptions = new ArrayList<>();

  @Option(
      names = "--connect-timeout",
      paramLabel = "SECONDS",
      description =
          "Limit on connecting, key exchange, authentication and opening the channel; the error"
              + " names the stage that timed out. Default: ConnectTimeout of the ssh config, else 10.")
  BigDecimal connectTimeoutSeconds;

  @Option(
      names = "-v",
      description = "Verbose: the SSH library's log on stderr (-vv, -vvv: more). Default: errors only, one line.")
  boolean[] verbose = new boolean[0];

  @CommandLine.Spec(CommandLine.Spec.Target.MIXEE)
  CommandLine.Model.CommandSpec mixee;

  /** The ssh options in precedence order: the command line's own flags, then {@code -o}. */
  List<String> options() {
    List<String> o = new ArrayList<>();
    if (user != null) {
      o.add("User=" + user);
    }
    if (port != null) {
      if (port < 1 || port > 65535) {
        throw usage("-p " + port + ": port out of range (expected: 1..65535)");
      }
      o.add("Port=" + port);
    }
    if (knownHosts != null) {
      o.add("UserKnownHostsFile=" + knownHosts);
    }
    if (acceptNewHost) {
      o.add("StrictHostKeyChecking=accept-new");
    }
    o.addAll(sshOptions);
    return o;
  }

  private CommandLine.ParameterException usage(String message) {
    CommandLine cl = mixee != null ? mixee.commandLine() : new CommandLine(new Main());
    return new CommandLine.ParameterException(cl, message);
  }

  /** The ssh config file: {@code -F}, else {@code ~/.ssh/config}; null for {@code -F none}. */
  Path configPath() {
    if (configFile == null) {
      return Path.of(System.getProperty("user.home"), ".ssh", "config");
    }
    return configFile.equals("none") ? null : Path.of(configFile);
  }

  /** {@code --connect-timeout} as a duration, or null. */
  Duration connectTimeout() {
    if (connectTimeoutSeconds == null) {
      return null;
    }
    if (connectTimeoutSeconds.signum() <= 0) {
      throw usage("--connect-timeout must be positive: " + connectTimeoutSeconds.toPlainString());
    }
    return Duration.ofMillis(Math.max(1, connectTimeoutSeconds.movePointRight(3).longValue()));
  }

  /**
   * A client configured from these options; {@code connectTimeout} (a command's own bound, e.g.
   * multicall's) applies when {@code --connect-timeout} is not given.
   */
  RpcClient.Builder clientBuilder(Duration connectTimeout) {
    ClientLogging.configure(verbose.length);
    Path config = configPath();
    if (configFile != null && config != null && !java.nio.file.Files.isRegularFile(config)) {
      // As ssh: a file named with -F must exist (only the default ~/.ssh/config is optional).
      throw new java.io.UncheckedIOException(
          "Can't open user config file " + config + ": No such file or directory",
          new java.nio.file.NoSuchFileException(config.toString()));
    }
    RpcClient.Builder b = RpcClient.builder().sshConfig(config);
    for (String o : options()) {
      try {
        b.sshOption(o);
      } catch (IllegalArgumentException e) {
        throw usage("-o " + o + ": " + e.getMessage());
      }
    }
    identities.forEach(b::identity);
    String agent = System.getenv("SSH_AUTH_SOCK");
    if (agent != null && !agent.isEmpty()) {
      b.identityAgent(Path.of(agent));
    }
    Duration t = connectTimeout() != null ? connectTimeout() : connectTimeout;
    if (t != null) {
      b.connectTimeout(t);
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
   * connection, authentication or host-key failure → 2 (one line on stderr, as ssh words it).
   */
  int withConnection(NodeAddress node, PrintWriter err, ConnectedAction action) {
    RpcClient.Builder builder = clientBuilder(null);
    try (RpcClient client = builder.build();
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
