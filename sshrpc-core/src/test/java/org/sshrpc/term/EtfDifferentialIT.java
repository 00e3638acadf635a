package org.sshrpc.term;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.sshrpc.testing.Tools;

/**
 * Live differential test against a real Erlang node: thousands of seeded random terms are encoded
 * in Java, decoded and re-encoded by {@code binary_to_term}/{@code term_to_binary} in one
 * long-lived {@code escript} ({@code etf/echo.escript}, {packet,4} frames over stdin/stdout), and
 * the bytes compared. Maps of more than 32 keys, which OTP writes in hash order, are compared as
 * decoded terms instead. Reproduce a failure with the seed in its message.
 */
@Timeout(value = 90, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class EtfDifferentialIT {
  private static final long SEED = Long.getLong("etf.seed", 20101124L);
  private static final int TERMS = Integer.getInteger("etf.terms", 10000);

  private static Process erl;
  private static DataOutputStream toErl;
  private static DataInputStream fromErl;

  @BeforeAll
  static void startErlang(@TempDir Path dir) throws IOException {
    String escript = Tools.requireTool("escript");
    Path script = dir.resolve("echo.escript");
    try (InputStream in = EtfDifferentialIT.class.getResourceAsStream("/etf/echo.escript")) {
      Files.copy(in, script, StandardCopyOption.REPLACE_EXISTING);
    }
    erl = new ProcessBuilder(escript, script.toString())
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
    toErl = new DataOutputStream(erl.getOutputStream());
    fromErl = new DataInputStream(erl.getInputStream());
  }

  @AfterAll
  static void stopErlang() throws Exception {
    if (erl != null) {
      toErl.close(); // eof: the script halts
      if (!erl.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
        erl.destroyForcibly();
      }
    }
  }

  /** Sends one term's bytes; returns Erlang's re-encoding, or fails with its error. */
  private static byte[] roundTrip(byte[] etf, String what) throws IOException {
    toErl.writeInt(etf.length);
    toErl.write(etf);
    toErl.flush();
    int n = fromErl.readInt();
    byte[] reply = new byte[n];
    fromErl.readFully(reply);
    if (reply[0] != 0) {
      fail("binary_to_term rejected " + what + ": "
          + new String(reply, 1, n - 1, StandardCharsets.UTF_8) + "; bytes " + HexFormat.of().formatHex(etf));
    }
    return Arrays.copyOfRange(reply, 1, n);
  }

  private static String brief(Term t) {
    String s = t.getClass().getSimpleName() + " " + t;
    return s.length() > 300 ? s.substring(0, 300) + "..." : s;
  }

  /**
   * Erlang's decoded maps keep its wire order: finds two adjacent keys that Erlang wrote in an
   * order TermOrder.EXACT disagrees with, so a failure names the comparison at fault.
   */
  static String explain(Term t) {
    if (t instanceof ErlMap) {
      ErlMap m = (ErlMap) t;
      Term prev = null;
      for (Term k : m.entries().keySet()) {
        if (m.size() <= 32 && prev != null && TermOrder.EXACT.compare(prev, k) >= 0) {
          return "OTP orders " + brief(prev) + " before " + brief(k);
        }
        prev = k;
      }
      for (var e : m.entries().entrySet()) {
        String x = explain(e.getKey());
        if (x == null) {
          x = explain(e.getValue());
        }
        if (x != null) {
          return x;
        }
      }
    } else if (t instanceof ErlTuple) {
      for (Term e : ((ErlTuple) t).elements()) {
        String x = explain(e);
        if (x != null) {
          return x;
        }
      }
    } else if (t instanceof ErlList) {
      ErlList l = (ErlList) t;
      for (Term e : l.elements()) {
        String x = explain(e);
        if (x != null) {
          return x;
        }
      }
      return l.tail() == null ? null : explain(l.tail());
    }
    return null;
  }

  @Test
  void randomTermsAreByteIdenticalToOtp() throws Exception {
    RandomTerms gen = new RandomTerms(SEED, true);
    TermEncoder utf8 = TermEncoder.builder().utf8Atoms(true).build();
    int compared = 0;
    int hashOrdered = 0;
    for (int i = 0; i < TERMS; i++) {
      Term t = gen.term(4);
      String what = "term #" + i + " (seed " + SEED + ")";
      byte[] ours = TermEncoder.DEFAULT.encode(t);
      byte[] theirs = roundTrip(ours, what);
      if (RandomTerms.hasLargeMap(t)) {
        hashOrdered++;
      } else {
        if (!Arrays.equals(ours, theirs)) {
          fail(what + ": bytes differ; " + explain(TermDecoder.DEFAULT.decode(theirs)));
        }
        compared++;
      }
      assertEquals(t, TermDecoder.DEFAULT.decode(theirs), what);
      // The OTP 26+ atom tags must be read back as the same term.
      if (i % 4 == 0) {
        assertArrayEquals(theirs.length == ours.length && !RandomTerms.hasLargeMap(t) ? ours : theirs,
            roundTrip(utf8.encode(t), what + " (utf8 atoms)"), what);
      }
    }
    assertTrue(compared > TERMS / 2, "byte-compared " + compared + ", hash-ordered " + hashOrdered);
  }

  @Test
  void longByteListsSwitchTagAt65536() throws Exception {
    for (int n : new int[] {65534, 65535, 65536, 65537}) {
      Term[] e = new Term[n];
      for (int i = 0; i < n; i++) {
        e[i] = ErlInteger.of(i % 256);
      }
      Term t = ErlList.of(e);
      byte[] ours = TermEncoder.DEFAULT.encode(t);
      assertArrayEquals(ours, roundTrip(ours, n + "-element byte list"));
    }
  }

  @Test
  void compressedTermsAreByteIdenticalToOtp() throws Exception {
    // term_to_binary(binary_to_term(B)) does not compress, so compare via decoding here and rely
    // on GoldenVectorsTest for compressed bytes; Erlang must accept every compressed encoding.
    RandomTerms gen = new RandomTerms(SEED + 1, false);
    TermEncoder z = TermEncoder.builder().compressionLevel(6).build();
    for (int i = 0; i < 300; i++) {
      Term t = gen.term(4);
      byte[] theirs = roundTrip(z.encode(t), "compressed term #" + i);
      if (!Arrays.equals(TermEncoder.DEFAULT.encode(t), theirs)) {
        fail("compressed term #" + i + ": bytes differ; " + explain(TermDecoder.DEFAULT.decode(theirs)));
      }
    }
  }
}
