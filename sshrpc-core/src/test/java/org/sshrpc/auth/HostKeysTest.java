package org.sshrpc.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostKeysTest {
  @TempDir Path dir;

  @Test
  void generatedOnFirstStartThenReused() throws IOException {
    Path f = dir.resolve("conf/sshrpc/host_ed25519");
    HostKeys first = HostKeys.loadOrGenerate(f);
    assertTrue(Files.isRegularFile(f));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
    assertTrue(Files.readString(f).startsWith("-----BEGIN OPENSSH PRIVATE KEY-----"));
    assertEquals("ssh-ed25519", KeyUtils.getKeyType(first.publicKey()));
    assertTrue(first.fingerprint().matches("SHA256:[A-Za-z0-9+/]{43}"), first.fingerprint());
    assertTrue(first.publicKeyLine().startsWith("ssh-ed25519 AAAA"), first.publicKeyLine());

    HostKeys second = HostKeys.loadOrGenerate(f);
    assertEquals(first.fingerprint(), second.fingerprint());
    KeyPair kp = second.loadKeys(null).iterator().next();
    assertTrue(KeyUtils.compareKeys(first.publicKey(), kp.getPublic()));

    HostKeys other = HostKeys.loadOrGenerate(dir.resolve("other"));
    assertNotEquals(first.fingerprint(), other.fingerprint());
  }

  @Test
  void refusesKeyReadableByOthers() throws IOException {
    Path f = dir.resolve("host");
    HostKeys.loadOrGenerate(f);
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
    IOException e = assertThrows(IOException.class, () -> HostKeys.loadOrGenerate(f));
    assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("0644"), e.getMessage());
  }

  @Test
  void refusesKeyUnderADirectoryOthersMayWrite() throws IOException {
    Path f = dir.resolve("etc/sshrpc/host_ed25519");
    HostKeys.loadOrGenerate(f);
    Path etc = dir.resolve("etc");
    Files.setPosixFilePermissions(etc, PosixFilePermissions.fromString("rwxrwxrwx"));
    IOException e = assertThrows(IOException.class, () -> HostKeys.loadOrGenerate(f));
    assertTrue(
        e.getMessage().startsWith("host key file " + f + " is not trusted: directory " + etc + " ("),
        e.getMessage());
    assertTrue(e.getMessage().endsWith("mode 0777) is writable by others; run: chmod o-w " + etc), e.getMessage());
  }

  @Test
  void refusesGarbageWithClearMessage() throws IOException {
    Path f = dir.resolve("host");
    Files.writeString(f, "not a key\n");
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
    IOException e = assertThrows(IOException.class, () -> HostKeys.loadOrGenerate(f));
    assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
  }
}
