package org.sshrpc.client;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.sshrpc.testing.Tools;

/**
 * The Erlang v1 server escript ({@code erlang/sshrpc_v1_server.escript}) run as a child process
 * on a loopback port; stopped by closing its standard input.
 */
final class ErlangV1Server implements AutoCloseable {
  final Path hostKey;
  final int port;
  private final Process process;

  private ErlangV1Server(Path hostKey, int port, Process process) {
    this.hostKey = hostKey;
    this.port = port;
    this.process = process;
  }

  /** Starts a server in {@code dir} that accepts the public keys of {@code clientKeys}. */
  static ErlangV1Server start(Path dir, Path... clientKeys) throws Exception {
    return start(dir, 0, clientKeys);
  }

  /** As {@link #start(Path, Path...)} on a given port (0: any); the host key in dir is reused. */
  static ErlangV1Server start(Path dir, int fixedPort, Path... clientKeys) throws Exception {
    String escript = Tools.requireTool("escript");
    Tools.requireTool("erl");
    Path sys = Files.createDirectories(dir.resolve("system"));
    Path user = Files.createDirectories(dir.resolve("user"));
    Path hostKey = sys.resolve("ssh_host_ed25519_key");
    if (!Files.exists(hostKey)) {
      SshKeys.keygen(sys, "ssh_host_ed25519_key", "ed25519", "");
    }
    StringBuilder auth = new StringBuilder();
    for (Path k : clientKeys) {
      auth.append(SshKeys.publicLine(k)).append('\n');
    }
    Files.writeString(user.resolve("authorized_keys"), auth);
    Path script = dir.resolve("sshrpc_v1_server.escript");
    try (InputStream in = ErlangV1Server.class.getResourceAsStream("/erlang/sshrpc_v1_server.escript")) {
      Files.copy(in, script, StandardCopyOption.REPLACE_EXISTING);
    }
    Process p =
        new ProcessBuilder(escript, script.toString(), sys.toString(), user.toString(), Integer.toString(fixedPort))
            .redirectErrorStream(true)
            .start();
    BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    CompletableFuture<Integer> port = new CompletableFuture<>();
    Thread t =
        new Thread(
            () -> {
              try {
                for (String line; (line = r.readLine()) != null; ) {
                  if (line.startsWith("PORT ") && !port.isDone()) {
                    port.complete(Integer.parseInt(line.substring(5).trim()));
                  } else {
                    System.err.println("[erlang v1 server] " + line);
                  }
                }
              } catch (IOException e) {
                // process ended
              }
              port.completeExceptionally(new IOException("erlang server exited before listening"));
            },
            "erlang-v1-server-output");
    t.setDaemon(true);
    t.start();
    try {
      return new ErlangV1Server(hostKey, port.get(60, TimeUnit.SECONDS), p);
    } catch (Exception e) {
      p.destroyForcibly();
      throw e;
    }
  }

  @Override
  public void close() throws Exception {
    process.getOutputStream().close();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }
}
