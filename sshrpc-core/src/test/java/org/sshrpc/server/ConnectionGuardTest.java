package org.sshrpc.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link ConnectionGuard}'s admission decisions without a network: per-source, early drop, the table's bounds. */
class ConnectionGuardTest {
  private static String source(String ip) throws Exception {
    return ConnectionGuard.sourceOf(new InetSocketAddress(InetAddress.getByName(ip), 40000));
  }

  @Test
  void aSourceIsAnIpv4AddressOrAnIpv6Slash64() throws Exception {
    assertEquals("10.1.2.3", source("10.1.2.3"));
    assertEquals("2001:db8:0:1::/64", source("2001:db8:0:1:aaaa:bbbb:cccc:dddd"));
    assertEquals("2001:db8:0:1::/64", source("2001:db8:0:1::1"));
    assertEquals("2001:db8:0:2::/64", source("2001:db8:0:2::1"));
    assertEquals("0:0:0:0::/64", source("::1"));
    // An IPv4-mapped address counts as its IPv4 address, however Java represents it.
    byte[] mapped = new byte[16];
    mapped[10] = (byte) 0xFF;
    mapped[11] = (byte) 0xFF;
    mapped[12] = 10;
    mapped[15] = 7;
    assertEquals("10.0.0.7", ConnectionGuard.sourceOf(new InetSocketAddress(java.net.Inet6Address.getByAddress(null, mapped, -1), 1)));
  }

  @Test
  void perSourceLimitRefusesOnlyThatSourceAndTheTableIsEmptiedAtZero() {
    ConnectionGuard g =
        new ConnectionGuard(ServerLimits.builder().maxUnauthenticatedPerSource(2).maxUnauthenticated(100).build());
    assertNull(g.admit("10.0.0.1"));
    assertNull(g.admit("10.0.0.1"));
    assertEquals("unauthenticated connections from 10.0.0.1 at limit (2)", g.admit("10.0.0.1"));
    assertNull(g.admit("10.0.0.2"));
    assertEquals(3, g.sessions());
    assertEquals(3, g.unauthenticated());
    assertEquals(2, g.sourcesTracked());
    // A slot freed (authenticated or closed) admits the source again; at zero its entry is gone.
    g.releaseUnauthenticated("10.0.0.1");
    assertNull(g.admit("10.0.0.1"));
    g.releaseUnauthenticated("10.0.0.1");
    g.releaseUnauthenticated("10.0.0.1");
    g.releaseUnauthenticated("10.0.0.2");
    assertEquals(0, g.unauthenticated());
    assertEquals(0, g.sourcesTracked());
  }

  @Test
  void totalLimitComesFirstAndReservesNothingWhenRefusing() {
    ConnectionGuard g = new ConnectionGuard(ServerLimits.builder().maxSessions(1).build());
    assertNull(g.admit("a"));
    assertEquals("connections at limit (1)", g.admit("b"));
    assertEquals(1, g.sessions());
    assertEquals(1, g.sourcesTracked());
  }

  @Test
  void dropProbabilityRisesLinearlyFromRateAtStartTo100AtFull() {
    assertEquals(30, ConnectionGuard.dropPercent(10, 10, 30, 100));
    assertEquals(37, ConnectionGuard.dropPercent(19, 10, 30, 100)); // 30 + 70 * 9 / 90
    assertEquals(65, ConnectionGuard.dropPercent(55, 10, 30, 100));
    assertEquals(99, ConnectionGuard.dropPercent(99, 10, 30, 100));
    assertEquals(50, ConnectionGuard.dropPercent(2, 2, 50, 6));
    assertEquals(62, ConnectionGuard.dropPercent(3, 2, 50, 6));
    assertEquals(75, ConnectionGuard.dropPercent(4, 2, 50, 6));
    assertEquals(87, ConnectionGuard.dropPercent(5, 2, 50, 6));
  }

  @Test
  void earlyDropWithASeededRandomGivesTheExactSequence() {
    // 2:50:6, one source per connection so only the early drop decides. Random(42).nextInt(100)
    // draws 30 63 48 84 70 25 5 18 19 93 82 2 76 92. Below 2 open: accept, no draw. 2 open (p 50):
    // 30 refuses, 63 accepts. 3 open (p 62): 48 refuses, 84 accepts. 4 open (p 75): 70 25 5 18 19
    // refuse, 93 accepts. 5 open (p 87): 82 2 76 refuse, 92 accepts. 6 open = full: refused, no draw.
    ConnectionGuard g =
        new ConnectionGuard(
            ServerLimits.builder().maxStartups(2, 50, 6).maxUnauthenticatedPerSource(100).build(), new Random(42));
    StringBuilder seq = new StringBuilder();
    List<String> reasons = new ArrayList<>();
    for (int i = 0; i < 18; i++) {
      String r = g.admit("s" + i);
      seq.append(r == null ? 'A' : 'R');
      if (r != null) {
        reasons.add(r);
      }
    }
    assertEquals("AARARARRRRRARRRARR", seq.toString());
    assertEquals(6, g.unauthenticated());
    assertEquals(6, g.sourcesTracked());
    assertEquals("random early drop: 2 unauthenticated connections, refused with probability 50% (maxStartups 2:50:6)", reasons.get(0));
    assertEquals("random early drop: 5 unauthenticated connections, refused with probability 87% (maxStartups 2:50:6)", reasons.get(9));
    assertEquals("unauthenticated connections at limit (6)", reasons.get(10));
    assertEquals("unauthenticated connections at limit (6)", reasons.get(11));
  }
}
