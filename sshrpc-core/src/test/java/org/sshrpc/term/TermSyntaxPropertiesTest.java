package org.sshrpc.term;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
  private static final Pattern ERROR_MESSAGE =
      Pattern.compile("(line \\d+, )?column \\d+: .+", Pattern.DOTALL);

  @Test
  void printedTermsParseBackEqual() {
    RandomTerms gen = new RandomTerms(SEED, false);
    for (int i = 0; i < 2000; i++) {
      Term t = gen.syntaxTerm(3, false);
      PropertyCase.check(
          where(i, t),
          () -> {
            String s = TermPrinter.print(t);
            assertEquals(t, TermParser.parseTerm(s), () -> "printed as " + s);
          });
    }
  }

  @Test
  void printedCallsParseBack() {
    RandomTerms gen = new RandomTerms(SEED + 1, false);
    for (int i = 0; i < 500; i++) {
      List<Term> args = List.of(gen.syntaxTerm(3, false), gen.syntaxTerm(3, false));
      ParsedCall call = new ParsedCall(ErlAtom.of("m o"), gen.syntaxAtom(), args);
      PropertyCase.check(where(i, call), () -> assertEquals(call, TermParser.parseCall(call.toString())));
    }
  }

  @Test
  void noiseFailsOnlyWithAPositionedError() {
    Random rnd = new Random(SEED + 2);
    for (int i = 0; i < 3000; i++) {
      StringBuilder sb = new StringBuilder();
      for (int n = rnd.nextInt(41); n > 0; n--) {
        sb.append(NOISE_CHARS.charAt(rnd.nextInt(NOISE_CHARS.length())));
      }
      parsesOrFailsCleanly(sb.toString(), i);
    }
  }

  @Test
  void damagedPrintedTermsFailOnlyWithAPositionedError() {
    RandomTerms gen = new RandomTerms(SEED + 3, false);
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
      parsesOrFailsCleanly(sb.toString(), i);
    }
  }

  /** Parsing may succeed or throw a positioned IllegalArgumentException, nothing else. */
  private static void parsesOrFailsCleanly(String s, int i) {
    PropertyCase.check(
        where(i, s),
        () -> {
          try {
            TermParser.parseTerm(s);
          } catch (IllegalArgumentException e) {
            String m = String.valueOf(e.getMessage());
            assertTrue(ERROR_MESSAGE.matcher(m).matches(), () -> "message without a position: " + m);
          }
        });
  }

  /** Names a failing case so that {@code -Dsyntax.seed=} and the index reproduce it. */
  private static java.util.function.Supplier<String> where(int i, Object input) {
    return () -> "syntax.seed=" + SEED + " case #" + i + ", input " + input;
  }
}
