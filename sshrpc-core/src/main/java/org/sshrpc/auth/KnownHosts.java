package org.sshrpc.auth;

import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.apache.sshd.client.config.hosts.KnownHostEntry;
import org.apache.sshd.client.keyverifier.KnownHostsServerKeyVerifier;
import org.apache.sshd.client.keyverifier.ServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.NamedFactory;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.apache.sshd.common.signature.BuiltinSignatures;
import org.apache.sshd.common.signature.Signature;
import org.apache.sshd.common.util.net.SshdSocketAddress;

/**
 * A verifier of server host keys against an OpenSSH {@code known_hosts} file, strict by default.
 *
 * <p>Plain and hashed ({@code |1|}) host names, {@code [host]:port} entries, {@code
 * @cert-authority} and {@code @revoked} markers are understood (MINA SSHD parses the file). An
 * unknown host is refused unless {@code acceptNew} is set, in which case its key is appended to
 * the file; a host whose key <em>changed</em> is always refused. When verification fails the
 * reason is kept for the session so that {@link #failure(ClientSession)} can report it precisely.
 */
public final class KnownHosts {
  /**
   * Why verification failed, per session. Not a session attribute: MINA clears those when the
   * session closes, which races with the caller reading the reason. Weak keys: a session nobody
   * asks about is forgotten with it.
   */
  private static final Map<ClientSession, KnownHostsException> FAILURES =
      Collections.synchronizedMap(new WeakHashMap<>());

  private KnownHosts() {}

  /**
   * Returns a verifier for this known_hosts file.
   *
   * @param file the file; it need not exist yet (every host is then unknown)
   * @param acceptNew whether an unknown host's key is accepted and recorded in {@code file}
   */
  public static ServerKeyVerifier verifier(Path file, boolean acceptNew) {
    return verifier(file, acceptNew, false);
  }

  /**
   * Returns a verifier for this known_hosts file that records new hosts as OpenSSH does: one line
   * {@code [host]:port type base64} (the bare host on port 22), the host as connected to, and
   * hashed ({@code |1|salt|hash}) when {@code hashNewEntries} is set ({@code HashKnownHosts yes}).
   * A missing directory is created with mode 0700; when the key cannot be recorded the connection
   * is refused with the reason, rather than accepted and silently forgotten.
   *
   * @param file the file; it need not exist yet (every host is then unknown)
   * @param acceptNew whether an unknown host's key is accepted and recorded in {@code file}
   * @param hashNewEntries whether recorded host names are hashed
   */
  public static ServerKeyVerifier verifier(Path file, boolean acceptNew, boolean hashNewEntries) {
    Objects.requireNonNull(file, "file");
    // The delegate decides only for unknown hosts; a changed key never reaches it.
    ServerKeyVerifier unknownHosts = (session, remote, key) -> acceptNew;
    return new Verifier(unknownHosts, file, acceptNew, hashNewEntries);
  }

  /** True if {@code file} exists and has an {@code @cert-authority} line. */
  public static boolean hasCertificateAuthorities(Path file) {
    try (java.util.stream.Stream<String> lines = java.nio.file.Files.lines(file)) {
      return lines.anyMatch(l -> l.trim().startsWith("@cert-authority"));
    } catch (java.io.IOException | java.io.UncheckedIOException e) {
      return false; // missing or unreadable: no certificate authorities to honour
    }
  }

  /**
   * The signature algorithms with the certificate form of each ({@code ...-cert-v01@openssh.com})
   * placed first, in the same order, so that a server with a host certificate presents it.
   */
  public static List<NamedFactory<Signature>> certificatesFirst(List<NamedFactory<Signature>> algorithms) {
    List<NamedFactory<Signature>> certs = new ArrayList<>();
    for (NamedFactory<Signature> f : algorithms) {
      BuiltinSignatures cert = BuiltinSignatures.fromFactoryName(f.getName() + "-cert-v01@openssh.com");
      if (cert != null && cert.isSupported() && !certs.contains(cert)) {
        certs.add(cert);
      }
    }
    List<NamedFactory<Signature>> all = new ArrayList<>(certs);
    for (NamedFactory<Signature> f : algorithms) {
      if (!all.contains(f)) {
        all.add(f);
      }
    }
    return all;
  }

  /**
   * The reason host key verification on this session failed, or null; forgotten once read.
   */
  public static KnownHostsException failure(ClientSession session) {
    return session == null ? null : FAILURES.remove(session);
  }

  static String hostName(SocketAddress remote) {
    if (remote instanceof InetSocketAddress) {
      InetSocketAddress a = (InetSocketAddress) remote;
      String h = a.getAddress() instanceof Inet6Address ? compressed((Inet6Address) a.getAddress()) : a.getHostString();
      return a.getPort() == 22 ? h : "[" + h + "]:" + a.getPort();
    }
    return String.valueOf(remote);
  }

  /**
   * The RFC 5952 text of an IPv6 address ({@code ::1}, not Java's {@code 0:0:0:0:0:0:0:1}), as
   * OpenSSH writes it in known_hosts.
   */
  static String compressed(Inet6Address a) {
    byte[] b = a.getAddress();
    int[] g = new int[8];
    for (int i = 0; i < 8; i++) {
      g[i] = ((b[2 * i] & 0xFF) << 8) | (b[2 * i + 1] & 0xFF);
    }
    int bestStart = -1;
    int bestLen = 1; // a single zero group is not compressed
    for (int i = 0; i < 8; ) {
      if (g[i] != 0) {
        i++;
        continue;
      }
      int j = i;
      while (j < 8 && g[j] == 0) {
        j++;
      }
      if (j - i > bestLen) {
        bestStart = i;
        bestLen = j - i;
      }
      i = j;
    }
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 8; i++) {
      if (i == bestStart) {
        sb.append("::");
        i += bestLen - 1;
        continue;
      }
      if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
        sb.append(':');
      }
      sb.append(Integer.toHexString(g[i]));
    }
    return sb.toString();
  }

  /**
   * The name a host is recorded and removed under: the host as connected to (not the address it
   * resolved to, as OpenSSH with its default {@code CheckHostIP no}), IPv6 literals compressed,
   * in brackets with the port unless the port is 22.
   */
  static String recordName(ClientSession session, SocketAddress remote) {
    SocketAddress target = session.getConnectAddress() != null ? session.getConnectAddress() : remote;
    if (!(target instanceof InetSocketAddress)) {
      return hostName(remote);
    }
    InetSocketAddress a = (InetSocketAddress) target;
    String h = a.getHostString();
    if (h.indexOf(':') >= 0) {
      try {
        // an IPv6 literal: parsed without any lookup
        java.net.InetAddress ip = java.net.InetAddress.getByName(h.startsWith("[") ? h.substring(1, h.length() - 1) : h);
        if (ip instanceof Inet6Address) {
          h = compressed((Inet6Address) ip);
        }
      } catch (java.net.UnknownHostException e) {
        // keep it as written
      }
    }
    return a.getPort() == 22 ? h : "[" + h + "]:" + a.getPort();
  }

  /** {@code |1|salt|hash} of {@code name}: HMAC-SHA1 keyed by a random salt, as OpenSSH hashes. */
  static String hashed(String name) {
    try {
      byte[] salt = new byte[20];
      new java.security.SecureRandom().nextBytes(salt);
      javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA1");
      mac.init(new javax.crypto.spec.SecretKeySpec(salt, "HmacSHA1"));
      byte[] h = mac.doFinal(name.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      java.util.Base64.Encoder b64 = java.util.Base64.getEncoder();
      return "|1|" + b64.encodeToString(salt) + "|" + b64.encodeToString(h);
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA1 unavailable", e);
    }
  }

  /** The line number (from 1) of {@code entry} in {@code file}, or 0 when not found. */
  static int lineOf(Path file, KnownHostEntry entry) {
    if (entry == null || entry.getConfigLine() == null) {
      return 0;
    }
    String wanted = entry.getConfigLine().strip();
    try {
      List<String> lines = java.nio.file.Files.readAllLines(file);
      for (int i = 0; i < lines.size(); i++) {
        if (lines.get(i).strip().equals(wanted)) {
          return i + 1;
        }
      }
    } catch (java.io.IOException | java.io.UncheckedIOException e) {
      // the file changed or vanished under us: report without a line number
    }
    return 0;
  }

  private static final class Verifier extends KnownHostsServerKeyVerifier {
    private final boolean acceptNew;
    private final boolean hashNewEntries;

    Verifier(ServerKeyVerifier delegate, Path file, boolean acceptNew, boolean hashNewEntries) {
      super(delegate, file);
      this.acceptNew = acceptNew;
      this.hashNewEntries = hashNewEntries;
    }

    /**
     * Appends {@code name type base64} as OpenSSH does: one line, no blank line, a newline
     * first only when the file does not end with one; the directory created 0700 if missing.
     */
    private void append(String name, PublicKey key) throws java.io.IOException {
      Path file = getPath();
      Path dir = file.toAbsolutePath().getParent();
      if (dir != null && !java.nio.file.Files.isDirectory(dir)) {
        try {
          java.nio.file.Files.createDirectories(
              dir,
              java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                  java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
        } catch (java.io.IOException | UnsupportedOperationException e) {
          throw new java.io.IOException("cannot create directory " + dir + ": " + e, e);
        }
      }
      StringBuilder line = new StringBuilder();
      line.append(hashNewEntries ? hashed(name) : name).append(' ');
      org.apache.sshd.common.config.keys.PublicKeyEntry.appendPublicKeyEntry(line, key);
      line.append('\n');
      synchronized (updateLock) {
        boolean needsNewline = false;
        if (java.nio.file.Files.isRegularFile(file) && java.nio.file.Files.size(file) > 0) {
          try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(file.toFile(), "r")) {
            f.seek(f.length() - 1);
            needsNewline = f.read() != '\n';
          }
        }
        java.nio.file.Files.writeString(
            file,
            (needsNewline ? "\n" : "") + line,
            java.nio.file.StandardOpenOption.CREATE,
            java.nio.file.StandardOpenOption.APPEND);
      }
      resetReloadAttributes(); // read again on the next verification
    }

    /**
     * Adds the compressed text of IPv6 addresses to MINA's candidates (the address as reported,
     * and the connect target), so that OpenSSH's {@code [::1]:2222} entries match.
     */
    @Override
    protected Collection<SshdSocketAddress> resolveHostNetworkIdentities(
        ClientSession session, SocketAddress remote) {
      Collection<SshdSocketAddress> base = super.resolveHostNetworkIdentities(session, remote);
      Set<SshdSocketAddress> all = new TreeSet<>(SshdSocketAddress.BY_HOST_AND_PORT);
      all.addAll(base);
      for (SocketAddress a : new SocketAddress[] {remote, session.getConnectAddress()}) {
        if (a instanceof InetSocketAddress && ((InetSocketAddress) a).getAddress() instanceof Inet6Address) {
          InetSocketAddress i = (InetSocketAddress) a;
          all.add(new SshdSocketAddress(compressed((Inet6Address) i.getAddress()), i.getPort()));
        }
      }
      return all;
    }

    @Override
    protected boolean acceptKnownHostEntries(
        ClientSession session, SocketAddress remote, PublicKey serverKey, Collection<HostEntryPair> knownHosts) {
      boolean ok = super.acceptKnownHostEntries(session, remote, serverKey, knownHosts);
      if (!ok && !FAILURES.containsKey(session) && serverKey instanceof OpenSshCertificate) {
        PublicKey ca = ((OpenSshCertificate) serverKey).getCaPubKey();
        record(
            session,
            KnownHostsException.Kind.UNKNOWN_HOST,
            remote,
            serverKey,
            "host certificate for %s is not trusted: %s %s is signed by CA "
                + KeyUtils.getKeyType(ca)
                + " "
                + KeyUtils.getFingerPrint(ca)
                + ", which no @cert-authority line in "
                + getPath()
                + " lists for this host");
      }
      return ok;
    }

    @Override
    protected boolean acceptUnknownHostKey(
        ClientSession session, SocketAddress remote, PublicKey serverKey) {
      boolean ok = acceptNew && !(serverKey instanceof OpenSshCertificate);
      if (ok) {
        String name = recordName(session, remote);
        try {
          append(name, serverKey);
        } catch (java.io.IOException | RuntimeException e) {
          String type = KeyUtils.getKeyType(serverKey);
          String fp = KeyUtils.getFingerPrint(serverKey);
          FAILURES.put(
              session,
              new KnownHostsException(
                  KnownHostsException.Kind.UNKNOWN_HOST, name, type, fp,
                  "cannot record the host key for " + name + " (" + type + " " + fp + ") in " + getPath()
                      + ": " + e.getMessage() + "; refusing rather than forgetting it"));
          return false;
        }
      }
      if (!ok) {
        record(
            session,
            KnownHostsException.Kind.UNKNOWN_HOST,
            remote,
            serverKey,
            "host key for %s is not known: %s %s (not in "
                + getPath()
                + (acceptNew ? ")" : "; accept it explicitly to record it)"));
      }
      return ok;
    }

    @Override
    public boolean acceptModifiedServerKey(
        ClientSession session,
        SocketAddress remote,
        KnownHostEntry entry,
        PublicKey expected,
        PublicKey actual) {
      int line = lineOf(getPath(), entry);
      String name = recordName(session, remote);
      // String.format runs over this text: a '%' in a path must stay literal
      String where = (getPath() + (line > 0 ? ":" + line : "")).replace("%", "%%");
      String file = getPath().toString().replace("'", "'\\''").replace("%", "%%");
      name = name.replace("%", "%%");
      record(
          session,
          KnownHostsException.Kind.CHANGED_KEY,
          remote,
          actual,
          "host key for %s has CHANGED: server offers %s %s but "
              + where
              + " lists "
              + KeyUtils.getKeyType(expected)
              + " "
              + KeyUtils.getFingerPrint(expected)
              + " (possible man-in-the-middle; refusing); if the change is expected, remove the old key with:"
              + " ssh-keygen -f '" + file + "' -R '" + name.replace("'", "'\\''") + "'");
      return false;
    }

    @Override
    protected void handleRevokedKey(ClientSession session, SocketAddress remote, PublicKey key) {
      record(
          session,
          KnownHostsException.Kind.REVOKED_KEY,
          remote,
          key,
          "host key for %s is REVOKED: %s %s (marked @revoked in " + getPath() + ")");
    }

    private static void record(
        ClientSession session,
        KnownHostsException.Kind kind,
        SocketAddress remote,
        PublicKey key,
        String format) {
      String host = hostName(remote);
      String type = KeyUtils.getKeyType(key);
      String fp = KeyUtils.getFingerPrint(key);
      FAILURES.put(session, new KnownHostsException(kind, host, type, fp, String.format(format, host, type, fp)));
    }
  }
}
