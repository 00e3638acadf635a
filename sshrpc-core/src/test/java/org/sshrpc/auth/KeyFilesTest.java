package org.sshrpc.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyFilesTest {
  @TempDir Path dir;

  @Test
  void ownerOnlyKeyIsAccepted() throws IOException {
    Path f = dir.resolve("id");
    Files.writeString(f, "x");
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
    KeyFiles.checkPrivateKeyPermissions(f);
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("r--------"));
    KeyFiles.checkPrivateKeyPermissions(f);
  }

  @Test
  void groupOrOthersReadableKeyIsRefusedNamingFileAndMode() throws IOException {
    Path f = dir.resolve("id");
    Files.writeString(f, "x");
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
    IOException e = assertThrows(IOException.class, () -> KeyFiles.checkPrivateKeyPermissions(f));
    assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("0644"), e.getMessage());
    assertTrue(e.getMessage().contains("chmod 600"), e.getMessage());

    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw----r--"));
    assertThrows(IOException.class, () -> KeyFiles.checkPrivateKeyPermissions(f));
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r-----"));
    IOException g = assertThrows(IOException.class, () -> KeyFiles.checkPrivateKeyPermissions(f));
    assertTrue(g.getMessage().contains("0640"), g.getMessage());
  }

  @Test
  void missingFileIsAnError() {
    assertThrows(IOException.class, () -> KeyFiles.checkPrivateKeyPermissions(dir.resolve("nope")));
  }

  @Test
  void octalMode() {
    assertEquals("0755", KeyFiles.octal(PosixFilePermissions.fromString("rwxr-xr-x")));
    assertEquals("0000", KeyFiles.octal(PosixFilePermissions.fromString("---------")));
  }

  @Test
  void writeOwnerOnlyCreatesParentsAndMode0600() throws IOException {
    Path f = dir.resolve("a/b/key");
    KeyFiles.writeOwnerOnly(f, new byte[] {1, 2, 3});
    assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(f));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f.getParent())));
    try (var s = Files.list(f.getParent())) {
      assertEquals(1, s.count(), "no temporary file left behind");
    }
  }
}
