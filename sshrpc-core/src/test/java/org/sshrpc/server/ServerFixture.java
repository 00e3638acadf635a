package org.sshrpc.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.GeneralSecurityException;
import java.util.function.Consumer;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;

/** A real {@link RpcServer} on loopback port 0 with fresh keys in a temporary directory. */
final class ServerFixture implements AutoCloseable {
  final Path dir;
  final KeyPair aliceKey;
  final KeyPair bobKey;
  final RpcServer server;

  ServerFixture(Path dir, Consumer<RpcServer.Builder> config) throws IOException {
    this.dir = dir;
    try {
      aliceKey = KeyUtils.generateKeyPair("ssh-ed25519", 256);
      bobKey = KeyUtils.generateKeyPair("ssh-ed25519", 256);
    } catch (GeneralSecurityException e) {
      throw new IOException(e);
    }
    Path ak = dir.resolve("authorized_keys");
    Files.writeString(
        ak,
        "sshrpc-user=\"alice\" " + PublicKeyEntry.toString(aliceKey.getPublic()) + "\n"
            + "sshrpc-user=\"bob\" " + PublicKeyEntry.toString(bobKey.getPublic()) + "\n",
        StandardCharsets.UTF_8);
    RpcServer.Builder b = RpcServer.builder().listen("127.0.0.1", 0).hostKey(dir.resolve("host_ed25519")).authorizedKeys(ak);
    config.accept(b);
    server = b.build().start();
  }

  /** Appends a key line to the authorized_keys file. */
  void authorize(String line) throws IOException {
    Files.writeString(dir.resolve("authorized_keys"), line + "\n", StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
  }

  int port() {
    return server.port();
  }

  @Override
  public void close() {
    server.close();
  }
}
