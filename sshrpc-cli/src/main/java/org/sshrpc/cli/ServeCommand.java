package org.sshrpc.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;
import org.sshrpc.acl.PolicySource;
import org.sshrpc.auth.AuthorizedKeysAuthenticator;
import org.sshrpc.server.ModuleLoader;
import org.sshrpc.server.RpcServer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code sshrpc serve}: an sshrpc node until SIGTERM or SIGINT. */
@Command(
    name = "serve",
    description = {
      "Serve the built-in modules (lists, sshrpc) and those of --module-path over SSH until"
          + " SIGTERM or SIGINT.",
      "Prints one line when ready: the bound addresses and the host key fingerprint."
    })
final class ServeCommand implements Callable<Integer> {
  @Option(
      names = "--listen",
      paramLabel = "HOST:PORT",
      converter = Cli.ListenConverter.class,
      description = "Address to listen on (repeatable; IPv6 as [::1]:2222; port 0 picks one). Default: 127.0.0.1:2222.")
  List<InetSocketAddress> listen = new ArrayList<>();

  @Option(
      names = "--host-key",
      paramLabel = "FILE",
      defaultValue = "${sys:user.home}/.sshrpc/host_ed25519",
      description = "Host key (ed25519, generated with mode 0600 on first start). Default: ${DEFAULT-VALUE}.")
  Path hostKey;

  @Option(
      names = "--host-certificate",
      paramLabel = "FILE",
      description = "OpenSSH host certificate for the host key (ssh-keygen -s CA -h -n NAMES HOSTKEY.pub),"
          + " presented to clients with @cert-authority lines. Checked at start: it must certify the host"
          + " key and be valid now.")
  Path hostCertificate;

  @Option(
      names = "--authorized-keys",
      paramLabel = "FILE",
      defaultValue = "${sys:user.home}/.sshrpc/authorized_keys",
      description = "OpenSSH authorized_keys of the users who may log in. Default: ${DEFAULT-VALUE}.")
  Path authorizedKeys;

  // --- key revocation and certificates (AuthorizedKeysAuthenticator.Builder) ---
  @Option(
      names = "--revoked-keys",
      paramLabel = "FILE",
      description = "Revoked keys: OpenSSH public key lines or SHA256: fingerprints, like sshd's RevokedKeys"
          + " (repeatable). Re-read when it changes; unreadable or unparsable refuses every key.")
  List<Path> revokedKeys = new ArrayList<>();

  @Option(
      names = "--trusted-user-ca",
      paramLabel = "FILE",
      description = "CA public keys whose user certificates are accepted, like sshd's TrustedUserCAKeys"
          + " (repeatable). The certificate's principals must include the login name.")
  List<Path> trustedUserCa = new ArrayList<>();

  /** The authenticator: authorized_keys, plus the revoked-keys and CA files given. */
  AuthorizedKeysAuthenticator authenticator() throws IOException {
    AuthorizedKeysAuthenticator.Builder a = AuthorizedKeysAuthenticator.builder(authorizedKeys);
    for (Path f : revokedKeys) {
      // A mistyped revocation file must not silently revoke nothing.
      if (!Files.exists(f)) {
        throw new NoSuchFileException(f.toString(), null, "--revoked-keys file does not exist");
      }
      a.revokedKeys(f);
    }
    for (Path f : trustedUserCa) {
      if (!Files.exists(f)) {
        throw new NoSuchFileException(f.toString(), null, "--trusted-user-ca file does not exist");
      }
      a.trustedUserCaKeys(f);
    }
    return a.build();
  }
  // --- end of key revocation and certificates ---

  @Option(
      names = "--policy",
      paramLabel = "FILE",
      description = "Access policy (allow/deny Module:Function/Arity per user or key), reloaded when it changes. Default: everything exported is allowed.")
  Path policy;

  @Option(
      names = "--module-path",
      paramLabel = "PATH",
      description = "Jar or directory whose ModuleProviders (META-INF/services) export modules (repeatable).")
  List<Path> modulePath = new ArrayList<>();

  @Option(names = "--node-name", paramLabel = "NAME", description = "Node name reported by sshrpc:info().")
  String nodeName;

  /** {@code --limits FILE}, {@code --limit KEY=VALUE}: every ServerLimits field (docs/cli.md). */
  @CommandLine.Mixin LimitOptions limitOptions = new LimitOptions();

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** The listen addresses, the default when none was given. */
  List<InetSocketAddress> listenAddresses() {
    return listen.isEmpty() ? List.of(new InetSocketAddress("127.0.0.1", 2222)) : listen;
  }

  RpcServer.Builder builder() throws IOException {
    RpcServer.Builder b =
        RpcServer.builder()
            .hostKey(hostKey)
            .publickeyAuthenticator(authenticator())
            .metrics(org.sshrpc.server.Metrics.builder().build())
            .limits(limitOptions.serverLimits(spec.commandLine(), false));
    listenAddresses().forEach(b::listen);
    if (hostCertificate != null) {
      b.hostCertificate(hostCertificate);
    }
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

  @Override
  public Integer call() throws InterruptedException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (!Files.exists(authorizedKeys)) {
      err.println(
          "sshrpc serve: warning: " + authorizedKeys + " does not exist: nobody can log in until it"
              + " does (it is read again when it appears or changes)");
    }
    RpcServer built;
    try {
      built = builder().build();
    } catch (IOException | UncheckedIOException | IllegalArgumentException | IllegalStateException e) {
      // The operator's own files and flags: sysexits' EX_CONFIG, with the file and the reason.
      err.println("sshrpc serve: " + Cli.describe(e));
      return Main.CONFIG;
    }
    RpcServer server;
    try {
      server = built.start();
    } catch (BindException e) {
      err.println(
          "sshrpc serve: cannot listen on "
              + listenAddresses().stream().map(Cli::format).collect(Collectors.joining(" "))
              + ": " + Cli.oneLine(e));
      return Main.UNAVAILABLE; // start() closed the server
    } catch (IOException | UncheckedIOException | IllegalArgumentException | IllegalStateException e) {
      err.println("sshrpc serve: " + Cli.describe(e));
      return e instanceof IOException || e instanceof UncheckedIOException ? Main.UNAVAILABLE : Main.CONFIG;
    }
    try {
      // The public half beside the key, for clients' known_hosts (docs/operations.md).
      server.hostKeys().writePublicKeyFile();
    } catch (IOException e) {
      err.println("sshrpc serve: warning: " + Cli.oneLine(e));
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Thread hook =
        new Thread(
            () -> {
              err.println("sshrpc serve: stopping");
              server.close();
              err.println("sshrpc serve: stopped");
              stopped.countDown();
            },
            "sshrpc-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    out.println(
        "sshrpc serve: ready on "
            + server.boundAddresses().stream().map(Cli::format).collect(Collectors.joining(" "))
            + " (host key "
            + server.hostKeyFingerprint()
            + ")");
    out.flush();
    stopped.await(); // the JVM's signal handling runs the hook on SIGTERM / SIGINT
    return Main.OK;
  }
}
