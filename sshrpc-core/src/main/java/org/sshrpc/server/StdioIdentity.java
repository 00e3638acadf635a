package org.sshrpc.server;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.util.List;
import java.util.Map;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.PublicKeyEntryResolver;

/**
 * Who the peer is when sshrpc runs as an OpenSSH {@code Subsystem} ({@code sshrpc stdio}): the
 * user, key and address that OpenSSH's sshd authenticated, read from the environment it gives the
 * subsystem process.
 *
 * <p>sshd sets {@code USER}/{@code LOGNAME} to the account it logged in and runs the subsystem as
 * that account; with {@code ExposeAuthInfo yes} it also writes the methods that authenticated the
 * session to the file named by {@code SSH_USER_AUTH}, one line each, a key as {@code publickey
 * TYPE BASE64}. {@code SSH_CONNECTION} gives the client address. These variables are trustworthy
 * only with {@code PermitUserEnvironment no} (sshd's default), which the operator's guide
 * requires; as a cross-check the user must also be the account this process runs as.
 */
final class StdioIdentity {
  /** The most bytes read from the {@code SSH_USER_AUTH} file: it holds a few key lines. */
  static final int MAX_AUTH_INFO = 64 * 1024;

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
   * @throws IOException if the environment does not look like one sshd set up, or the auth info
   *     file cannot be read or parsed; the message says which variable or line is wrong
   */
  static StdioIdentity fromEnvironment(Map<String, String> env, String osUser) throws IOException {
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
    if (authFile != null && !authFile.isEmpty()) {
      String[] key = firstPublicKey(readBounded(Path.of(authFile)), authFile);
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

  private static String readBounded(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
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
