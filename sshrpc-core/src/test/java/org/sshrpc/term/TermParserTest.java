package org.sshrpc.term;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@Timeout(10)
class TermParserTest {

  private static Term p(String s) {
    return TermParser.parseTerm(s);
  }

  private static String err(String s) {
    return assertThrows(IllegalArgumentException.class, () -> TermParser.parseTerm(s)).getMessage();
  }

  @Test
  void integers() {
    assertEquals(integer(0), p("0"));
    assertEquals(integer(42), p("42"));
    assertEquals(integer(-42), p("-42"));
    assertEquals(integer(-42), p("- 42"));
    assertEquals(integer(42), p("+42"));
    assertEquals(integer(1_000_000), p("1_000_000"));
    assertEquals(integer(255), p("16#FF"));
    assertEquals(integer(255), p("16#ff"));
    assertEquals(integer(-255), p("-16#FF"));
    assertEquals(integer(5), p("2#101"));
    assertEquals(integer(35), p("36#z"));
    assertEquals(integer(Long.MAX_VALUE), p("9223372036854775807"));
    assertEquals(integer(Long.MIN_VALUE), p("-9223372036854775808"));
    assertEquals(integer(BigInteger.ONE.shiftLeft(64)), p("18446744073709551616"));
    assertEquals(integer(BigInteger.ONE.shiftLeft(64).negate()), p("-18446744073709551616"));
    assertEquals(integer(BigInteger.ONE.shiftLeft(2000)), p("2#1" + "0".repeat(2000)));
  }

  @Test
  void charLiterals() {
    assertEquals(integer('a'), p("$a"));
    assertEquals(integer(-97), p("-$a"));
    assertEquals(integer(' '), p("$ "));
    assertEquals(integer('\n'), p("$\\n"));
    assertEquals(integer(1), p("$\\^A"));
    assertEquals(integer(1), p("$\\^a"));
    assertEquals(integer(127), p("$\\d"));
    assertEquals(integer(27), p("$\\e"));
    assertEquals(integer(32), p("$\\s"));
    assertEquals(integer(65), p("$\\101"));
    assertEquals(integer(0), p("$\\0"));
    assertEquals(integer(0xFF), p("$\\xff"));
    assertEquals(integer(0x1F600), p("$\\x{1F600}"));
    assertEquals(integer(0x1F600), p("$\uD83D\uDE00"));
    assertEquals(integer('z'), p("$\\z"));
    assertEquals(integer('\''), p("$'"));
  }

  @Test
  void floats() {
    assertEquals(flt(1.5), p("1.5"));
    assertEquals(flt(-1.5), p("-1.5"));
    assertEquals(flt(1.0e10), p("1.0e10"));
    assertEquals(flt(1.0e10), p("1.0E+10"));
    assertEquals(flt(1.5e-3), p("1.5e-3"));
    assertEquals(flt(1000.5), p("1_000.5"));
    assertEquals(flt(-0.0), p("-0.0"));
    assertEquals(flt(0.0), p("0.0"));
    assertEquals(flt(Double.MIN_VALUE), p("4.9e-324"));
  }

  @Test
  void atoms() {
    assertEquals(atom("ok"), p("ok"));
    assertEquals(atom("node@host"), p("node@host"));
    assertEquals(atom("aB_9"), p("aB_9"));
    assertEquals(atom("hello world"), p("'hello world'"));
    assertEquals(atom("It's"), p("'It\\'s'"));
    assertEquals(atom("a\nb"), p("'a\\nb'"));
    assertEquals(atom(""), p("''"));
    assertEquals(atom("case"), p("'case'"));
    assertEquals(atom("\uD83D\uDE00"), p("'\\x{1F600}'"));
    assertEquals(atom("été"), p("été"));
    assertEquals(ErlAtom.TRUE, p("true"));
  }

  @Test
  void strings() {
    assertEquals(string("abc"), p("\"abc\""));
    assertEquals(ErlList.NIL, p("\"\""));
    assertEquals(string("abcd"), p("\"ab\" \"cd\""));
    assertEquals(string("a\"b\\c\n"), p("\"a\\\"b\\\\c\\n\""));
    assertEquals(string("héllo \uD83D\uDE00"), p("\"héllo \\x{1F600}\""));
    assertEquals(list(integer(1), integer(2)), p("\"\\1\\2\""));
  }

  @Test
  void binaries() {
    assertEquals(binary(new byte[0]), p("<<>>"));
    assertEquals(binary(new byte[] {1, 2, 3}), p("<<1,2,3>>"));
    assertEquals(binary(new byte[] {1, 2, 3}), p("<< 1 , 2 , 3 >>"));
    assertEquals(binary("bin"), p("<<\"bin\">>"));
    assertEquals(binary("héllo"), p("<<\"héllo\"/utf8>>"));
    assertEquals(binary(new byte[] {'h', (byte) 0xE9}), p("<<\"hé\">>"));
    assertEquals(binary(new byte[] {(byte) 0xFF}), p("<<-1>>"));
    assertEquals(binary(new byte[] {(byte) 0x2C}), p("<<300>>"));
    assertEquals(binary(new byte[] {1, 0x2C}), p("<<300:16>>"));
    assertEquals(binary(new byte[] {0x2C, 1}), p("<<300:16/little>>"));
    assertEquals(binary(new byte[] {0x2C, 1}), p("<<300:2/little-unit:8>>"));
    assertEquals(binary(new byte[] {0x3F, (byte) 0xF8, 0, 0, 0, 0, 0, 0}), p("<<1.5/float>>"));
    assertEquals(binary(new byte[] {0x3F, (byte) 0xC0, 0, 0}), p("<<1.5:32/float>>"));
    assertEquals(binary(new byte[] {0, 0, 0, 'a'}), p("<<$a/utf32>>"));
    assertEquals(binary(new byte[] {0, 'a', 0, 'b'}), p("<<\"ab\"/utf16>>"));
    assertEquals(binary(new byte[] {1, 2, 3}), p("<<1, <<2,3>>/binary>>"));
    assertEquals(binary(new byte[] {2}), p("<<<<2,3>>:1/binary>>"));
    assertEquals(ErlBitstring.of(new byte[] {(byte) 0xA0}, 3), p("<<5:3>>"));
    assertEquals(ErlBitstring.of(new byte[] {1, 2, 0x30}, 4), p("<<1,2,3:4>>"));
    assertEquals(binary(new byte[] {(byte) 0xF0}), p("<<15:4, 0:4>>"));
  }

  @Test
  void containers() {
    assertEquals(tuple(), p("{}"));
    assertEquals(tuple(atom("ok"), integer(1)), p("{ok, 1}"));
    assertEquals(ErlList.NIL, p("[]"));
    assertEquals(list(atom("a"), atom("b")), p("[a,b]"));
    assertEquals(ErlList.improper(List.of(atom("a")), atom("b")), p("[a|b]"));
    assertEquals(list(atom("a"), atom("b"), atom("c")), p("[a|[b,c]]"));
    assertEquals(list(atom("a"), atom("b")), p("[a,b|[]]"));
    assertEquals(ErlMap.of(), p("#{}"));
    assertEquals(map(atom("k"), integer(1), string("s"), tuple()), p("#{k => 1, \"s\" => {}}"));
    assertEquals(map(atom("k"), integer(2)), p("#{k => 1, k => 2}"));
    assertEquals(
        tuple(list(tuple(map(integer(1), list())))), p("{[{#{1=>[]}}]}"));
  }

  @Test
  void funsAndOpaqueForms() {
    assertEquals(ErlExportFun.of(atom("lists"), atom("seq"), 2), p("fun lists:seq/2"));
    assertEquals(ErlExportFun.of(atom("a b"), atom("end"), 0), p("fun 'a b':'end'/0"));
    ErlPid pid = ErlPid.of(atom("node@host"), 42, 0, 3);
    assertEquals(pid, p(TermPrinter.print(pid)));
    assertEquals(pid, p("erlang:" + TermPrinter.print(pid)));
  }

  @Test
  void trailingDotAndComments() {
    assertEquals(integer(1), p("1."));
    assertEquals(integer(1), p(" 1 . "));
    assertEquals(tuple(atom("a")), p("{a % comment\n}."));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '§',
      quoteCharacter = '`',
      value = {
        "``§column 1: expected a term but the input is empty",
        "{a,§column 4: expected a term but the input ended",
        "{a b}§column 4: expected ',' or '}' after tuple element but found 'b'",
        "[a|b|c]§column 5: expected ']' after the list tail but found '|'",
        "X§column 1: variables are not terms: X",
        "_foo§column 1: variables are not terms: _foo",
        "case§column 1: 'case' is a reserved word; quote it to make an atom: 'case'",
        "1e10§column 2: unexpected 'e' after a number",
        "37#1§column 1: integer base must be 2..36 (was 37)",
        "2#102§column 5: unexpected '2' in a base-2 integer",
        "16#FG§column 5: unexpected 'G' in a base-16 integer",
        "1 2§column 3: unexpected '2' after the end",
        "'abc§column 1: unterminated quoted atom",
        "\"abc§column 1: unterminated string",
        "#{a := 1}§column 5: ':=' updates an existing key; a map literal uses '=>'",
        "#{a, 1}§column 4: expected '=>' after a map key but found ','",
        "<0.42.0>§column 1: pids, ports and references have no literal syntax; write them as binary_to_term(<<131,...>>)",
        "{#Ref<0.1.2.3>}§column 2: the shell's #Ref<...>, #Port<...> and #Fun<...> cannot be read back; write such terms as binary_to_term(<<131,...>>)",
        "#Fun<erl_eval.6.1>§column 1: the shell's #Ref<...>, #Port<...> and #Fun<...> cannot be read back; write such terms as binary_to_term(<<131,...>>)",
        "#rec{}§column 1: expected '#{' to start a map",
        "binary_to_term(<<1,2>>)§column 1: binary_to_term: bad version byte 1 (expected: 131) at offset 0",
        "foo(1)§column 1: function calls are not terms (only binary_to_term(<<...>>) is)",
        "m:f(1)§column 1: function calls are not terms (only binary_to_term(<<...>>) is)",
        "<<a>>§column 3: expected an integer, float, string or binary in a binary segment but found 'a'",
        "<<1/foo>>§column 5: unknown binary type specifier: foo",
        "<<1:3/binary>>§column 3: a binary segment needs a binary value",
        "<<1.5:16/float>>§column 7: float segments must be 32 or 64 bits (was 16)",
        "<<0:999999999999>>§column 5: binary larger than 16777216 bytes",
        "<<$a:8/utf8>>§column 6: utf8 segments take no size or unit",
        "<<16#D800/utf8>>§column 3: not a Unicode code point for utf8: 55296",
        "$§column 1: '$' must be followed by a character",
        "- a§column 1: '-' must be followed by a number",
        "'\\x{110000}'§column 2: \\x{...} is above the largest code point 10FFFF",
        "2.0e999§column 1: float out of range",
      })
  void errorsNameTheColumn(String input, String message) {
    assertEquals(message, err(input));
  }

  @Test
  void multiLineErrorsNameTheLine() {
    assertEquals("line 2, column 3: unexpected ')'", err("{a,\n  )}"));
  }

  @Test
  void atomLengthLimit() {
    assertEquals(atom("a".repeat(255)), p("a".repeat(255)));
    assertEquals(
        "column 1: atom too long: 256 code points (expected: <= 255)", err("a".repeat(256)));
    assertEquals("column 1: atom longer than 255 characters", err("'" + "a".repeat(256) + "'"));
  }

  @Test
  void deepNestingIsRejectedWithoutStackOverflow() {
    int ok = TermParser.MAX_DEPTH;
    assertEquals(ok, depthOf(p("[".repeat(ok) + "]".repeat(ok))));
    String hostile = "[".repeat(1_000_000);
    assertEquals("column 1001: nesting deeper than 1000 levels", err(hostile));
    assertEquals("column 1001: nesting deeper than 1000 levels", err("{".repeat(5000)));
    assertEquals("column 2001: nesting deeper than 1000 levels", err("<<".repeat(5000)));
  }

  private static int depthOf(Term t) {
    int d = 0;
    while (t instanceof ErlList && !((ErlList) t).isEmpty()) {
      t = ((ErlList) t).get(0);
      d++;
    }
    return d + 1;
  }

  @Test
  void calls() {
    ParsedCall c = TermParser.parseCall("lists:seq(1, 100)");
    assertEquals(atom("lists"), c.module());
    assertEquals(atom("seq"), c.function());
    assertEquals(List.of(integer(1), integer(100)), c.args());
    assertEquals(2, c.arity());
    assertEquals("lists:seq(1,100)", c.toString());

    ParsedCall none = TermParser.parseCall(" sshrpc:ping() . ");
    assertEquals(List.of(), none.args());
    ParsedCall quoted = TermParser.parseCall("'my mod':'end'({a,\"b\"}, [])");
    assertEquals(atom("my mod"), quoted.module());
    assertEquals(atom("end"), quoted.function());
    assertEquals(List.of(tuple(atom("a"), string("b")), ErlList.NIL), quoted.args());
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '§',
      quoteCharacter = '`',
      value = {
        "``§column 1: expected the module (an atom) but the input ended",
        "lists§column 6: expected ':' after the module name (a call looks like m:f(Args))",
        "lists:seq§column 10: expected '(' after the function name (a call looks like m:f(Args))",
        "lists:seq(1,§column 13: expected a term but the input ended",
        "lists:seq(1 2)§column 13: expected ',' or ')' after argument but found '2'",
        "Lists:seq()§column 1: expected the module (an atom) but found 'L'",
        "lists:seq() x§column 13: unexpected 'x' after the end",
        "case:f()§column 1: 'case' is a reserved word; quote it: 'case'",
      })
  void callErrors(String input, String message) {
    assertEquals(
        message,
        assertThrows(IllegalArgumentException.class, () -> TermParser.parseCall(input)).getMessage());
  }
}
