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
    assertTrue(l.matches("call user=alice key=SHA256:abc from=127\\.0\\.0\\.1:5000 mfa=lists:seq/2 status=ok duration_us=\\d+"), l);
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
    assertTrue(l.contains("user=\"evil\\u{000A}user=root status=ok\""), l);
    assertTrue(l.contains("reason=\"key \\\"bad\\\"\""), l);
  }

  /**
   * Issue 10: NEL, U+2028 and U+2029 in a user name or module atom made a line-based reader see a
   * second, clean-looking record; bidi overrides could hide part of one. Each is escaped visibly.
   */
  @Test
  void separatorsAndFormatCharactersAreEscapedInEveryField() {
    String hostile = "a\u0085b\u2028c\u2029d\u202Ee\rf\ng";
    String escaped = "a\\u{0085}b\\u{2028}c\\u{2029}d\\u{202E}e\\u{000D}f\\u{000A}g";
    AuditLog.call("call", hostile + " status=ok", "SHA256:k", null, "m" + hostile, "f", 0, Outcome.ok(atom("ok")), System.nanoTime());
    assertEquals(1, lines.size());
    String l = lines.get(0);
    assertTrue(l.contains(" user=\"" + escaped + " status=ok\" key=SHA256:k from=- mfa=\"m" + escaped + ":f/0\" status=ok "), l);
    // One record for any line-based reader: no line terminator of any convention remains.
    assertEquals(1, l.split("[\\n\\r\\u000B\\u000C\\u0085\\u2028\\u2029]", -1).length, l);
    l.codePoints().forEach(c -> assertFalse(LogText.mustEscape(c), () -> "raw U+" + Integer.toHexString(c) + " in " + l));
  }

  @Test
  void otherInvisibleCharactersAreEscapedToo() {
    // Zero-width space, BOM, LRI/PDI isolates, NBSP, DEL, a lone surrogate, an unassigned code
    // point; a valid surrogate pair (an emoji) and ordinary non-ASCII text stay as they are.
    AuditLog.authFailed("z\u200Bb\uFEFFi\u2066x\u2069n\u00A0d\u007Fs\uD800u\u0378 \uD83D\uDE00 é", null, null, "publickey", "r");
    assertTrue(lines.get(0).contains(
        " user=\"z\\u{200B}b\\u{FEFF}i\\u{2066}x\\u{2069}n\\u{00A0}d\\u{007F}s\\u{D800}u\\u{0378} \uD83D\uDE00 é\" "), lines.get(0));
  }

  @Test
  void overLongFieldsAreCutAtTheBound() {
    AuditLog.authFailed("x".repeat(100_000), null, null, "publickey", "\u2028".repeat(1000));
    String l = lines.get(0);
    assertTrue(l.contains(" user=\"" + "x".repeat(LogText.FIELD_MAX) + "...\" key=- "), l);
    // 32 escapes of 8 characters fill the 256 exactly; the 33rd is not split.
    assertTrue(l.endsWith(" reason=\"" + "\\u{2028}".repeat(32) + "...\""), l);
    assertTrue(l.length() < AuditLog.MAX_LINE, "line of " + l.length());
  }

  @Test
  void plainValuesStayBare() {
    AuditLog.authFailed("alice", null, null, "publickey", "wrong password");
    assertTrue(lines.get(0).contains(" user=alice key=- from=- method=publickey reason=\"wrong password\""), lines.get(0));
  }

  @Test
  void statusOfOutcomes() {
    assertEquals("ok", AuditLog.status(Outcome.ok(atom("x"))));
    assertEquals("error", AuditLog.status(Outcome.refused(atom("something_else"))));
  }
}
