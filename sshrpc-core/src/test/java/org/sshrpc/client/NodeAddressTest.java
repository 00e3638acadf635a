package org.sshrpc.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class NodeAddressTest {
  @Test
  void parsesUserHostPort() {
    NodeAddress a = NodeAddress.parse("alice@db1.example:2200");
    assertEquals("alice", a.user());
    assertEquals("db1.example", a.host());
    assertEquals(2200, a.port());
    assertEquals("alice@db1.example:2200", a.toString());
  }

  @Test
  void defaultsPortAndUser() {
    NodeAddress a = NodeAddress.parse("10.0.0.1");
    assertNull(a.user());
    assertEquals(NodeAddress.DEFAULT_PORT, a.port());
  }

  @Test
  void ipv6Literals() {
    NodeAddress a = NodeAddress.parse("bob@[::1]:2222");
    assertEquals("::1", a.host());
    assertEquals(2222, a.port());
    assertEquals("bob@[::1]:2222", a.toString());
    assertEquals("fe80::1", NodeAddress.parse("[fe80::1]").host());
    assertEquals("::1", NodeAddress.parse("::1").host());
    assertEquals(2222, NodeAddress.parse("::1").port());
  }

  @Test
  void rejectsBadAddressesWithTheReason() {
    assertTrue(assertThrows(IllegalArgumentException.class, () -> NodeAddress.parse("h:0")).getMessage().contains("bad port '0'"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> NodeAddress.parse("h:x")).getMessage().contains("bad port 'x'"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> NodeAddress.parse("[::1")).getMessage().contains("unclosed"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> NodeAddress.parse("@h")).getMessage().contains("empty user"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> NodeAddress.parse(":22")).getMessage().contains("empty host"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> NodeAddress.parse("[::1]x")).getMessage().contains("':port'"));
  }

  @Test
  void clusterFileSkipsCommentsAndBlankLinesAndNamesBadLines() {
    List<NodeAddress> nodes =
        NodeAddress.parseClusterLines(
            List.of("# cluster", "", "a@n1:1", "  n2   # second", "[::1]:3"), "cluster.txt");
    assertEquals(List.of(NodeAddress.of("a", "n1", 1), NodeAddress.of(null, "n2", 2222), NodeAddress.of(null, "::1", 3)), nodes);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> NodeAddress.parseClusterLines(List.of("ok", "bad:99999"), "c.txt"));
    assertTrue(e.getMessage().startsWith("c.txt:2: "), e.getMessage());
  }
}
