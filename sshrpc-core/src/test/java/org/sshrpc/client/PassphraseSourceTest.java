package org.sshrpc.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class PassphraseSourceTest {
  private static final Path ID = Path.of("id_ed25519");

  @Test
  void fixedPassphraseIsCopiedSoWipingTheResultIsHarmless() {
    char[] given = "secret".toCharArray();
    PassphraseSource s = PassphraseSource.of(given);
    given[0] = 'X';
    char[] first = s.passphrase(ID);
    assertArrayEquals("secret".toCharArray(), first);
    java.util.Arrays.fill(first, '\0');
    assertArrayEquals("secret".toCharArray(), s.passphrase(ID));
  }

  @Test
  void orElseFallsBackOnlyWhenEmpty() {
    assertArrayEquals("b".toCharArray(), PassphraseSource.none().orElse(PassphraseSource.of("b".toCharArray())).passphrase(ID));
    assertArrayEquals("a".toCharArray(),
        PassphraseSource.of("a".toCharArray()).orElse(PassphraseSource.of("b".toCharArray())).passphrase(ID));
    assertNull(PassphraseSource.environment("SSHRPC_TEST_SURELY_UNSET_" + System.nanoTime()).passphrase(ID));
  }
}
