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
    Objects.requireNonNull(file, "file");
    // The delegate decides only for unknown hosts; a changed key never reaches it.
    ServerKeyVerifier unknownHosts = (session, remote, key) -> acceptNew;
    return new Verifier(unknownHosts, file, acceptNew);
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

  private static final class Verifier extends KnownHostsServerKeyVerifier {
    private final boolean acceptNew;

    Verifier(ServerKeyVerifier delegate, Path file, boolean acceptNew) {
      super(delegate, file);
      this.acceptNew = acceptNew;
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
      boolean ok = super.acceptUnknownHostKey(session, remote, serverKey);
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
      record(
          session,
          KnownHostsException.Kind.CHANGED_KEY,
          remote,
          actual,
          "host key for %s has CHANGED: server offers %s %s but "
              + getPath()
              + " lists "
              + KeyUtils.getKeyType(expected)
              + " "
              + KeyUtils.getFingerPrint(expected)
              + " (possible man-in-the-middle; refusing)");
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
