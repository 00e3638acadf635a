package org.sshrpc.term;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Property checks of {@link TermPrinter} and {@link TermParser} over seeded random terms ({@link
 * RandomTerms#syntaxTerm}): every printed term parses back equal, every printed call parses back,
 * and noise or damaged text fails only with a positioned {@link IllegalArgumentException}. A failure
 * names its seed, case number and input; {@code -Dsyntax.seed=} reproduces it.
 */
@Timeout(60)
class TermSyntaxPropertiesTest {
  private static final long SEED = Long.getLong("syntax.seed", 2010L);
  private static final String NOISE_CHARS = "<<>>{}[]#|,.:$\\'\"-+0123456789abcXe_/=%\n ";
  private static final Pattern ERROR_MESSAGE = Pattern.compile("(line \\d+, )?column \\d+: .+", Pattern.DOTALL);

  @Test
  void printedTermsParseBackEqual() {
    long seed = SEED;
    RandomTerms gen = new RandomTerms(seed, false);
    for (int i = 0; i < 2000; i++) {
      Term t = gen.syntaxTerm(3, false);
      String s = TermPrinter.print(t);
      assertEquals(t, parse(s, where(i)), where(i) + s);
    }
  }

  @Test
  void printedCallsParseBack() {
    long seed = SEED + 1;
    RandomTerms gen = new RandomTerms(seed, false);
    for (int i = 0; i < 500; i++) {
      List<Term> args = List.of(gen.syntaxTerm(3, false), gen.syntaxTerm(3, false));
      ParsedCall call = new ParsedCall(ErlAtom.of("m o"), gen.syntaxAtom(), args);
      String s = call.toString();
      try {
        assertEquals(call, TermParser.parseCall(s), where(i) + s);
      } catch (IllegalArgumentException e) {
        throw new AssertionError(where(i) + "cannot parse " + s + ": " + e.getMessage(), e);
      }
    }
  }

  @Test
  void noiseFailsOnlyWithAPositionedError() {
    long seed = SEED + 2;
    Random rnd = new Random(seed);
    for (int i = 0; i < 3000; i++) {
      StringBuilder sb = new StringBuilder();
      for (int n = rnd.nextInt(41); n > 0; n--) {
        sb.append(NOISE_CHARS.charAt(rnd.nextInt(NOISE_CHARS.length())));
      }
      parsesOrFailsCleanly(sb.toString(), where(i));
    }
  }

  @Test
  void damagedPrintedTermsFailOnlyWithAPositionedError() {
    long seed = SEED + 3;
    RandomTerms gen = new RandomTerms(seed, false);
    Random rnd = gen.random();
    for (int i = 0; i < 2000; i++) {
      StringBuilder sb = new StringBuilder(TermPrinter.print(gen.syntaxTerm(2, false)));
      for (int edits = 1 + rnd.nextInt(3); edits > 0 && sb.length() > 0; edits--) {
        int at = rnd.nextInt(sb.length());
        switch (rnd.nextInt(3)) {
          case 0:
            sb.setLength(at); // truncate
            break;
          case 1:
            sb.deleteCharAt(at);
            break;
          default:
            sb.insert(at, NOISE_CHARS.charAt(rnd.nextInt(NOISE_CHARS.length())));
        }
      }
      parsesOrFailsCleanly(sb.toString(), where(i));
    }
  }

  private static void parsesOrFailsCleanly(String s, String where) {
    try {
      TermParser.parseTerm(s);
    } catch (IllegalArgumentException e) {
      // the only failure allowed, and it must say where
      String m = String.valueOf(e.getMessage());
      assertTrue(ERROR_MESSAGE.matcher(m).matches(), () -> where + "message " + m + " for " + s);
    } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
      throw new AssertionError(where + "crashed on " + s, e);
    }
  }

  private static Term parse(String s, String where) {
    try {
      return TermParser.parseTerm(s);
    } catch (IllegalArgumentException e) {
      return fail(where + "cannot parse " + s + ": " + e.getMessage(), e);
    }
  }

  /** Names a failing case so that {@code -Dsyntax.seed=} and the index reproduce it. */
  private static String where(int i) {
    return "syntax.seed=" + SEED + " case #" + i + ": ";
  }
}
