package org.sshrpc.term;

/**
 * The limits the ETF decoder enforces on untrusted input: one immutable value, checked before
 * anything is allocated. Every limit has a safe default ({@link #DEFAULT}); a term that exceeds a
 * limit is rejected with a {@link TermFormatException} whose message names the limit, the value
 * found and the limit's value.
 *
 * <table>
 *   <caption>Limits and defaults</caption>
 *   <tr><th>limit</th><th>default</th><th>bounds</th></tr>
 *   <tr><td>{@link #maxInputBytes()}</td><td>64 MiB</td><td>the encoded input, version byte included</td></tr>
 *   <tr><td>{@link #maxDepth()}</td><td>512</td><td>nesting of tuples, lists, maps and compressed terms</td></tr>
 *   <tr><td>{@link #maxElements()}</td><td>4,194,304</td><td>elements of one tuple or list, entries of one map</td></tr>
 *   <tr><td>{@link #maxAtomLength()}</td><td>255</td><td>code points of one atom (Erlang's own limit)</td></tr>
 *   <tr><td>{@link #maxBinaryBytes()}</td><td>64 MiB</td><td>bytes of one binary or bitstring</td></tr>
 *   <tr><td>{@link #maxBigIntegerBytes()}</td><td>16,384</td><td>magnitude bytes of one big integer (~39,000 digits)</td></tr>
 *   <tr><td>{@link #maxDecompressedBytes()}</td><td>64 MiB</td><td>declared and actual size of a compressed term</td></tr>
 * </table>
 *
 * <p>Independently of these limits, every length field is checked against the bytes that remain
 * before anything is allocated, and the decoder never reserves more element slots than there are
 * bytes left, so the memory a decode can take is bounded by a small multiple of its input size.
 */
public final class TermLimits {
  /** Safe defaults for terms from an authenticated but untrusted peer. */
  public static final TermLimits DEFAULT = builder().build();

  private final int maxInputBytes;
  private final int maxDepth;
  private final int maxElements;
  private final int maxAtomLength;
  private final int maxBinaryBytes;
  private final int maxBigIntegerBytes;
  private final int maxDecompressedBytes;

  private TermLimits(Builder b) {
    this.maxInputBytes = b.maxInputBytes;
    this.maxDepth = b.maxDepth;
    this.maxElements = b.maxElements;
    this.maxAtomLength = b.maxAtomLength;
    this.maxBinaryBytes = b.maxBinaryBytes;
    this.maxBigIntegerBytes = b.maxBigIntegerBytes;
    this.maxDecompressedBytes = b.maxDecompressedBytes;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder that starts from this value's limits. */
  public Builder newBuilder() {
    Builder b = new Builder();
    b.maxInputBytes = maxInputBytes;
    b.maxDepth = maxDepth;
    b.maxElements = maxElements;
    b.maxAtomLength = maxAtomLength;
    b.maxBinaryBytes = maxBinaryBytes;
    b.maxBigIntegerBytes = maxBigIntegerBytes;
    b.maxDecompressedBytes = maxDecompressedBytes;
    return b;
  }

  /** Largest encoded input, in bytes, version byte included. */
  public int maxInputBytes() {
    return maxInputBytes;
  }

  /** Deepest nesting of tuples, lists, maps (and compressed terms); the top level is depth 1. */
  public int maxDepth() {
    return maxDepth;
  }

  /** Most elements in one tuple or list (improper tail not counted) or entries in one map. */
  public int maxElements() {
    return maxElements;
  }

  /** Longest atom, in code points. */
  public int maxAtomLength() {
    return maxAtomLength;
  }

  /** Largest binary or bitstring, in bytes. */
  public int maxBinaryBytes() {
    return maxBinaryBytes;
  }

  /** Largest big integer magnitude, in bytes. */
  public int maxBigIntegerBytes() {
    return maxBigIntegerBytes;
  }

  /** Largest uncompressed size of a compressed term, in bytes. */
  public int maxDecompressedBytes() {
    return maxDecompressedBytes;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof TermLimits)) {
      return false;
    }
    TermLimits l = (TermLimits) o;
    return l.maxInputBytes == maxInputBytes
        && l.maxDepth == maxDepth
        && l.maxElements == maxElements
        && l.maxAtomLength == maxAtomLength
        && l.maxBinaryBytes == maxBinaryBytes
        && l.maxBigIntegerBytes == maxBigIntegerBytes
        && l.maxDecompressedBytes == maxDecompressedBytes;
  }

  @Override
  public int hashCode() {
    int h = maxInputBytes;
    h = h * 31 + maxDepth;
    h = h * 31 + maxElements;
    h = h * 31 + maxAtomLength;
    h = h * 31 + maxBinaryBytes;
    h = h * 31 + maxBigIntegerBytes;
    return h * 31 + maxDecompressedBytes;
  }

  @Override
  public String toString() {
    return "TermLimits{maxInputBytes=" + maxInputBytes
        + ", maxDepth=" + maxDepth
        + ", maxElements=" + maxElements
        + ", maxAtomLength=" + maxAtomLength
        + ", maxBinaryBytes=" + maxBinaryBytes
        + ", maxBigIntegerBytes=" + maxBigIntegerBytes
        + ", maxDecompressedBytes=" + maxDecompressedBytes
        + "}";
  }

  /** Builds a {@link TermLimits}; every setter rejects values below 1. */
  public static final class Builder {
    private int maxInputBytes = 64 << 20;
    private int maxDepth = 512;
    private int maxElements = 4 << 20;
    private int maxAtomLength = ErlAtom.MAX_LENGTH;
    private int maxBinaryBytes = 64 << 20;
    private int maxBigIntegerBytes = 16 << 10;
    private int maxDecompressedBytes = 64 << 20;

    private Builder() {}

    public Builder maxInputBytes(int n) {
      maxInputBytes = positive("maxInputBytes", n);
      return this;
    }

    public Builder maxDepth(int n) {
      maxDepth = positive("maxDepth", n);
      return this;
    }

    public Builder maxElements(int n) {
      maxElements = positive("maxElements", n);
      return this;
    }

    /** At most 255, Erlang's own atom limit. */
    public Builder maxAtomLength(int n) {
      if (n > ErlAtom.MAX_LENGTH) {
        throw new IllegalArgumentException("maxAtomLength: " + n + " (expected: 1..255)");
      }
      maxAtomLength = positive("maxAtomLength", n);
      return this;
    }

    public Builder maxBinaryBytes(int n) {
      maxBinaryBytes = positive("maxBinaryBytes", n);
      return this;
    }

    public Builder maxBigIntegerBytes(int n) {
      maxBigIntegerBytes = positive("maxBigIntegerBytes", n);
      return this;
    }

    public Builder maxDecompressedBytes(int n) {
      maxDecompressedBytes = positive("maxDecompressedBytes", n);
      return this;
    }

    public TermLimits build() {
      return new TermLimits(this);
    }

    private static int positive(String name, int n) {
      if (n < 1) {
        throw new IllegalArgumentException(name + ": " + n + " (expected: >= 1)");
      }
      return n;
    }
  }
}
