package org.sshrpc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.sshrpc.client.Target;

/** Fleet targets, --resolver, -v and --host-certificate through the argument parser, no network. */
@Timeout(20)
class FleetCliTest {
  private static String[] run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Main.run(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), args);
    return new String[] {String.valueOf(code), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)};
  }

  @Test
  void callTakesAFleetTargetAndAResolver() {
    CallCommand c = assertInstanceOf(CallCommand.class,
        Main.fromArgs("call", "-v", "--resolver", "127.0.0.1:5353", "dns:///fleet.example:2200", "sshrpc:ping()"));
    assertEquals(Target.Kind.DNS, c.target.kind());
    assertEquals("fleet.example", c.target.dnsName());
    assertNull(c.node);
    assertEquals(new InetSocketAddress("127.0.0.1", 5353), c.fleet.resolver);
    assertEquals(1, c.connection.verbose.length); // -v: the library log and which replica answered
    CastCommand k = assertInstanceOf(CastCommand.class, Main.fromArgs("cast", "srv:///_sshrpc._tcp.fleet.example", "m:f()"));
    assertEquals(Target.Kind.SRV, k.target.kind());
    CallCommand l = assertInstanceOf(CallCommand.class, Main.fromArgs("call", "a:1,b:2", "m:f()"));
    assertEquals(2, l.target.nodes().size());
  }

  @Test
  void badTargetsAndResolversAreArgumentErrors() {
    String[] r = run("call", "--resolver", "dns.example", "dns:///x", "m:f()");
    assertEquals(String.valueOf(Main.USAGE), r[0]);
    assertTrue(r[2].contains("resolver dns.example: not an IP address (expected: IP[:PORT])"), r[2]);
    String[] t = run("call", "ftp:///x", "m:f()");
    assertEquals(String.valueOf(Main.USAGE), t[0]);
    assertTrue(t[2].contains("target ftp:///x: unknown scheme 'ftp' (expected: dns, srv or static)"), t[2]);
  }

  @Test
  void anUnresolvableTargetExitsUnavailable() {
    // Port 1 on loopback: nothing listens, so the query is refused at once (or times out).
    String[] r = run("call", "--resolver", "127.0.0.1:1", "dns:///x.test:2222", "sshrpc:ping()");
    assertEquals(String.valueOf(Main.UNAVAILABLE), r[0]);
    assertTrue(r[2].startsWith("sshrpc: DNS query x.test A to 127.0.0.1:1: "), r[2]);
  }

  @Test
  void serveTakesAHostCertificate() {
    ServeCommand s = assertInstanceOf(ServeCommand.class, Main.fromArgs("serve", "--host-certificate", "/etc/ssh/host-cert.pub"));
    assertEquals(Path.of("/etc/ssh/host-cert.pub"), s.hostCertificate);
  }
}
