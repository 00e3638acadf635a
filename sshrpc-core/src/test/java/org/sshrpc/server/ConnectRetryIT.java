package org.sshrpc.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sshrpc.term.Terms.integer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.sshrpc.client.RpcClient;
import org.sshrpc.client.RpcConnection;

/**
 * The client retries a connection the server closed before its version line (a server shedding
 * handshakes, as OpenSSH's MaxStartups early drop does), until its connect deadline; it does not
 * retry a server that spoke. A loopback proxy in front of a real server drops the first accepts.
 */
@Timeout(60)
class ConnectRetryIT {
  @TempDir Path dir;
  private HardeningFixture fx;
  private ServerSocket proxy;

  @AfterEach
  void stop() throws IOException {
    if (proxy != null) {
      proxy.close();
    }
    if (fx != null) {
      fx.close();
    }
  }

  /** Closes the first {@code drop} connections at once; forwards the others to the server. */
  private int startProxy(int drop, AtomicInteger accepted) throws IOException {
    proxy = new ServerSocket();
    proxy.bind(new InetSocketAddress("127.0.0.1", 0));
    Thread t = new Thread(() -> {
      while (!proxy.isClosed()) {
        try {
          Socket c = proxy.accept();
          if (accepted.incrementAndGet() <= drop) {
            c.close();
            continue;
          }
          Socket s = new Socket("127.0.0.1", fx.server.port());
          pipe(c.getInputStream(), s.getOutputStream(), s);
          pipe(s.getInputStream(), c.getOutputStream(), c);
        } catch (IOException e) {
          return;
        }
      }
    }, "refusing-proxy");
    t.setDaemon(true);
    t.start();
    return proxy.getLocalPort();
  }

  private static void pipe(InputStream in, OutputStream out, Socket close) {
    Thread t = new Thread(() -> {
      try (close) {
        in.transferTo(out);
      } catch (IOException e) {
        // one side went away
      }
    }, "proxy-pipe");
    t.setDaemon(true);
    t.start();
  }

  private RpcClient clientFor(int port, Duration timeout) throws IOException {
    Path kh = dir.resolve("known_hosts_proxy");
    Files.writeString(kh, "[127.0.0.1]:" + port + " " + PublicKeyEntry.toString(fx.server.hostKeys().publicKey()) + "\n");
    return RpcClient.builder().identity(fx.alice).knownHosts(kh).defaultUser("alice").connectTimeout(timeout).build();
  }

  @Test
  void connectionsClosedBeforeTheVersionLineAreRetried() throws Exception {
    fx = HardeningFixture.start(dir, ServerLimits.DEFAULT);
    AtomicInteger accepted = new AtomicInteger();
    int port = startProxy(3, accepted);
    try (RpcClient c = clientFor(port, Duration.ofSeconds(20)); RpcConnection conn = c.connect("alice@127.0.0.1:" + port)) {
      assertEquals(integer(7), conn.call("t", "echo", integer(7)));
    }
    assertEquals(4, accepted.get(), "three refusals, then the connection that worked");
  }

  @Test
  void retriesStopAtTheConnectDeadlineWithAClearMessage() throws Exception {
    fx = HardeningFixture.start(dir, ServerLimits.DEFAULT);
    AtomicInteger accepted = new AtomicInteger();
    int port = startProxy(Integer.MAX_VALUE, accepted);
    try (RpcClient c = clientFor(port, Duration.ofSeconds(2))) {
      IOException e = assertThrows(IOException.class, () -> c.connect("alice@127.0.0.1:" + port));
      assertTrue(String.valueOf(e.getMessage()).startsWith(
          "connection to alice@127.0.0.1:" + port + " closed by the server before its version line"), e.toString());
    }
    assertTrue(accepted.get() >= 2, "retried: " + accepted.get());
  }
}
