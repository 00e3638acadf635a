package org.sshrpc.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class KnownHostsTest {
  private static String c(String addr) throws Exception {
    return KnownHosts.compressed((Inet6Address) InetAddress.getByName(addr));
  }

  @Test
  void ipv6IsWrittenAsOpenSshDoes() throws Exception {
    assertEquals("::1", c("0:0:0:0:0:0:0:1"));
    assertEquals("::", c("0:0:0:0:0:0:0:0"));
    assertEquals("fe80::1:2", c("fe80:0:0:0:0:0:1:2"));
    assertEquals("2001:db8::1:0:0:1", c("2001:db8:0:0:1:0:0:1"));
    assertEquals("2001:db8:0:1:1:1:1:1", c("2001:db8:0:1:1:1:1:1"));
    assertEquals("1::", c("1:0:0:0:0:0:0:0"));
  }

  @Test
  void hostNamesCarryNonDefaultPorts() throws Exception {
    assertEquals("[127.0.0.1]:2222", KnownHosts.hostName(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 2222)));
    assertEquals("[::1]:2222", KnownHosts.hostName(new InetSocketAddress(InetAddress.getByName("::1"), 2222)));
    assertEquals("127.0.0.1", KnownHosts.hostName(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 22)));
  }
}
