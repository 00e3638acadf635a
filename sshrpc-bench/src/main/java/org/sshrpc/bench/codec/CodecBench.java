package org.sshrpc.bench.codec;

import com.ericsson.otp.erlang.OtpErlangAtom;
import com.ericsson.otp.erlang.OtpErlangBinary;
import com.ericsson.otp.erlang.OtpErlangDecodeException;
import com.ericsson.otp.erlang.OtpErlangList;
import com.ericsson.otp.erlang.OtpErlangLong;
import com.ericsson.otp.erlang.OtpErlangMap;
import com.ericsson.otp.erlang.OtpErlangObject;
import com.ericsson.otp.erlang.OtpInputStream;
import com.ericsson.otp.erlang.OtpOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.sshrpc.term.ErlAtom;
import org.sshrpc.term.ErlBinary;
import org.sshrpc.term.ErlInteger;
import org.sshrpc.term.ErlList;
import org.sshrpc.term.ErlMap;
import org.sshrpc.term.Term;
import org.sshrpc.term.TermDecoder;
import org.sshrpc.term.TermEncoder;
import org.sshrpc.term.TermFormatException;

/**
 * JMH benchmark of the ETF codec against JInterface 1.6.1 in the same run: encode and decode of
 * the seed's reply {@code lists:seq(1, 100)}, a 1 MiB binary, and a map of 1,000 entries whose
 * values are small maps. Both sides encode to a {@code byte[]} (version byte included) and decode
 * from the same bytes, which our encoder wrote and JInterface reads. Run it as described in
 * docs/performance.md, section "Codec (JMH)".
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CodecBench {
  @Param({"seq100", "binary1MiB", "map1000"})
  public String payload;

  private Term term;
  private OtpErlangObject otp;
  private byte[] bytes;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    switch (payload) {
      case "seq100": {
        Term[] t = new Term[100];
        OtpErlangObject[] o = new OtpErlangObject[100];
        for (int i = 0; i < 100; i++) {
          t[i] = ErlInteger.of(i + 1);
          o[i] = new OtpErlangLong(i + 1);
        }
        term = ErlList.of(t);
        otp = new OtpErlangList(o);
        break;
      }
      case "binary1MiB": {
        byte[] b = new byte[1 << 20];
        new Random(1).nextBytes(b);
        term = ErlBinary.of(b);
        otp = new OtpErlangBinary(b);
        break;
      }
      case "map1000": {
        Map<Term, Term> m = new LinkedHashMap<>();
        OtpErlangObject[] keys = new OtpErlangObject[1000];
        OtpErlangObject[] values = new OtpErlangObject[1000];
        for (int i = 0; i < 1000; i++) {
          byte[] k = ("key-" + i).getBytes(StandardCharsets.UTF_8);
          byte[] v = ("value-" + i).getBytes(StandardCharsets.UTF_8);
          m.put(ErlBinary.of(k), ErlMap.of(
              ErlAtom.of("id"), ErlInteger.of(i), ErlAtom.of("name"), ErlBinary.of(v)));
          keys[i] = new OtpErlangBinary(k);
          values[i] = new OtpErlangMap(
              new OtpErlangObject[] {new OtpErlangAtom("id"), new OtpErlangAtom("name")},
              new OtpErlangObject[] {new OtpErlangLong(i), new OtpErlangBinary(v)});
        }
        term = ErlMap.of(m);
        otp = new OtpErlangMap(keys, values);
        break;
      }
      default:
        throw new IllegalArgumentException(payload);
    }
    bytes = TermEncoder.DEFAULT.encode(term);
    // Both decoders must read the benchmark bytes, and to the same size of term.
    if (!TermDecoder.DEFAULT.decode(bytes).equals(term)) {
      throw new IllegalStateException("sshrpc round trip");
    }
    // JInterface must read the same bytes (it reads STRING_EXT as an OtpErlangString).
    OtpErlangObject back = new OtpInputStream(bytes).read_any();
    if (back == null) {
      throw new IllegalStateException("jinterface decode");
    }
  }

  @Benchmark
  public byte[] encodeSshrpc() {
    return TermEncoder.DEFAULT.encode(term);
  }

  @Benchmark
  public byte[] encodeJinterface() {
    OtpOutputStream out = new OtpOutputStream();
    out.write1(OtpExternalVersion.VERSION);
    out.write_any(otp);
    return out.toByteArray();
  }

  @Benchmark
  public Term decodeSshrpc() throws TermFormatException {
    return TermDecoder.DEFAULT.decode(bytes);
  }

  @Benchmark
  public OtpErlangObject decodeJinterface() throws OtpErlangDecodeException {
    return new OtpInputStream(bytes).read_any();
  }

  /** The version byte JInterface writes before a term. */
  static final class OtpExternalVersion {
    static final int VERSION = 131;
  }
}
