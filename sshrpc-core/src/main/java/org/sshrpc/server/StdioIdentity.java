package org.sshrpc.server;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.util.List;
import java.util.Map;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.PublicKeyEntryResolver;
import org.sshrpc.internal.TrustedFiles;

/**
 * Who the peer is when sshrpc runs as an OpenSSH {@code Subsystem} ({@code sshrpc stdio}): the
 * user, key and address that OpenSSH's sshd authenticated, read from the environment it gives the
 * subsystem process.
 *
 * <p>sshd sets {@code USER}/{@code LOGNAME} to the account it logged in and runs the subsystem as
 * that account; with {@code ExposeAuthInfo yes} it also writes the methods that authenticated the
 * session to the file named by {@code SSH_USER_AUTH}, one line each, a key as {@code publickey
 * TYPE BASE64}. {@code SSH_CONNECTION} gives the client address. sshd sets {@code USER}, {@code
 * LOGNAME} and {@code SSH_CONNECTION} after the variables a client sent ({@code AcceptEnv}), so a
 * client cannot choose them; as a cross-check the user must also be the account this process runs
 * as.
 *
 * <p>{@code SSH_USER_AUTH} is different: sshd sets it only with {@code ExposeAuthInfo yes}. With
 * {@code ExposeAuthInfo no} and an {@code AcceptEnv} pattern that matches it, the client's own
 * value stands, naming a file that lists a key the client never used. So the key is read only when
 * the operator says sshd sets the variable ({@code trustAuthInfo}, {@code sshrpc stdio
 * --trust-ssh-user-auth}); otherwise the session has no key and {@code key=} rules never match.
 * When trusted, the file must also look like the one sshd writes ({@link #checkAuthInfoFile}).
 */
final class StdioIdentity {
  /** The most bytes read from the {@code SSH_USER_AUTH} file: it holds a few key lines. */
  static final int MAX_AUTH_INFO = 64 * 1024;

  /** The directory sshd writes the auth info file to (session.c: mkstemp("/tmp/sshauth.XXX...")). */
  static final Path AUTH_INFO_DIR = Path.of("/tmp");

  // mkstemp replaces the 15 X's of "sshauth.XXXXXXXXXXXXXXX" with letters and digits.
  private static final java.util.regex.Pattern AUTH_INFO_NAME =
      java.util.regex.Pattern.compile("sshauth\\.[A-Za-z0-9]{15}");

  private final String user;
  private final String keyType;
  private final String keyFingerprint;
  private final List<String> certificatePrincipals;
  private final InetSocketAddress remoteAddress;

  StdioIdentity(
      String user,
      String keyType,
      String keyFingerprint,
      List<String> certificatePrincipals,
      InetSocketAddress remoteAddress) {
    this.user = user;
    this.keyType = keyType;
    this.keyFingerprint = keyFingerprint;
    this.certificatePrincipals = List.copyOf(certificatePrincipals);
    this.remoteAddress = remoteAddress;
  }

  /**
   * Reads the identity from {@code env} (normally {@link System#getenv()}).
   *
   * @param osUser the account this process runs as ({@code user.name}); the environment's user
   *     must equal it
   * @param trustAuthInfo whether {@code SSH_USER_AUTH} is read: only when sshd is known to set it
   *     ({@code ExposeAuthInfo yes}); otherwise it is ignored and the identity has no key
   * @throws IOException if the environment does not look like one sshd set up, or (trusted) the
   *     auth info file is not one sshd wrote, cannot be read or parsed; the message says which
   *     variable, file or line is wrong
   */
  static StdioIdentity fromEnvironment(Map<String, String> env, String osUser, boolean trustAuthInfo)
      throws IOException {
    String user = env.get("USER");
    if (user == null || user.isEmpty()) {
      user = env.get("LOGNAME");
    }
    if (user == null || user.isEmpty()) {
      throw new IOException(
          "neither USER nor LOGNAME is set: sshrpc stdio must be started by sshd as a Subsystem");
    }
    if (!user.equals(osUser)) {
      throw new IOException(
          "USER is " + quote(user) + " but this process runs as " + quote(osUser)
              + " (is PermitUserEnvironment on?)");
    }
    String keyType = null;
    String fingerprint = null;
    List<String> principals = List.of();
    String authFile = env.get("SSH_USER_AUTH");
    if (trustAuthInfo && authFile != null && !authFile.isEmpty()) {
      Path file = Path.of(authFile);
      checkAuthInfoFile(file, TrustedFiles.processUid());
      String[] key = firstPublicKey(readBounded(file), authFile);
      if (key != null) {
        PublicKey pk = parseKey(key[0], key[1], authFile);
        keyType = key[0];
        if (pk instanceof OpenSshCertificate) {
          OpenSshCertificate cert = (OpenSshCertificate) pk;
          // The certified key's fingerprint, as the built-in server's identity reports it.
          fingerprint = KeyUtils.getFingerPrint(cert.getCertPubKey());
          principals = List.copyOf(cert.getPrincipals());
        } else {
          fingerprint = KeyUtils.getFingerPrint(pk);
        }
      }
    }
    return new StdioIdentity(
        user, keyType, fingerprint, principals, remoteAddress(env.get("SSH_CONNECTION")));
  }

  /**
   * Refuses an {@code SSH_USER_AUTH} file that is not what sshd's {@code ExposeAuthInfo} writes: a
   * regular file (not a symlink) named {@code /tmp/sshauth.} and 15 letters or digits, created by
   * {@code mkstemp} with mode 0600 as the logged-in user (who is this process's user), one link.
   * That stops a variable pointing at somebody else's file or at a shared one; it cannot tell a
   * file this same user wrote in that shape, which is why the variable is read only when sshd is
   * known to set it.
   *
   * @param uid this process's uid, or -1 when unknown (the owner is then not compared)
   */
  static void checkAuthInfoFile(Path file, long uid) throws IOException {
    String why = null;
    if (!file.isAbsolute()
        || !AUTH_INFO_DIR.equals(file.getParent())
        || !AUTH_INFO_NAME.matcher(file.getFileName().toString()).matches()) {
      why = "its name is not /tmp/sshauth. and 15 letters or digits";
    } else {
      Map<String, Object> a;
      try {
        a = Files.readAttributes(file, "unix:mode,uid,nlink", LinkOption.NOFOLLOW_LINKS);
      } catch (UnsupportedOperationException | IllegalArgumentException e) {
        throw new IOException("SSH_USER_AUTH: cannot check " + file + " on this file system", e);
      }
      int mode = ((Number) a.get("mode")).intValue();
      long owner = ((Number) a.get("uid")).longValue();
      if ((mode & 0170000) != 0100000) {
        why = "it is not a regular file";
      } else if ((mode & 077) != 0) {
        why = String.format("its mode is %04o, not 0600", mode & 07777);
      } else if (uid >= 0 && owner != uid) {
        why = "it is owned by uid " + owner + ", not by this process's uid " + uid;
      } else if (((Number) a.get("nlink")).intValue() != 1) {
        why = "it has " + a.get("nlink") + " links";
      }
    }
    if (why != null) {
      throw new IOException(
          "SSH_USER_AUTH names " + quote(file.toString()) + ", which is not a file sshd's"
              + " ExposeAuthInfo wrote: " + why);
    }
  }

  private static String readBounded(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
      byte[] b = in.readNBytes(MAX_AUTH_INFO + 1);
      if (b.length > MAX_AUTH_INFO) {
        throw new IOException(
            "SSH_USER_AUTH file " + file + " is larger than " + MAX_AUTH_INFO + " bytes");
      }
      return new String(b, StandardCharsets.UTF_8);
    }
  }

  /**
   * The type and base64 of the first {@code publickey} line, or null if the session was not
   * authenticated by a key. With {@code AuthenticationMethods publickey,publickey} the first key
   * is the one reported.
   */
  private static String[] firstPublicKey(String text, String file) throws IOException {
    int n = 0;
    for (String line : text.split("\n")) {
      n++;
      if (!line.startsWith("publickey ")) {
        continue;
      }
      String[] p = line.trim().split("\\s+");
      if (p.length < 3) {
        throw new IOException(file + ":" + n + ": expected 'publickey TYPE BASE64'");
      }
      return new String[] {p[1], p[2]};
    }
    return null;
  }

  private static PublicKey parseKey(String type, String base64, String file) throws IOException {
    try {
      PublicKeyEntry e = PublicKeyEntry.parsePublicKeyEntry(type + " " + base64);
      PublicKey k = e.resolvePublicKey(null, Map.of(), PublicKeyEntryResolver.FAILING);
      if (k == null) {
        throw new IOException(file + ": unsupported key type " + quote(type));
      }
      return k;
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new IOException(file + ": bad " + quote(type) + " key: " + e.getMessage(), e);
    }
  }

  /** {@code SSH_CONNECTION} is "client-ip client-port server-ip server-port". */
  private static InetSocketAddress remoteAddress(String conn) {
    if (conn == null) {
      return null;
    }
    String[] p = conn.trim().split(" ");
    if (p.length != 4) {
      return null;
    }
    try {
      int port = Integer.parseInt(p[1]);
      if (port < 0 || port > 65535) {
        return null;
      }
      // Only literals reach getByName, so it never looks a name up.
      boolean v4 = p[0].matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}");
      boolean v6 = p[0].matches("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*(%[A-Za-z0-9_.-]+)?");
      if (!v4 && !v6) {
        return null;
      }
      return new InetSocketAddress(java.net.InetAddress.getByName(p[0]), port);
    } catch (IllegalArgumentException | java.net.UnknownHostException e) {
      return null;
    }
  }

  private static String quote(String s) {
    return "'" + s.replaceAll("[^\\x20-\\x7e]", "?") + "'";
  }

  String user() {
    return user;
  }

  /** The key type as sshd reported it (a certificate type for a certificate); null without a key. */
  String keyType() {
    return keyType;
  }

  /** {@code SHA256:...} of the key (the certified key, for a certificate); null without a key. */
  String keyFingerprint() {
    return keyFingerprint;
  }

  List<String> certificatePrincipals() {
    return certificatePrincipals;
  }

  /** The client's address from {@code SSH_CONNECTION}, or null if absent or malformed. */
  InetSocketAddress remoteAddress() {
    return remoteAddress;
  }

  @Override
  public String toString() {
    return "StdioIdentity[user=" + user + ", key=" + keyType + " " + keyFingerprint
        + (certificatePrincipals.isEmpty() ? "" : ", principals=" + certificatePrincipals)
        + ", from=" + remoteAddress + "]";
  }
}
