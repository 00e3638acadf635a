package org.sshrpc.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProtocolException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stub resolver against a scripted DNS server on loopback (UDP and TCP on one port): TCP
 * fallback on truncation, answers to other queries skipped, silence bounded by the timeout.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class DnsClientTest {
  DatagramSocket udp;
  ServerSocket tcp;
  Thread udpThread;
  Thread tcpThread;

  /** Starts a server; {@code udpAnswer}/{@code tcpAnswer} map a query to the datagrams/reply to send. */
  InetSocketAddress serve(Function<byte[], List<byte[]>> udpAnswer, Function<byte[], byte[]> tcpAnswer) throws IOException {
    for (int attempt = 0; ; attempt++) {
      udp = new DatagramSocket(0, InetAddress.getLoopbackAddress());
      try {
        tcp = new ServerSocket(udp.getLocalPort(), 5, InetAddress.getLoopbackAddress());
        break;
      } catch (IOException e) {
        udp.close();
        if (attempt > 20) {
          throw e;
        }
      }
    }
    udpThread = new Thread(() -> {
      byte[] buf = new byte[512];
      while (!udp.isClosed()) {
        try {
          DatagramPacket p = new DatagramPacket(buf, buf.length);
          udp.receive(p);
          byte[] q = java.util.Arrays.copyOf(buf, p.getLength());
          for (byte[] a : udpAnswer.apply(q)) {
            udp.send(new DatagramPacket(a, a.length, p.getSocketAddress()));
          }
        } catch (IOException e) {
          return;
        }
      }
    });
    udpThread.setDaemon(true);
    udpThread.start();
    tcpThread = new Thread(() -> {
      while (!tcp.isClosed()) {
        try (Socket s = tcp.accept()) {
          DataInputStream in = new DataInputStream(s.getInputStream());
          byte[] q = new byte[in.readUnsignedShort()];
          in.readFully(q);
          byte[] a = tcpAnswer.apply(q);
          OutputStream out = s.getOutputStream();
          out.write(new byte[] {(byte) (a.length >> 8), (byte) a.length});
          out.write(a);
          out.flush();
        } catch (IOException e) {
          // next
        }
      }
    });
    tcpThread.setDaemon(true);
    tcpThread.start();
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), udp.getLocalPort());
  }

  @AfterEach
  void stop() throws IOException {
    if (udp != null) {
      udp.close();
    }
    if (tcp != null) {
      tcp.close();
    }
  }

  static int idOf(byte[] q) {
    return ((q[0] & 0xFF) << 8) | (q[1] & 0xFF);
  }

  static byte[] answer(int id, int flags, String name, int... lastOctets) {
    DnsMessageTest.Msg m = new DnsMessageTest.Msg(id, flags, 1, lastOctets.length, 0, 0).question(name, 1);
    for (int o : lastOctets) {
      m.a(12, 7, 127, 0, 0, o);
    }
    return m.get();
  }

  @Test
  void aTruncatedUdpAnswerIsAskedAgainOverTcp() throws Exception {
    InetSocketAddress s = serve(
        q -> List.of(answer(idOf(q), 0x8380, "fleet.test")),
        q -> answer(idOf(q), 0x8180, "fleet.test", 2, 3, 4));
    List<DnsMessage.Record> r = new DnsClient(s, Duration.ofSeconds(2), 1).query("fleet.test", DnsMessage.TYPE_A);
    assertEquals(3, r.size());
    assertEquals("127.0.0.4", r.get(2).address.getHostAddress());
    assertEquals(7, r.get(2).ttlSeconds);
  }

  @Test
  void anAnswerToAnotherQueryIsSkippedWhileWaiting() throws Exception {
    InetSocketAddress s = serve(
        q -> List.of(answer(idOf(q) ^ 0x5555, 0x8180, "fleet.test", 66), answer(idOf(q), 0x8180, "fleet.test", 2)),
        q -> new byte[0]);
    List<DnsMessage.Record> r = new DnsClient(s, Duration.ofSeconds(2), 1).query("fleet.test", DnsMessage.TYPE_A);
    assertEquals(1, r.size());
    assertEquals("127.0.0.2", r.get(0).address.getHostAddress());
  }

  @Test
  void aMalformedAnswerFailsTheQueryNamingTheServer() throws Exception {
    InetSocketAddress s = serve(q -> List.of(answer(idOf(q), 0x8180, "evil.test", 2)), q -> new byte[0]);
    ProtocolException e = assertThrows(ProtocolException.class,
        () -> new DnsClient(s, Duration.ofSeconds(2), 1).query("fleet.test", DnsMessage.TYPE_A));
    assertEquals("DNS query fleet.test A to 127.0.0.1:" + s.getPort()
        + ": DNS response answers evil.test type 1 class 1 (expected: fleet.test type 1 class 1)", e.getMessage());
  }

  @Test
  void silenceIsBoundedByTheTimeout() throws Exception {
    InetSocketAddress s = serve(q -> List.of(), q -> new byte[0]);
    IOException e = assertThrows(IOException.class,
        () -> new DnsClient(s, Duration.ofMillis(100), 2).query("fleet.test", DnsMessage.TYPE_A));
    assertEquals("DNS query fleet.test A to 127.0.0.1:" + s.getPort() + ": no answer within 100 ms (2 attempts)", e.getMessage());
  }

  @Test
  void nxdomainIsEmptyAndServfailIsAnError() throws Exception {
    InetSocketAddress s = serve(
        q -> List.of(answer(idOf(q), q[13] == 'n' ? 0x8183 : 0x8182, q[13] == 'n' ? "nx.test" : "sf.test")),
        q -> new byte[0]);
    DnsClient c = new DnsClient(s, Duration.ofSeconds(2), 1);
    assertEquals(List.of(), c.query("nx.test", DnsMessage.TYPE_A));
    IOException e = assertThrows(IOException.class, () -> c.query("sf.test", DnsMessage.TYPE_A));
    assertEquals("DNS query sf.test A to 127.0.0.1:" + s.getPort() + " failed: rcode 2 (server failure)", e.getMessage());
  }

  @Test
  void theSystemServerIsTheFirstNameserverLiteral(@TempDir Path dir) throws Exception {
    Path conf = dir.resolve("resolv.conf");
    Files.writeString(conf, "# comment\nsearch example\nnameserver dns.example\nnameserver 10.0.0.53\nnameserver 10.0.0.54\n");
    assertEquals(new InetSocketAddress("10.0.0.53", 53), DnsClient.systemServer(conf));
    Files.writeString(conf, "search example\n");
    assertEquals(null, DnsClient.systemServer(conf));
    assertEquals(null, DnsClient.systemServer(dir.resolve("missing")));
  }
}
