package org.sshrpc.term;

/**
 * An Erlang float (IEEE 754 double). Equality is by bit pattern, so {@code -0.0} and {@code 0.0}
 * are distinct (as {@code =:=} treats them in OTP 27+), and a decoded float round-trips exactly.
 * NaN and infinities are not Erlang values and are rejected.
 */
public final class ErlFloat implements Term, Comparable<ErlFloat> {
  private final double value;

  private ErlFloat(double value) {
    this.value = value;
  }

  /**
   * Returns the float with this value.
   *
   * @throws IllegalArgumentException for NaN or an infinity, which Erlang cannot represent
   */
  public static ErlFloat of(double value) {
    if (Double.isNaN(value) || Double.isInfinite(value)) {
      throw new IllegalArgumentException("not a finite float: " + value);
    }
    return new ErlFloat(value);
  }

  public double value() {
    return value;
  }

  /**
   * Compares in Erlang's map key order ({@link TermOrder#EXACT}), consistent with {@code equals}.
   * Being {@code Comparable} also keeps hash maps of colliding keys (which a peer could send)
   * logarithmic rather than linear per lookup.
   */
  @Override
  public int compareTo(ErlFloat other) {
    return TermOrder.EXACT.compare(this, other);
  }

  @Override
  public boolean equals(Object o) {
    return o == this
        || (o instanceof ErlFloat
            && Double.doubleToRawLongBits(((ErlFloat) o).value) == Double.doubleToRawLongBits(value));
  }

  @Override
  public int hashCode() {
    return Long.hashCode(Double.doubleToRawLongBits(value));
  }

  @Override
  public String toString() {
    return TermPrinter.print(this);
  }
}
