package org.sshrpc.internal;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code StrictModes} check for the files that decide who may log in and what they may do
 * (authorized_keys, trusted CA keys, revoked keys, the access policy, the host key): the file and
 * every directory above it, up to {@code /}, must be owned by root or by the user this process
 * runs as, and must not be writable by anyone else. Not API: one helper shared by every reader of
 * such a file.
 *
 * <p>This is OpenSSH's {@code safe_path()} (misc.c) with two documented differences:
 *
 * <ul>
 *   <li><b>Group write</b> is accepted, as Debian's OpenSSH accepts it, only when the group has
 *       exactly one member and that member is this process's user (a user-private group, the
 *       Debian default with umask 002). Membership is read from {@code /etc/passwd} and {@code
 *       /etc/group}; a group found in neither is not trusted.
 *   <li>A <b>sticky</b> directory writable by others ({@code /tmp}, mode 1777) is accepted as a
 *       directory on the path when root or this user owns it. Upstream OpenSSH refuses it (it
 *       tests {@code mode & 022} only), but the sticky bit means nobody but an entry's owner (or
 *       the directory's owner) may rename or remove it, and the entry below it is itself checked,
 *       so nobody else can change what the path resolves to.
 * </ul>
 *
 * <p>The path is resolved first ({@link Path#toRealPath}) and the resolved path is what is checked
 * and what callers must read, so a symlink cannot be switched between the check and the read.
 * Callers check when they (re)load the file: anyone able to swap a component later would change
 * what the path resolves to, which changes the file's inode, so the next change check reloads and
 * the check runs again. On a file system without POSIX attributes nothing comparable exists and
 * the check is skipped.
 */
public final class TrustedFiles {
  private static final int S_IFMT = 0170000;
  private static final int S_IFREG = 0100000;
  private static final int S_ISVTX = 01000;
  private static final int GROUP_WRITE = 020;
  private static final int OTHERS_WRITE = 02;

  private static final TrustedFiles SYSTEM =
      new TrustedFiles(
          processUid(),
          System.getProperty("user.name"),
          Path.of("/etc/passwd"),
          Path.of("/etc/group"));

  private final long selfUid;
  private final String selfName;
  private final Path passwd;
  private final Path group;

  /**
   * @param selfUid this process's uid, or -1 when unknown (owners are then compared by name)
   * @param selfName this process's user name
   */
  TrustedFiles(long selfUid, String selfName, Path passwd, Path group) {
    this.selfUid = selfUid;
    this.selfName = selfName;
    this.passwd = passwd;
    this.group = group;
  }

  /**
   * Checks {@code file} and every directory above it and returns its resolved path, which the
   * caller must read instead of {@code file}.
   *
   * @param what how the file is named in the error, e.g. {@code "authorized_keys file"}
   * @throws NoSuchFileException when the file does not exist
   * @throws IOException naming the file, the offending path component, its owner and mode, and the
   *     command that fixes it
   */
  public static Path check(Path file, String what) throws IOException {
    return SYSTEM.verify(file, what);
  }

  /** This process's uid, or -1 when it cannot be known (a JDK without {@code jdk.security.auth}). */
  public static long processUid() {
    try {
      return new com.sun.security.auth.module.UnixSystem().getUid();
    } catch (LinkageError | RuntimeException e) {
      return -1;
    }
  }

  /** Whether {@code file} is owned by uid 0 (by the name {@code root} where uids are unknown). */
  public static boolean ownedByRoot(Path file) throws IOException {
    if (file.getFileSystem().supportedFileAttributeViews().contains("unix")) {
      return ((Number) Files.getAttribute(file, "unix:uid")).longValue() == 0;
    }
    return "root".equals(Files.getOwner(file).getName());
  }

  /**
   * A value that changes whenever {@code file} is edited, replaced (renamed over: the inode
   * changes), or its mode, owner or group change: what decides whether to re-read and re-check
   * it. One stat, no user-name lookups (uids, not names), so it is cheap enough to take per call.
   *
   * @throws IOException when the file cannot be stat'ed ({@link NoSuchFileException} if missing)
   */
  public static Object stamp(Path file) throws IOException {
    Set<String> views = file.getFileSystem().supportedFileAttributeViews();
    if (views.contains("unix")) {
      Map<String, Object> a =
          Files.readAttributes(file, "unix:lastModifiedTime,size,dev,ino,mode,uid,gid");
      return List.of(
          a.get("lastModifiedTime"), a.get("size"), a.get("dev"), a.get("ino"), a.get("mode"),
          a.get("uid"), a.get("gid"));
    }
    if (views.contains("posix")) {
      PosixFileAttributes a = Files.readAttributes(file, PosixFileAttributes.class);
      return List.of(
          a.lastModifiedTime(), a.size(), String.valueOf(a.fileKey()), a.permissions(), a.owner(),
          a.group());
    }
    java.nio.file.attribute.BasicFileAttributes a =
        Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class);
    return List.of(a.lastModifiedTime(), a.size(), String.valueOf(a.fileKey()));
  }

  Path verify(Path file, String what) throws IOException {
    Set<String> views = file.getFileSystem().supportedFileAttributeViews();
    if (!views.contains("posix")) {
      return file;
    }
    boolean unix = views.contains("unix");
    Path real = file.toRealPath();
    String shown = real.equals(file) ? file.toString() : file + " (" + real + ")";
    Attrs a = Attrs.read(real, unix);
    if (!a.regular) {
      throw new IOException(what + " " + shown + " is not a regular file, so it is not trusted");
    }
    String bad = problem("file", real, a);
    for (Path p = real.getParent(); bad == null && p != null; p = p.getParent()) {
      bad = problem("directory", p, Attrs.read(p, unix));
    }
    if (bad != null) {
      throw new IOException(what + " " + shown + " is not trusted: " + bad);
    }
    return real;
  }

  /** Null when {@code p} is safe, else what is wrong and the fix. */
  private String problem(String kind, Path p, Attrs a) throws IOException {
    String desc = kind + " " + p + " (owner " + a.owner + ", group " + a.group + ", mode "
        + String.format("%04o", a.mode & 07777) + ")";
    if (!trustedOwner(a)) {
      boolean root = selfUid == 0 || (selfUid < 0 && "root".equals(selfName));
      return desc + (root ? " is not owned by root" : " is owned by neither root nor " + selfName
          + ", the user this server runs as") + "; run: chown " + selfName + " " + p;
    }
    boolean sticky = kind.equals("directory") && (a.mode & S_ISVTX) != 0;
    if ((a.mode & OTHERS_WRITE) != 0 && !sticky) {
      return desc + " is writable by others; run: chmod o-w " + p;
    }
    if ((a.mode & GROUP_WRITE) != 0 && !sticky && !privateGroup(a)) {
      return desc + " is writable by group " + a.group + ", which has members other than "
          + selfName + " (or whose members cannot be read from " + group + "); run: chmod g-w " + p;
    }
    return null;
  }

  private boolean trustedOwner(Attrs a) {
    if (a.uid >= 0 && selfUid >= 0) {
      return a.uid == 0 || a.uid == selfUid;
    }
    return a.owner.equals("root") || a.owner.equals(selfName);
  }

  /**
   * Debian's rule: the group has exactly one member, this process's user, counting users whose
   * primary group it is ({@code /etc/passwd}) and its listed members ({@code /etc/group}).
   */
  private boolean privateGroup(Attrs a) {
    if (a.gid < 0 || selfUid < 0) {
      return false;
    }
    try {
      List<String[]> groups = colonFile(group);
      String[] g = null;
      for (String[] e : groups) {
        if (e.length >= 3 && e[2].equals(Long.toString(a.gid))) {
          g = e;
          break;
        }
      }
      if (g == null) {
        return false;
      }
      int members = 0;
      for (String[] u : colonFile(passwd)) {
        if (u.length >= 4 && u[3].equals(Long.toString(a.gid))) {
          members++;
          if (!u[2].equals(Long.toString(selfUid))) {
            return false;
          }
        }
      }
      if (g.length >= 4 && !g[3].isEmpty()) {
        String[] listed = g[3].split(",");
        if (listed.length != 1 || !listed[0].equals(selfName)) {
          return false;
        }
        members++;
      }
      return members > 0;
    } catch (IOException e) {
      return false;
    }
  }

  // passwd and group are small system files; a bound keeps a huge one from costing memory.
  private static List<String[]> colonFile(Path f) throws IOException {
    List<String[]> out = new ArrayList<>();
    try (BufferedReader r = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
      String line;
      while ((line = r.readLine()) != null && out.size() < 1_000_000) {
        if (!line.isEmpty() && !line.startsWith("#")) {
          out.add(line.split(":", -1));
        }
      }
    }
    return out;
  }

  /** The attributes the check needs, from the {@code unix} view where there is one. */
  private static final class Attrs {
    final long uid;
    final long gid;
    final int mode;
    final String owner;
    final String group;
    final boolean regular;

    private Attrs(long uid, long gid, int mode, String owner, String group, boolean regular) {
      this.uid = uid;
      this.gid = gid;
      this.mode = mode;
      this.owner = owner;
      this.group = group;
      this.regular = regular;
    }

    static Attrs read(Path p, boolean unix) throws IOException {
      if (unix) {
        Map<String, Object> m =
            Files.readAttributes(p, "unix:uid,gid,mode,owner,group", LinkOption.NOFOLLOW_LINKS);
        int mode = ((Number) m.get("mode")).intValue();
        return new Attrs(
            ((Number) m.get("uid")).longValue(),
            ((Number) m.get("gid")).longValue(),
            mode,
            ((UserPrincipal) m.get("owner")).getName(),
            ((GroupPrincipal) m.get("group")).getName(),
            (mode & S_IFMT) == S_IFREG);
      }
      PosixFileAttributes a =
          Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      int mode = 0;
      for (PosixFilePermission perm : a.permissions()) {
        mode |= 1 << (8 - perm.ordinal());
      }
      return new Attrs(-1, -1, mode, a.owner().getName(), a.group().getName(), a.isRegularFile());
    }
  }
}
