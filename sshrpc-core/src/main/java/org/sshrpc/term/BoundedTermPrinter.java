package org.sshrpc.term;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The printer behind {@link TermPrinter#print(Term, int)}: Erlang syntax cut after a number of
 * characters, for log lines and error texts about terms a peer sent. Its work is bounded by what
 * it prints, never by the size of the term:
 *
 * <ul>
 *   <li>containers are walked with cursors, one element at a time, so a 10-million-element list
 *       costs as much as the elements that fit;
 *   <li>a list is shown as a string when the elements that can be shown are printable (the
 *       unbounded printer checks the whole list), and binaries are classified on the prefix that
 *       can be shown;
 *   <li>an integer of more than {@value #DECIMAL_MAX_BITS} bits is written in hexadecimal ({@code
 *       16#...}, which Erlang reads), leading digits first, never converted to decimal (quadratic
 *       in its length);
 *   <li>the stack of open containers is at most one entry per printed bracket.
 * </ul>
 *
 * <p>When the whole term fits, the output is exactly {@link TermPrinter#print(Term)}'s, except for
 * integers above {@value #DECIMAL_MAX_BITS} bits. Otherwise it is cut at {@code maxChars} and
 * {@value #CUT} is appended. Not thread-safe: one instance per printout.
 */
final class BoundedTermPrinter {
  /** Appended to a printout that was cut. */
  static final String CUT = "...";

  /** Integers up to this many bits are written in decimal; larger ones in hexadecimal. */
  static final int DECIMAL_MAX_BITS = 256;

  private final int limit;
  private final StringBuilder sb;
  /** Set when a leaf was shown only in part: the printout is cut whatever its length. */
  private boolean truncated;
  /** Terms stepped into: what tests check to prove the walk stops with the output. */
  private long visited;

  BoundedTermPrinter(int maxChars) {
    if (maxChars < 0) {
      throw new IllegalArgumentException("maxChars: " + maxChars + " (expected: >= 0)");
    }
    this.limit = maxChars;
    this.sb = new StringBuilder(Math.min(maxChars, 1024) + CUT.length() + 16);
  }

  long visited() {
    return visited;
  }

  /** A container being printed and how far: the next element's index. */
  private static final class Cursor {
    final Term container;
    int index;

    Cursor(Term container) {
      this.container = container;
    }
  }

  String print(Term t) {
    Deque<Object> work = new ArrayDeque<>(); // Terms, literal Strings and Cursors
    work.push(t);
    while (!work.isEmpty() && !full()) {
      Object top = work.peek();
      if (top instanceof Cursor) {
        advance(work, (Cursor) top);
      } else {
        work.pop();
        if (top instanceof String) {
          sb.append((String) top);
        } else {
          step(work, (Term) top);
        }
      }
    }
    if (work.isEmpty() && !full()) {
      return sb.toString();
    }
    int end = Math.min(limit, sb.length());
    if (end > 0 && Character.isHighSurrogate(sb.charAt(end - 1))) {
      end--; // never split a surrogate pair
    }
    sb.setLength(end);
    return sb.append(CUT).toString();
  }

  /** True once more than {@code limit} characters are written: the printout will be cut. */
  private boolean full() {
    return truncated || sb.length() > limit;
  }

  /** Characters that may still be written before the printout is known to be cut. */
  private int remaining() {
    return Math.max(0, limit + 1 - sb.length());
  }

  private void advance(Deque<Object> work, Cursor c) {
    Term t = c.container;
    int i = c.index++;
    if (t instanceof ErlTuple) {
      ErlTuple tu = (ErlTuple) t;
      if (i < tu.arity()) {
        if (i > 0) {
          sb.append(',');
        }
        work.push(tu.get(i));
      } else {
        work.pop();
        sb.append('}');
      }
    } else if (t instanceof ErlList) {
      ErlList l = (ErlList) t;
      if (i < l.size()) {
        if (i > 0) {
          sb.append(',');
        }
        work.push(l.get(i));
      } else if (i == l.size() && l.tail() != null) {
        sb.append('|');
        work.push(l.tail());
      } else {
        work.pop();
        sb.append(']');
      }
    } else {
      Term[] kv = ((ErlMap) t).internalKeysAndValues(); // iteration order, as print(Term)
      if (2 * i < kv.length) {
        if (i > 0) {
          sb.append(',');
        }
        work.push(kv[2 * i + 1]);
        work.push(" => ");
        work.push(kv[2 * i]);
      } else {
        work.pop();
        sb.append('}');
      }
    }
  }

  private void step(Deque<Object> work, Term t) {
    visited++;
    if (t instanceof ErlAtom && !TermPrinter.isScannable(((ErlAtom) t).name())) {
      appendBinaryToTerm(t);
    } else if (t instanceof ErlAtom) {
      TermPrinter.appendAtom(sb, ((ErlAtom) t).name()); // at most 255 characters before escapes
    } else if (t instanceof ErlInteger) {
      appendInteger((ErlInteger) t);
    } else if (t instanceof ErlFloat) {
      sb.append(TermPrinter.formatFloat(((ErlFloat) t).value()));
    } else if (t instanceof ErlTuple) {
      sb.append('{');
      work.push(new Cursor(t));
    } else if (t instanceof ErlList) {
      ErlList l = (ErlList) t;
      if (isPrintableStringPrefix(l)) {
        appendQuoted(l);
      } else {
        sb.append('[');
        work.push(new Cursor(t));
      }
    } else if (t instanceof ErlBinary) {
      appendBinary(((ErlBinary) t).internalBytes());
    } else if (t instanceof ErlBitstring) {
      ErlBitstring b = (ErlBitstring) t;
      byte[] bytes = b.internalBytes();
      sb.append("<<");
      for (int i = 0; i < bytes.length - 1 && !full(); i++) {
        sb.append(bytes[i] & 0xFF).append(',');
      }
      if (!full()) {
        int n = b.lastByteBits();
        sb.append((bytes[bytes.length - 1] & 0xFF) >>> (8 - n)).append(':').append(n).append(">>");
      }
    } else if (t instanceof ErlMap) {
      sb.append("#{");
      work.push(new Cursor(t));
    } else if (t instanceof ErlExportFun
        && TermPrinter.isScannable(((ErlExportFun) t).module().name())
        && TermPrinter.isScannable(((ErlExportFun) t).function().name())) {
      ErlExportFun f = (ErlExportFun) t;
      sb.append("fun ");
      TermPrinter.appendAtom(sb, f.module().name());
      sb.append(':');
      TermPrinter.appendAtom(sb, f.function().name());
      sb.append('/').append(f.arity());
    } else {
      appendBinaryToTerm(t);
    }
  }

  private void appendInteger(ErlInteger i) {
    if (i.isLong()) {
      sb.append(i.longValue());
      return;
    }
    BigInteger big = i.bigValue();
    int bits = big.bitLength();
    if (big.signum() < 0 && big.getLowestSetBit() == bits) {
      bits++; // -(2^k): bitLength() is k, the magnitude has k + 1 bits
    }
    if (bits <= DECIMAL_MAX_BITS) {
      sb.append(big); // at most 78 digits: cheap
      return;
    }
    // Hexadecimal, leading digits first, and only as many as can be shown: linear, not the
    // quadratic decimal conversion (34 s of I/O thread time for one 74 KB frame in issue 10).
    if (big.signum() < 0) {
      sb.append('-');
    }
    sb.append("16#");
    BigInteger mag = big.abs();
    int digits = (mag.bitLength() + 3) / 4;
    int shown = Math.min(digits, remaining() + 1);
    BigInteger top = mag.shiftRight(4 * (digits - shown)); // exactly `shown` hex digits
    byte[] b = top.toByteArray(); // big-endian, possibly with a leading zero byte
    int skip = 2 * b.length - shown; // leading zero nibbles
    for (int n = skip; n < 2 * b.length; n++) {
      int nibble = (b[n / 2] >> (n % 2 == 0 ? 4 : 0)) & 0xF;
      sb.append(Character.toUpperCase(Character.forDigit(nibble, 16)));
    }
  }

  /**
   * Whether to show a list as a string: as {@link TermPrinter}, but looking only at the elements
   * that can be shown (one more than the remaining characters): if the list is longer, the
   * printout is cut inside it either way.
   */
  private boolean isPrintableStringPrefix(ErlList l) {
    if (l.isEmpty() || !l.isProper()) {
      return false;
    }
    int n = (int) Math.min(l.size(), (long) remaining() + 1);
    for (int i = 0; i < n; i++) {
      Term e = l.get(i);
      if (!(e instanceof ErlInteger) || !((ErlInteger) e).isInt() || !TermPrinter.isPrintable(((ErlInteger) e).intValue())) {
        return false;
      }
    }
    return true;
  }

  private void appendQuoted(ErlList chars) {
    sb.append('"');
    for (int i = 0; i < chars.size() && !full(); i++) {
      TermPrinter.appendChar(sb, ((ErlInteger) chars.get(i)).intValue(), '"');
    }
    if (!full()) {
      sb.append('"');
    }
  }

  /** As {@link TermPrinter}'s binaries, classified on the prefix that can be shown. */
  private void appendBinary(byte[] b) {
    sb.append("<<");
    if (b.length > 0) {
      int asciiPrefix = (int) Math.min(b.length, (long) remaining() + 2);
      if (printableAscii(b, asciiPrefix)) {
        appendChars(new String(b, 0, asciiPrefix, StandardCharsets.ISO_8859_1), asciiPrefix == b.length, false);
      } else {
        // Every code point takes at most 4 bytes and prints as at least one character.
        int utf8Prefix = (int) Math.min(b.length, 4L * (remaining() + 2));
        String utf8 = utf8Prefix(b, utf8Prefix);
        if (utf8 != null && allPrintable(utf8)) {
          appendChars(utf8, utf8Prefix == b.length, true);
        } else {
          for (int i = 0; i < b.length && !full(); i++) {
            if (i > 0) {
              sb.append(',');
            }
            sb.append(b[i] & 0xFF);
          }
        }
      }
    }
    if (!full()) {
      sb.append(">>");
    }
  }

  private void appendChars(String s, boolean whole, boolean utf8) {
    sb.append('"');
    for (int i = 0; i < s.length() && !full(); ) {
      int c = s.codePointAt(i);
      TermPrinter.appendChar(sb, c, '"');
      i += Character.charCount(c);
    }
    if (!whole) {
      truncated = true; // only a prefix was classified and shown (it filled the printout)
      return;
    }
    if (!full()) {
      sb.append('"');
      if (utf8) {
        sb.append("/utf8");
      }
    }
  }

  private static boolean printableAscii(byte[] b, int n) {
    for (int i = 0; i < n; i++) {
      if (b[i] < 0 || !TermPrinter.isPrintable(b[i])) {
        return false;
      }
    }
    return true;
  }

  private static boolean allPrintable(String s) {
    for (int i = 0; i < s.length(); ) {
      int c = s.codePointAt(i);
      if (!TermPrinter.isPrintable(c)) {
        return false;
      }
      i += Character.charCount(c);
    }
    return true;
  }

  /**
   * The first {@code n} bytes as UTF-8 text, or null if they are malformed. When {@code n} is not
   * the whole binary, an incomplete sequence at the end is left out rather than called malformed.
   */
  private static String utf8Prefix(byte[] b, int n) {
    CharsetDecoder d =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(b, 0, n);
    CharBuffer out = CharBuffer.allocate(n);
    CoderResult r = d.decode(in, out, n == b.length);
    if (r.isError()) {
      return null;
    }
    if (n == b.length) {
      r = d.flush(out);
      if (r.isError() || in.hasRemaining()) {
        return null;
      }
    }
    out.flip();
    return out.toString();
  }

  /** {@code binary_to_term(<<131,...>>)}, with only the bytes that can be shown. */
  private void appendBinaryToTerm(Term t) {
    sb.append("binary_to_term(<<131");
    // A local fun's encoding is held as it arrived (and may be large); the others are small.
    byte[] b = t instanceof ErlFun ? ((ErlFun) t).internalEncoded() : TermEncoder.DEFAULT.encode(t);
    for (int i = t instanceof ErlFun ? 0 : 1; i < b.length && !full(); i++) {
      sb.append(',').append(b[i] & 0xFF);
    }
    if (!full()) {
      sb.append(">>)");
    }
  }
}
