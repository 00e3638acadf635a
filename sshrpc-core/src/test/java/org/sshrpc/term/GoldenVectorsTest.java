package org.sshrpc.term;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.sshrpc.term.Terms.*;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Golden vectors written by a real OTP 25 {@code term_to_binary} (see {@code
 * etf/gen_golden.escript}): Java must encode each expected term to exactly those bytes, decode
 * those bytes to exactly that term, and reject every truncation with a {@link
 * TermFormatException}.
 */
@Timeout(120)
class GoldenVectorsTest {
  /** One line of golden.txt. */
  record Vector(String name, String mode, byte[] bytes) {}

  static List<Vector> load() throws IOException {
    List<Vector> out = new ArrayList<>();
    try (InputStream in = GoldenVectorsTest.class.getResourceAsStream("/etf/golden.txt")) {
      assertNotNull(in, "etf/golden.txt on the test class path");
      BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
      for (String line; (line = r.readLine()) != null; ) {
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        String[] f = line.split(" ");
        out.add(new Vector(f[0], f[1], HexFormat.of().parseHex(f[2])));
      }
    }
    return out;
  }

  static TermEncoder encoderFor(String mode) {
    switch (mode) {
      case "plain":
        return TermEncoder.DEFAULT;
      case "utf8":
        return TermEncoder.builder().utf8Atoms(true).build();
      case "z6":
        return TermEncoder.builder().compressionLevel(6).build();
      case "z9":
        return TermEncoder.builder().compressionLevel(9).build();
      default:
        throw new AssertionError(mode);
    }
  }

  private static ErlInteger pow2(int n, boolean negative) {
    BigInteger v = BigInteger.ONE.shiftLeft(n);
    return integer(negative ? v.negate() : v);
  }

  private static ErlList seq(int from, int to) {
    List<Term> l = new ArrayList<>();
    for (int i = from; i <= to; i++) {
      l.add(integer(i));
    }
    return list(l);
  }

  private static ErlList byteList(int n) {
    List<Term> l = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      l.add(integer(i % 256));
    }
    return list(l);
  }

  private static ErlTuple seqTuple(int n) {
    return ErlTuple.of(seq(1, n).elements());
  }

  private static String repeat(int cp, int n) {
    return new String(Character.toChars(cp)).repeat(n);
  }

  /** The Java term each deterministic vector must equal (live values are checked by shape). */
  static Map<String, Supplier<Term>> expected() {
    Map<String, Supplier<Term>> m = new LinkedHashMap<>();
    m.put("int_0", () -> integer(0));
    m.put("int_255", () -> integer(255));
    m.put("int_256", () -> integer(256));
    m.put("int_m1", () -> integer(-1));
    m.put("int_2_27", () -> integer(1 << 27));
    m.put("int_m2_27", () -> integer(-(1 << 27)));
    m.put("int_2_27_m1", () -> integer((1 << 27) - 1));
    m.put("int_m2_27_m1", () -> integer(-(1 << 27) - 1));
    m.put("int_2_31", () -> integer(1L << 31));
    m.put("int_m2_31", () -> integer(-(1L << 31)));
    m.put("int_2_31_m1", () -> integer((1L << 31) - 1));
    m.put("int_m2_31_m1", () -> integer(-(1L << 31) - 1));
    m.put("int_2_63", () -> pow2(63, false));
    m.put("int_m2_63", () -> integer(Long.MIN_VALUE));
    m.put("int_2_63_m1", () -> integer(Long.MAX_VALUE));
    m.put("int_m2_63_m1", () -> integer(BigInteger.valueOf(Long.MIN_VALUE).subtract(BigInteger.ONE)));
    m.put("int_2_64", () -> pow2(64, false));
    m.put("int_m2_64", () -> pow2(64, true));
    m.put("int_2_64_m1", () -> integer(BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE)));
    m.put("int_2_2000", () -> pow2(2000, false));
    m.put("int_m2_2000", () -> pow2(2000, true));
    m.put("int_2_2040", () -> pow2(2040, false));
    m.put("int_2_8000", () -> pow2(8000, false));
    m.put("float_0", () -> flt(0.0));
    m.put("float_m0", () -> flt(-0.0));
    m.put("float_1_5", () -> flt(1.5));
    m.put("float_big", () -> flt(1.0e300));
    m.put("float_tiny", () -> flt(Double.MIN_VALUE));
    m.put("float_m_pi", () -> flt(-Math.PI));
    m.put("atom_empty", () -> atom(""));
    m.put("atom_a", () -> atom("a"));
    m.put("atom_true", () -> ErlAtom.TRUE);
    m.put("atom_latin1", () -> atom("é"));
    m.put("atom_unicode", () -> atom("中文"));
    m.put("atom_255", () -> atom("x".repeat(255)));
    m.put("atom_255_unicode", () -> atom(repeat(0x4E2D, 255)));
    m.put("tuple_0", () -> tuple());
    m.put("tuple_2", () -> tuple(atom("ok"), integer(1)));
    m.put("tuple_255", () -> seqTuple(255));
    m.put("tuple_256", () -> seqTuple(256));
    m.put("list_nil", () -> nil());
    m.put("list_improper_int", () -> ErlList.improper(List.of(integer(1)), integer(2)));
    m.put("list_improper_atom", () -> ErlList.improper(List.of(atom("a")), atom("b")));
    m.put("list_improper_3", () -> ErlList.improper(List.of(integer(1), integer(2)), integer(3)));
    m.put("list_string", () -> string("abc"));
    m.put("list_mixed", () -> list(atom("a"), integer(1), integer(2)));
    m.put("list_256", () -> list(integer(256)));
    m.put("list_m1", () -> list(integer(-1)));
    m.put("list_float", () -> list(flt(1.0)));
    m.put("list_unicode", () -> string("中"));
    m.put(
        "list_nested_strings",
        () -> ErlList.improper(List.of(string("ab"), nil(), string("c")), binary("t")));
    m.put("list_bytes_65535", () -> byteList(65535));
    m.put("list_bytes_65536", () -> byteList(65536));
    m.put("list_seq_100", () -> seq(1, 100));
    m.put("map_empty", () -> map());
    m.put("map_1", () -> map(atom("a"), integer(1)));
    m.put(
        "map_mixed_keys",
        () ->
            map(
                integer(2), atom("a"), flt(1.0), atom("b"), integer(1), atom("c"),
                tuple(integer(1)), atom("d"), tuple(flt(1.0)), atom("e"), string("s"), atom("f"),
                binary("b"), atom("g"), nil(), atom("h"), atom("z"), atom("i"), map(), atom("j"),
                ErlList.improper(List.of(atom("x")), atom("y")), atom("k")));
    m.put(
        "map_nested",
        () ->
            map(
                atom("a"), map(atom("b"), map(atom("c"), list(map()))),
                binary("k"), tuple(map(integer(1), integer(2)))));
    m.put("map_32", () -> squares(32));
    m.put("hamt_33", () -> identityMap(33));
    m.put("hamt_1000", GoldenVectorsTest::bigMap);
    m.put("bin_empty", () -> binary(new byte[0]));
    m.put("bin_3", () -> binary(new byte[] {1, 2, 3}));
    m.put("bin_utf8", () -> binary("héllo"));
    m.put("bits_1", () -> ErlBitstring.of(new byte[] {(byte) 0x80}, 1));
    m.put("bits_11", () -> ErlBitstring.of(new byte[] {(byte) 255, (byte) 0xA0}, 3));
    m.put("bits_7", () -> ErlBitstring.of(new byte[] {(byte) 0xFE}, 7));
    m.put("export_fun", () -> ErlExportFun.of(atom("lists"), atom("seq"), 2));
    m.put("export_fun_0", () -> ErlExportFun.of(atom("erlang"), atom("self"), 0));
    m.put("mfa_request", () -> mfa());
    m.put("answer_reply", () -> tuple(atom("answer"), tuple(seq(1, 100), integer(0))));
    m.put("utf8_atom_a", () -> atom("a"));
    m.put("utf8_atom_empty", () -> atom(""));
    m.put("utf8_atom_latin1", () -> atom("é"));
    m.put("utf8_atom_255_unicode", () -> atom(repeat(0x4E2D, 255)));
    m.put("utf8_mfa_request", GoldenVectorsTest::mfa);
    m.put("z_small", () -> seq(1, 100));
    m.put("z_atoms", () -> list(java.util.Collections.nCopies(1000, atom("hello"))));
    m.put("z_zeros", () -> binary(new byte[100000]));
    m.put(
        "z_text",
        () -> binary("the quick brown fox ".repeat(200).getBytes(StandardCharsets.US_ASCII)));
    m.put("z_map", () -> {
      Map<Term, Term> z = new LinkedHashMap<>();
      for (int k = 1; k <= 20; k++) {
        z.put(integer(k), atom("atom"));
      }
      return ErlMap.of(z);
    });
    return m;
  }

  private static Term mfa() {
    return tuple(atom("mfa"), tuple(atom("lists"), atom("seq"), list(integer(1), integer(100))));
  }

  private static ErlMap squares(int n) {
    Map<Term, Term> m = new LinkedHashMap<>();
    for (int k = n; k >= 1; k--) { // reverse insertion: the encoder must sort
      m.put(integer(k), integer((long) k * k));
    }
    return ErlMap.of(m);
  }

  private static ErlMap identityMap(int n) {
    Map<Term, Term> m = new LinkedHashMap<>();
    for (int k = 1; k <= n; k++) {
      m.put(integer(k), integer(k));
    }
    return ErlMap.of(m);
  }

  private static ErlMap bigMap() {
    Map<Term, Term> m = new LinkedHashMap<>();
    for (int k = 1; k <= 1000; k++) {
      m.put(binary(Integer.toString(k)), tuple(integer(k), list(integer(k))));
    }
    return ErlMap.of(m);
  }

  /** OTP writes maps of more than 32 keys in HAMT hash order, which we do not reproduce. */
  private static boolean hashOrdered(Vector v) {
    return v.name().startsWith("hamt_");
  }

  @Test
  void everyVectorHasAnExpectationOrIsLive() throws IOException {
    Map<String, Supplier<Term>> exp = expected();
    List<Vector> vs = load();
    assertTrue(vs.size() >= 80, "vectors: " + vs.size());
    for (Vector v : vs) {
      assertTrue(
          exp.containsKey(v.name()) || v.name().startsWith("live_") || v.name().equals("utf8_pid"),
          "no expectation for " + v.name());
    }
  }

  @Test
  void decodesToTheExpectedTerm() throws Exception {
    Map<String, Supplier<Term>> exp = expected();
    for (Vector v : load()) {
      Term t = TermDecoder.DEFAULT.decode(v.bytes());
      Supplier<Term> e = exp.get(v.name());
      if (e != null) {
        assertEquals(e.get(), t, v.name());
      }
    }
  }

  @Test
  void encodesByteIdentically() throws Exception {
    Map<String, Supplier<Term>> exp = expected();
    for (Vector v : load()) {
      TermEncoder enc = encoderFor(v.mode());
      Supplier<Term> e = exp.get(v.name());
      Term t = e != null ? e.get() : TermDecoder.DEFAULT.decode(v.bytes());
      byte[] ours = enc.encode(t);
      if (hashOrdered(v)) {
        assertEquals(v.bytes().length, ours.length, v.name());
        assertEquals(t, TermDecoder.DEFAULT.decode(ours), v.name());
      } else {
        assertArrayEquals(v.bytes(), ours, v.name());
      }
    }
  }

  @Test
  void liveValuesHaveTheirShape() throws Exception {
    Map<String, Term> live = new LinkedHashMap<>();
    for (Vector v : load()) {
      live.put(v.name(), TermDecoder.DEFAULT.decode(v.bytes()));
    }
    ErlAtom node = atom("nonode@nohost");
    assertEquals(node, assertInstanceOf(ErlPid.class, live.get("live_pid")).node());
    assertEquals(live.get("live_pid"), live.get("utf8_pid"));
    ErlRef ref = assertInstanceOf(ErlRef.class, live.get("live_ref"));
    assertEquals(node, ref.node());
    assertEquals(3, ref.ids().length);
    assertEquals(node, assertInstanceOf(ErlPort.class, live.get("live_port")).node());
    assertInstanceOf(ErlFun.class, live.get("live_fun"));
    assertInstanceOf(ErlFun.class, live.get("live_fun_env"));
    ErlTuple mixed = assertInstanceOf(ErlTuple.class, live.get("live_mixed"));
    assertEquals(live.get("live_pid"), mixed.get(0));
    assertInstanceOf(ErlPort.class, ((ErlMap) mixed.get(2)).get(atom("port")));
  }

  @Test
  void everyTruncationIsRejected() throws IOException {
    Random rnd = new Random(2);
    int checked = 0;
    for (Vector v : load()) {
      byte[] b = v.bytes();
      // Every prefix of small vectors; for large ones the first and last 1 KiB and a sample.
      for (int len = 0; len < b.length; len++) {
        boolean check =
            b.length <= 4096 || len < 1024 || len > b.length - 1024 || rnd.nextInt(b.length) < 64;
        if (check) {
          assertRejected(v.name(), b, len);
          checked++;
        }
      }
    }
    assertTrue(checked > 10_000, "truncations checked: " + checked);
  }

  private static void assertRejected(String name, byte[] b, int len) {
    try {
      Term t = TermDecoder.DEFAULT.decode(b, 0, len);
      fail(name + " truncated to " + len + " of " + b.length + " bytes decoded to " + t);
    } catch (TermFormatException expected) {
      assertTrue(expected.offset() >= 0 && expected.offset() <= len, name + ": " + expected);
    } catch (RuntimeException e) {
      throw new AssertionError(name + " truncated to " + len + ": " + e, e);
    }
  }
}
