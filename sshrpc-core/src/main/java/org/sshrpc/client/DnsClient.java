package org.sshrpc.client;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProtocolException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;

/**
 * A small stub resolver: asks one DNS server one question over UDP, and again over TCP when the
 * answer was truncated. Exists because the JDK's resolvers do not report TTLs, which re-resolving
 * a fleet on schedule needs. Thread-safe (each query uses its own socket).
 *
 * <p>Hostile-server rules: the UDP socket is connected, so datagrams from other sources never
 * arrive; a datagram whose id does not match (a late answer, a spoofing attempt) is skipped while
 * waiting; anything else malformed fails the query with {@link ProtocolException}; a TCP answer
 * is at most 65,535 bytes by its 16-bit length; every wait is bounded by {@code timeout}.
 */
final class DnsClient {
  private static final SecureRandom IDS = new SecureRandom();
  /** Largest UDP datagram read; anything longer than what we advertised is cut and fails parsing. */
  private static final int UDP_BUFFER = 4096;

  private final InetSocketAddress server;
  private final Duration timeout;
  private final int attempts;

  DnsClient(InetSocketAddress server, Duration timeout, int attempts) {
    this.server = server;
    this.timeout = timeout;
    this.attempts = attempts;
  }

  InetSocketAddress server() {
    return server;
  }

  /**
   * The first {@code nameserver} of {@code /etc/resolv.conf} (port 53), or null when there is
   * none: the system's resolver, as glibc would use it first.
   */
  static InetSocketAddress systemServer(Path resolvConf) {
    try {
      for (String line : Files.readAllLines(resolvConf, StandardCharsets.UTF_8)) {
        String[] w = line.trim().split("\\s+");
        if (w.length >= 2 && w[0].equals("nameserver")) {
          String host = w[1];
          int pct = host.indexOf('%'); // IPv6 zone
          if (pct >= 0) {
            host = host.substring(0, pct);
          }
          if (host.matches("[0-9a-fA-F:.]+")) { // a literal: never a lookup to find the resolver
            return new InetSocketAddress(InetAddress.getByName(host), 53);
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      // no readable resolv.conf: no system server
    }
    return null;
  }

  /**
   * The records answering {@code name}/{@code type}, with CNAMEs and additional records as the
   * server sent them; empty for a name that does not exist.
   *
   * @throws IOException when the server does not answer in time, fails (rcode other than 0 or 3)
   *     or sends a malformed answer; the message names the server and the question
   */
  List<DnsMessage.Record> query(String name, int type) throws IOException {
    byte[] q;
    int id;
    synchronized (IDS) {
      id = IDS.nextInt(1 << 16);
    }
    try {
      q = DnsMessage.query(id, name, type);
    } catch (IllegalArgumentException e) {
      throw new IOException(e.getMessage(), e);
    }
    String what = "DNS query " + name + " " + typeName(type) + " to " + hostPort(server);
    DnsMessage.Response r;
    try {
      r = udp(q, id, name, type, what);
      if (r.truncated) {
        r = tcp(q, id, name, type);
        if (r.truncated) {
          throw new ProtocolException("truncated answer over TCP");
        }
      }
    } catch (ProtocolException e) {
      throw new ProtocolException(what + ": " + e.getMessage());
    }
    if (r.rcode == DnsMessage.RCODE_NXDOMAIN) {
      return List.of();
    }
    if (r.rcode != 0) {
      throw new RcodeException(what + " failed: rcode " + r.rcode + " (" + rcodeName(r.rcode) + ")");
    }
    return r.records;
  }

  private DnsMessage.Response udp(byte[] q, int id, String name, int type, String what) throws IOException {
    IOException last = null;
    for (int attempt = 0; attempt < attempts; attempt++) {
      try (DatagramSocket s = new DatagramSocket()) {
        s.connect(server);
        s.send(new DatagramPacket(q, q.length));
        long deadline = System.nanoTime() + timeout.toNanos();
        byte[] buf = new byte[UDP_BUFFER];
        while (true) {
          long left = (deadline - System.nanoTime()) / 1_000_000;
          if (left <= 0) {
            throw new SocketTimeoutException();
          }
          s.setSoTimeout((int) Math.min(left, Integer.MAX_VALUE));
          DatagramPacket p = new DatagramPacket(buf, buf.length);
          s.receive(p);
          if (p.getLength() >= 2 && (((buf[0] & 0xFF) << 8) | (buf[1] & 0xFF)) != id) {
            continue; // not the answer to this query: keep waiting for it
          }
          return DnsMessage.parse(buf, p.getLength(), id, name, type);
        }
      } catch (SocketTimeoutException e) {
        last = new IOException(what + ": no answer within " + timeout.toMillis() + " ms (" + attempts + " attempts)", e);
      } catch (java.net.PortUnreachableException e) {
        throw new IOException(what + ": no DNS server there (port unreachable)", e);
      }
    }
    throw last;
  }

  private DnsMessage.Response tcp(byte[] q, int id, String name, int type) throws IOException {
    try (Socket s = new Socket()) {
      int ms = (int) Math.max(1, timeout.toMillis());
      s.connect(server, ms);
      s.setSoTimeout(ms);
      OutputStream out = s.getOutputStream();
      byte[] framed = new byte[q.length + 2];
      framed[0] = (byte) (q.length >> 8);
      framed[1] = (byte) q.length;
      System.arraycopy(q, 0, framed, 2, q.length);
      out.write(framed);
      out.flush();
      DataInputStream in = new DataInputStream(s.getInputStream());
      int len = in.readUnsignedShort(); // at most 65,535: the bound on what we buffer
      byte[] m = new byte[len];
      in.readFully(m);
      return DnsMessage.parse(m, len, id, name, type);
    }
  }

  /** The server answered, with an error code (refused, server failure ...). */
  static final class RcodeException extends IOException {
    private static final long serialVersionUID = 1L;

    RcodeException(String message) {
      super(message);
    }
  }

  static String typeName(int type) {
    switch (type) {
      case DnsMessage.TYPE_A:
        return "A";
      case DnsMessage.TYPE_AAAA:
        return "AAAA";
      case DnsMessage.TYPE_SRV:
        return "SRV";
      default:
        return "type " + type;
    }
  }

  private static String rcodeName(int rcode) {
    switch (rcode) {
      case 1:
        return "format error";
      case 2:
        return "server failure";
      case 4:
        return "not implemented";
      case 5:
        return "refused";
      default:
        return "error";
    }
  }

  static String hostPort(InetSocketAddress a) {
    String h = a.getAddress() != null ? a.getAddress().getHostAddress() : a.getHostString();
    return (h.indexOf(':') >= 0 ? "[" + h + "]" : h) + ":" + a.getPort();
  }
}
