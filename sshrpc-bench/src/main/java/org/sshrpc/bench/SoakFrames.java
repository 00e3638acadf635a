package org.sshrpc.bench;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.Deflater;
import org.sshrpc.term.ErlAtom;
import org.sshrpc.term.ErlInteger;
import org.sshrpc.term.ErlList;
import org.sshrpc.term.Term;
import org.sshrpc.term.TermEncoder;
import org.sshrpc.term.Terms;
import org.sshrpc.wire.ClientMessage;
import org.sshrpc.wire.FrameEncoder;
import org.sshrpc.wire.Hello;

/**
 * The hostile frames of the soak (issue 10's reproductions), each a whole frame ({@code
 * <<Length:32, ETF>>}), built once and sent many times. Compressed terms (ETF tag 80) are written
 * here by streaming zeros through a {@link Deflater}, so a 64 MiB term never exists in this JVM.
 */
final class SoakFrames {
  /** 16 KiB: the decoder's big-integer limit ({@code TermLimits.maxBigIntegerBytes}). */
  static final BigInteger BIG = BigInteger.ONE.shiftLeft(16 * 1024 * 8 - 1).add(BigInteger.valueOf(0x5eed_5eedL));
  static final int HUGE_BINARY = (64 << 20) - 64;
  static final int DELIVERY_BINARY = 17 << 20;
  static final int CAST_BINARY = 8 << 20;
  static final int PARTIAL_FRAME_LENGTH = (16 << 20) - 16;

  private static final TermEncoder COMPRESSING = TermEncoder.builder().compressionLevel(6).build();

  /** (1a) A ~65 KB frame decoding to a 64 MiB binary: not a request, so v1 echoes it in {@code exec_error}. */
  final byte[] hugeBadRequest = frame(compressedZeros(concat(new byte[] {109}, int32(HUGE_BINARY)), HUGE_BINARY, new byte[0]));
  /** (2) {@code lists:seq(B-19999, B)}, B a 16 KiB bignum: a 32 KB request asking for ~327 MB. */
  final byte[] seqBignum = mfa("lists", "seq", ErlInteger.of(BIG.subtract(BigInteger.valueOf(19_999))), ErlInteger.of(BIG));
  /** (2) {@code lists:seq(B-999999, B)}: a million 16 KiB bignums (~16 GB). */
  final byte[] seqMillion = mfa("lists", "seq", ErlInteger.of(BIG.subtract(BigInteger.valueOf(999_999))), ErlInteger.of(BIG));
  /** (3) {@code lists:max([Huge | 60,000 floats])}, compressed to about 1 KB. */
  final byte[] maxMixed;
  /** (3) A malformed frame (a list, not a request tuple) of 400 copies of a 16 KiB bignum, ~74 KB compressed. */
  final byte[] bignumGarbage;
  /** (6) A call whose module atom carries NEL and U+2028 and a fake audit record. */
  final byte[] forgedAtomCall = mfa(
      "lists\u0085sshrpc.audit call user=legit1 mfa=lists:seq/2 status=ok\u2028sshrpc.audit", "seq",
      ErlInteger.of(1), ErlInteger.of(2));
  /** (6) A v2 cast of {@code lists:seq(<<8 MiB>>, 1)}: fails, and its reason holds the argument. */
  final byte[] castBigArg;
  /** The v2 hello a raw v2 channel starts with. */
  static final byte[] HELLO = FrameEncoder.frame(new Hello(Hello.VERSION, Terms.map()).toTerm());

  SoakFrames() {
    List<Term> maxList = new ArrayList<>(60_001);
    maxList.add(ErlInteger.of(BIG));
    for (int i = 0; i < 60_000; i++) {
      maxList.add(Terms.flt(1.5));
    }
    maxMixed = FrameEncoder.frame(COMPRESSING.encode(
        ClientMessage.Mfa.of("lists", "max", ErlList.of(List.of(ErlList.of(maxList)))).toTerm()));
    Term[] bigs = new Term[400];
    Arrays.fill(bigs, ErlInteger.of(BIG));
    bignumGarbage = FrameEncoder.frame(COMPRESSING.encode(Terms.list(bigs)));
    // {cast, lists, seq, [<<8 MiB>>, 1]}: header, binary of zeros, then the rest of the list
    byte[] head = concat(
        new byte[] {104, 4}, atomExt("cast"), atomExt("lists"), atomExt("seq"),
        new byte[] {108, 0, 0, 0, 2, 109}, int32(CAST_BINARY));
    byte[] tail = {97, 1, 106};
    castBigArg = frame(compressedZeros(head, CAST_BINARY, tail));
  }

  /** {@code {send, Dest, <<17 MiB>>}}, compressed to ~17 KB; delivered, it is 17 MiB. */
  static byte[] bigDelivery(Term dest) {
    byte[] d = TermEncoder.DEFAULT.encode(dest);
    byte[] head = concat(new byte[] {104, 3}, atomExt("send"), Arrays.copyOfRange(d, 1, d.length),
        new byte[] {109}, int32(DELIVERY_BINARY));
    return frame(compressedZeros(head, DELIVERY_BINARY, new byte[0]));
  }

  /** A frame header declaring {@link #PARTIAL_FRAME_LENGTH} bytes (1c): the body follows in part only. */
  static byte[] partialHeader() {
    return int32(PARTIAL_FRAME_LENGTH);
  }

  static byte[] mfa(String m, String f, Term... args) {
    return FrameEncoder.frame(ClientMessage.Mfa.of(m, f, Terms.list(args)).toTerm());
  }

  static byte[] frame(byte[] etf) {
    return FrameEncoder.frame(etf);
  }

  /** ETF {@code 131, 80, Size:32, zlib(head ++ zeros ++ tail)}, streamed. */
  static byte[] compressedZeros(byte[] head, long zeros, byte[] tail) {
    long size = head.length + zeros + tail.length;
    Deflater z = new Deflater(6);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(131);
    out.write(80);
    out.writeBytes(int32((int) size));
    byte[] buf = new byte[64 * 1024];
    byte[] chunk = new byte[1 << 20];
    z.setInput(head);
    drain(z, out, buf);
    for (long left = zeros; left > 0; left -= chunk.length) {
      z.setInput(chunk, 0, (int) Math.min(chunk.length, left));
      drain(z, out, buf);
    }
    z.setInput(tail);
    z.finish();
    while (!z.finished()) {
      out.write(buf, 0, z.deflate(buf));
    }
    z.end();
    return out.toByteArray();
  }

  private static void drain(Deflater z, ByteArrayOutputStream out, byte[] buf) {
    while (!z.needsInput()) {
      out.write(buf, 0, z.deflate(buf));
    }
  }

  static byte[] atomExt(String latin1) {
    byte[] n = latin1.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    return concat(new byte[] {100, 0, (byte) n.length}, n);
  }

  static byte[] int32(int v) {
    return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      b.writeBytes(p);
    }
    return b.toByteArray();
  }

  static ErlAtom atom(String s) {
    return ErlAtom.of(s);
  }
}
