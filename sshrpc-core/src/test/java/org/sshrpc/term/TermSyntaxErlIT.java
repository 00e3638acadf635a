package org.sshrpc.term;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.sshrpc.testing.Tools;

/**
 * The printer and parser against a real Erlang node, both ways: terms printed in Java are read by
 * {@code erl_scan}/{@code erl_parse}/{@code erl_eval} and must give the same term (compared as ETF
 * bytes and by decoding in Java); terms printed by Erlang's {@code ~p} and {@code ~tp} are read by
 * {@link TermParser} and must give the same term.
 */
@Timeout(180)
class TermSyntaxErlIT {
  private static final Base64.Decoder B64 = Base64.getDecoder();
  private static final long SEED = Long.getLong("syntax.seed", 2010L);
  private static final int RANDOM_TERMS = 3000;

  @TempDir Path dir;

  @Test
  void javaPrintsErlangReadsAndErlangPrintsJavaReads() throws Exception {
    String escript = Tools.requireTool("escript");
    List<Term> terms = new ArrayList<>(fixedTerms());
    int firstRandom = terms.size();
    RandomTerms gen = new RandomTerms(SEED, false);
    for (int i = 0; i < RANDOM_TERMS; i++) {
      terms.add(gen.syntaxTerm(3, true));
    }

    StringBuilder in = new StringBuilder();
    for (Term t : terms) {
      in.append(TermPrinter.print(t))
          .append('\t')
          .append(Base64.getEncoder().encodeToString(TermEncoder.DEFAULT.encode(t)))
          .append('\t')
          .append(containsOpaque(t) ? "1" : "0")
          .append('\n');
    }
    Path input = dir.resolve("in.txt");
    Path output = dir.resolve("out.txt");
    Path script = dir.resolve("term_syntax.escript");
    Files.writeString(input, in, StandardCharsets.UTF_8);
    try (InputStream s = getClass().getResourceAsStream("/term/term_syntax.escript")) {
      Files.copy(s, script);
    }
    Process p =
        new ProcessBuilder(escript, script.toString(), input.toString(), output.toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("escript.log").toFile())
            .start();
    if (!p.waitFor(150, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail("escript did not finish within 150 s");
    }
    assertEquals(0, p.exitValue(), () -> "escript failed: " + read(dir.resolve("escript.log")));

    List<String> lines = Files.readAllLines(output, StandardCharsets.UTF_8);
    int erlangBuilt = 0;
    int checkedErlangPrinted = 0;
    for (int i = 0; i < lines.size(); i++) {
      String[] f = lines.get(i).split("\t", -1);
      if (i < terms.size()) {
        Term t = terms.get(i);
        String printed = TermPrinter.print(t);
        String what =
            (i < firstRandom ? "fixed term #" + i : "syntax.seed=" + SEED + " random term #" + (i - firstRandom))
                + " " + printed;
        if (f[0].equals("error")) {
          fail("erl could not read " + what + ": " + utf8(f[1]));
        }
        assertEquals("ok", f[0], what);
        Term back = TermDecoder.DEFAULT.decode(B64.decode(f[1]));
        assertEquals(t, back, () -> "erl read a different term from " + what);
        assertEquals("true", f[2], () -> "binary_to_term(Java bytes) =/= erl_eval of " + what);
        assertEquals("true", f[3], () -> "term_to_binary differs from TermEncoder for " + what);
        // OTP 25's ~p and ~tp write a fun's non-ASCII atom as its UTF-8 bytes, one char per
        // byte (an OTP bug: the atom alone prints right), so such text is not read back here.
        if (!f[4].equals("-") && !RandomTerms.anyMatch(t, TermSyntaxErlIT::isUnicodeFun)) {
          assertEquals(t, parse(utf8(f[4])), () -> "~p text of " + what + ": " + utf8(f[4]));
          assertEquals(t, parse(utf8(f[5])), () -> "~tp text of " + what + ": " + utf8(f[5]));
          checkedErlangPrinted++;
        }
      } else {
        assertEquals("erl", f[0]);
        Term expected = TermDecoder.DEFAULT.decode(B64.decode(f[1]));
        assertEquals(expected, parse(utf8(f[2])), () -> "~p text: " + utf8(f[2]));
        assertEquals(expected, parse(utf8(f[3])), () -> "~tp text: " + utf8(f[3]));
        assertEquals(expected, TermParser.parseTerm(TermPrinter.print(expected)));
        erlangBuilt++;
      }
    }
    assertTrue(lines.size() > terms.size(), "no Erlang-built terms came back");
    assertTrue(erlangBuilt >= 50, "only " + erlangBuilt + " Erlang-built terms");
    assertTrue(checkedErlangPrinted >= RANDOM_TERMS / 2, "only " + checkedErlangPrinted + " ~p texts checked");
  }

  private static Term parse(String text) {
    try {
      return TermParser.parseTerm(text);
    } catch (IllegalArgumentException e) {
      throw new AssertionError("cannot parse " + text + ": " + e.getMessage(), e);
    }
  }

  private static String utf8(String b64) {
    return new String(B64.decode(b64), StandardCharsets.UTF_8);
  }

  private static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (java.io.IOException e) {
      return "(no log: " + e + ")";
    }
  }

  private static boolean containsOpaque(Term t) {
    return RandomTerms.anyMatch(
        t, x -> x instanceof ErlPid || x instanceof ErlRef || x instanceof ErlPort || x instanceof ErlFun);
  }

  private static boolean isUnicodeFun(Term t) {
    return t instanceof ErlExportFun
        && (((ErlExportFun) t).module().name() + ((ErlExportFun) t).function().name())
            .chars()
            .anyMatch(c -> c > 127);
  }

  private static List<Term> fixedTerms() {
    List<Term> l = new ArrayList<>();
    for (String s :
        List.of("ok", "case", "end", "fun", "maybe", "else", "", "It's", "a\\b", "日本", "é", "A",
            "_", "a@b.c", "a\nb", "\0")) {
      l.add(ErlAtom.of(s));
    }
    for (String s : List.of("{ok,[1,2|x]}", "\"héllo\"", "[1071,1072]", "<<\"héllo\"/utf8>>",
        "<<233>>", "<<1,2,3:4>>", "-0.0", "1.0e10", "5.0e-324", "1.7976931348623157e308",
        "18446744073709551616", "-16#80000000", "#{a => 1,\"k\" => [x|y]}", "fun lists:seq/2",
        "\"a\\n\\t\\e\\\\\\\"'\"", "[$\\x{1F600}]", "<<\"\\x{1F600}\"/utf8>>", "\"\\x{7F}\"",
        "[127,128,159,160]", "<<128,255,0,$x>>", "<<>>", "{}", "#{}", "[]")) {
      l.add(TermParser.parseTerm(s));
    }
    l.add(ErlPid.of(ErlAtom.of("nonode@nohost"), 42, 0, 0));
    l.add(ErlRef.of(ErlAtom.of("a@b"), 3, 1, 2, 3));
    l.add(ErlPort.of(ErlAtom.of("a@b"), 7, 1));
    Term deep = ErlList.NIL;
    for (int i = 0; i < 200; i++) {
      deep = ErlTuple.of(deep, ErlInteger.of(i));
    }
    l.add(deep);
    return l;
  }
}
