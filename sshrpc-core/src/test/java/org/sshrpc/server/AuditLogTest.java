package org.sshrpc.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sshrpc.term.Terms.atom;
import static org.sshrpc.term.Terms.integer;
import static org.sshrpc.term.Terms.list;
import static org.sshrpc.term.Terms.tuple;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.sshrpc.term.ErlBinary;

class AuditLogTest {
  final List<String> lines = new CopyOnWriteArrayList<>();

  @BeforeEach
  void tap() {
    AuditLog.tap = lines::add;
  }

  @AfterEach
  void untap() {
    AuditLog.tap = null;
  }

  @Test
  void callLineHasEveryFieldInOrder() {
    AuditLog.call("call", "alice", "SHA256:abc", new InetSocketAddress("127.0.0.1", 5000), "lists", "seq", 2,
        Outcome.ok(list(integer(1))), System.nanoTime());
    String l = lines.get(0);
    assertTrue(l.matches("\\d{4}-\\d\\d-\\d\\dT\\S+Z call user=alice key=SHA256:abc from=127\\.0\\.0\\.1:5000 mfa=lists:seq/2 status=ok duration_us=\\d+"), l);
  }

  @Test
  void ipv6AddressesAreBracketed() {
    AuditLog.call("cast", "bob", null, new InetSocketAddress("::1", 22), "m", "f", 0, Outcome.ok(atom("ok")), System.nanoTime());
    assertTrue(lines.get(0).contains(" key=- from=[0:0:0:0:0:0:0:1]:22 "), lines.get(0));
  }

  @Test
  void statusesNameTheOutcomeAndNeverItsValues() {
    long t = System.nanoTime();
    AuditLog.call("call", "u", null, null, "m", "f", 1, Outcome.raised(tuple(atom("badarg"), ErlBinary.utf8("secret-arg"))), t);
    AuditLog.call("call", "u", null, null, "m", "f", 1, Outcome.raised(RpcService.undef(atom("m"), atom("f"), list(ErlBinary.utf8("secret-arg")))), t);
    AuditLog.call("call", "u", null, null, "m", "f", 1, Outcome.refused(tuple(RpcService.DENIED, tuple(atom("m"), atom("f"), integer(1)))), t);
    AuditLog.call("call", "u", null, null, "m", "f", 1, Outcome.refused(Outcome.TIMEOUT), t);
    AuditLog.call("call", "u", null, null, "m", "f", 1, Outcome.refused(Outcome.CANCELLED), t);
    AuditLog.call("call", "u", null, null, "m", "f", 1, Outcome.refused(Outcome.OVERLOADED), t);
    AuditLog.call("call", "u", null, null, "m", "f", 1, Outcome.refused(atom("noconnection")), t);
    AuditLog.call("call", "u", null, null, "m", "f", 1,
        Outcome.raised(RpcService.javaException("java.lang.IllegalStateException", "secret-arg in message")), t);
    String[] expected = {"raised", "undef", "denied", "timeout", "cancelled", "overloaded", "noconnection", "raised"};
    for (int i = 0; i < expected.length; i++) {
      assertTrue(lines.get(i).contains(" status=" + expected[i] + " "), lines.get(i));
      assertFalse(lines.get(i).contains("secret-arg"), lines.get(i));
    }
    assertTrue(lines.get(7).contains(" exception=java.lang.IllegalStateException "), lines.get(7));
  }

  @Test
  void peerChosenStringsAreQuotedAndCannotForgeLines() {
    AuditLog.authFailed("evil\nuser=root status=ok", null, null, "publickey", "key \"bad\"");
    String l = lines.get(0);
    assertFalse(l.contains("\n"), l);
    assertTrue(l.contains("user=\"evil\\x0auser=root status=ok\""), l);
    assertTrue(l.contains("reason=\"key \\\"bad\\\"\""), l);
  }

  @Test
  void statusOfOutcomes() {
    assertEquals("ok", AuditLog.status(Outcome.ok(atom("x"))));
    assertEquals("error", AuditLog.status(Outcome.refused(atom("something_else"))));
  }
}
