package org.sshrpc.term;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.sshrpc.term.Terms.atom;
import static org.sshrpc.term.Terms.binary;
import static org.sshrpc.term.Terms.flt;
import static org.sshrpc.term.Terms.integer;
import static org.sshrpc.term.Terms.list;
import static org.sshrpc.term.Terms.map;
import static org.sshrpc.term.Terms.string;
import static org.sshrpc.term.Terms.tuple;

import java.math.BigInteger;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class TermPrinterTest {

  private static String p(Term t) {
    String s = TermPrinter.print(t);
    assertEquals(t, TermParser.parseTerm(s), "reads back: " + s);
    return s;
  }

  @Test
  void atoms() {
    assertEquals("ok", p(atom("ok")));
    assertEquals("node@host", p(atom("node@host")));
    assertEquals("aB_9", p(atom("aB_9")));
    assertEquals("'Ok'", p(atom("Ok")));
    assertEquals("'_x'", p(atom("_x")));
    assertEquals("''", p(atom("")));
    assertEquals("'hello world'", p(atom("hello world")));
    assertEquals("'It\\'s'", p(atom("It's")));
    assertEquals("'a\\\\b'", p(atom("a\\b")));
    assertEquals("'a\\nb'", p(atom("a\nb")));
    assertEquals("'\\x{0}'", p(atom("\0")));
    assertEquals("'été'", p(atom("été")));
    assertEquals("'日本'", p(atom("日本")));
    assertEquals("'9a'", p(atom("9a")));
    assertEquals("'a-b'", p(atom("a-b")));
    for (String reserved :
        List.of("case", "end", "fun", "after", "and", "andalso", "band", "begin", "bnot", "bor",
            "bsl", "bsr", "bxor", "catch", "cond", "div", "if", "let", "not", "of", "or",
            "orelse", "receive", "rem", "try", "when", "xor", "maybe", "else")) {
      assertEquals("'" + reserved + "'", p(atom(reserved)));
    }
  }

  @Test
  void numbers() {
    assertEquals("0", p(integer(0)));
    assertEquals("-5", p(integer(-5)));
    assertEquals("18446744073709551616", p(integer(BigInteger.ONE.shiftLeft(64))));
    assertEquals("1.0", p(flt(1.0)));
    assertEquals("-0.0", p(flt(-0.0)));
    assertEquals("0.1", p(flt(0.1)));
    assertEquals("1.0e10", p(flt(1.0e10)));
    assertEquals("1.0e-5", p(flt(1.0e-5)));
    assertEquals("123.456", p(flt(123.456)));
    assertEquals("1.7976931348623157e308", p(flt(Double.MAX_VALUE)));
    assertEquals("4.9e-324", p(flt(Double.MIN_VALUE)));
  }

  @Test
  void lists() {
    assertEquals("[]", p(ErlList.NIL));
    assertEquals("\"abc\"", p(string("abc")));
    assertEquals("\"a\\\"b\\\\c\\n\\t\"", p(string("a\"b\\c\n\t")));
    assertEquals("\"héllo\"", p(string("héllo")));
    assertEquals("\"Я日本\"", p(string("Я日本")));
    assertEquals("[1,2,3]", p(list(integer(1), integer(2), integer(3))));
    assertEquals("[97,0]", p(list(integer(97), integer(0))));
    assertEquals("[97,-1]", p(list(integer(97), integer(-1))));
    assertEquals("[a,\"b\"]", p(list(atom("a"), string("b"))));
    assertEquals("[a|b]", p(ErlList.improper(List.of(atom("a")), atom("b"))));
    assertEquals("[97|b]", p(ErlList.improper(List.of(integer(97)), atom("b"))));
    assertEquals("[1,2|<<>>]", p(ErlList.improper(List.of(integer(1), integer(2)), binary(new byte[0]))));
    // the seed's reply: not printable (1..31), so a list as the Erlang shell shows it
    Term[] seq = new Term[100];
    for (int i = 0; i < 100; i++) {
      seq[i] = integer(i + 1);
    }
    assertEquals(
        "[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,57,58,59,60,61,62,63,64,65,66,67,68,69,70,71,72,73,74,75,76,77,78,79,80,81,82,83,84,85,86,87,88,89,90,91,92,93,94,95,96,97,98,99,100]",
        p(list(seq)));
  }

  @Test
  void binaries() {
    assertEquals("<<>>", p(binary(new byte[0])));
    assertEquals("<<\"bin\">>", p(binary("bin")));
    assertEquals("<<\"a\\nb\\\"\">>", p(binary("a\nb\"")));
    assertEquals("<<\"héllo\"/utf8>>", p(binary("héllo")));
    assertEquals("<<1,2,3>>", p(binary(new byte[] {1, 2, 3})));
    assertEquals("<<104,233>>", p(binary(new byte[] {'h', (byte) 0xE9})));
    assertEquals("<<255>>", p(binary(new byte[] {(byte) 0xFF})));
    assertEquals("<<5:3>>", p(ErlBitstring.of(new byte[] {(byte) 0xA0}, 3)));
    assertEquals("<<1,2,3:4>>", p(ErlBitstring.of(new byte[] {1, 2, 0x30}, 4)));
  }

  @Test
  void containers() {
    assertEquals("{}", p(tuple()));
    assertEquals("{ok,[1,2]}", p(tuple(atom("ok"), list(integer(1), integer(2)))));
    assertEquals("#{}", p(ErlMap.of()));
    assertEquals("#{a => 1,\"k\" => {b}}", p(map(atom("a"), integer(1), string("k"), tuple(atom("b")))));
    assertEquals("#{#{} => []}", p(map(ErlMap.of(), ErlList.NIL)));
  }

  @Test
  void funsPidsRefsPorts() {
    assertEquals("fun lists:seq/2", p(ErlExportFun.of(atom("lists"), atom("seq"), 2)));
    assertEquals("fun 'a b':'end'/0", p(ErlExportFun.of(atom("a b"), atom("end"), 0)));
    assertEquals(
        "binary_to_term(<<131,88,100,0,6,97,64,104,111,115,116,0,0,0,42,0,0,0,0,0,0,0,3>>)",
        p(ErlPid.of(atom("a@host"), 42, 0, 3)));
    assertEquals(
        "binary_to_term(<<131,90,0,3,100,0,1,110,0,0,0,1,0,0,0,1,255,255,255,255,0,0,0,3>>)",
        p(ErlRef.of(atom("n"), 1, 1, -1, 3)));
    assertEquals(
        "binary_to_term(<<131,120,100,0,1,110,0,0,0,1,0,0,0,2,0,0,0,7>>)",
        p(ErlPort.of(atom("n"), (1L << 32) + 2, 7)));
    // NEW_FUN_EXT: size, arity 0, uniq (16), index, numfree 0, module 'm', old index 0, old uniq 0, pid
    java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
    b.writeBytes(new byte[] {112, 0, 0, 0, 0, 0});
    b.writeBytes(new byte[16]);
    b.writeBytes(new byte[] {0, 0, 0, 1, 0, 0, 0, 0, 100, 0, 1, 'm', 97, 0, 98, 0, 0, 0, 0});
    b.writeBytes(new byte[] {88, 100, 0, 1, 'n', 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0});
    byte[] fun = b.toByteArray();
    fun[4] = (byte) (fun.length - 1);
    String printed = p(ErlFun.ofEncoded(fun));
    org.junit.jupiter.api.Assertions.assertTrue(printed.startsWith("binary_to_term(<<131,112,0,0,0,57,0,"), printed);
  }

  @Test
  void atomsErlScanCannotReadUseTheBinaryForm() {
    // OTP's erl_scan rejects U+FFFE and U+FFFF even as \x{FFFF}; U+FFFD and U+10FFFF are fine.
    assertEquals("binary_to_term(<<131,119,4,97,239,191,191>>)", p(atom("a\uFFFF")));
    assertEquals("binary_to_term(<<131,119,3,239,191,190>>)", p(atom("\uFFFE")));
    assertEquals("'\\x{10FFFF}'", p(atom(new String(Character.toChars(0x10FFFF)))));
    String fun = p(ErlExportFun.of(atom("m"), atom("\uFFFF"), 1));
    org.junit.jupiter.api.Assertions.assertTrue(fun.startsWith("binary_to_term(<<131,113,"), fun);
  }

  @Test
  void deepTermsPrintWithoutStackOverflow() {
    Term t = ErlList.NIL;
    for (int i = 0; i < 200_000; i++) {
      t = tuple(t);
    }
    String s = TermPrinter.print(t);
    assertEquals(200_000 * 2 + 2, s.length());
    assertEquals("{{{[]}}}", TermPrinter.print(tuple(tuple(tuple(ErlList.NIL)))));
  }
}
