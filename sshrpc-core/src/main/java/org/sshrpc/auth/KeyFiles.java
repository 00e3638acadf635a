package org.sshrpc.auth;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;

/**
 * The key-file hygiene rules shared by the server's host key and the client's identities: the
 * OpenSSH rule that a private key readable by anyone but its owner is refused, and writing new key
 * files with mode 0600.
 */
public final class KeyFiles {
  private static final Set<PosixFilePermission> GROUP_OR_OTHERS =
      EnumSet.of(
          PosixFilePermission.GROUP_READ,
          PosixFilePermission.GROUP_WRITE,
          PosixFilePermission.GROUP_EXECUTE,
          PosixFilePermission.OTHERS_READ,
          PosixFilePermission.OTHERS_WRITE,
          PosixFilePermission.OTHERS_EXECUTE);

  private KeyFiles() {}

  /**
   * Refuses a private key file that group or others may access, as OpenSSH does ("UNPROTECTED
   * PRIVATE KEY FILE"). On file systems without POSIX permissions the check is skipped, because
   * there is nothing comparable to check.
   *
   * @throws IOException naming the file and its mode when the mode is too open, or when the file
   *     cannot be read
   */
  public static void checkPrivateKeyPermissions(Path file) throws IOException {
    PosixFileAttributeView view =
        Files.getFileAttributeView(file, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
    if (view == null) {
      return;
    }
    // Follow a symlink to the real file: its mode is what protects the key.
    Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
    EnumSet<PosixFilePermission> open = EnumSet.noneOf(PosixFilePermission.class);
    open.addAll(perms);
    open.retainAll(GROUP_OR_OTHERS);
    if (!open.isEmpty()) {
      throw new IOException(
          "private key file "
              + file
              + " has mode "
              + octal(perms)
              + " ("
              + PosixFilePermissions.toString(perms)
              + "): it is accessible by group or others and is refused; run: chmod 600 "
              + file);
    }
  }

  /** The permission set as a four-digit octal mode, e.g. {@code 0644}. */
  static String octal(Set<PosixFilePermission> perms) {
    int mode = 0;
    for (PosixFilePermission p : perms) {
      mode |= 1 << (8 - p.ordinal());
    }
    return String.format("0%03o", mode);
  }

  /**
   * Writes {@code content} to {@code file} atomically with mode 0600 (owner read/write only),
   * creating missing parent directories with mode 0700. The file is never visible with a wider
   * mode, even briefly.
   */
  static void writeOwnerOnly(Path file, byte[] content) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    boolean posix =
        parent.getFileSystem().supportedFileAttributeViews().contains("posix");
    if (!Files.isDirectory(parent)) {
      if (posix) {
        Files.createDirectories(
            parent,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      } else {
        Files.createDirectories(parent);
      }
    }
    Path tmp =
        posix
            ? Files.createTempFile(
                parent,
                "." + file.getFileName() + ".",
                ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))
            : Files.createTempFile(parent, "." + file.getFileName() + ".", ".tmp");
    try {
      Files.write(tmp, content, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
      } catch (java.nio.file.AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
