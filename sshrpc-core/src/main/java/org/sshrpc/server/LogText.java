package org.sshrpc.server;

import org.sshrpc.term.Term;
import org.sshrpc.term.TermPrinter;

/**
 * Text a peer chose (user names, atoms, exception messages, terms), made safe for one log line:
 * every character that could end a record, forge another, or hide part of one is escaped visibly
 * as <code>&#92;u{XXXX}</code> (its code point in hexadecimal, at least four digits), and the result is
 * cut at a bound (then {@value #CUT} is appended).
 *
 * <p>Escaped: controls (C0, DEL, C1 including NEL U+0085), format characters (category Cf: bidi
 * embeddings, overrides and isolates U+202A–U+202E and U+2066–U+2069, zero-width characters, the
 * BOM, soft hyphen, ...), line and paragraph separators (U+2028, U+2029), space separators other
 * than the ASCII space (U+00A0, U+2000–U+200A, U+3000, ...), unassigned code points (they may be
 * format characters in a later Unicode version than the JVM's), and lone surrogates. A valid
 * surrogate pair is one code point and is judged as such. In {@link #field} and {@link
 * #appendField}, backslash and double quote are escaped too ({@code \\}, {@code \"}), so every
 * escape is unambiguous.
 *
 * <p>Use {@link #field} for a peer-chosen string in a diagnostic line, {@link #term} for a term
 * (only at DEBUG: terms may hold argument values), and {@link #appendField} for the audit log's
 * quoted values.
 */
final class LogText {
  /** The most characters one field contributes to a line (before {@value #CUT}). */
  static final int FIELD_MAX = 256;

  /** Appended to a field that was cut. */
  static final String CUT = "...";

  private LogText() {}

  /** {@code s} escaped and cut at {@value #FIELD_MAX} characters; {@code "-"} for null. */
  static String field(String s) {
    if (s == null) {
      return "-";
    }
    StringBuilder b = new StringBuilder(Math.min(s.length(), FIELD_MAX) + 8);
    escape(b, s, FIELD_MAX, true);
    return b.toString();
  }

  /**
   * A term printed in Erlang syntax, cut at {@value #FIELD_MAX} characters with bounded work
   * ({@link TermPrinter#print(Term, int)}: no walk of the whole term, no decimal conversion of a
   * huge integer). For DEBUG lines only: terms may hold argument values.
   */
  static String term(Term t) {
    if (t == null) {
      return "-";
    }
    String printed = TermPrinter.print(t, FIELD_MAX);
    // The printer already escapes what Erlang cannot show; space separators and the like may
    // remain. Its own quotes and backslashes are Erlang syntax and stay as they are.
    StringBuilder b = new StringBuilder(printed.length() + 8);
    escape(b, printed, FIELD_MAX + CUT.length(), false);
    return b.toString();
  }

  /**
   * Appends {@code value} as one {@code key=value} value of a line: bare when it holds only
   * characters that need neither escape nor quotes, else in double quotes with escapes. At most
   * {@code max} characters of escaped value (plus quotes and {@value #CUT}).
   */
  static void appendField(StringBuilder b, String value, int max) {
    if (value == null || value.isEmpty()) {
      b.append("\"\"");
      return;
    }
    if (isBare(value, max)) {
      b.append(value);
      return;
    }
    b.append('"');
    escape(b, value, max, true);
    b.append('"');
  }

  /** True if {@code value} can be written without quotes: short, and nothing to escape or split on. */
  private static boolean isBare(String value, int max) {
    if (value.length() > max) {
      return false;
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c >= 0x7F) {
        return false; // non-ASCII is judged (and possibly escaped) inside quotes
      }
    }
    return true;
  }

  /**
   * Appends {@code s} escaped, stopping before the escaped text would pass {@code max} characters
   * (then appends {@value #CUT}). Returns true if it was cut.
   */
  static boolean escape(StringBuilder b, String s, int max, boolean quoteAndBackslash) {
    int start = b.length();
    int i = 0;
    while (i < s.length()) {
      char c = s.charAt(i);
      int cp;
      int width;
      if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        cp = Character.toCodePoint(c, s.charAt(i + 1));
        width = 2;
      } else {
        cp = c; // a lone surrogate stays a surrogate code point, escaped below
        width = 1;
      }
      int before = b.length();
      if (quoteAndBackslash && (cp == '"' || cp == '\\')) {
        b.append('\\').append((char) cp);
      } else if (mustEscape(cp)) {
        String hex = Integer.toHexString(cp).toUpperCase(java.util.Locale.ROOT);
        b.append("\\u{");
        for (int pad = hex.length(); pad < 4; pad++) {
          b.append('0');
        }
        b.append(hex).append('}');
      } else {
        b.appendCodePoint(cp);
      }
      if (b.length() - start > max) {
        b.setLength(before); // the whole escape or character, or nothing of it
        b.append(CUT);
        return true;
      }
      i += width;
    }
    return false;
  }

  /** True for a code point that must not appear raw in a log line (see the class comment). */
  static boolean mustEscape(int cp) {
    return org.sshrpc.internal.LogChars.mustEscape(cp);
  }

}
