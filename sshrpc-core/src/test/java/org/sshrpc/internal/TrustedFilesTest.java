package org.sshrpc.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The StrictModes check on real files in a temporary directory. As root (CI) it also hands path
 * components to {@code nobody}; as another user the same refusal is shown with the process's uid
 * pretended to be another one.
 */
class TrustedFilesTest {
  @TempDir Path dir;
  private long uid;
  private String me;
  private Path file;

  @BeforeEach
  void setUp() throws IOException {
    uid = TrustedFiles.processUid();
    me = System.getProperty("user.name");
    Files.createDirectories(dir.resolve("etc/sshrpc"));
    Files.setPosixFilePermissions(dir.resolve("etc"), PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.setPosixFilePermissions(
        dir.resolve("etc/sshrpc"), PosixFilePermissions.fromString("rwxr-xr-x"));
    file = Files.writeString(dir.resolve("etc/sshrpc/policy.conf"), "allow *\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
  }

  /** Java cannot set the sticky bit; chmod(1) can. */
  private static void chmod(String mode, Path p) throws IOException {
    try {
      Process c = new ProcessBuilder("chmod", mode, p.toString()).inheritIO().start();
      assertEquals(0, c.waitFor(), "chmod " + mode + " " + p);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  private TrustedFiles files() {
    return new TrustedFiles(uid, me, Path.of("/etc/passwd"), Path.of("/etc/group"));
  }

  private String refusal(TrustedFiles t, Path f) {
    return assertThrows(IOException.class, () -> t.verify(f, "policy file")).getMessage();
  }

  /** "(owner O, group G, mode M)" as the check prints it. */
  private static String attrs(Path p, String mode) throws IOException {
    return "(owner " + Files.getOwner(p).getName() + ", group "
        + Files.readAttributes(p, java.nio.file.attribute.PosixFileAttributes.class).group().getName()
        + ", mode " + mode + ")";
  }

  @Test
  void safeFileUnderTheStickyTmpIsAcceptedAndItsRealPathReturned() throws IOException {
    // dir is under /tmp (root, 1777): sticky, so nobody else can rename what is below it.
    assertEquals(file.toRealPath(), files().verify(file, "policy file"));
    Path link = Files.createSymbolicLink(dir.resolve("link"), file);
    assertEquals(file.toRealPath(), files().verify(link, "policy file"), "the target is what is read");
    assertEquals(file.toRealPath(), TrustedFiles.check(file, "policy file"));
  }

  @Test
  void worldWritableFileIsRefusedNamingItsModeAndTheFix() throws IOException {
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--rw-"));
    assertEquals(
        "policy file " + file + " is not trusted: file " + file + " " + attrs(file, "0646")
            + " is writable by others; run: chmod o-w " + file,
        refusal(files(), file));
  }

  @Test
  void everyComponentUpToTheRootIsChecked() throws IOException {
    Path etc = dir.resolve("etc");
    Files.setPosixFilePermissions(etc, PosixFilePermissions.fromString("rwxrwxrwx"));
    assertEquals(
        "policy file " + file + " is not trusted: directory " + etc + " " + attrs(etc, "0777")
            + " is writable by others; run: chmod o-w " + etc,
        refusal(files(), file));
    // Sticky and owned by a trusted user, like /tmp: accepted.
    chmod("1777", etc);
    files().verify(file, "policy file");
    // The symlink is resolved first: a link in a safe place to a file under an unsafe one is refused.
    Files.setPosixFilePermissions(etc, PosixFilePermissions.fromString("rwxrwxrwx"));
    Path link = Files.createSymbolicLink(dir.resolve("safe-link"), file);
    assertEquals(
        "policy file " + link + " (" + file.toRealPath() + ") is not trusted: directory " + etc + " "
            + attrs(etc, "0777") + " is writable by others; run: chmod o-w " + etc,
        refusal(files(), link));
  }

  @Test
  void aComponentOwnedBySomebodyElseIsRefused() throws IOException {
    Path sshrpc = dir.resolve("etc/sshrpc");
    if (uid == 0) {
      UserPrincipal nobody =
          sshrpc.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
      Files.setOwner(sshrpc, nobody);
      assertEquals(
          "policy file " + file + " is not trusted: directory " + sshrpc + " " + attrs(sshrpc, "0755")
              + " is not owned by root; run: chown root " + sshrpc,
          refusal(files(), file));
      // Also a sticky world-writable directory: the sticky bit protects only a trusted owner's.
      chmod("1777", sshrpc);
      assertEquals(
          "policy file " + file + " is not trusted: directory " + sshrpc + " " + attrs(sshrpc, "1777")
              + " is not owned by root; run: chown root " + sshrpc,
          refusal(files(), file));
      Files.setOwner(file, nobody);
      assertEquals(
          "policy file " + file + " is not trusted: file " + file + " " + attrs(file, "0644")
              + " is not owned by root; run: chown root " + file,
          refusal(files(), file));
      return;
    }
    // Not root: pretend this process is another user, so the files (owned by the real one, not
    // root) become foreign.
    TrustedFiles asOther = new TrustedFiles(uid + 4242, "svc", Path.of("/etc/passwd"), Path.of("/etc/group"));
    assertEquals(
        "policy file " + file + " is not trusted: file " + file + " " + attrs(file, "0644")
            + " is owned by neither root nor svc, the user this server runs as; run: chown svc " + file,
        refusal(asOther, file));
  }

  @Test
  void groupWriteOnlyForAGroupWhoseOnlyMemberIsThisUser() throws IOException {
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-rw-r--"));
    long gid = ((Number) Files.getAttribute(file, "unix:gid")).longValue();
    String groupName = Files.readAttributes(file, java.nio.file.attribute.PosixFileAttributes.class).group().getName();
    Path passwd = dir.resolve("passwd");
    Path group = dir.resolve("group");
    // Debian's user-private group: one member, this user, by primary group.
    Files.writeString(passwd, me + ":x:" + uid + ":" + gid + "::/home/" + me + ":/bin/sh\n");
    Files.writeString(group, groupName + ":x:" + gid + ":\n");
    TrustedFiles t = new TrustedFiles(uid, me, passwd, group);
    assertEquals(file.toRealPath(), t.verify(file, "policy file"));
    // ... or listed as its one supplementary member.
    Files.writeString(passwd, "");
    Files.writeString(group, groupName + ":x:" + gid + ":" + me + "\n");
    assertEquals(file.toRealPath(), t.verify(file, "policy file"));

    String refused =
        "policy file " + file + " is not trusted: file " + file + " " + attrs(file, "0664")
            + " is writable by group " + groupName + ", which has members other than " + me
            + " (or whose members cannot be read from " + group + "); run: chmod g-w " + file;
    Files.writeString(group, groupName + ":x:" + gid + ":" + me + ",mallory\n");
    assertEquals(refused, refusal(t, file), "a second listed member");
    Files.writeString(passwd, "mallory:x:" + (uid + 4242) + ":" + gid + "::/:/bin/sh\n");
    Files.writeString(group, groupName + ":x:" + gid + ":" + me + "\n");
    assertEquals(refused, refusal(t, file), "a second member by primary group");
    Files.writeString(passwd, "");
    Files.writeString(group, groupName + ":x:" + gid + ":\n");
    assertEquals(refused, refusal(t, file), "no member at all (e.g. a setgid group)");
    Files.writeString(group, "other:x:" + (gid + 1) + ":" + me + "\n");
    assertEquals(refused, refusal(t, file), "group unknown to /etc/group: not trusted");
  }

  @Test
  void notARegularFileOrMissing() throws IOException {
    Path sub = dir.resolve("etc/sshrpc");
    assertEquals(
        "policy file " + sub + " is not a regular file, so it is not trusted", refusal(files(), sub));
    assertThrows(NoSuchFileException.class, () -> files().verify(dir.resolve("nope"), "policy file"));
  }

  @Test
  void ownedByRoot() throws IOException {
    assertEquals(uid == 0, TrustedFiles.ownedByRoot(file));
    assertEquals(true, TrustedFiles.ownedByRoot(Path.of("/")));
  }
}
