package org.sshrpc.term;

import java.math.BigInteger;

/**
 * An Erlang integer of any size. Values that fit in a {@code long} are always held as a long, so
 * equal numbers are equal however they were built or decoded.
 */
public final class ErlInteger implements Term, Comparable<ErlInteger> {
  private static final BigInteger LONG_MIN = BigInteger.valueOf(Long.MIN_VALUE);
  private static final BigInteger LONG_MAX = BigInteger.valueOf(Long.MAX_VALUE);
  private static final ErlInteger[] SMALL = new ErlInteger[256 + 128];

  static {
    for (int i = 0; i < SMALL.length; i++) {
      SMALL[i] = new ErlInteger(i - 128, null);
    }
  }

  private final long value;
  private final BigInteger big; // non-null only when the value does not fit in a long

  private ErlInteger(long value, BigInteger big) {
    this.value = value;
    this.big = big;
  }

  public static ErlInteger of(long value) {
    if (value >= -128 && value < 256) {
      return SMALL[(int) value + 128];
    }
    return new ErlInteger(value, null);
  }

  public static ErlInteger of(BigInteger value) {
    if (value.compareTo(LONG_MIN) >= 0 && value.compareTo(LONG_MAX) <= 0) {
      return of(value.longValue());
    }
    return new ErlInteger(0, value);
  }

  /** True if the value fits in a Java {@code long}. */
  public boolean isLong() {
    return big == null;
  }

  /** True if the value fits in a Java {@code int}. */
  public boolean isInt() {
    return big == null && value >= Integer.MIN_VALUE && value <= Integer.MAX_VALUE;
  }

  /**
   * Returns the value as a long.
   *
   * @throws ArithmeticException if it does not fit
   */
  public long longValue() {
    if (big != null) {
      throw new ArithmeticException("integer does not fit in a long: " + big);
    }
    return value;
  }

  /**
   * Returns the value as an int.
   *
   * @throws ArithmeticException if it does not fit
   */
  public int intValue() {
    return Math.toIntExact(longValue());
  }

  public BigInteger bigValue() {
    return big != null ? big : BigInteger.valueOf(value);
  }

  public int signum() {
    return big != null ? big.signum() : Long.signum(value);
  }

  /**
   * Compares in Erlang's map key order ({@link TermOrder#EXACT}), consistent with {@code equals}.
   * Being {@code Comparable} also keeps hash maps of colliding keys (which a peer could send)
   * logarithmic rather than linear per lookup.
   */
  @Override
  public int compareTo(ErlInteger other) {
    return TermOrder.EXACT.compare(this, other);
  }

  @Override
  public boolean equals(Object o) {
    if (o == this) {
      return true;
    }
    if (!(o instanceof ErlInteger)) {
      return false;
    }
    ErlInteger other = (ErlInteger) o;
    if (big == null) {
      return other.big == null && other.value == value;
    }
    return big.equals(other.big);
  }

  @Override
  public int hashCode() {
    return big != null ? big.hashCode() : Long.hashCode(value);
  }

  @Override
  public String toString() {
    return big != null ? big.toString() : Long.toString(value);
  }
}
