package org.sshrpc.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class TargetTest {
  @Test
  void aPlainAddressIsOneNode() {
    Target t = Target.parse("alice@db1:2200");
    assertTrue(t.isSingleNode());
    assertEquals(List.of(NodeAddress.of("alice", "db1", 2200)), t.nodes());
    assertNull(t.dnsName());
  }

  @Test
  void dnsTargets() {
    Target t = Target.parse("dns:///Fleet.Example.com:2200");
    assertEquals(Target.Kind.DNS, t.kind());
    assertEquals("fleet.example.com", t.dnsName());
    assertNull(t.dnsServer());
    Target withServer = Target.parse("dns://10.0.0.53:5353/bob@fleet.example.com");
    assertEquals(new InetSocketAddress("10.0.0.53", 5353), withServer.dnsServer());
    assertEquals("dns://10.0.0.53:5353/bob@fleet.example.com", withServer.toString());
    assertEquals(new InetSocketAddress("10.0.0.53", 53), Target.parse("dns://10.0.0.53/x.example").dnsServer());
  }

  @Test
  void srvAndStaticTargets() {
    Target s = Target.parse("srv:///_sshrpc._tcp.fleet.example.com");
    assertEquals(Target.Kind.SRV, s.kind());
    assertEquals("_sshrpc._tcp.fleet.example.com", s.dnsName());
    Target l = Target.parse("a:1,b:2");
    assertEquals(Target.Kind.STATIC, l.kind());
    assertEquals(List.of(NodeAddress.parse("a:1"), NodeAddress.parse("b:2")), l.nodes());
    assertEquals(l.nodes(), Target.parse("static:///a:1,b:2").nodes());
  }

  @Test
  void badTargetsSayWhy() {
    assertEquals("target ftp:///x: unknown scheme 'ftp' (expected: dns, srv or static)",
        assertThrows(IllegalArgumentException.class, () -> Target.parse("ftp:///x")).getMessage());
    assertEquals("target srv:///fleet.example.com: an SRV name starts with the service, e.g. srv:///_sshrpc._tcp.fleet.example.com",
        assertThrows(IllegalArgumentException.class, () -> Target.parse("srv:///fleet.example.com")).getMessage());
    assertEquals("target dns:///a..b: bad DNS name 'a..b': label of 0 bytes (expected: 1..63)",
        assertThrows(IllegalArgumentException.class, () -> Target.parse("dns:///a..b")).getMessage());
    assertEquals("target dns:///x:99999: bad port '99999' in node address: x:99999 (expected: 1..65535)",
        assertThrows(IllegalArgumentException.class, () -> Target.parse("dns:///x:99999")).getMessage());
    assertEquals("target a:1,,b:2: empty entry in the list",
        assertThrows(IllegalArgumentException.class, () -> Target.parse("a:1,,b:2")).getMessage());
  }

  @Test
  void resolverAddressesAreLiterals() {
    assertEquals(new InetSocketAddress("127.0.0.1", 5353), Target.resolverAddress("127.0.0.1:5353", 53));
    assertEquals(new InetSocketAddress("127.0.0.1", 53), Target.resolverAddress("127.0.0.1", 53));
    assertEquals(new InetSocketAddress("::1", 53), Target.resolverAddress("::1", 53));
    assertEquals(new InetSocketAddress("::1", 5353), Target.resolverAddress("[::1]:5353", 53));
    assertEquals("resolver dns.example:53: not an IP address (expected: IP[:PORT])",
        assertThrows(IllegalArgumentException.class, () -> Target.resolverAddress("dns.example:53", 53)).getMessage());
  }
}
