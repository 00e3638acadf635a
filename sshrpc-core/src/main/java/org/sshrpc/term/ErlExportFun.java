package org.sshrpc.term;

import java.util.Objects;

/** An external fun {@code fun Module:Function/Arity} (EXPORT_EXT). */
public final class ErlExportFun implements Term, Comparable<ErlExportFun> {
  private final ErlAtom module;
  private final ErlAtom function;
  private final int arity;

  private ErlExportFun(ErlAtom module, ErlAtom function, int arity) {
    this.module = module;
    this.function = function;
    this.arity = arity;
  }

  public static ErlExportFun of(ErlAtom module, ErlAtom function, int arity) {
    if (arity < 0 || arity > 255) {
      throw new IllegalArgumentException("arity: " + arity + " (expected: 0..255)");
    }
    return new ErlExportFun(Objects.requireNonNull(module), Objects.requireNonNull(function), arity);
  }

  public ErlAtom module() {
    return module;
  }

  public ErlAtom function() {
    return function;
  }

  public int arity() {
    return arity;
  }

  /**
   * Compares in Erlang's map key order ({@link TermOrder#EXACT}), consistent with {@code equals}.
   * Being {@code Comparable} also keeps hash maps of colliding keys (which a peer could send)
   * logarithmic rather than linear per lookup.
   */
  @Override
  public int compareTo(ErlExportFun other) {
    return TermOrder.EXACT.compare(this, other);
  }

  @Override
  public boolean equals(Object o) {
    if (o == this) {
      return true;
    }
    if (!(o instanceof ErlExportFun)) {
      return false;
    }
    ErlExportFun f = (ErlExportFun) o;
    return f.arity == arity && f.module.equals(module) && f.function.equals(function);
  }

  @Override
  public int hashCode() {
    return Objects.hash(module, function, arity);
  }

  @Override
  public String toString() {
    return TermPrinter.print(this);
  }
}
