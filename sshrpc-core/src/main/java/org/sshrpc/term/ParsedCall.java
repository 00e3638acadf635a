package org.sshrpc.term;

import java.util.List;
import java.util.Objects;

/**
 * A call written in Erlang syntax, {@code Module:Function(Arg, ...)}, as read by {@link
 * TermParser#parseCall(String)}.
 *
 * @param module the module atom
 * @param function the function atom
 * @param args the arguments, an unmodifiable list (empty for {@code m:f()})
 */
public record ParsedCall(ErlAtom module, ErlAtom function, List<Term> args) {
  public ParsedCall {
    Objects.requireNonNull(module, "module");
    Objects.requireNonNull(function, "function");
    args = List.copyOf(args);
  }

  /** The number of arguments. */
  public int arity() {
    return args.size();
  }

  /**
   * The call in Erlang syntax, e.g. {@code lists:seq(1,100)}. Module and function are always
   * written as (possibly quoted) atoms, even those {@code erl_scan} cannot read, since a call has
   * no other form; {@link TermParser#parseCall} reads them all.
   */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    TermPrinter.appendAtom(sb, module.name());
    sb.append(':');
    TermPrinter.appendAtom(sb, function.name());
    sb.append('(');
    for (int i = 0; i < args.size(); i++) {
      if (i > 0) {
        sb.append(',');
      }
      sb.append(TermPrinter.print(args.get(i)));
    }
    return sb.append(')').toString();
  }
}
