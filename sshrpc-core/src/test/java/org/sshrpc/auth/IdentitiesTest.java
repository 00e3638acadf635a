package org.sshrpc.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.sshrpc.testing.Tools;

/** Identity loading with key files made by the real ssh-keygen. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class IdentitiesTest {
  @TempDir Path dir;

  private Path keygen(String name, String type, String passphrase) throws Exception {
    String tool = Tools.requireTool("ssh-keygen");
    Path key = dir.resolve(name);
    Process p = new ProcessBuilder(tool, "-q", "-t", type, "-N", passphrase, "-f", key.toString())
        .redirectErrorStream(true).start();
    p.getOutputStream().close();
    p.getInputStream().readAllBytes();
    assertTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, "ssh-keygen failed");
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
    return key;
  }

  @Test
  void loadsPlainKeysOfEachType() throws Exception {
    for (String type : List.of("ed25519", "ecdsa", "rsa")) {
      List<KeyPair> keys = Identities.load(keygen("id_" + type, type, ""), p -> {
        throw new AssertionError("a plain key must not ask for a passphrase");
      });
      assertEquals(1, keys.size(), type);
    }
  }

  @Test
  void encryptedKeyNeedsTheRightPassphrase() throws Exception {
    Path key = keygen("id_enc", "ed25519", "open sesame");
    assertEquals(1, Identities.load(key, p -> "open sesame".toCharArray()).size());
    IOException wrong = assertThrows(IOException.class, () -> Identities.load(key, p -> "nope".toCharArray()));
    assertTrue(wrong.getMessage().contains("wrong passphrase") && wrong.getMessage().contains(key.toString()), wrong.getMessage());
    IOException none = assertThrows(IOException.class, () -> Identities.load(key, p -> null));
    assertTrue(none.getMessage().contains("encrypted") && none.getMessage().contains(key.toString()), none.getMessage());
  }

  @Test
  void refusesLooseModesMissingFilesAndNonKeys() throws Exception {
    Path key = keygen("id_loose", "ed25519", "");
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r-----"));
    IOException loose = assertThrows(IOException.class, () -> Identities.load(key, null));
    assertTrue(loose.getMessage().contains("0640"), loose.getMessage());
    assertThrows(NoSuchFileException.class, () -> Identities.load(dir.resolve("missing"), null));
    Path junk = dir.resolve("junk");
    Files.writeString(junk, "not a key\n");
    Files.setPosixFilePermissions(junk, PosixFilePermissions.fromString("rw-------"));
    IOException notKey = assertThrows(IOException.class, () -> Identities.load(junk, null));
    assertTrue(notKey.getMessage().contains(junk.toString()), notKey.getMessage());
  }
}
