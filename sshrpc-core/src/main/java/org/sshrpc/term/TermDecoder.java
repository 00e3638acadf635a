package org.sshrpc.term;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * A decoder from the External Term Format (what Erlang's {@code term_to_binary} writes) to {@link
 * Term}, bounded by a {@link TermLimits}. Immutable and thread-safe.
 *
 * <p>It reads every tag OTP 25 to 28 writes, and the legacy tags older nodes send ({@code
 * ATOM_EXT}, {@code SMALL_ATOM_EXT}, {@code FLOAT_EXT}, {@code PID_EXT}, {@code REFERENCE_EXT},
 * {@code NEW_REFERENCE_EXT}, {@code PORT_EXT}, {@code NEW_PORT_EXT}, {@code V4_PORT_EXT}), and
 * compressed terms (tag 80). Tags that only make sense inside the distribution protocol ({@code
 * ATOM_CACHE_REF}, the distribution header, {@code LOCAL_EXT}) and the obsolete {@code FUN_EXT}
 * are rejected. Input must be exactly one term: trailing bytes are an error.
 *
 * <p>Every problem is a {@link TermFormatException} naming it and its byte offset; no other
 * exception escapes for any input. Decoded atoms are never interned.
 */
public final class TermDecoder {
  /** A decoder with {@link TermLimits#DEFAULT}. */
  public static final TermDecoder DEFAULT = new TermDecoder(TermLimits.DEFAULT);

  /** zlib cannot expand data by more than about 1032:1; a larger claim is a lie. */
  private static final int MAX_INFLATE_RATIO = 1032;

  private final TermLimits limits;

  private TermDecoder(TermLimits limits) {
    this.limits = limits;
  }

  /** A decoder bounded by {@code limits}. */
  public static TermDecoder of(TermLimits limits) {
    return limits.equals(TermLimits.DEFAULT) ? DEFAULT : new TermDecoder(limits);
  }

  public TermLimits limits() {
    return limits;
  }

  /** Decodes {@code bytes}, which must hold one whole external term, version byte first. */
  public Term decode(byte[] bytes) throws TermFormatException {
    return decode(bytes, 0, bytes.length);
  }

  /**
   * Decodes {@code length} bytes of {@code buf} from {@code offset}, which must hold one whole
   * external term, version byte first. Offsets in errors are relative to {@code offset}.
   */
  public Term decode(byte[] buf, int offset, int length) throws TermFormatException {
    if (offset < 0 || length < 0 || length > buf.length - offset) {
      throw new IndexOutOfBoundsException(
          "offset " + offset + ", length " + length + " of " + buf.length + " bytes");
    }
    if (length > limits.maxInputBytes()) {
      throw new TermFormatException(
          "input of " + length + " bytes exceeds maxInputBytes (" + limits.maxInputBytes() + ")", 0);
    }
    if (length == 0) {
      throw new TermFormatException("empty input: expected version byte 131", 0);
    }
    int version = buf[offset] & 0xFF;
    if (version != Tag.VERSION) {
      throw new TermFormatException("bad version byte " + version + " (expected: 131)", 0);
    }
    if (length > 1 && (buf[offset + 1] & 0xFF) == Tag.COMPRESSED.value) {
      return decompressAndDecode(buf, offset, length);
    }
    Reader r = new Reader(buf, offset, offset + 1, offset + length, limits, 0);
    Term t = r.term();
    r.requireEnd();
    return t;
  }

  /** Decodes the remaining bytes of {@code buffer}, which must hold one whole external term. */
  public Term decode(ByteBuffer buffer) throws TermFormatException {
    if (buffer.hasArray()) {
      Term t = decode(buffer.array(), buffer.arrayOffset() + buffer.position(), buffer.remaining());
      buffer.position(buffer.limit());
      return t;
    }
    byte[] copy = new byte[buffer.remaining()];
    buffer.get(copy);
    return decode(copy);
  }

  private Term decompressAndDecode(byte[] buf, int offset, int length) throws TermFormatException {
    if (length < 6) {
      throw new TermFormatException(
          "truncated COMPRESSED header: need 4 bytes for the size, " + (length - 2) + " remain", 2);
    }
    long size = Reader.u32(buf, offset + 2);
    int compressedLength = length - 6;
    if (size > limits.maxDecompressedBytes()) {
      throw new TermFormatException(
          "decompressed size " + size + " exceeds maxDecompressedBytes ("
              + limits.maxDecompressedBytes() + ")", 2);
    }
    if (size > (long) compressedLength * MAX_INFLATE_RATIO + 64) {
      throw new TermFormatException(
          "decompressed size " + size + " is impossible for " + compressedLength
              + " bytes of zlib data", 2);
    }
    if (size == 0) {
      throw new TermFormatException("compressed term of size 0", 2);
    }
    byte[] plain = new byte[(int) size];
    Inflater inflater = new Inflater();
    try {
      inflater.setInput(buf, offset + 6, compressedLength);
      int n = 0;
      while (n < plain.length) {
        int k = inflater.inflate(plain, n, plain.length - n);
        if (k == 0) {
          if (inflater.finished() || inflater.needsInput()) {
            throw new TermFormatException(
                "compressed data ends after " + n + " of " + size + " declared bytes", length);
          }
          if (inflater.needsDictionary()) {
            throw new TermFormatException("compressed data needs a preset dictionary", 6);
          }
        }
        n += k;
      }
      if (!inflater.finished()) {
        // The declared size is reached; the stream must end here, with nothing more to inflate.
        byte[] one = new byte[1];
        if (inflater.inflate(one) != 0 || !inflater.finished()) {
          throw new TermFormatException(
              "compressed data is longer than its declared size " + size, 6);
        }
      }
      if (inflater.getRemaining() != 0) {
        throw new TermFormatException(
            inflater.getRemaining() + " trailing bytes after the compressed data",
            length - inflater.getRemaining());
      }
    } catch (DataFormatException e) {
      throw new TermFormatException("bad zlib data: " + e.getMessage(), 6);
    } finally {
      inflater.end();
    }
    // Offsets inside the decompressed term are reported past the header, as if it were inline.
    Reader r = new Reader(plain, -6, 0, plain.length, limits, 1);
    Term t = r.term();
    r.requireEnd();
    return t;
  }

  /** One decode: a cursor over a byte array. Not thread-safe; lives for one call. */
  private static final class Reader {
    private final byte[] buf;
    private final int base; // offset reported as 0
    private final int end;
    private final TermLimits limits;
    private final int maxDepth;
    private final int maxElements;
    private int pos;
    private int depth;
    /** Elements promised by containers but not started yet: each needs at least one byte. */
    private long reserved;

    Reader(byte[] buf, int base, int pos, int end, TermLimits limits, int depth) {
      this.buf = buf;
      this.base = base;
      this.pos = pos;
      this.end = end;
      this.limits = limits;
      this.maxDepth = limits.maxDepth();
      this.maxElements = limits.maxElements();
      this.depth = depth;
    }

    TermFormatException error(String problem, int at) {
      return new TermFormatException(problem, at - base);
    }

    void requireEnd() throws TermFormatException {
      if (pos != end) {
        throw error((end - pos) + " trailing bytes after the term", pos);
      }
    }

    private void need(int n, String what) throws TermFormatException {
      if (end - pos < n) {
        throw error("truncated " + what + ": need " + n + " bytes, " + (end - pos) + " remain", pos);
      }
    }

    static long u32(byte[] b, int i) {
      return ((b[i] & 0xFFL) << 24) | ((b[i + 1] & 0xFF) << 16) | ((b[i + 2] & 0xFF) << 8) | (b[i + 3] & 0xFF);
    }

    private int u8() {
      return buf[pos++] & 0xFF;
    }

    private int u16() {
      int v = ((buf[pos] & 0xFF) << 8) | (buf[pos + 1] & 0xFF);
      pos += 2;
      return v;
    }

    private int i32() {
      int v = (buf[pos] << 24) | ((buf[pos + 1] & 0xFF) << 16) | ((buf[pos + 2] & 0xFF) << 8) | (buf[pos + 3] & 0xFF);
      pos += 4;
      return v;
    }

    private long u32() {
      long v = u32(buf, pos);
      pos += 4;
      return v;
    }

    private long i64() {
      long hi = i32();
      return (hi << 32) | (i32() & 0xFFFFFFFFL);
    }

    /**
     * Checks a container's element count against the limit and against the bytes left, and
     * reserves one byte per element so nested containers cannot together claim more slots than
     * there are bytes.
     */
    private int reserve(long count, long slots, String what, int at) throws TermFormatException {
      if (count > maxElements) {
        throw error(what + " " + count + " exceeds maxElements (" + maxElements + ")", at);
      }
      if (slots + reserved > end - pos) {
        throw error(
            "truncated " + what.substring(0, what.indexOf(' ')) + ": " + count
                + " elements cannot fit in the " + (end - pos) + " bytes that remain", at);
      }
      reserved += slots;
      return (int) count;
    }

    private void enter(int at) throws TermFormatException {
      if (++depth > maxDepth) {
        throw error("nesting depth " + depth + " exceeds maxDepth (" + maxDepth + ")", at);
      }
    }

    Term term() throws TermFormatException {
      if (pos >= end) {
        throw error("truncated: expected a tag, 0 bytes remain", pos);
      }
      int at = pos;
      int tagByte = buf[pos++] & 0xFF;
      Tag tag = Tag.of(tagByte);
      if (tag == null) {
        throw error("unknown tag " + tagByte, at);
      }
      switch (tag) {
        case SMALL_INTEGER_EXT:
          need(1, "SMALL_INTEGER_EXT");
          return ErlInteger.of(u8());
        case INTEGER_EXT:
          need(4, "INTEGER_EXT");
          return ErlInteger.of(i32());
        case SMALL_TUPLE_EXT:
          need(1, "SMALL_TUPLE_EXT");
          return tuple(u8(), at);
        case LARGE_TUPLE_EXT:
          need(4, "LARGE_TUPLE_EXT");
          return tuple(u32(), at);
        case NIL_EXT:
          return ErlList.NIL;
        case STRING_EXT:
          return string(at);
        case LIST_EXT:
          return list(at);
        case BINARY_EXT:
          return binary(at);
        case BIT_BINARY_EXT:
          return bitBinary(at);
        case ATOM_EXT:
        case SMALL_ATOM_EXT:
        case ATOM_UTF8_EXT:
        case SMALL_ATOM_UTF8_EXT:
          return atomBody(tag, at);
        case NEW_FLOAT_EXT:
          return newFloat(at);
        case FLOAT_EXT:
          return oldFloat(at);
        case SMALL_BIG_EXT:
          need(1, "SMALL_BIG_EXT");
          return big(u8(), at);
        case LARGE_BIG_EXT:
          need(4, "LARGE_BIG_EXT");
          return big(u32(), at);
        case MAP_EXT:
          return map(at);
        case NEW_PID_EXT:
        case PID_EXT:
          return pid(tag, at);
        case NEWER_REFERENCE_EXT:
        case NEW_REFERENCE_EXT:
        case REFERENCE_EXT:
          return ref(tag, at);
        case V4_PORT_EXT:
        case NEW_PORT_EXT:
        case PORT_EXT:
          return port(tag, at);
        case EXPORT_EXT:
          return exportFun(at);
        case NEW_FUN_EXT:
          return newFun(at);
        case COMPRESSED:
          throw error("COMPRESSED (80) is only allowed right after the version byte", at);
        case LOCAL_EXT:
          throw error("LOCAL_EXT (121) is not supported: it is only valid between nodes of one cluster", at);
        case ATOM_CACHE_REF:
          throw error("ATOM_CACHE_REF (82) is only valid in the distribution protocol", at);
        case DIST_HEADER:
          throw error("distribution header (68) is only valid in the distribution protocol", at);
        case FUN_EXT:
          throw error("FUN_EXT (117) is obsolete since OTP 23 and not supported", at);
        default:
          throw error("unknown tag " + tagByte, at);
      }
    }

    private Term tuple(long arity, int at) throws TermFormatException {
      if (arity == 0) {
        return ErlTuple.EMPTY;
      }
      int n = reserve(arity, arity, "tuple arity", at);
      enter(at);
      Term[] elements = new Term[n];
      for (int i = 0; i < n; i++) {
        reserved--;
        elements[i] = term();
      }
      depth--;
      return new ErlTuple(elements);
    }

    private Term string(int at) throws TermFormatException {
      need(2, "STRING_EXT");
      int n = u16();
      if (n > maxElements) {
        throw error("string length " + n + " exceeds maxElements (" + maxElements + ")", at);
      }
      need(n, "STRING_EXT");
      if (n == 0) {
        return ErlList.NIL;
      }
      byte[] b = java.util.Arrays.copyOfRange(buf, pos, pos + n);
      pos += n;
      return ErlList.ofByteString(b);
    }

    private Term list(int at) throws TermFormatException {
      need(4, "LIST_EXT");
      long count = u32();
      int n = reserve(count, count + 1, "list length", at);
      enter(at);
      Term[] elements = new Term[n];
      for (int i = 0; i < n; i++) {
        reserved--;
        elements[i] = term();
      }
      reserved--;
      Term tail = term();
      depth--;
      if (tail instanceof ErlList) {
        ErlList t = (ErlList) tail;
        if (t.isEmpty()) {
          return n == 0 ? ErlList.NIL : new ErlList(elements, null);
        }
        // Not what term_to_binary writes, but valid: a list tail spliced onto the elements.
        return n == 0 ? t : ErlList.improper(java.util.Arrays.asList(elements), t);
      }
      // Zero cons cells before a non-list tail is just the tail itself.
      return n == 0 ? tail : new ErlList(elements, tail);
    }

    private Term binary(int at) throws TermFormatException {
      need(4, "BINARY_EXT");
      long len = u32();
      if (len > limits.maxBinaryBytes()) {
        throw error("binary of " + len + " bytes exceeds maxBinaryBytes (" + limits.maxBinaryBytes() + ")", at);
      }
      need((int) Math.min(len, Integer.MAX_VALUE), "BINARY_EXT");
      if (len == 0) {
        return ErlBinary.EMPTY;
      }
      byte[] b = java.util.Arrays.copyOfRange(buf, pos, pos + (int) len);
      pos += (int) len;
      return new ErlBinary(b);
    }

    private Term bitBinary(int at) throws TermFormatException {
      need(5, "BIT_BINARY_EXT");
      long len = u32();
      int bits = u8();
      if (len > limits.maxBinaryBytes()) {
        throw error("bitstring of " + len + " bytes exceeds maxBinaryBytes (" + limits.maxBinaryBytes() + ")", at);
      }
      if (len == 0 || bits < 1 || bits > 8) {
        throw error("bad BIT_BINARY_EXT: " + len + " bytes with " + bits + " bits in the last byte (expected: 1..8 bits, at least 1 byte)", at);
      }
      need((int) Math.min(len, Integer.MAX_VALUE), "BIT_BINARY_EXT");
      byte[] b = java.util.Arrays.copyOfRange(buf, pos, pos + (int) len);
      pos += (int) len;
      if (bits == 8) {
        return new ErlBinary(b);
      }
      b[b.length - 1] &= (byte) (0xFF << (8 - bits));
      return new ErlBitstring(b, bits);
    }

    /** An atom where one is required (node names, fun module and name). */
    private ErlAtom atom(String role) throws TermFormatException {
      if (pos >= end) {
        throw error("truncated: expected an atom for " + role + ", 0 bytes remain", pos);
      }
      int at = pos;
      Tag tag = Tag.of(buf[pos++] & 0xFF);
      if (tag != Tag.ATOM_EXT && tag != Tag.SMALL_ATOM_EXT && tag != Tag.ATOM_UTF8_EXT && tag != Tag.SMALL_ATOM_UTF8_EXT) {
        throw error("expected an atom for " + role + ", found tag " + (buf[at] & 0xFF), at);
      }
      return atomBody(tag, at);
    }

    private ErlAtom atomBody(Tag tag, int at) throws TermFormatException {
      int len;
      if (tag == Tag.ATOM_EXT || tag == Tag.ATOM_UTF8_EXT) {
        need(2, tag.name());
        len = u16();
      } else {
        need(1, tag.name());
        len = u8();
      }
      need(len, tag.name());
      int maxLen = limits.maxAtomLength();
      String name;
      if (tag == Tag.ATOM_EXT || tag == Tag.SMALL_ATOM_EXT) {
        if (len > maxLen) {
          throw error("atom of " + len + " characters exceeds maxAtomLength (" + maxLen + ")", at);
        }
        name = new String(buf, pos, len, StandardCharsets.ISO_8859_1);
      } else {
        name = utf8(len, at);
        if (len > maxLen) {
          int cps = name.codePointCount(0, name.length());
          if (cps > maxLen) {
            throw error("atom of " + cps + " characters exceeds maxAtomLength (" + maxLen + ")", at);
          }
        }
      }
      pos += len;
      return ErlAtom.of(name);
    }

    private String utf8(int len, int at) throws TermFormatException {
      int i = pos;
      int stop = pos + len;
      while (i < stop && buf[i] >= 0) {
        i++;
      }
      if (i == stop) {
        return new String(buf, pos, len, StandardCharsets.ISO_8859_1); // all ASCII
      }
      try {
        CharBuffer cb =
            StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(buf, pos, len));
        return cb.toString();
      } catch (CharacterCodingException e) {
        throw error("atom is not valid UTF-8", at);
      }
    }

    private Term newFloat(int at) throws TermFormatException {
      need(8, "NEW_FLOAT_EXT");
      double d = Double.longBitsToDouble(i64());
      if (Double.isNaN(d) || Double.isInfinite(d)) {
        throw error("float is not finite: " + d, at);
      }
      return ErlFloat.of(d);
    }

    private Term oldFloat(int at) throws TermFormatException {
      need(31, "FLOAT_EXT");
      int n = 0;
      while (n < 31 && buf[pos + n] != 0) {
        byte c = buf[pos + n];
        // Only what "%.20e" and its relatives print: no NaN, Infinity, hex or type suffixes.
        if (!(c >= '0' && c <= '9' || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-' || c == ' ')) {
          throw error("bad FLOAT_EXT character " + (c & 0xFF), pos + n);
        }
        n++;
      }
      String s = new String(buf, pos, n, StandardCharsets.US_ASCII).trim();
      pos += 31;
      try {
        double d = Double.parseDouble(s);
        if (Double.isInfinite(d)) {
          throw error("FLOAT_EXT is not finite: " + s, at);
        }
        return ErlFloat.of(d);
      } catch (NumberFormatException e) {
        throw error("bad FLOAT_EXT text \"" + s + "\"", at);
      }
    }

    private Term big(long n, int at) throws TermFormatException {
      int maxBig = limits.maxBigIntegerBytes();
      if (n > maxBig) {
        throw error("big integer of " + n + " bytes exceeds maxBigIntegerBytes (" + maxBig + ")", at);
      }
      int len = (int) n;
      need(1 + len, tag(at));
      int sign = u8();
      if (sign > 1) {
        throw error("bad big integer sign byte " + sign + " (expected: 0 or 1)", pos - 1);
      }
      if (len <= 7) {
        long v = 0;
        for (int k = len - 1; k >= 0; k--) {
          v = (v << 8) | (buf[pos + k] & 0xFF);
        }
        pos += len;
        return ErlInteger.of(sign == 0 ? v : -v);
      }
      byte[] be = new byte[len];
      for (int k = 0; k < len; k++) {
        be[k] = buf[pos + len - 1 - k];
      }
      pos += len;
      return ErlInteger.of(new BigInteger(sign == 0 ? 1 : -1, be));
    }

    private String tag(int at) {
      Tag t = Tag.of(buf[at] & 0xFF);
      return t == null ? "term" : t.name();
    }

    private Term map(int at) throws TermFormatException {
      need(4, "MAP_EXT");
      long count = u32();
      if (count == 0) {
        return ErlMap.EMPTY;
      }
      int n = reserve(count, 2 * count, "map size", at);
      enter(at);
      LinkedHashMap<Term, Term> m = new LinkedHashMap<>(n + n / 3 + 1);
      Term[] kv = new Term[2 * n];
      for (int i = 0; i < n; i++) {
        int keyAt = pos;
        reserved--;
        Term k = term();
        reserved--;
        Term v = term();
        if (m.putIfAbsent(k, v) != null) {
          throw error("duplicate map key", keyAt);
        }
        kv[2 * i] = k;
        kv[2 * i + 1] = v;
      }
      depth--;
      return new ErlMap(m, kv);
    }

    private Term pid(Tag tag, int at) throws TermFormatException {
      ErlAtom node = atom("the node of a pid");
      int creationBytes = tag == Tag.NEW_PID_EXT ? 4 : 1;
      need(8 + creationBytes, tag.name());
      long id = u32();
      long serial = u32();
      long creation = creationBytes == 4 ? u32() : u8();
      return ErlPid.of(node, id, serial, creation);
    }

    private Term ref(Tag tag, int at) throws TermFormatException {
      if (tag == Tag.REFERENCE_EXT) {
        ErlAtom node = atom("the node of a reference");
        need(5, tag.name());
        int id = i32();
        return ErlRef.ofOwned(node, u8(), new int[] {id});
      }
      need(2, tag.name());
      int n = u16();
      if (n < 1 || n > 5) {
        throw error("reference with " + n + " id words (expected: 1..5)", at);
      }
      ErlAtom node = atom("the node of a reference");
      int creationBytes = tag == Tag.NEWER_REFERENCE_EXT ? 4 : 1;
      need(creationBytes + 4 * n, tag.name());
      long creation = creationBytes == 4 ? u32() : u8();
      int[] ids = new int[n];
      for (int i = 0; i < n; i++) {
        ids[i] = i32();
      }
      return ErlRef.ofOwned(node, creation, ids);
    }

    private Term port(Tag tag, int at) throws TermFormatException {
      ErlAtom node = atom("the node of a port");
      int idBytes = tag == Tag.V4_PORT_EXT ? 8 : 4;
      int creationBytes = tag == Tag.PORT_EXT ? 1 : 4;
      need(idBytes + creationBytes, tag.name());
      long id = idBytes == 8 ? i64() : u32();
      long creation = creationBytes == 4 ? u32() : u8();
      return ErlPort.of(node, id, creation);
    }

    private Term exportFun(int at) throws TermFormatException {
      ErlAtom module = atom("the module of an export fun");
      ErlAtom function = atom("the function of an export fun");
      need(2, "EXPORT_EXT");
      if ((buf[pos] & 0xFF) != Tag.SMALL_INTEGER_EXT.value) {
        throw error("expected SMALL_INTEGER_EXT for the arity of an export fun, found tag " + (buf[pos] & 0xFF), pos);
      }
      pos++;
      return ErlExportFun.of(module, function, u8());
    }

    /**
     * Keeps a local fun opaque: its bytes are copied as they are, after checking that its size
     * field is sane, so it can be sent back unchanged.
     */
    private Term newFun(int at) throws TermFormatException {
      need(4, "NEW_FUN_EXT");
      long size = u32();
      // Size counts itself; the fixed fields (arity, uniq, index, num_free) alone take 25 bytes.
      if (size < 29) {
        throw error("NEW_FUN_EXT size " + size + " is too small (expected: >= 29)", at);
      }
      if (size - 4 > end - pos) {
        throw error("truncated NEW_FUN_EXT: need " + (size - 4) + " bytes, " + (end - pos) + " remain", pos);
      }
      if (size - 4 > limits.maxBinaryBytes()) {
        throw error("fun of " + size + " bytes exceeds maxBinaryBytes (" + limits.maxBinaryBytes() + ")", at);
      }
      int total = (int) size + 1;
      byte[] enc = java.util.Arrays.copyOfRange(buf, at, at + total);
      pos = at + total;
      return new ErlFun(enc);
    }
  }
}
