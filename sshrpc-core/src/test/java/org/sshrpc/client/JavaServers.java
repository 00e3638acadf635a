package org.sshrpc.client;

import java.nio.file.Files;
import java.nio.file.Path;
import org.sshrpc.server.RpcModule;
import org.sshrpc.server.RpcServer;

/** Starts the project's own Java server on loopback for client tests. */
final class JavaServers {
  private JavaServers() {}

  /**
   * Starts a server in {@code dir} (host key kept there, so a restart reuses it) on {@code port}
   * (0: any) admitting {@code clientKey} as user {@code tester}.
   */
  static RpcServer start(Path dir, int port, Path clientKey, RpcModule... modules) throws Exception {
    return start(dir, "127.0.0.1", port, clientKey, modules);
  }

  /** As {@link #start(Path, int, Path, RpcModule...)} listening on {@code host}. */
  static RpcServer start(Path dir, String host, int port, Path clientKey, RpcModule... modules) throws Exception {
    Files.createDirectories(dir);
    Path auth = dir.resolve("authorized_keys");
    Files.writeString(auth, "sshrpc-user=\"tester\" " + SshKeys.publicLine(clientKey) + "\n");
    RpcServer.Builder b =
        RpcServer.builder().listen(host, port).hostKey(dir.resolve("host_ed25519")).authorizedKeys(auth);
    for (RpcModule m : modules) {
      b.module(m);
    }
    return b.build().start();
  }

  /** Appends the server's host key for 127.0.0.1:port to {@code knownHosts}. */
  static Path trust(Path knownHosts, RpcServer s) throws Exception {
    String line = "[127.0.0.1]:" + s.port() + " " + s.hostKeys().publicKeyLine() + "\n";
    Files.writeString(knownHosts, line, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
    return knownHosts;
  }
}
