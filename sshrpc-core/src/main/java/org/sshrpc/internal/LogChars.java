package org.sshrpc.internal;

/**
 * Which characters must never appear raw in a log line: controls (C0, C1 with NEL, DEL), format
 * characters (bidi overrides and isolates, zero-width characters, BOM), line and paragraph
 * separators, non-ASCII spaces, surrogates and unassigned code points. Each could forge, hide or
 * reorder a record for a line-based reader. Shared by the server's audit log and the key checks.
 */
public final class LogChars {
  private LogChars() {}

  /** True for a code point that must be escaped in a log line. */
  public static boolean mustEscape(int cp) {
    if (cp >= 0x20 && cp < 0x7F) {
      return false; // printable ASCII, the space included
    }
    switch (Character.getType(cp)) {
      case Character.CONTROL:
      case Character.FORMAT:
      case Character.SURROGATE:
      case Character.UNASSIGNED:
      case Character.LINE_SEPARATOR:
      case Character.PARAGRAPH_SEPARATOR:
      case Character.SPACE_SEPARATOR:
        return true;
      default:
        return false;
    }
  }
}
