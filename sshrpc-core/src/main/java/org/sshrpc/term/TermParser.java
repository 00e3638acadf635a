package org.sshrpc.term;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;

/**
 * A reader for Erlang term syntax as an Erlang user types it: terms such as {@code {ok, [1,2|T]}}
 * and calls such as {@code lists:seq(1, 100)}.
 *
 * <p>Accepted syntax (what {@code erl_parse:parse_term/1} accepts, plus the call form):
 *
 * <ul>
 *   <li>integers of any size, with {@code _} separators, {@code Base#Digits} ({@code 16#FF},
 *       {@code 2#101}), character literals ({@code $a}, {@code $\n}, {@code $\x{1F600}}), and a
 *       leading {@code -} or {@code +};
 *   <li>floats with a {@code .} and digits, optionally an exponent ({@code 1.5e-3});
 *   <li>atoms, unquoted ({@code ok}, {@code node@host}) or quoted with escapes ({@code 'a b'});
 *       reserved words such as {@code case} must be quoted;
 *   <li>strings {@code "..."} (lists of code points; adjacent strings are joined);
 *   <li>binaries and bitstrings: {@code <<"bin">>}, {@code <<1,2,3>>}, {@code <<"héllo"/utf8>>},
 *       {@code <<1:4, 300:16/little>>}, {@code <<1.5/float>>}, nested {@code <<B/binary>>} literals;
 *   <li>tuples {@code {a, b}}, lists {@code [a, b | Tail]}, maps {@code #{k => v}};
 *   <li>external funs {@code fun m:f/2};
 *   <li>{@code binary_to_term(<<131,...>>)} (decoded with {@link TermDecoder#DEFAULT}), the form
 *       {@link TermPrinter} uses for pids,
 *       references, ports and local funs, which have no literal syntax.
 * </ul>
 *
 * <p>A trailing full stop ({@code .}) and {@code %} comments are allowed. Errors are reported as
 * {@link IllegalArgumentException} whose message starts with the column (and line, for multi-line
 * input) of the problem. Nesting is limited to {@value #MAX_DEPTH} levels and the bytes of all
 * binaries in one input to {@value #MAX_BINARY_BYTES}, so hostile input cannot overflow the stack
 * or allocate without bound.
 */
public final class TermParser {
  /** The deepest nesting of tuples, lists, maps and binaries accepted. */
  public static final int MAX_DEPTH = 1000;

  /** The most binary bytes one input may build (sizes like {@code <<0:99999999999>>} fail). */
  public static final int MAX_BINARY_BYTES = 16 << 20;

  /** Longest integer literal in characters: parsing a bignum is quadratic in its length. */
  private static final int MAX_NUMBER_CHARS = 100_000;

  /**
   * Erlang's reserved words. {@code maybe} and {@code else} are left out: they are reserved only
   * where the {@code maybe_expr} feature is on (OTP 27+ by default), and OTP 25 prints them
   * unquoted. {@link TermPrinter} quotes them, which every release reads.
   */
  private static final Set<String> RESERVED =
      Set.of(
          "after", "and", "andalso", "band", "begin", "bnot", "bor", "bsl", "bsr", "bxor", "case",
          "catch", "cond", "div", "end", "fun", "if", "let", "not", "of", "or", "orelse",
          "receive", "rem", "try", "when", "xor");

  private final int[] cps;
  private int pos;
  private int depth;
  private long binaryBytes;

  private TermParser(String text) {
    this.cps = text.codePoints().toArray();
  }

  /**
   * Parses one term.
   *
   * @throws IllegalArgumentException if {@code text} is not exactly one term (an optional final
   *     {@code .} aside), with the column of the problem
   */
  public static Term parseTerm(String text) {
    TermParser p = new TermParser(text);
    p.skipSpace();
    if (p.atEnd()) {
      throw p.error(p.pos, "expected a term but the input is empty");
    }
    Term t = p.term();
    p.expectEnd();
    return t;
  }

  /**
   * Parses a call {@code Module:Function(Arg, ...)}; Module and Function are atoms, quoted or not.
   *
   * @throws IllegalArgumentException if {@code text} is not such a call, with the column of the
   *     problem
   */
  public static ParsedCall parseCall(String text) {
    TermParser p = new TermParser(text);
    p.skipSpace();
    int start = p.pos;
    ErlAtom module = p.callAtom("module");
    p.skipSpace();
    if (!p.peekIs(':')) {
      throw p.error(p.pos, "expected ':' after the module name (a call looks like m:f(Args))");
    }
    p.pos++;
    p.skipSpace();
    ErlAtom function = p.callAtom("function");
    p.skipSpace();
    if (!p.peekIs('(')) {
      throw p.error(p.pos, "expected '(' after the function name (a call looks like m:f(Args))");
    }
    p.pos++;
    List<Term> args = p.sequence(')', "argument");
    p.expectEnd();
    assert start >= 0;
    return new ParsedCall(module, function, args);
  }

  // ---------------------------------------------------------------------------------------------
  // Terms

  private Term term() {
    if (++depth > MAX_DEPTH) {
      throw error(pos, "nesting deeper than " + MAX_DEPTH + " levels");
    }
    try {
      return termAtDepth();
    } finally {
      depth--;
    }
  }

  private Term termAtDepth() {
    skipSpace();
    if (atEnd()) {
      throw error(pos, "expected a term but the input ended");
    }
    int c = cps[pos];
    switch (c) {
      case '{':
        pos++;
        return ErlTuple.of(sequence('}', "tuple element"));
      case '[':
        pos++;
        return list();
      case '#':
        if (peekIs(pos + 1, '{')) {
          pos += 2;
          return map();
        }
        if (startsWith(pos, "#Ref<") || startsWith(pos, "#Port<") || startsWith(pos, "#Fun<")) {
          throw error(
              pos,
              "the shell's #Ref<...>, #Port<...> and #Fun<...> cannot be read back;"
                  + " write such terms as binary_to_term(<<131,...>>)");
        }
        throw error(pos, "expected '#{' to start a map");
      case '<':
        if (peekIs(pos + 1, '<')) {
          pos += 2;
          return binary();
        }
        if (pos + 1 < cps.length && isDigit(cps[pos + 1])) {
          throw error(
              pos,
              "pids, ports and references have no literal syntax;"
                  + " write them as binary_to_term(<<131,...>>)");
        }
        throw error(pos, "unexpected '<'");
      case '"':
        return ErlList.of(string());
      case '\'':
        return ErlAtom.of(quotedAtom());
      case '-':
      case '+':
        return signedNumber();
      case '$':
      case '0':
      case '1':
      case '2':
      case '3':
      case '4':
      case '5':
      case '6':
      case '7':
      case '8':
      case '9':
        return number(false);
      default:
        break;
    }
    if (isAtomStart(c)) {
      int start = pos;
      String name = unquotedName();
      if (name.equals("fun")) {
        return exportFun(start);
      }
      skipSpace();
      if (name.equals("binary_to_term") && peekIs('(')) {
        return binaryToTerm(start);
      }
      if (peekIs(':') && !peekIs(pos + 1, '=')) {
        if (name.equals("erlang")) {
          int colon = pos;
          pos++;
          skipSpace();
          if (!atEnd() && isAtomStart(cps[pos])) {
            int fstart = pos;
            String f = unquotedName();
            skipSpace();
            if (f.equals("binary_to_term") && peekIs('(')) {
              return binaryToTerm(start);
            }
            pos = fstart;
          }
          pos = colon;
        }
        throw error(start, "function calls are not terms (only binary_to_term(<<...>>) is)");
      }
      if (peekIs('(')) {
        throw error(start, "function calls are not terms (only binary_to_term(<<...>>) is)");
      }
      if (RESERVED.contains(name)) {
        throw error(start, "'" + name + "' is a reserved word; quote it to make an atom: '" + name + "'");
      }
      return atom(start, name);
    }
    if (isVariableStart(c)) {
      int start = pos;
      String name = unquotedName();
      throw error(start, "variables are not terms: " + name);
    }
    throw error(pos, "unexpected " + describe(c));
  }

  /** Comma-separated terms up to {@code close}; the opening bracket is already consumed. */
  private List<Term> sequence(char close, String what) {
    List<Term> items = new ArrayList<>();
    skipSpace();
    if (peekIs(close)) {
      pos++;
      return items;
    }
    while (true) {
      items.add(term());
      skipSpace();
      if (peekIs(',')) {
        pos++;
        continue;
      }
      if (peekIs(close)) {
        pos++;
        return items;
      }
      throw expected("',' or '" + close + "' after " + what);
    }
  }

  private Term list() {
    List<Term> items = new ArrayList<>();
    skipSpace();
    if (peekIs(']')) {
      pos++;
      return ErlList.NIL;
    }
    while (true) {
      items.add(term());
      skipSpace();
      if (peekIs(',')) {
        pos++;
        continue;
      }
      if (peekIs('|') && !peekIs(pos + 1, '|')) {
        pos++;
        Term tail = term();
        skipSpace();
        if (!peekIs(']')) {
          throw expected("']' after the list tail");
        }
        pos++;
        return ErlList.improper(items, tail);
      }
      if (peekIs(']')) {
        pos++;
        return ErlList.of(items);
      }
      throw expected("',', '|' or ']' in a list");
    }
  }

  private Term map() {
    LinkedHashMap<Term, Term> entries = new LinkedHashMap<>();
    skipSpace();
    if (peekIs('}')) {
      pos++;
      return ErlMap.of(entries);
    }
    while (true) {
      Term k = term();
      skipSpace();
      if (peekIs(':') && peekIs(pos + 1, '=')) {
        throw error(pos, "':=' updates an existing key; a map literal uses '=>'");
      }
      if (!(peekIs('=') && peekIs(pos + 1, '>'))) {
        throw expected("'=>' after a map key");
      }
      pos += 2;
      Term v = term();
      entries.remove(k); // as in Erlang, the last value for a repeated key wins
      entries.put(k, v);
      skipSpace();
      if (peekIs(',')) {
        pos++;
        continue;
      }
      if (peekIs('}')) {
        pos++;
        return ErlMap.of(entries);
      }
      throw expected("',' or '}' in a map");
    }
  }

  private Term exportFun(int start) {
    skipSpace();
    ErlAtom m = callAtom("module of the fun", true);
    skipSpace();
    if (!peekIs(':')) {
      throw expected("':' in fun Module:Function/Arity");
    }
    pos++;
    skipSpace();
    ErlAtom f = callAtom("function of the fun", true);
    skipSpace();
    if (!peekIs('/')) {
      throw expected("'/' in fun Module:Function/Arity");
    }
    pos++;
    skipSpace();
    int at = pos;
    if (atEnd() || !isDigit(cps[pos])) {
      throw expected("an arity in fun Module:Function/Arity");
    }
    Term arity = number(false);
    if (!(arity instanceof ErlInteger) || ((ErlInteger) arity).signum() < 0
        || !((ErlInteger) arity).isInt() || ((ErlInteger) arity).intValue() > 255) {
      throw error(at, "fun arity must be an integer 0..255");
    }
    assert start >= 0;
    return ErlExportFun.of(m, f, ((ErlInteger) arity).intValue());
  }

  private Term binaryToTerm(int start) {
    pos++; // '('
    skipSpace();
    int at = pos;
    if (!(peekIs('<') && peekIs(pos + 1, '<'))) {
      throw expected("a binary literal in binary_to_term(<<...>>)");
    }
    pos += 2;
    Term bin = binary();
    skipSpace();
    if (!peekIs(')')) {
      throw expected("')' after binary_to_term(<<...>>");
    }
    pos++;
    if (!(bin instanceof ErlBinary)) {
      throw error(at, "binary_to_term needs a whole number of bytes");
    }
    try {
      return TermDecoder.DEFAULT.decode(((ErlBinary) bin).internalBytes());
    } catch (TermFormatException e) {
      throw error(start, "binary_to_term: " + e.getMessage());
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Numbers

  private Term signedNumber() {
    int start = pos;
    boolean negative = cps[pos] == '-';
    pos++;
    skipSpace();
    if (atEnd() || !(isDigit(cps[pos]) || cps[pos] == '$')) {
      throw error(start, "'" + (negative ? '-' : '+') + "' must be followed by a number");
    }
    return number(negative);
  }

  private Term number(boolean negative) {
    int start = pos;
    if (cps[pos] == '$') {
      pos++;
      if (atEnd()) {
        throw error(start, "'$' must be followed by a character");
      }
      int c = cps[pos] == '\\' ? escape() : cps[pos++];
      return ErlInteger.of(negative ? -c : c);
    }
    String digits = digits(10, start);
    if (peekIs('#')) {
      int base;
      try {
        base = Integer.parseInt(digits);
      } catch (NumberFormatException e) {
        base = -1;
      }
      if (base < 2 || base > 36) {
        throw error(start, "integer base must be 2..36 (was " + digits + ")");
      }
      pos++;
      int at = pos;
      if (atEnd() || Character.digit(cps[pos], base) < 0) {
        throw error(at, "expected base-" + base + " digits after '#'");
      }
      String value = digits(base, at);
      if (!atEnd() && (isNameChar(cps[pos]))) {
        throw error(pos, "unexpected " + describe(cps[pos]) + " in a base-" + base + " integer");
      }
      BigInteger v = new BigInteger(value, base);
      return ErlInteger.of(negative ? v.negate() : v);
    }
    if (peekIs('.') && pos + 1 < cps.length && isDigit(cps[pos + 1])) {
      pos++;
      String fraction = digits(10, pos);
      String exponent = "";
      if (peekIs('e') || peekIs('E')) {
        int e = pos;
        pos++;
        String sign = "";
        if (peekIs('-') || peekIs('+')) {
          sign = new String(cps, pos, 1);
          pos++;
        }
        if (atEnd() || !isDigit(cps[pos])) {
          throw error(e, "expected exponent digits after 'e'");
        }
        exponent = "e" + sign + digits(10, pos);
      }
      double d = Double.parseDouble(digits + "." + fraction + exponent);
      if (Double.isInfinite(d)) {
        throw error(start, "float out of range");
      }
      return ErlFloat.of(negative ? -d : d);
    }
    if (!atEnd() && (isAtomStart(cps[pos]) || isVariableStart(cps[pos]))) {
      throw error(pos, "unexpected " + describe(cps[pos]) + " after a number");
    }
    if (digits.length() <= 18) {
      long v = Long.parseLong(digits);
      return ErlInteger.of(negative ? -v : v);
    }
    BigInteger v = new BigInteger(digits);
    return ErlInteger.of(negative ? v.negate() : v);
  }

  /** Digits in {@code base} with single {@code _} separators between digits. */
  private String digits(int base, int start) {
    StringBuilder sb = new StringBuilder();
    while (!atEnd()) {
      int c = cps[pos];
      if (Character.digit(c, base) >= 0 && c < 128) {
        sb.append((char) c);
        pos++;
      } else if (c == '_' && sb.length() > 0 && pos + 1 < cps.length
          && Character.digit(cps[pos + 1], base) >= 0 && cps[pos + 1] < 128) {
        pos++;
      } else {
        break;
      }
      if (sb.length() > MAX_NUMBER_CHARS) {
        throw error(start, "number longer than " + MAX_NUMBER_CHARS + " digits");
      }
    }
    return sb.toString();
  }

  // ---------------------------------------------------------------------------------------------
  // Atoms, strings, escapes

  private ErlAtom callAtom(String what) {
    return callAtom(what, false);
  }

  /**
   * An atom naming a module or function. {@code allowReserved}: Erlang's {@code ~p} prints {@code
   * fun M:F/A} with reserved words unquoted ({@code fun maybe:'fun'/7} comes out as {@code fun
   * maybe:fun/7}); there it is unambiguous, so it is read.
   */
  private ErlAtom callAtom(String what, boolean allowReserved) {
    if (atEnd()) {
      throw error(pos, "expected the " + what + " (an atom) but the input ended");
    }
    int start = pos;
    if (cps[pos] == '\'') {
      return atom(start, quotedAtom());
    }
    if (isAtomStart(cps[pos])) {
      String name = unquotedName();
      if (!allowReserved && RESERVED.contains(name)) {
        throw error(start, "'" + name + "' is a reserved word; quote it: '" + name + "'");
      }
      return atom(start, name);
    }
    throw error(pos, "expected the " + what + " (an atom) but found " + describe(cps[pos]));
  }

  private ErlAtom atom(int start, String name) {
    try {
      return ErlAtom.of(name);
    } catch (IllegalArgumentException e) {
      throw error(start, e.getMessage());
    }
  }

  private String unquotedName() {
    int start = pos;
    while (!atEnd() && isNameChar(cps[pos])) {
      pos++;
    }
    return new String(cps, start, pos - start);
  }

  private String quotedAtom() {
    int start = pos;
    pos++; // opening quote
    StringBuilder sb = new StringBuilder();
    int count = 0;
    while (true) {
      if (atEnd()) {
        throw error(start, "unterminated quoted atom");
      }
      int c = cps[pos];
      if (c == '\'') {
        pos++;
        break;
      }
      int at = pos;
      if (c == '\\') {
        c = escape();
      } else {
        pos++;
      }
      if (c >= 0xD800 && c <= 0xDFFF) {
        throw error(at, "atom character is not a Unicode scalar value: " + c);
      }
      if (++count > ErlAtom.MAX_LENGTH) {
        throw error(start, "atom longer than " + ErlAtom.MAX_LENGTH + " characters");
      }
      sb.appendCodePoint(c);
    }
    return sb.toString();
  }

  /** One or more adjacent string literals, as code points. */
  private List<Term> string() {
    List<Term> chars = new ArrayList<>();
    for (int[] s : stringCodePoints()) {
      for (int c : s) {
        chars.add(ErlInteger.of(c));
      }
    }
    return chars;
  }

  /** Adjacent string literals starting at the current '"'. */
  private List<int[]> stringCodePoints() {
    List<int[]> parts = new ArrayList<>();
    do {
      int start = pos;
      pos++;
      int[] buf = new int[16];
      int n = 0;
      while (true) {
        if (atEnd()) {
          throw error(start, "unterminated string");
        }
        int c = cps[pos];
        if (c == '"') {
          pos++;
          break;
        }
        if (c == '\\') {
          c = escape();
        } else {
          pos++;
        }
        if (n == buf.length) {
          buf = Arrays.copyOf(buf, n * 2);
        }
        buf[n++] = c;
      }
      parts.add(Arrays.copyOf(buf, n));
      skipSpace();
    } while (peekIs('"'));
    return parts;
  }

  /** An escape sequence starting at the backslash; returns the code point. */
  private int escape() {
    int start = pos;
    pos++;
    if (atEnd()) {
      throw error(start, "unterminated escape sequence");
    }
    int c = cps[pos++];
    switch (c) {
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      case 't':
        return '\t';
      case 'v':
        return 0x0B;
      case 'b':
        return '\b';
      case 'f':
        return '\f';
      case 'e':
        return 0x1B;
      case 's':
        return ' ';
      case 'd':
        return 0x7F;
      case '^':
        if (atEnd()) {
          throw error(start, "unterminated escape sequence");
        }
        return cps[pos++] & 31;
      case 'x':
        if (peekIs('{')) {
          pos++;
          long v = 0;
          int digits = 0;
          while (!atEnd() && cps[pos] != '}') {
            int d = cps[pos] < 128 ? Character.digit(cps[pos], 16) : -1;
            if (d < 0) {
              throw error(pos, "expected a hex digit or '}' in \\x{...}");
            }
            v = v * 16 + d;
            pos++;
            if (++digits > 8 || v > 0x10FFFF) {
              throw error(start, "\\x{...} is above the largest code point 10FFFF");
            }
          }
          if (atEnd() || digits == 0) {
            throw error(start, "malformed \\x{...} escape");
          }
          pos++;
          return (int) v;
        }
        if (pos + 1 < cps.length && isHex(cps[pos]) && isHex(cps[pos + 1])) {
          int v = Character.digit(cps[pos], 16) * 16 + Character.digit(cps[pos + 1], 16);
          pos += 2;
          return v;
        }
        throw error(start, "malformed \\x escape: use \\xHH or \\x{H...}");
      default:
        if (c >= '0' && c <= '7') {
          int v = c - '0';
          for (int i = 0; i < 2 && !atEnd() && cps[pos] >= '0' && cps[pos] <= '7'; i++) {
            v = v * 8 + (cps[pos++] - '0');
          }
          return v;
        }
        return c; // Erlang: any other escaped character stands for itself
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Binaries

  private Term binary() {
    BitWriter out = new BitWriter();
    skipSpace();
    if (peekIs('>') && peekIs(pos + 1, '>')) {
      pos += 2;
      return ErlBinary.EMPTY;
    }
    while (true) {
      segment(out);
      skipSpace();
      if (peekIs(',')) {
        pos++;
        skipSpace();
        continue;
      }
      if (peekIs('>') && peekIs(pos + 1, '>')) {
        pos += 2;
        return out.toTerm();
      }
      throw expected("',' or '>>' in a binary");
    }
  }

  /** The value part of a segment before its size and type. */
  private static final class SegmentValue {
    BigInteger integer; // an integer value
    Double flt; // a float value
    List<int[]> string; // string literal code points
    Term bits; // a nested binary or bitstring
  }

  private void segment(BitWriter out) {
    int start = pos;
    SegmentValue value = new SegmentValue();
    if (peekIs('"')) {
      value.string = stringCodePoints();
    } else if (peekIs('<') && peekIs(pos + 1, '<')) {
      pos += 2;
      if (++depth > MAX_DEPTH) {
        throw error(start, "nesting deeper than " + MAX_DEPTH + " levels");
      }
      try {
        value.bits = binary();
      } finally {
        depth--;
      }
    } else if (!atEnd() && (isDigit(cps[pos]) || cps[pos] == '$' || cps[pos] == '-' || cps[pos] == '+')) {
      Term n = cps[pos] == '-' || cps[pos] == '+' ? signedNumber() : number(false);
      if (n instanceof ErlFloat) {
        value.flt = ((ErlFloat) n).value();
      } else {
        value.integer = ((ErlInteger) n).bigValue();
      }
    } else {
      throw expected("an integer, float, string or binary in a binary segment");
    }
    skipSpace();
    long size = -1;
    int sizeAt = pos;
    if (peekIs(':') && !peekIs(pos + 1, ':')) {
      pos++;
      skipSpace();
      sizeAt = pos;
      if (atEnd() || !isDigit(cps[pos])) {
        throw expected("a literal size after ':'");
      }
      String d = digits(10, sizeAt);
      size = d.length() > 12 ? Long.MAX_VALUE : Long.parseLong(d);
      skipSpace();
    }
    // type specifiers
    String type = null;
    String endian = "big";
    int unit = -1;
    int typeAt = pos;
    if (peekIs('/')) {
      pos++;
      while (true) {
        skipSpace();
        int at = pos;
        if (atEnd() || !isAtomStart(cps[pos])) {
          throw expected("a type specifier after '/'");
        }
        String spec = unquotedName();
        switch (spec) {
          case "integer":
          case "float":
          case "binary":
          case "bytes":
          case "bitstring":
          case "bits":
          case "utf8":
          case "utf16":
          case "utf32":
            if (type != null) {
              throw error(at, "two types in one binary segment: " + type + " and " + spec);
            }
            type = spec.equals("bytes") ? "binary" : spec.equals("bits") ? "bitstring" : spec;
            break;
          case "big":
          case "little":
            endian = spec;
            break;
          case "native":
            throw error(at, "'native' endianness depends on the machine; write big or little");
          case "signed":
          case "unsigned":
            break; // signedness only matters when matching, not when building
          case "unit":
            skipSpace();
            if (!peekIs(':')) {
              throw expected("':' after unit");
            }
            pos++;
            skipSpace();
            if (atEnd() || !isDigit(cps[pos])) {
              throw expected("a unit 1..256");
            }
            String u = digits(10, pos);
            unit = u.length() > 3 ? 999 : Integer.parseInt(u);
            if (unit < 1 || unit > 256) {
              throw error(at, "unit must be 1..256");
            }
            break;
          default:
            throw error(at, "unknown binary type specifier: " + spec);
        }
        skipSpace();
        if (peekIs('-')) {
          pos++;
          continue;
        }
        break;
      }
    }
    if (value.string != null) {
      String t = type == null ? "integer" : type;
      if (!t.equals("integer") && !t.startsWith("utf") && !t.equals("float")) {
        throw error(typeAt, "a string segment cannot have type " + t);
      }
      for (int[] part : value.string) {
        for (int c : part) {
          SegmentValue one = new SegmentValue();
          one.integer = BigInteger.valueOf(c);
          write(out, one, t, size, unit, endian, start, sizeAt);
        }
      }
      return;
    }
    String t = type;
    if (t == null) {
      t = value.flt != null ? "float" : value.bits != null ? "binary" : "integer";
    }
    write(out, value, t, size, unit, endian, start, sizeAt);
  }

  private void write(
      BitWriter out, SegmentValue v, String type, long size, int unit, String endian, int start, int sizeAt) {
    switch (type) {
      case "integer": {
        if (v.integer == null) {
          throw error(start, "an integer segment needs an integer value");
        }
        long bits = (size < 0 ? 8 : size) * (unit < 0 ? 1 : unit);
        checkBits(bits, sizeAt);
        if (endian.equals("little") && bits % 8 != 0) {
          throw error(sizeAt, "little-endian integers must be a whole number of bytes here");
        }
        out.writeInteger(v.integer, bits, endian.equals("little"));
        return;
      }
      case "float": {
        double d;
        if (v.flt != null) {
          d = v.flt;
        } else if (v.integer != null) {
          d = v.integer.doubleValue();
          if (Double.isInfinite(d)) {
            throw error(start, "integer too large for a float segment");
          }
        } else {
          throw error(start, "a float segment needs a number");
        }
        long bits = (size < 0 ? 64 : size) * (unit < 0 ? 1 : unit);
        if (bits != 32 && bits != 64) {
          throw error(sizeAt, "float segments must be 32 or 64 bits (was " + bits + ")");
        }
        long raw = bits == 64 ? Double.doubleToRawLongBits(d) : Float.floatToRawIntBits((float) d) & 0xFFFFFFFFL;
        out.writeInteger(BigInteger.valueOf(raw), bits, endian.equals("little"));
        return;
      }
      case "binary":
      case "bitstring": {
        if (v.bits == null) {
          throw error(start, "a " + type + " segment needs a binary value");
        }
        byte[] bytes;
        long have;
        if (v.bits instanceof ErlBinary) {
          bytes = ((ErlBinary) v.bits).internalBytes();
          have = bytes.length * 8L;
        } else {
          ErlBitstring b = (ErlBitstring) v.bits;
          bytes = b.internalBytes();
          have = b.bitLength();
        }
        long bits = size < 0 ? have : size * (unit < 0 ? (type.equals("binary") ? 8 : 1) : unit);
        if (bits > have) {
          throw error(sizeAt, "segment size " + bits + " bits is larger than the value (" + have + " bits)");
        }
        if (type.equals("binary") && bits % 8 != 0) {
          throw error(start, "a binary segment must be a whole number of bytes (use /bitstring)");
        }
        checkBits(bits, sizeAt);
        out.writeBits(bytes, bits);
        return;
      }
      default: { // utf8, utf16, utf32
        if (size >= 0 || unit >= 0) {
          throw error(sizeAt, type + " segments take no size or unit");
        }
        if (v.integer == null) {
          throw error(start, "a " + type + " segment needs an integer code point");
        }
        int cp = v.integer.bitLength() > 31 ? -1 : v.integer.intValue();
        if (cp < 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
          throw error(start, "not a Unicode code point for " + type + ": " + v.integer);
        }
        boolean little = endian.equals("little");
        if (type.equals("utf8")) {
          byte[] b = new String(Character.toChars(cp)).getBytes(java.nio.charset.StandardCharsets.UTF_8);
          checkBits(b.length * 8L, start);
          out.writeBits(b, b.length * 8L);
        } else if (type.equals("utf16")) {
          for (char ch : Character.toChars(cp)) {
            checkBits(16, start);
            out.writeInteger(BigInteger.valueOf(ch), 16, little);
          }
        } else {
          checkBits(32, start);
          out.writeInteger(BigInteger.valueOf(cp), 32, little);
        }
      }
    }
  }

  private void checkBits(long bits, int at) {
    long bytes = (bits + 7) / 8;
    if (bits < 0 || bytes > MAX_BINARY_BYTES - binaryBytes) {
      throw error(at, "binary larger than " + MAX_BINARY_BYTES + " bytes");
    }
    binaryBytes += bytes;
  }

  /** Accumulates the bits of one binary. */
  private static final class BitWriter {
    private byte[] buf = new byte[16];
    private long bitLength;

    void writeBit(int bit) {
      int index = (int) (bitLength >>> 3);
      if (index == buf.length) {
        buf = Arrays.copyOf(buf, buf.length * 2);
      }
      if (bit != 0) {
        buf[index] |= (byte) (0x80 >>> (bitLength & 7));
      }
      bitLength++;
    }

    void writeByte(int b) {
      if ((bitLength & 7) == 0) {
        int index = (int) (bitLength >>> 3);
        if (index == buf.length) {
          buf = Arrays.copyOf(buf, buf.length * 2);
        }
        buf[index] = (byte) b;
        bitLength += 8;
      } else {
        for (int i = 7; i >= 0; i--) {
          writeBit((b >>> i) & 1);
        }
      }
    }

    /** The first {@code bits} bits of {@code src}, high bit first. */
    void writeBits(byte[] src, long bits) {
      int whole = (int) (bits >>> 3);
      for (int i = 0; i < whole; i++) {
        writeByte(src[i] & 0xFF);
      }
      int rest = (int) (bits & 7);
      for (int i = 0; i < rest; i++) {
        writeBit((src[whole] >>> (7 - i)) & 1);
      }
    }

    /** {@code value} modulo 2^bits, in {@code bits} bits. */
    void writeInteger(BigInteger value, long bits, boolean little) {
      if (bits == 0) {
        return;
      }
      int nbytes = (int) ((bits + 7) / 8);
      // two's complement, truncated to nbytes, big-endian, right-aligned
      byte[] be = new byte[nbytes];
      byte[] raw = value.toByteArray();
      byte fill = value.signum() < 0 ? (byte) 0xFF : 0;
      for (int i = 0; i < nbytes; i++) {
        int src = raw.length - nbytes + i;
        be[i] = src >= 0 ? raw[src] : fill;
      }
      if (little) { // only whole bytes reach here
        for (int i = nbytes - 1; i >= 0; i--) {
          writeByte(be[i] & 0xFF);
        }
        return;
      }
      int skip = (int) (nbytes * 8L - bits); // leading bits of be[0] that are not part of the value
      for (int i = skip; i < 8; i++) {
        writeBit((be[0] >>> (7 - i)) & 1);
      }
      for (int i = 1; i < nbytes; i++) {
        writeByte(be[i] & 0xFF);
      }
    }

    Term toTerm() {
      int nbytes = (int) ((bitLength + 7) >>> 3);
      byte[] bytes = Arrays.copyOf(buf, nbytes);
      int rest = (int) (bitLength & 7);
      return rest == 0 ? new ErlBinary(bytes) : new ErlBitstring(bytes, rest);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Lexical helpers

  private void expectEnd() {
    skipSpace();
    if (peekIs('.') && !(pos + 1 < cps.length && isDigit(cps[pos + 1]))) {
      pos++;
      skipSpace();
    }
    if (!atEnd()) {
      throw error(pos, "unexpected " + describe(cps[pos]) + " after the end");
    }
  }

  private void skipSpace() {
    while (!atEnd()) {
      int c = cps[pos];
      if (c == '%') {
        while (!atEnd() && cps[pos] != '\n') {
          pos++;
        }
      } else if (c <= ' ' || (c >= 0x80 && c <= 0xA0)) {
        pos++; // Erlang's scanner treats these as white space
      } else {
        return;
      }
    }
  }

  private boolean startsWith(int at, String s) {
    if (at + s.length() > cps.length) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      if (cps[at + i] != s.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  private boolean atEnd() {
    return pos >= cps.length;
  }

  private boolean peekIs(int c) {
    return pos < cps.length && cps[pos] == c;
  }

  private boolean peekIs(int at, int c) {
    return at < cps.length && cps[at] == c;
  }

  private static boolean isDigit(int c) {
    return c >= '0' && c <= '9';
  }

  private static boolean isHex(int c) {
    return c < 128 && Character.digit(c, 16) >= 0;
  }

  /** Lower-case letters start an unquoted atom (Latin-1, as in Erlang's scanner). */
  static boolean isAtomStart(int c) {
    return (c >= 'a' && c <= 'z') || (c >= 0xDF && c <= 0xFF && c != 0xF7);
  }

  private static boolean isVariableStart(int c) {
    return (c >= 'A' && c <= 'Z') || c == '_' || (c >= 0xC0 && c <= 0xDE && c != 0xD7);
  }

  static boolean isNameChar(int c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || c == '_'
        || c == '@'
        || (c >= 0xC0 && c <= 0xFF && c != 0xD7 && c != 0xF7);
  }

  private static String describe(int c) {
    if (c >= 0x21 && c < 0x7F) {
      return "'" + (char) c + "'";
    }
    return String.format("character U+%04X", c);
  }

  private IllegalArgumentException expected(String what) {
    if (atEnd()) {
      return error(pos, "expected " + what + " but the input ended");
    }
    return error(pos, "expected " + what + " but found " + describe(cps[pos]));
  }

  /** An error at code point index {@code at}, located by 1-based line and column. */
  private IllegalArgumentException error(int at, String message) {
    int line = 1;
    int lineStart = 0;
    boolean multiLine = false;
    for (int i = 0; i < cps.length; i++) {
      if (cps[i] == '\n') {
        multiLine = true;
        if (i < at) {
          line++;
          lineStart = i + 1;
        }
      }
    }
    int column = at - lineStart + 1;
    String where = multiLine ? "line " + line + ", column " + column : "column " + column;
    return new IllegalArgumentException(where + ": " + message);
  }
}
