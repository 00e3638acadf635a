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
    assertEquals(1, c.connection.verbose.length);
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
  void statsTakesAFleetTargetAndAResolver() {
    StatsCommand s = assertInstanceOf(StatsCommand.class,
        Main.fromArgs("stats", "--resolver", "127.0.0.1:5353", "srv:///_sshrpc._tcp.fleet.example"));
    assertEquals(Target.Kind.SRV, s.target.kind());
    assertNull(s.node);
    assertEquals(new InetSocketAddress("127.0.0.1", 5353), s.fleet.resolver);
    StatsCommand one = assertInstanceOf(StatsCommand.class, Main.fromArgs("stats", "alice@db1:2300"));
    assertEquals("alice@db1:2300", one.node.toString());
    String[] t = run("stats", "ftp:///x");
    assertEquals(String.valueOf(Main.USAGE), t[0]);
    assertEquals("Invalid value for positional parameter at index 0 (TARGET): target ftp:///x: unknown scheme 'ftp'"
        + " (expected: dns, srv or static)\nTry 'sshrpc stats --help' for more information.\n", t[2]);
    String[] d = run("stats", "--resolver", "127.0.0.1:1", "dns:///x.test:2222");
    assertEquals(String.valueOf(Main.UNAVAILABLE), d[0]);
    assertEquals("", d[1]);
    assertTrue(d[2].startsWith("sshrpc: DNS query x.test A to 127.0.0.1:1: "), d[2]);
  }

  @Test
  void benchTargetTakesAFleetTargetAndAResolver() {
    LoadCommand l = new LoadCommand();
    BenchCommand.loadCommandLine(new java.io.PrintWriter(new ByteArrayOutputStream()), new java.io.PrintWriter(new ByteArrayOutputStream()), l)
        .parseArgs("--target", "dns:///fleet.example:2200", "--resolver", "127.0.0.1", "m:f()");
    assertEquals(Target.Kind.DNS, l.target.kind());
    assertEquals("fleet.example", l.target.dnsName());
    assertEquals(new InetSocketAddress("127.0.0.1", 53), l.fleet.resolver);
    String[] t = run("bench", "--target", "ftp:///x", "m:f()");
    assertEquals(String.valueOf(Main.USAGE), t[0]);
    assertEquals("Invalid value for option '--target': target ftp:///x: unknown scheme 'ftp' (expected: dns, srv or static)\n"
        + "Try 'sshrpc bench --help' for more information.\n", t[2]);
    String[] r = run("bench", "--target", "127.0.0.1:1,127.0.0.1:2", "--resolver", "nope", "m:f()");
    assertEquals(String.valueOf(Main.USAGE), r[0]);
    assertEquals("Invalid value for option '--resolver': resolver nope: not an IP address (expected: IP[:PORT])\n"
        + "Try 'sshrpc bench --help' for more information.\n", r[2]);
    String[] d = run("bench", "--target", "dns:///x.test:2222", "--resolver", "127.0.0.1:1", "m:f()");
    assertEquals(String.valueOf(Main.UNAVAILABLE), d[0]);
    assertTrue(d[2].startsWith("sshrpc: DNS query x.test A to 127.0.0.1:1: "), d[2]);
  }

  @Test
  void serveTakesAHostCertificate() {
    ServeCommand s = assertInstanceOf(ServeCommand.class, Main.fromArgs("serve", "--host-certificate", "/etc/ssh/host-cert.pub"));
    assertEquals(Path.of("/etc/ssh/host-cert.pub"), s.hostCertificate);
  }
}
