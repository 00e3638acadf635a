package org.sshrpc.cli;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.sshrpc.acl.PolicySource;
import org.sshrpc.server.Metrics;
import org.sshrpc.server.ModuleLoader;
import org.sshrpc.server.RpcService;
import org.sshrpc.server.StdioServer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sshrpc stdio}: one sshrpc channel on stdin/stdout, for OpenSSH's {@code Subsystem
 * sshrpc@k2r.org /path/to/sshrpc stdio} (see docs/operations.md).
 */
@Command(
    name = "stdio",
    description = {
      "Serve one sshrpc channel on stdin/stdout, as an OpenSSH sshd_config Subsystem:",
      "  Subsystem sshrpc@k2r.org /usr/bin/java -jar /opt/sshrpc/sshrpc.jar stdio --policy FILE",
      "The user comes from USER (as sshd sets it); the key from SSH_USER_AUTH only with"
          + " --trust-ssh-user-auth (and ExposeAuthInfo yes), else key= policy rules never match.",
      "Stdout carries only frames. Logs and the audit trail go to --log-file; without it only"
          + " warnings go to stderr (which OpenSSH's sshd discards for a subsystem).",
      "Exit 0 after the client closed the channel; 1 on a protocol error; 2 outside sshd;"
          + " 78 when its configuration (e.g. --policy FILE) is missing or wrong: the reason goes to"
          + " the log, to stderr and, as a channel error, to the client."
    })
final class StdioCommand implements Callable<Integer> {
  @Option(
      names = "--policy",
      paramLabel = "FILE",
      description = "Access policy, reloaded when it changes. Default: everything exported is allowed.")
  Path policy;

  @Option(
      names = "--module-path",
      paramLabel = "PATH",
      description = "Jar or directory whose ModuleProviders (META-INF/services) export modules (repeatable).")
  List<Path> modulePath = new ArrayList<>();

  @Option(names = "--node-name", paramLabel = "NAME", description = "Node name reported by sshrpc:info().")
  String nodeName;

  @Option(
      names = "--trust-ssh-user-auth",
      description = "Read the authenticating key from the SSH_USER_AUTH file. Only with ExposeAuthInfo yes in"
          + " sshd_config (sshd then sets the variable itself); otherwise a client allowed to send it"
          + " by AcceptEnv could name a key it never used. Default off: key= policy rules never match.")
  boolean trustSshUserAuth;

  @Option(
      names = "--log-file",
      paramLabel = "FILE",
      description = "Append logs, including the sshrpc.audit lines, to FILE. Without it only warnings"
          + " and errors go to stderr (which OpenSSH's sshd discards for a subsystem).")
  Path logFile;

  /** {@code --limits FILE}, {@code --limit KEY=VALUE}: the channel and decoder limits (docs/cli.md). */
  @CommandLine.Mixin LimitOptions limitOptions = new LimitOptions();

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  RpcService.Builder service() throws IOException {
    // The built-in server's channel limits (defaults or --limit), so both deployments answer alike.
    RpcService.Builder b =
        RpcService.builder().limits(limitOptions.serverLimits(spec.commandLine(), true)).metrics(Metrics.builder().build());
    if (policy != null) {
      b.policy(PolicySource.watching(policy));
    }
    if (!modulePath.isEmpty()) {
      b.modules(ModuleLoader.fromPaths(modulePath));
    }
    if (nodeName != null) {
      b.nodeName(nodeName);
    }
    return b;
  }

  /**
   * Without {@code --log-file}, stderr is the SSH channel's extended data, which goes to the
   * client: only warnings and errors (about this channel alone) are written there, no info and no
   * audit lines. Called before the first logger exists, so slf4j-simple reads these properties.
   */
  static void quietStderrLogging() {
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    System.setProperty("org.slf4j.simpleLogger.log.org.sshrpc", "warn");
    System.setProperty("org.slf4j.simpleLogger.log.sshrpc.audit", "off");
  }

  @Override
  public Integer call() throws InterruptedException {
    // sshd's stderr pipe: extended data on the client's channel, kept for start-up failures.
    PrintStream channelErr = System.err;
    if (logFile == null) {
      quietStderrLogging();
    } else {
      try {
        System.setErr(new PrintStream(new FileOutputStream(logFile.toFile(), true), true, "UTF-8"));
      } catch (IOException e) {
        spec.commandLine().getErr().println("sshrpc stdio: cannot open --log-file " + Cli.describe(e));
        return Main.CONFIG;
      }
    }
    RpcService service;
    try {
      service = service().build();
    } catch (IOException | UncheckedIOException | IllegalArgumentException | IllegalStateException e) {
      // Said on purpose in three places: in the log (the operator's record, in the log's format),
      // on stderr (a person running it by hand), and to the client as a channel error answering
      // its first frame, so that its error names the cause instead of "connection lost"
      // (OpenSSH's sshd does not forward a subsystem's stderr).
      String why = "sshrpc stdio: " + Cli.describe(e);
      if (logFile != null) {
        org.slf4j.LoggerFactory.getLogger(StdioCommand.class).error("{}", why);
      }
      channelErr.println(why);
      channelErr.flush();
      if (System.getenv("SSH_CONNECTION") != null) { // a client is at the other end (sshd sets it)
        StdioRefusal.answer(System.in, System.out, why);
      }
      return Main.CONFIG;
    }
    try {
      return StdioServer.builder()
          .service(service)
          .trustSshUserAuth(trustSshUserAuth)
          .build()
          .serveProcessStdio();
    } finally {
      service.close();
    }
  }
}
