package org.sshrpc.term;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * A printer of terms in Erlang syntax that reads back to the same term: {@code erl_scan} + {@code
 * erl_parse} + {@code erl_eval} on the output give a term that is {@code =:=} to the original, and
 * so does {@link TermParser#parseTerm(String)}.
 *
 * <p>The output looks like what the Erlang shell prints ({@code ~p} without line breaks):
 *
 * <ul>
 *   <li>atoms are quoted only when they must be ({@code ok}, {@code 'hello world'}, {@code
 *       'case'});
 *   <li>a non-empty proper list of printable code points is a string ({@code "abc"}); other lists
 *       are {@code [1,2,3]} or {@code [a|b]};
 *   <li>a binary of printable ASCII is {@code <<"abc">>}, printable UTF-8 text is {@code
 *       <<"héllo"/utf8>>}, others are {@code <<1,2,3>>}; bitstrings are {@code <<1,2:3>>};
 *   <li>floats read back to the same double ({@code 1.0e10}, {@code 0.1}, {@code -0.0});
 *   <li>maps are {@code #{k => v}}, external funs {@code fun m:f/2}.
 * </ul>
 *
 * <p>Pids, references, ports and local funs have no literal syntax in Erlang (the shell's {@code
 * <0.42.0>} cannot be read back, and it drops the node name), nor have atoms holding U+FFFE or
 * U+FFFF (which {@code erl_scan} rejects even escaped). They are printed as {@code
 * binary_to_term(<<131,...>>)}: an expression that {@code erl_eval} evaluates to exactly the same
 * value on any node, and that {@link TermParser} also accepts.
 *
 * <p>Printing is iterative, so arbitrarily deep terms cannot overflow the stack.
 */
public final class TermPrinter {
  private static final Set<String> RESERVED =
      Set.of(
          "after", "and", "andalso", "band", "begin", "bnot", "bor", "bsl", "bsr", "bxor", "case",
          "catch", "cond", "div", "end", "fun", "if", "let", "not", "of", "or", "orelse",
          "receive", "rem", "try", "when", "xor", "maybe", "else");

  private TermPrinter() {}

  /** Erlang source syntax for {@code t}. */
  public static String print(Term t) {
    StringBuilder sb = new StringBuilder();
    Deque<Object> work = new ArrayDeque<>(); // Terms still to print and literal Strings
    work.push(t);
    while (!work.isEmpty()) {
      Object next = work.pop();
      if (next instanceof String) {
        sb.append((String) next);
      } else {
        step(sb, work, (Term) next);
      }
    }
    return sb.toString();
  }

  /**
   * Erlang source syntax for {@code t}, cut after {@code maxChars} characters (then {@code ...}
   * is appended): for log lines and error messages about terms a peer sent. The work done is
   * bounded by the output, not by the term: a 10-million-element list or a 16 KiB bignum costs no
   * more than the characters shown. Integers of more than 256 bits are written in hexadecimal
   * ({@code 16#1F...}), never converted to decimal; otherwise a term that fits is printed exactly
   * as {@link #print(Term)} prints it.
   *
   * @throws IllegalArgumentException if {@code maxChars} is negative
   */
  public static String print(Term t, int maxChars) {
    return new BoundedTermPrinter(maxChars).print(t);
  }

  /** Prints a scalar directly, or pushes a container's parts (in reverse) onto {@code work}. */
  private static void step(StringBuilder sb, Deque<Object> work, Term t) {
    if (t instanceof ErlAtom && !isScannable(((ErlAtom) t).name())) {
      appendBinaryToTerm(sb, t);
    } else if (t instanceof ErlAtom) {
      appendAtom(sb, ((ErlAtom) t).name());
    } else if (t instanceof ErlInteger) {
      sb.append(t);
    } else if (t instanceof ErlFloat) {
      sb.append(formatFloat(((ErlFloat) t).value()));
    } else if (t instanceof ErlTuple) {
      ErlTuple tu = (ErlTuple) t;
      sb.append('{');
      work.push("}");
      for (int i = tu.arity() - 1; i >= 0; i--) {
        work.push(tu.get(i));
        if (i > 0) {
          work.push(",");
        }
      }
    } else if (t instanceof ErlList) {
      ErlList l = (ErlList) t;
      if (isPrintableString(l)) {
        appendQuoted(sb, l, '"');
        return;
      }
      sb.append('[');
      work.push("]");
      if (l.tail() != null) {
        work.push(l.tail());
        work.push("|");
      }
      for (int i = l.size() - 1; i >= 0; i--) {
        work.push(l.get(i));
        if (i > 0) {
          work.push(",");
        }
      }
    } else if (t instanceof ErlBinary) {
      appendBinary(sb, ((ErlBinary) t).internalBytes());
    } else if (t instanceof ErlBitstring) {
      ErlBitstring b = (ErlBitstring) t;
      byte[] bytes = b.internalBytes();
      sb.append("<<");
      for (int i = 0; i < bytes.length - 1; i++) {
        sb.append(bytes[i] & 0xFF).append(',');
      }
      int n = b.lastByteBits();
      sb.append((bytes[bytes.length - 1] & 0xFF) >>> (8 - n)).append(':').append(n).append(">>");
    } else if (t instanceof ErlMap) {
      sb.append("#{");
      work.push("}");
      Object[] entries = ((ErlMap) t).entries().entrySet().toArray();
      for (int i = entries.length - 1; i >= 0; i--) {
        @SuppressWarnings("unchecked")
        Map.Entry<Term, Term> e = (Map.Entry<Term, Term>) entries[i];
        work.push(e.getValue());
        work.push(" => ");
        work.push(e.getKey());
        if (i > 0) {
          work.push(",");
        }
      }
    } else if (t instanceof ErlExportFun
        && isScannable(((ErlExportFun) t).module().name())
        && isScannable(((ErlExportFun) t).function().name())) {
      ErlExportFun f = (ErlExportFun) t;
      sb.append("fun ");
      appendAtom(sb, f.module().name());
      sb.append(':');
      appendAtom(sb, f.function().name());
      sb.append('/').append(f.arity());
    } else {
      // pid, reference, port, local fun: no literal syntax, see the class comment
      appendBinaryToTerm(sb, t);
    }
  }

  private static void appendBinaryToTerm(StringBuilder sb, Term t) {
    sb.append("binary_to_term(<<");
    byte[] b = TermEncoder.DEFAULT.encode(t); // OTP 25's own bytes for it
    for (int i = 0; i < b.length; i++) {
      if (i > 0) {
        sb.append(',');
      }
      sb.append(b[i] & 0xFF);
    }
    sb.append(">>)");
  }

  /**
   * False if the atom holds U+FFFE or U+FFFF: {@code erl_scan} rejects those code points even
   * escaped ({@code '\x{FFFF}'}), so such an atom has no literal syntax either.
   */
  static boolean isScannable(String atomName) {
    return atomName.indexOf('\uFFFE') < 0 && atomName.indexOf('\uFFFF') < 0;
  }

  /**
   * Shortest decimal that reads back to the same double, in Erlang's float syntax (always a
   * {@code .} with digits on both sides; {@code e} for the exponent).
   */
  static String formatFloat(double d) {
    // Double.toString always yields "digits.digits" plus an optional "E[-]digits" for finite
    // values, and reads back to the same double: exactly what Erlang's scanner needs.
    return Double.toString(d).replace('E', 'e');
  }

  /** Appends the atom, quoted when it must be (even if erl_scan cannot read it: see {@link #isScannable}). */
  static void appendAtom(StringBuilder sb, String name) {
    if (isUnquotedAtom(name)) {
      sb.append(name);
      return;
    }
    sb.append('\'');
    name.codePoints().forEach(c -> appendChar(sb, c, '\''));
    sb.append('\'');
  }

  /** True if {@code name} can be written without quotes. */
  static boolean isUnquotedAtom(String name) {
    if (name.isEmpty() || name.charAt(0) < 'a' || name.charAt(0) > 'z' || RESERVED.contains(name)) {
      return false;
    }
    for (int i = 1; i < name.length(); i++) {
      char c = name.charAt(i);
      // ASCII only: Latin-1 letters are legal in Erlang atoms too, but quoting them is always
      // safe and independent of the reader's source encoding.
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '@')) {
        return false;
      }
    }
    return true;
  }

  private static boolean isPrintableString(ErlList l) {
    if (l.isEmpty() || !l.isProper()) {
      return false;
    }
    for (int i = 0; i < l.size(); i++) {
      Term e = l.get(i);
      if (!(e instanceof ErlInteger) || !((ErlInteger) e).isInt()
          || !isPrintable(((ErlInteger) e).intValue())) {
        return false;
      }
    }
    return true;
  }

  /**
   * Printable code points: those Erlang's {@code io_lib:printable_list/1} accepts in Unicode mode
   * ({@code +pc unicode}), i.e. the Latin-1 printables, common control escapes such as {@code \n},
   * and visible Unicode characters.
   */
  static boolean isPrintable(int c) {
    if (c >= 32 && c <= 126) {
      return true;
    }
    if (c >= 8 && c <= 13 || c == 27) {
      return true; // \b \t \n \v \f \r \e
    }
    if (c >= 160 && c <= 255) {
      return true;
    }
    if (c < 256 || !Character.isValidCodePoint(c)) {
      return false;
    }
    switch (Character.getType(c)) {
      case Character.CONTROL:
      case Character.FORMAT:
      case Character.SURROGATE:
      case Character.PRIVATE_USE:
      case Character.UNASSIGNED:
      case Character.LINE_SEPARATOR:
      case Character.PARAGRAPH_SEPARATOR:
        return false;
      default:
        return true;
    }
  }

  private static void appendQuoted(StringBuilder sb, ErlList chars, char quote) {
    sb.append(quote);
    for (int i = 0; i < chars.size(); i++) {
      appendChar(sb, ((ErlInteger) chars.get(i)).intValue(), quote);
    }
    sb.append(quote);
  }

  /** One character inside a quoted atom or string, escaped when needed. */
  static void appendChar(StringBuilder sb, int c, char quote) {
    switch (c) {
      case '\\':
        sb.append("\\\\");
        return;
      case '\n':
        sb.append("\\n");
        return;
      case '\r':
        sb.append("\\r");
        return;
      case '\t':
        sb.append("\\t");
        return;
      case 0x0B:
        sb.append("\\v");
        return;
      case '\b':
        sb.append("\\b");
        return;
      case '\f':
        sb.append("\\f");
        return;
      case 0x1B:
        sb.append("\\e");
        return;
      case 0x7F:
        sb.append("\\d");
        return;
      default:
        if (c == quote) {
          sb.append('\\').append(quote);
        } else if (c >= 32 && isPrintable(c)) {
          sb.appendCodePoint(c);
        } else {
          sb.append("\\x{").append(Integer.toHexString(c).toUpperCase(java.util.Locale.ROOT)).append('}');
        }
    }
  }

  private static void appendBinary(StringBuilder sb, byte[] b) {
    sb.append("<<");
    if (b.length > 0) {
      if (allPrintableAscii(b)) {
        appendBinaryChars(sb, new String(b, StandardCharsets.ISO_8859_1));
      } else {
        String utf8 = strictUtf8(b);
        if (utf8 != null && allPrintable(utf8)) {
          appendBinaryChars(sb, utf8);
          sb.append("/utf8");
        } else {
          for (int i = 0; i < b.length; i++) {
            if (i > 0) {
              sb.append(',');
            }
            sb.append(b[i] & 0xFF);
          }
        }
      }
    }
    sb.append(">>");
  }

  private static void appendBinaryChars(StringBuilder sb, String s) {
    sb.append('"');
    s.codePoints().forEach(c -> appendChar(sb, c, '"'));
    sb.append('"');
  }

  private static boolean allPrintableAscii(byte[] b) {
    for (byte x : b) {
      if (x < 0 || !isPrintable(x)) {
        return false;
      }
    }
    return true;
  }

  private static boolean allPrintable(String s) {
    Iterator<Integer> it = s.codePoints().iterator();
    while (it.hasNext()) {
      if (!isPrintable(it.next())) {
        return false;
      }
    }
    return true;
  }

  /** The bytes as UTF-8 text, or null when they are not well-formed UTF-8. */
  private static String strictUtf8(byte[] b) {
    try {
      CharBuffer cb =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(b));
      return cb.toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }
}
