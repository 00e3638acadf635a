package org.sshrpc.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import org.junit.jupiter.api.Test;
import org.sshrpc.term.Terms;

class LogTextTest {
  @Test
  void fieldEscapesAndBounds() {
    assertEquals("-", LogText.field(null));
    assertEquals("plain text", LogText.field("plain text"));
    assertEquals("a\\\\b \\\"q\\\" \\u{2028}\\u{0085}\\u{202E}\\u{E0001}", LogText.field("a\\b \"q\" \u2028\u0085\u202E\uDB40\uDC01"));
    assertEquals("y".repeat(LogText.FIELD_MAX) + "...", LogText.field("y".repeat(LogText.FIELD_MAX + 1)));
    assertEquals("y".repeat(LogText.FIELD_MAX), LogText.field("y".repeat(LogText.FIELD_MAX)));
  }

  @Test
  void termIsBoundedAndKeepsErlangEscapes() {
    // An atom with a newline prints as Erlang's own escape; the printout is not escaped twice.
    assertEquals("'a\\nb'", LogText.term(Terms.atom("a\nb")));
    // U+3000 is printable for Erlang but a separator for a log line.
    assertEquals("'x\\u{3000}y'", LogText.term(Terms.atom("x\u3000y")));
    String s = LogText.term(Terms.list(Terms.integer(BigInteger.ONE.shiftLeft(1 << 20)), Terms.atom("x")));
    assertEquals(LogText.FIELD_MAX + 3, s.length());
    assertTrue(s.startsWith("[16#1000"), s);
    assertTrue(s.endsWith("..."), s);
  }
}
