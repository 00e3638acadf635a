package org.sshrpc.term;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The external-format bytes of the terms that have no Erlang literal syntax (pids, references,
 * ports, local funs), for the {@code binary_to_term(<<131,...>>)} form shared by {@link
 * TermPrinter} and {@link TermParser}. Only these four kinds are read or written here; the full
 * codec lives in {@code TermEncoder}/{@code TermDecoder}.
 */
final class OpaqueTerms {
  private static final int VERSION = 131;
  private static final int NEW_PID_EXT = 88;
  private static final int NEWER_REFERENCE_EXT = 90;
  private static final int V4_PORT_EXT = 120;
  private static final int NEW_FUN_EXT = 112;
  private static final int ATOM_EXT = 100;
  private static final int ATOM_UTF8_EXT = 118;
  private static final int SMALL_ATOM_UTF8_EXT = 119;

  private OpaqueTerms() {}

  /** True for the kinds written as {@code binary_to_term(...)}. */
  static boolean isOpaque(Term t) {
    return t instanceof ErlPid || t instanceof ErlRef || t instanceof ErlPort || t instanceof ErlFun;
  }

  /** {@code term_to_binary(t)} for a pid, reference, port or local fun. */
  static byte[] encode(Term t) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(VERSION);
    if (t instanceof ErlPid) {
      ErlPid p = (ErlPid) t;
      out.write(NEW_PID_EXT);
      atom(out, p.node());
      u32(out, p.id());
      u32(out, p.serial());
      u32(out, p.creation());
    } else if (t instanceof ErlRef) {
      ErlRef r = (ErlRef) t;
      int[] ids = r.ids();
      out.write(NEWER_REFERENCE_EXT);
      out.write(ids.length >>> 8);
      out.write(ids.length);
      atom(out, r.node());
      u32(out, r.creation());
      for (int id : ids) {
        u32(out, id & 0xFFFFFFFFL);
      }
    } else if (t instanceof ErlPort) {
      ErlPort p = (ErlPort) t;
      out.write(V4_PORT_EXT);
      atom(out, p.node());
      u32(out, p.id() >>> 32);
      u32(out, p.id() & 0xFFFFFFFFL);
      u32(out, p.creation());
    } else if (t instanceof ErlFun) {
      byte[] e = ((ErlFun) t).internalEncoded();
      out.write(e, 0, e.length);
    } else {
      throw new IllegalArgumentException("not an opaque term: " + t.getClass().getSimpleName());
    }
    return out.toByteArray();
  }

  /**
   * Reads {@code term_to_binary} bytes of a pid, reference, port or local fun.
   *
   * @throws IllegalArgumentException naming the problem and offset
   */
  static Term decode(byte[] b) {
    ByteBuffer in = ByteBuffer.wrap(b);
    try {
      if (u8(in) != VERSION) {
        throw new IllegalArgumentException("expected version byte 131 at offset 0");
      }
      int tagAt = in.position();
      int tag = u8(in);
      Term t;
      switch (tag) {
        case NEW_PID_EXT:
          t = ErlPid.of(atom(in), u32(in), u32(in), u32(in));
          break;
        case NEWER_REFERENCE_EXT: {
          int n = in.getShort() & 0xFFFF;
          if (n < 1 || n > 5) {
            throw new IllegalArgumentException("reference id words: " + n + " (expected: 1..5)");
          }
          ErlAtom node = atom(in);
          long creation = u32(in);
          int[] ids = new int[n];
          for (int i = 0; i < n; i++) {
            ids[i] = in.getInt();
          }
          t = ErlRef.of(node, creation, ids);
          break;
        }
        case V4_PORT_EXT: {
          ErlAtom node = atom(in);
          long id = in.getLong();
          t = ErlPort.of(node, id, u32(in));
          break;
        }
        case NEW_FUN_EXT: {
          long size = u32(in); // counts itself, not the tag
          if (size < 4 || size != b.length - tagAt - 1) {
            throw new IllegalArgumentException("fun size " + size + " does not match the bytes");
          }
          byte[] enc = new byte[b.length - tagAt];
          System.arraycopy(b, tagAt, enc, 0, enc.length);
          in.position(b.length);
          t = new ErlFun(enc);
          break;
        }
        default:
          throw new IllegalArgumentException(
              "tag " + tag + " at offset " + tagAt + " (expected: a pid, reference, port or fun)");
      }
      if (in.hasRemaining()) {
        throw new IllegalArgumentException("trailing bytes at offset " + in.position());
      }
      return t;
    } catch (java.nio.BufferUnderflowException e) {
      throw new IllegalArgumentException("truncated at offset " + b.length);
    }
  }

  private static void atom(ByteArrayOutputStream out, ErlAtom a) {
    byte[] name = a.name().getBytes(StandardCharsets.UTF_8);
    out.write(ATOM_UTF8_EXT);
    out.write(name.length >>> 8);
    out.write(name.length);
    out.write(name, 0, name.length);
  }

  private static ErlAtom atom(ByteBuffer in) {
    int tag = u8(in);
    int len;
    if (tag == ATOM_UTF8_EXT || tag == ATOM_EXT) {
      len = in.getShort() & 0xFFFF;
    } else if (tag == SMALL_ATOM_UTF8_EXT) {
      len = u8(in);
    } else {
      throw new IllegalArgumentException("expected an atom tag at offset " + (in.position() - 1));
    }
    if (len > in.remaining()) {
      throw new IllegalArgumentException("atom length " + len + " exceeds the remaining bytes");
    }
    byte[] name = new byte[len];
    in.get(name);
    return ErlAtom.of(
        new String(name, tag == ATOM_EXT ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8));
  }

  private static void u32(ByteArrayOutputStream out, long v) {
    out.write((int) (v >>> 24));
    out.write((int) (v >>> 16));
    out.write((int) (v >>> 8));
    out.write((int) v);
  }

  private static long u32(ByteBuffer in) {
    return in.getInt() & 0xFFFFFFFFL;
  }

  private static int u8(ByteBuffer in) {
    return in.get() & 0xFF;
  }
}
