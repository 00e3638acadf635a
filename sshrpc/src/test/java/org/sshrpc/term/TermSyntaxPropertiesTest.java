package org.sshrpc.term;

import static org.junit.jupiter.api.Assertions.assertEquals;

import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class TermSyntaxPropertiesTest {

  @Provide
  Arbitrary<Term> terms() {
    return TermArbitraries.terms(3, false);
  }

  @Property(tries = 2000)
  void printedTermsParseBackEqual(@ForAll("terms") Term t) {
    String s = TermPrinter.print(t);
    assertEquals(t, TermParser.parseTerm(s), s);
  }

  @Property(tries = 500)
  void printedCallsParseBack(@ForAll("terms") Term a, @ForAll("terms") Term b) {
    ParsedCall call =
        new ParsedCall(ErlAtom.of("m o"), ErlAtom.of("f"), java.util.List.of(a, b));
    assertEquals(call, TermParser.parseCall(call.toString()));
  }

  @Property(tries = 1000)
  void garbageNeverCrashes(@ForAll("noise") String s) {
    try {
      TermParser.parseTerm(s);
    } catch (IllegalArgumentException expected) {
      // the only failure allowed
    }
  }

  @Provide
  Arbitrary<String> noise() {
    return net.jqwik.api.Arbitraries.strings()
        .withChars("<<>>{}[]#|,.:$\\'\"-+0123456789abcXe_/=%\n ")
        .ofMaxLength(40);
  }
}
