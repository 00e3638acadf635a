package org.sshrpc.term;

import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.zip.Deflater;

/**
 * An encoder from {@link Term} to the External Term Format, the bytes of Erlang's {@code
 * term_to_binary/1,2}. Immutable and thread-safe.
 *
 * <p>{@link #DEFAULT} writes exactly what {@code term_to_binary/1} writes on OTP 25 for every term
 * whose maps have at most 32 keys: the same tag choices ({@code SMALL_INTEGER_EXT}, {@code
 * INTEGER_EXT}, {@code SMALL_BIG_EXT}/{@code LARGE_BIG_EXT}; {@code STRING_EXT} for proper lists
 * of 0..65535 integers in 0..255; {@code NEW_FLOAT_EXT}; {@code ATOM_EXT} for Latin-1 atoms and
 * {@code SMALL_ATOM_UTF8_EXT}/{@code ATOM_UTF8_EXT} otherwise; {@code NEW_PID_EXT}, {@code
 * NEW_PORT_EXT}, {@code NEWER_REFERENCE_EXT}) and small-map keys in map key order ({@link
 * TermOrder#EXACT}). Maps with more than 32 keys are the one exception: OTP writes them in the
 * internal hash order of its HAMT (a hash of each key's internal representation, salted and
 * traversed per erl_map.c), which this encoder does not reproduce; it writes them in the map's
 * iteration order, which every Erlang node decodes to the same map.
 *
 * <p>{@link Builder#utf8Atoms(boolean)} selects the OTP 26+ atom tags; {@link
 * Builder#compressionLevel(int)} gives the output of {@code term_to_binary(T, [{compressed,
 * Level}])}.
 */
public final class TermEncoder {
  /** The OTP 25 {@code term_to_binary/1} encoder: Latin-1 atom tags, no compression. */
  public static final TermEncoder DEFAULT = builder().build();

  private static final int SMALL_MAP_MAX = 32;

  private final boolean utf8Atoms;
  private final int compressionLevel;

  private TermEncoder(Builder b) {
    this.utf8Atoms = b.utf8Atoms;
    this.compressionLevel = b.compressionLevel;
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder newBuilder() {
    return new Builder().utf8Atoms(utf8Atoms).compressionLevel(compressionLevel);
  }

  /** The encoding of {@code term}, starting with the version byte 131. */
  public byte[] encode(Term term) {
    int size = encodedSize(term);
    byte[] out = new byte[size];
    Writer w = new Writer(out, 0);
    w.putByte(Tag.VERSION);
    w.term(term);
    return compressionLevel > 0 ? compress(out) : out;
  }

  /**
   * Writes the encoding of {@code term} into {@code dst} at {@code offset}, without compression
   * (a compressing encoder is rejected), and returns the number of bytes written, which is {@link
   * #encodedSize(Term)}.
   *
   * @throws IndexOutOfBoundsException if the encoding does not fit
   */
  public int encode(Term term, byte[] dst, int offset) {
    requireUncompressed();
    int size = encodedSize(term);
    if (offset < 0 || size > dst.length - offset) {
      throw new IndexOutOfBoundsException(
          "encoding needs " + size + " bytes at offset " + offset + " of " + dst.length);
    }
    Writer w = new Writer(dst, offset);
    w.putByte(Tag.VERSION);
    w.term(term);
    return size;
  }

  /**
   * Writes the encoding of {@code term} into {@code dst} at its position, advancing it.
   *
   * @throws java.nio.BufferOverflowException if it does not fit
   */
  public void encode(Term term, ByteBuffer dst) {
    if (dst.hasArray() && compressionLevel == 0) {
      int size = encodedSize(term);
      if (size > dst.remaining()) {
        throw new java.nio.BufferOverflowException();
      }
      encode(term, dst.array(), dst.arrayOffset() + dst.position());
      dst.position(dst.position() + size);
    } else {
      dst.put(encode(term));
    }
  }

  /** Writes the encoding of {@code term} to {@code out}. */
  public void encode(Term term, OutputStream out) throws IOException {
    out.write(encode(term));
  }

  /**
   * The number of bytes {@link #encode(Term)} returns for {@code term} when not compressing,
   * version byte included.
   */
  public int encodedSize(Term term) {
    long size = 1 + size(term);
    if (size > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("term too large to encode: " + size + " bytes");
    }
    return (int) size;
  }

  /**
   * The number of bytes {@link #encode(Term)} returns for {@code term} when not compressing
   * (version byte included) if that is at most {@code cap}; otherwise some number greater than
   * {@code cap}. Stops as soon as the size is known to pass the cap, so the work is bounded by
   * about {@code cap} bytes' worth of the term (each container's element count is checked against
   * the cap before its elements are visited), not by its size: for accounting a reply against a
   * budget before encoding it.
   *
   * @throws IllegalArgumentException if {@code cap} is negative
   */
  public long encodedSizeAtMost(Term term, long cap) {
    if (cap < 0) {
      throw new IllegalArgumentException("cap: " + cap + " (expected: >= 0)");
    }
    long size = sizeAtMost(term, cap - 1, 0);
    return size < 0 ? cap + 1 : 1 + size;
  }

  /**
   * The encoded size of {@code t} (no version byte) if {@code used} plus it is at most {@code
   * cap}, else -1. Every container's least possible size (one byte per element) is checked first,
   * so a huge container past the cap costs O(1).
   */
  private long sizeAtMost(Term t, long cap, long used) {
    long n;
    if (t instanceof ErlTuple) {
      ErlTuple tu = (ErlTuple) t;
      n = tu.arity() < 256 ? 2 : 5;
      if (used + n + tu.arity() > cap) {
        return -1;
      }
      for (int i = 0; i < tu.arity(); i++) {
        long e = sizeAtMost(tu.get(i), cap, used + n);
        if (e < 0) {
          return -1;
        }
        n += e;
      }
      return n;
    } else if (t instanceof ErlList) {
      ErlList l = (ErlList) t;
      if (l.isEmpty()) {
        n = 1;
      } else if (used + 3 + l.size() > cap) {
        return -1; // STRING_EXT is the smallest form: 3 + one byte per element
      } else if (isByteString(l)) {
        n = 3 + l.size();
      } else {
        n = 5;
        for (int i = 0; i < l.size(); i++) {
          long e = sizeAtMost(l.get(i), cap, used + n);
          if (e < 0) {
            return -1;
          }
          n += e;
        }
        long tail = l.tail() == null ? 1 : sizeAtMost(l.tail(), cap, used + n);
        if (tail < 0) {
          return -1;
        }
        n += tail;
      }
    } else if (t instanceof ErlMap) {
      Term[] kv = ((ErlMap) t).internalKeysAndValues();
      n = 5;
      if (used + n + kv.length > cap) {
        return -1;
      }
      for (Term x : kv) {
        long e = sizeAtMost(x, cap, used + n);
        if (e < 0) {
          return -1;
        }
        n += e;
      }
    } else if (t instanceof ErlInteger && !((ErlInteger) t).isLong()) {
      // Without the magnitude's copy that integerSize makes for a negative bignum.
      java.math.BigInteger b = ((ErlInteger) t).bigValue();
      int bits = b.bitLength();
      if (b.signum() < 0 && b.getLowestSetBit() == bits) {
        bits++; // -(2^k): bitLength() is k, the magnitude has k + 1 bits
      }
      int bytes = (bits + 7) / 8;
      n = bytes < 256 ? 3 + bytes : 6 + bytes;
    } else {
      n = size(t); // every other kind is a leaf: its size is known in O(1)
    }
    return used + n > cap ? -1 : n;
  }

  private void requireUncompressed() {
    if (compressionLevel != 0) {
      throw new IllegalStateException("this encoder compresses: use encode(Term)");
    }
  }

  /**
   * As erts: the compressed form is used only when zlib's output fits in the uncompressed size
   * minus the 5 extra header bytes; otherwise the plain encoding is returned.
   */
  private byte[] compress(byte[] plain) {
    int realSize = plain.length - 1;
    int limit = realSize - 5;
    if (limit <= 0) {
      return plain;
    }
    Deflater deflater = new Deflater(compressionLevel);
    try {
      deflater.setInput(plain, 1, realSize);
      deflater.finish();
      byte[] out = new byte[6 + limit + 1];
      int n = 0;
      while (!deflater.finished() && n <= limit) {
        n += deflater.deflate(out, 6 + n, out.length - 6 - n);
      }
      if (!deflater.finished() || n > limit) {
        return plain;
      }
      out[0] = (byte) Tag.VERSION;
      out[1] = (byte) Tag.COMPRESSED.value;
      out[2] = (byte) (realSize >>> 24);
      out[3] = (byte) (realSize >>> 16);
      out[4] = (byte) (realSize >>> 8);
      out[5] = (byte) realSize;
      return java.util.Arrays.copyOf(out, 6 + n);
    } finally {
      deflater.end();
    }
  }

  // ---- sizing pass ----

  private long size(Term t) {
    if (t instanceof ErlAtom) {
      return atomSize((ErlAtom) t);
    } else if (t instanceof ErlInteger) {
      return integerSize((ErlInteger) t);
    } else if (t instanceof ErlTuple) {
      ErlTuple tu = (ErlTuple) t;
      long n = tu.arity() < 256 ? 2 : 5;
      for (int i = 0; i < tu.arity(); i++) {
        n += size(tu.get(i));
      }
      return n;
    } else if (t instanceof ErlList) {
      ErlList l = (ErlList) t;
      if (l.isEmpty()) {
        return 1;
      }
      if (isByteString(l)) {
        return 3 + l.size();
      }
      long n = 5;
      for (int i = 0; i < l.size(); i++) {
        n += size(l.get(i));
      }
      return n + (l.tail() == null ? 1 : size(l.tail()));
    } else if (t instanceof ErlBinary) {
      return 5L + ((ErlBinary) t).size();
    } else if (t instanceof ErlFloat) {
      return 9;
    } else if (t instanceof ErlMap) {
      long n = 5;
      for (Term kv : ((ErlMap) t).internalKeysAndValues()) {
        n += size(kv);
      }
      return n;
    } else if (t instanceof ErlBitstring) {
      return 6L + ((ErlBitstring) t).internalBytes().length;
    } else if (t instanceof ErlPid) {
      return 1 + atomSize(((ErlPid) t).node()) + 12;
    } else if (t instanceof ErlRef) {
      ErlRef r = (ErlRef) t;
      return 3 + atomSize(r.node()) + 4 + 4L * r.idCount();
    } else if (t instanceof ErlPort) {
      ErlPort p = (ErlPort) t;
      return 1 + atomSize(p.node()) + (p.id() >>> 32 == 0 ? 4 : 8) + 4;
    } else if (t instanceof ErlExportFun) {
      ErlExportFun f = (ErlExportFun) t;
      return 1 + atomSize(f.module()) + atomSize(f.function()) + 2;
    } else {
      return ((ErlFun) t).internalEncoded().length;
    }
  }

  private int atomSize(ErlAtom a) {
    ErlAtom.Encoded e = a.encoded();
    if (!utf8Atoms && e.latin1) {
      return 3 + e.bytes.length;
    }
    return e.utf8.length < 256 ? 2 + e.utf8.length : 3 + e.utf8.length;
  }

  private static int integerSize(ErlInteger i) {
    if (i.isLong()) {
      long v = i.longValue();
      if (v >= 0 && v < 256) {
        return 2;
      }
      if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
        return 5;
      }
      long mag = v < 0 ? -v : v; // Long.MIN_VALUE stays negative: read as unsigned below
      return 3 + (71 - Long.numberOfLeadingZeros(mag)) / 8;
    }
    int n = (i.bigValue().abs().bitLength() + 7) / 8;
    return n < 256 ? 3 + n : 6 + n;
  }

  /** True if OTP would write this list as STRING_EXT. */
  private static boolean isByteString(ErlList l) {
    return l.internalByteString() != null;
  }

  // ---- writing pass ----

  /** Writes into an array already sized by the sizing pass, so no bounds checks are needed. */
  private final class Writer {
    private final byte[] buf;
    private int pos;

    Writer(byte[] buf, int pos) {
      this.buf = buf;
      this.pos = pos;
    }

    void putByte(int b) {
      buf[pos++] = (byte) b;
    }

    void putShort(int v) {
      buf[pos] = (byte) (v >>> 8);
      buf[pos + 1] = (byte) v;
      pos += 2;
    }

    void putInt(int v) {
      buf[pos] = (byte) (v >>> 24);
      buf[pos + 1] = (byte) (v >>> 16);
      buf[pos + 2] = (byte) (v >>> 8);
      buf[pos + 3] = (byte) v;
      pos += 4;
    }

    void putLong(long v) {
      putInt((int) (v >>> 32));
      putInt((int) v);
    }

    void putBytes(byte[] b) {
      int n = b.length;
      if (n <= 16) {
        // Atom names and short binaries: a plain loop beats the arraycopy call for a few bytes.
        for (int i = 0; i < n; i++) {
          buf[pos + i] = b[i];
        }
      } else {
        System.arraycopy(b, 0, buf, pos, n);
      }
      pos += n;
    }

    void term(Term t) {
      if (t instanceof ErlAtom) {
        atom((ErlAtom) t);
      } else if (t instanceof ErlInteger) {
        integer((ErlInteger) t);
      } else if (t instanceof ErlTuple) {
        ErlTuple tu = (ErlTuple) t;
        int n = tu.arity();
        if (n < 256) {
          putByte(Tag.SMALL_TUPLE_EXT.value);
          putByte(n);
        } else {
          putByte(Tag.LARGE_TUPLE_EXT.value);
          putInt(n);
        }
        for (int i = 0; i < n; i++) {
          term(tu.get(i));
        }
      } else if (t instanceof ErlList) {
        list((ErlList) t);
      } else if (t instanceof ErlBinary) {
        byte[] b = ((ErlBinary) t).internalBytes();
        putByte(Tag.BINARY_EXT.value);
        putInt(b.length);
        putBytes(b);
      } else if (t instanceof ErlFloat) {
        putByte(Tag.NEW_FLOAT_EXT.value);
        putLong(Double.doubleToRawLongBits(((ErlFloat) t).value()));
      } else if (t instanceof ErlMap) {
        map((ErlMap) t);
      } else if (t instanceof ErlBitstring) {
        ErlBitstring b = (ErlBitstring) t;
        byte[] bytes = b.internalBytes();
        putByte(Tag.BIT_BINARY_EXT.value);
        putInt(bytes.length);
        putByte(b.lastByteBits());
        putBytes(bytes);
      } else if (t instanceof ErlPid) {
        ErlPid p = (ErlPid) t;
        putByte(Tag.NEW_PID_EXT.value);
        atom(p.node());
        putInt((int) p.id());
        putInt((int) p.serial());
        putInt((int) p.creation());
      } else if (t instanceof ErlRef) {
        ErlRef r = (ErlRef) t;
        putByte(Tag.NEWER_REFERENCE_EXT.value);
        putShort(r.idCount());
        atom(r.node());
        putInt((int) r.creation());
        for (int i = 0; i < r.idCount(); i++) {
          putInt(r.id(i));
        }
      } else if (t instanceof ErlPort) {
        ErlPort p = (ErlPort) t;
        if (p.id() >>> 32 == 0) {
          putByte(Tag.NEW_PORT_EXT.value);
          atom(p.node());
          putInt((int) p.id());
        } else {
          putByte(Tag.V4_PORT_EXT.value);
          atom(p.node());
          putLong(p.id());
        }
        putInt((int) p.creation());
      } else if (t instanceof ErlExportFun) {
        ErlExportFun f = (ErlExportFun) t;
        putByte(Tag.EXPORT_EXT.value);
        atom(f.module());
        atom(f.function());
        putByte(Tag.SMALL_INTEGER_EXT.value);
        putByte(f.arity());
      } else {
        putBytes(((ErlFun) t).internalEncoded());
      }
    }

    void atom(ErlAtom a) {
      ErlAtom.Encoded e = a.encoded();
      if (!utf8Atoms && e.latin1) {
        putByte(Tag.ATOM_EXT.value);
        putShort(e.bytes.length);
        putBytes(e.bytes);
      } else if (e.utf8.length < 256) {
        putByte(Tag.SMALL_ATOM_UTF8_EXT.value);
        putByte(e.utf8.length);
        putBytes(e.utf8);
      } else {
        putByte(Tag.ATOM_UTF8_EXT.value);
        putShort(e.utf8.length);
        putBytes(e.utf8);
      }
    }

    void integer(ErlInteger i) {
      if (i.isLong()) {
        long v = i.longValue();
        if (v >= 0 && v < 256) {
          putByte(Tag.SMALL_INTEGER_EXT.value);
          putByte((int) v);
        } else if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
          putByte(Tag.INTEGER_EXT.value);
          putInt((int) v);
        } else {
          long mag = v < 0 ? -v : v; // unsigned; correct for Long.MIN_VALUE too
          int n = (71 - Long.numberOfLeadingZeros(mag)) / 8;
          putByte(Tag.SMALL_BIG_EXT.value);
          putByte(n);
          putByte(v < 0 ? 1 : 0);
          for (int k = 0; k < n; k++) {
            putByte((int) (mag >>> (8 * k)));
          }
        }
        return;
      }
      BigInteger big = i.bigValue();
      byte[] be = big.abs().toByteArray(); // big-endian, maybe with a leading zero byte
      int skip = be[0] == 0 ? 1 : 0;
      int n = be.length - skip;
      if (n < 256) {
        putByte(Tag.SMALL_BIG_EXT.value);
        putByte(n);
      } else {
        putByte(Tag.LARGE_BIG_EXT.value);
        putInt(n);
      }
      putByte(big.signum() < 0 ? 1 : 0);
      for (int k = be.length - 1; k >= skip; k--) {
        buf[pos++] = be[k];
      }
    }

    void list(ErlList l) {
      int n = l.size();
      if (n == 0) {
        putByte(Tag.NIL_EXT.value);
        return;
      }
      if (isByteString(l)) {
        putByte(Tag.STRING_EXT.value);
        putShort(n);
        putBytes(l.internalByteString());
        return;
      }
      putByte(Tag.LIST_EXT.value);
      putInt(n);
      for (int i = 0; i < n; i++) {
        term(l.get(i));
      }
      if (l.tail() == null) {
        putByte(Tag.NIL_EXT.value);
      } else {
        term(l.tail());
      }
    }

    void map(ErlMap m) {
      putByte(Tag.MAP_EXT.value);
      putInt(m.size());
      Term[] kv = m.internalKeysAndValues();
      if (m.size() > SMALL_MAP_MAX) {
        // OTP writes large maps in its HAMT hash order, which no Java order reproduces; any order
        // decodes to the same map, so skip the sort.
        for (Term t : kv) {
          term(t);
        }
        return;
      }
      // Maps built in key order, and every map decoded from Erlang, need no sort: write the
      // entries as they come while checking the order, and only on a key out of order rewind and
      // write them sorted. No allocation on the common path.
      int start = pos;
      for (int i = 0; i < kv.length; i += 2) {
        if (i > 0 && TermOrder.EXACT.compare(kv[i - 2], kv[i]) > 0) {
          pos = start;
          writeSorted(m.internalEntries());
          return;
        }
        term(kv[i]);
        term(kv[i + 1]);
      }
    }

    private void writeSorted(Map<Term, Term> entries) {
      @SuppressWarnings("unchecked")
      Map.Entry<Term, Term>[] pairs = entries.entrySet().toArray(new Map.Entry[0]);
      java.util.Arrays.sort(pairs, (a, b) -> TermOrder.EXACT.compare(a.getKey(), b.getKey()));
      for (Map.Entry<Term, Term> e : pairs) {
        term(e.getKey());
        term(e.getValue());
      }
    }
  }

  /** Builds a {@link TermEncoder}. */
  public static final class Builder {
    private boolean utf8Atoms;
    private int compressionLevel;

    private Builder() {}

    /**
     * Whether to write every atom with the UTF-8 atom tags, as OTP 26 and later do ({@code
     * SMALL_ATOM_UTF8_EXT}, {@code ATOM_UTF8_EXT}). Default false: OTP 25's choice, {@code
     * ATOM_EXT} for Latin-1 atoms, which every OTP release reads.
     */
    public Builder utf8Atoms(boolean utf8Atoms) {
      this.utf8Atoms = utf8Atoms;
      return this;
    }

    /**
     * The zlib level 0..9 of {@code term_to_binary(T, [{compressed, Level}])}; 0 (the default)
     * does not compress. As in OTP, a term is left uncompressed when compressing does not shrink it.
     */
    public Builder compressionLevel(int level) {
      if (level < 0 || level > 9) {
        throw new IllegalArgumentException("compressionLevel: " + level + " (expected: 0..9)");
      }
      this.compressionLevel = level;
      return this;
    }

    public TermEncoder build() {
      return new TermEncoder(this);
    }
  }
}
