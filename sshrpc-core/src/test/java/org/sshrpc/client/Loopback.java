package org.sshrpc.client;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.function.Consumer;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.sshrpc.server.RpcServer;

/**
 * A real server on loopback port 0 (user {@code tester}, an in-memory ed25519 key) and a client
 * trusting it, both configured by the test; for tests of the public client and server API.
 */
final class Loopback implements AutoCloseable {
  final RpcServer server;
  final RpcClient client;

  Loopback(Path dir, Consumer<RpcServer.Builder> serverConfig, Consumer<RpcClient.Builder> clientConfig)
      throws Exception {
    KeyPair user = KeyUtils.generateKeyPair("ssh-ed25519", 256);
    Path auth = dir.resolve("authorized_keys");
    Files.writeString(
        auth, "sshrpc-user=\"tester\" " + PublicKeyEntry.toString(user.getPublic()) + "\n", StandardCharsets.UTF_8);
    RpcServer.Builder sb =
        RpcServer.builder().listen("127.0.0.1", 0).hostKey(dir.resolve("host_ed25519")).authorizedKeys(auth);
    serverConfig.accept(sb);
    server = sb.build().start();
    Path kh = dir.resolve("known_hosts");
    Files.writeString(kh, "[127.0.0.1]:" + server.port() + " " + server.hostKeys().publicKeyLine() + "\n");
    RpcClient.Builder cb = RpcClient.builder().identity(user).knownHosts(kh).defaultUser("tester");
    clientConfig.accept(cb);
    client = cb.build();
  }

  RpcConnection connect() throws Exception {
    return client.connect("127.0.0.1:" + server.port());
  }

  @Override
  public void close() {
    client.close();
    server.close();
  }
}
