package org.sshrpc.term;

/**
 * Prints terms in Erlang syntax. PLACEHOLDER implementation: replaced by the full printer
 * (printable strings, quoting rules) from the term-syntax work.
 */
public final class TermPrinter {
  private TermPrinter() {}

  /** Erlang source syntax for {@code t}. */
  public static String print(Term t) {
    StringBuilder sb = new StringBuilder();
    append(sb, t);
    return sb.toString();
  }

  private static void append(StringBuilder sb, Term t) {
    if (t instanceof ErlAtom) {
      sb.append('\'').append(((ErlAtom) t).name().replace("\\", "\\\\").replace("'", "\\'")).append('\'');
    } else if (t instanceof ErlInteger) {
      sb.append(t);
    } else if (t instanceof ErlFloat) {
      sb.append(((ErlFloat) t).value());
    } else if (t instanceof ErlTuple) {
      sb.append('{');
      ErlTuple tu = (ErlTuple) t;
      for (int i = 0; i < tu.arity(); i++) {
        if (i > 0) sb.append(',');
        append(sb, tu.get(i));
      }
      sb.append('}');
    } else if (t instanceof ErlList) {
      ErlList l = (ErlList) t;
      sb.append('[');
      for (int i = 0; i < l.size(); i++) {
        if (i > 0) sb.append(',');
        append(sb, l.get(i));
      }
      if (l.tail() != null) {
        sb.append('|');
        append(sb, l.tail());
      }
      sb.append(']');
    } else if (t instanceof ErlBinary) {
      ErlBinary b = (ErlBinary) t;
      sb.append("<<");
      for (int i = 0; i < b.size(); i++) {
        if (i > 0) sb.append(',');
        sb.append(b.byteAt(i) & 0xFF);
      }
      sb.append(">>");
    } else if (t instanceof ErlMap) {
      sb.append("#{");
      boolean first = true;
      for (var e : ((ErlMap) t).entries().entrySet()) {
        if (!first) sb.append(',');
        first = false;
        append(sb, e.getKey());
        sb.append(" => ");
        append(sb, e.getValue());
      }
      sb.append('}');
    } else {
      sb.append('#').append(t.getClass().getSimpleName());
    }
  }
}
