package org.sshrpc.auth;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.UnknownHostException;
import org.junit.jupiter.api.Test;

class AddressPatternsTest {
  private static InetAddress ip(String s) throws UnknownHostException {
    return InetAddress.getByName(s);
  }

  @Test
  void fromPatternList() throws Exception {
    assertTrue(AddressPatterns.matchesFrom("127.0.0.1", ip("127.0.0.1")));
    assertFalse(AddressPatterns.matchesFrom("127.0.0.1", ip("127.0.0.10")));
    assertTrue(AddressPatterns.matchesFrom("10.0.0.?", ip("10.0.0.7")));
    assertFalse(AddressPatterns.matchesFrom("10.0.0.?", ip("10.0.0.17")));
    assertTrue(AddressPatterns.matchesFrom("*", ip("::1")));
    assertFalse(AddressPatterns.matchesFrom("*,!::1", ip("::1")), "negation wins");
    assertTrue(AddressPatterns.matchesFrom("::1", ip("0:0:0:0:0:0:0:1")), "IPv6 literals compared as addresses");
    assertTrue(AddressPatterns.matchesFrom("fe80::/10", ip("fe80::1")));
    assertFalse(AddressPatterns.matchesFrom("", ip("127.0.0.1")));
    assertFalse(AddressPatterns.matchesFrom("localhost", ip("127.0.0.1")), "names are never resolved");
    assertFalse(AddressPatterns.matchesCidrList("dead", ip("127.0.0.1")), "hex word is not a literal");
    assertFalse(AddressPatterns.matchesFrom("256.1.1.1", ip("127.0.0.1")));
  }

  @Test
  void cidrList() throws Exception {
    assertTrue(AddressPatterns.matchesCidrList("10.0.0.0/8,192.168.1.0/24", ip("192.168.1.200")));
    assertFalse(AddressPatterns.matchesCidrList("10.0.0.0/8,192.168.1.0/24", ip("192.168.2.1")));
    assertTrue(AddressPatterns.matchesCidrList("127.0.0.1", ip("127.0.0.1")));
    assertTrue(AddressPatterns.matchesCidrList("0.0.0.0/0", ip("8.8.8.8")));
    assertFalse(AddressPatterns.matchesCidrList("0.0.0.0/0", ip("::1")), "families never mix");
    assertFalse(AddressPatterns.matchesCidrList("10.0.0.0/33", ip("10.0.0.1")));
    assertFalse(AddressPatterns.matchesCidrList("10.0.0.0/x", ip("10.0.0.1")));
    assertTrue(AddressPatterns.matchesCidrList("10.0.0.0/9", ip("10.127.255.255")));
    assertFalse(AddressPatterns.matchesCidrList("10.0.0.0/9", ip("10.128.0.0")));
  }
}
