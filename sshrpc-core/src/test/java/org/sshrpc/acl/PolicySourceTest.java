package org.sshrpc.acl;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PolicySourceTest {
  @TempDir Path dir;

  /** Replaces the file by rename, as operators are told to: the inode changes. */
  private void replace(Path f, String text) throws IOException {
    Path tmp = dir.resolve("tmp");
    Files.writeString(tmp, text);
    Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  @Test
  void fixed() {
    PolicySource s = PolicySource.fixed(AccessPolicy.DENY_ALL);
    assertSame(AccessPolicy.DENY_ALL, s.current());
    assertNull(s.file());
  }

  @Test
  void reloadsWhenFileChanges() throws IOException {
    Path f = dir.resolve("policy");
    Files.writeString(f, "allow lists:*\n");
    PolicySource s = PolicySource.watching(f);
    AccessPolicy first = s.current();
    assertSame(first, s.current(), "unchanged file is not re-parsed");
    assertTrue(s.current().allows("u", null, "lists", "seq", 2));

    replace(f, "deny lists:seq/2\nallow lists:*\n");
    assertFalse(s.current().allows("u", null, "lists", "seq", 2));
    assertTrue(s.current().allows("u", null, "lists", "seq", 3));

    // In-place rewrite with a different size is noticed too.
    Files.writeString(f, "allow lists:seq/2\n");
    assertTrue(s.current().allows("u", null, "lists", "seq", 2));
    assertFalse(s.current().allows("u", null, "lists", "seq", 3));
    assertNull(s.lastError());
  }

  @Test
  void badNewFileKeepsPreviousPolicy() throws IOException {
    Path f = dir.resolve("policy");
    Files.writeString(f, "allow lists:seq/2\n");
    PolicySource s = PolicySource.watching(f);
    AccessPolicy good = s.current();
    replace(f, "allow lists:seq/2\nallow everything please\n");
    assertSame(good, s.current());
    assertTrue(s.lastError().startsWith(f + ":2: "), s.lastError());

    Files.delete(f);
    assertSame(good, s.current());
    assertTrue(s.lastError().contains("not found"), s.lastError());

    replace(f, "deny *\n");
    assertFalse(s.current().allows("u", null, "lists", "seq", 2));
    assertNull(s.lastError());
  }

  @Test
  void policyFileWritableByOthersIsNotTrusted() throws IOException {
    Path f = dir.resolve("policy");
    Files.writeString(f, "deny *\n");
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-rw-rw-"));
    IOException e = assertThrows(IOException.class, () -> PolicySource.watching(f));
    assertTrue(e.getMessage().contains("writable by others"), e.getMessage());

    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
    PolicySource s = PolicySource.watching(f);
    Files.writeString(f, "allow *\n");
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--rw-"));
    assertFalse(s.current().allows("u", null, "lists", "seq", 2), "untrusted edit not applied");
    assertTrue(s.lastError().contains("writable by others"), s.lastError());
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-rw-r--"));
    // Debian's rule: group write is fine when the group's only member is this user (root's group
    // on a CI machine run as root, a user-private group otherwise).
    assertTrue(s.current().allows("u", null, "lists", "seq", 2), "group write tolerated");
  }

  @Test
  void policyUnderADirectoryOthersMayWriteIsNotTrusted() throws IOException {
    Path sub = Files.createDirectories(dir.resolve("etc/sshrpc"));
    Path f = Files.writeString(sub.resolve("policy"), "allow *\n");
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
    Files.setPosixFilePermissions(sub, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.setPosixFilePermissions(sub.getParent(), PosixFilePermissions.fromString("rwxrwxrwx"));
    IOException e = assertThrows(IOException.class, () -> PolicySource.watching(f));
    assertTrue(
        e.getMessage().startsWith("policy file " + f + " is not trusted: directory " + sub.getParent()),
        e.getMessage());
    assertTrue(e.getMessage().endsWith("is writable by others; run: chmod o-w " + sub.getParent()));

    Files.setPosixFilePermissions(sub.getParent(), PosixFilePermissions.fromString("rwxr-xr-x"));
    PolicySource s = PolicySource.watching(f);
    assertTrue(s.current().allows("u", null, "lists", "seq", 2));
    // Whoever could write the directory could swap the file; a swap changes the inode, so the
    // reload runs the check again and keeps the last good policy.
    Files.setPosixFilePermissions(sub, PosixFilePermissions.fromString("rwxrwxrwx"));
    Path swapped = Files.writeString(sub.resolve("evil"), "deny *\n");
    Files.move(swapped, f, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    assertTrue(s.current().allows("u", null, "lists", "seq", 2), "swapped policy not applied");
    assertTrue(s.lastError().contains("directory " + sub + " "), s.lastError());
  }

  @Test
  void minCheckIntervalBoundsHowOftenTheFileIsChecked() throws Exception {
    Path f = dir.resolve("policy");
    Files.writeString(f, "allow *\n");
    PolicySource s = PolicySource.watching(f, Duration.ofHours(1));
    assertTrue(s.current().allows("u", null, "lists", "seq", 2));
    replace(f, "deny *\n");
    assertTrue(s.current().allows("u", null, "lists", "seq", 2), "not re-checked within the interval");

    PolicySource quick = PolicySource.watching(f, Duration.ofMillis(20));
    replace(f, "allow *\n");
    boolean seen = false;
    for (int i = 0; i < 200 && !seen; i++) { // bounded: at most ~2 s
      seen = quick.current().allows("u", null, "lists", "seq", 2);
      if (!seen) {
        Thread.sleep(10);
      }
    }
    assertTrue(seen, "change seen after the interval");
    assertThrows(IllegalArgumentException.class, () -> PolicySource.watching(f, Duration.ofMillis(-1)));
  }

  @Test
  void badOrMissingFileAtStartIsAnError() throws IOException {
    assertThrows(NoSuchFileException.class, () -> PolicySource.watching(dir.resolve("none")));
    Path f = dir.resolve("policy");
    Files.writeString(f, "allow\n");
    assertThrows(IllegalArgumentException.class, () -> PolicySource.watching(f));
  }
}
